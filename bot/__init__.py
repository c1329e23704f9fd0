"""mailbot: a support assistant that gets hosting customers' mailboxes working (POP3, IMAP, SMTP)."""

__version__ = "0.1.0"
