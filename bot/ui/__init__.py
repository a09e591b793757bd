"""Everything a member sees: embeds, views and mention-safe text. The only place that builds them."""
