"""The knowledge base: loading and checking ``knowledge/`` (articles, guides, servers, word lists), and
the start-up cache."""
