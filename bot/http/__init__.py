"""The bot's HTTP server: the webhook, mail programs' autoconfiguration, and the operator's metrics and probes."""
