"""Storage for SQLite and PostgreSQL: `db` opens and migrates, `schema` declares the tables, one module of
queries per table family. SQL lives only in this package, values always travel as parameters, and
nothing here imports a service package (bot.checkins, bot.daily, bot.guilds, bot.library): the values
it builds are in bot.models.
"""
