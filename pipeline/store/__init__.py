"""The store: sqlmodel tables, named migrations, and the small repositories the jobs call.

SQLite by default (WAL, one file in the data folder), PostgreSQL or any SQLAlchemy URL by setting.
"""
