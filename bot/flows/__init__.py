"""Conversations of several steps (the setup guide; IMAP activation and handoff come next)."""
