"""kneadbot: a safety-first Discord bot for people who give or receive leg massages."""
