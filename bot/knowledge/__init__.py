"""The knowledge base: loading and validating ``knowledge/``, and answering questions from it."""
