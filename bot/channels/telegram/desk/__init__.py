"""The support group on Telegram: tickets relayed both ways, the team's commands, topics, who the team is."""
