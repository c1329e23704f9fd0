"""The Telegram channel: updates in through the inbox, the conversation's replies out, the support group.

    service.py   builds the parts and runs them: start-up, intake, background work, a clean stop
    polling.py   getUpdates by the replica holding the poller's role; Telegram's 409 decided here
    updates.py   the inbox: updates stored (polled or from the webhook), then handled chat by chat
    handlers.py  python-telegram-bot's handlers around the conversation
    jobs.py      leases kept, retention, idle tickets, the command menu
    calls.py     the Bot API through outages (retries, waiting for Telegram at start)
    limiter.py   Telegram's rate limits and its 429s
    render.py    replies as Telegram HTML and keyboards
    desk/        the support group: relays, team commands, topics
"""
