"""Catalog revisions, applied in order by `alembic upgrade head`."""
