"""One cog per feature. Every public module here is loaded as an extension by KneadBot."""
