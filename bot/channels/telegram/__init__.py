"""The Telegram channel: updates in through the inbox, the conversation's replies out, the support group."""
