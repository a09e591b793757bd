"""The bot's knowledge: tips, FAQ, technique guides and the safety check, loaded from content/*.yaml.

Nothing in this package imports discord: it is tested directly and shared by the cogs and the console.
"""
