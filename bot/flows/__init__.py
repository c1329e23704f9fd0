"""Conversations of several steps, one module each: the setup guide, IMAP activation, the hand-over to
the team, and triage of a problem told too vaguely."""
