"""The heartbeat the running bot writes and ``mailbot health`` reads (a container health check)."""

HEARTBEAT_FILE = "heartbeat"
HEARTBEAT_SECONDS = 30
STALE_AFTER = 4 * HEARTBEAT_SECONDS
# Polling that has not had an answer from Telegram for this long is stuck (a long poll lasts 25 s).
NO_PROGRESS_AFTER = 180
