"""One durable job runner for everything the bot does on its own (check-ins, daily tips, purges)."""
