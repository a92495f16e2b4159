"""Alembic migrations of the catalog (see env.py)."""
