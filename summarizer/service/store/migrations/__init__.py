"""Alembic migrations of the store (a package so the revisions ship inside the wheel)."""
