"""Digests: one per day, its plan while its cards are drafted, its revisions and its review.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# spelled out, not read from summarizer.jobs: a revision must keep meaning what it meant
STATES = ("draft", "returned", "approved")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    """Create the digests and digest_revisions tables."""
    op.create_table(
        "digests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("plan", JSON, nullable=False),
        sa.Column("current_revision", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("review_state", sa.String(16), nullable=False, server_default="draft"),
        sa.Column("approved_revision", sa.Integer(), nullable=True),
        sa.Column("reviewed_by", sa.String(64), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"review_state IN ({', '.join(repr(s) for s in STATES)})",
                           name="ck_digests_review_state"),
        sa.UniqueConstraint("day", name="uq_digests_day"),
    )
    op.create_table(
        "digest_revisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("digest_id", sa.Integer(), sa.ForeignKey("digests.id", name="fk_digest_revisions_digest_id_digests"),
                  nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("author", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.UniqueConstraint("digest_id", "number", name="uq_digest_revisions_digest_id_number"),
    )


def downgrade() -> None:
    """Drop them (digests are lost)."""
    op.drop_table("digest_revisions")
    op.drop_table("digests")
