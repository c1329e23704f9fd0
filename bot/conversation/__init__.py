"""The conversation layer: routing events to answers and flows, and the texts it says itself."""
