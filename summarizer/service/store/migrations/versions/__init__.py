"""Alembic revisions, oldest first by down_revision (a package so they ship inside the wheel)."""
