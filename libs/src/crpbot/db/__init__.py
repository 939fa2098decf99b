"""Persistence: typed SQLAlchemy models, Alembic migrations and thin repositories."""
