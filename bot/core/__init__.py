"""The conversation core: channel-independent types, sessions and the dialogue. No Telegram here."""
