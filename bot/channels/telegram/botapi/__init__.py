"""Talking to the Bot API, shared by the channel and its support desk: calls retried through outages
(``calls``), Telegram's budgets and 429s (``limiter``), and replies rendered as Telegram HTML (``render``)."""
