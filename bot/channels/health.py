"""The heartbeat the running bot writes and ``mailbot health`` reads (a container health check)."""

HEARTBEAT_FILE = "heartbeat"
HEARTBEAT_SECONDS = 30
STALE_AFTER = 4 * HEARTBEAT_SECONDS
