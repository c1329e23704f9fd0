"""Channels: adapters between a messaging platform and the conversation core."""
