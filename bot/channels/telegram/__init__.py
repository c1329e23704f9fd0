"""The Telegram channel: updates in through the inbox, the conversation's replies out, the support group.

    service.py   builds the parts and runs them: start-up, intake, background work, a clean stop
    polling.py   getUpdates by the replica holding the poller's role; Telegram's 409 decided here
    updates.py   the inbox: updates stored (polled or from the webhook), then handled chat by chat
    handlers.py  python-telegram-bot's handlers around the conversation
    gate.py      before any handler: banned customers and floods
    inbound.py   an update as the conversation's Inbound
    runner.py    one turn: respond, then carry out its replies and effects
    sender.py    replies sent as Telegram messages
    jobs.py      leases kept, retention, idle tickets, the command menu
    botapi/      the Bot API through outages, Telegram's limits and 429s, replies as Telegram HTML
    desk/        the support group: relays, team commands, topics
"""
