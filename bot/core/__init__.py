"""What every part shares: inbound and reply types, typed button data, the session, the flood guard, and the
ports the conversation needs. It imports no flow, no store, no channel, no mail or Telegram library."""
