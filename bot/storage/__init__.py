"""SQLite storage: `db` opens and migrates the database; one module of SQL per table family.

SQL lives only in this package and values always travel as parameters.
"""
