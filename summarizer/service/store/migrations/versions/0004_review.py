"""Review: a card is a draft, returned with a comment, or approved at one revision (what gets published).

Replaces the unused `approved` flag by `review_state` and `approved_revision`, with who reviewed it, when,
and their comment. Existing approved cards stay approved at their current revision.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# spelled out, not read from summarizer.jobs: a revision must keep meaning what it meant
STATES = ("draft", "returned", "approved")


def upgrade() -> None:
    """Add the review columns, carry approvals over, drop the flag."""
    with op.batch_alter_table("cards") as batch:  # SQLite alters tables by copying them
        batch.add_column(sa.Column("review_state", sa.String(16), nullable=False, server_default="draft"))
        batch.add_column(sa.Column("approved_revision", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("reviewed_by", sa.String(64), nullable=True))
        batch.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("review_comment", sa.Text(), nullable=True))
        batch.create_check_constraint(
            "review_state", f"review_state IN ({', '.join(repr(state) for state in STATES)})")
        batch.create_index("ix_cards_review_state", ["review_state"])
    op.execute(
        "UPDATE cards SET review_state = 'approved', approved_revision = current_revision WHERE approved"
    )
    with op.batch_alter_table("cards") as batch:
        batch.drop_column("approved")


def downgrade() -> None:
    """Back to the flag: a card is approved when its review says so."""
    with op.batch_alter_table("cards") as batch:
        batch.add_column(sa.Column("approved", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("UPDATE cards SET approved = (review_state = 'approved')")
    with op.batch_alter_table("cards") as batch:
        batch.drop_index("ix_cards_review_state")
        batch.drop_constraint("ck_cards_review_state", type_="check")
        for column in ("review_comment", "reviewed_at", "reviewed_by", "approved_revision", "review_state"):
            batch.drop_column(column)
