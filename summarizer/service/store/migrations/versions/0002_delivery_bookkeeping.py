"""Delivery bookkeeping on jobs: the chain that owns a job, where its stage is, and crashes per stage.

Lets a worker tell a crash's redelivery (counted by the poison guard) from a duplicate (skipped, never
counted) and from a transient error's retry (RELIABILITY.md §1; workers/tasks.py).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# spelled out, not read from summarizer.jobs: a revision must keep meaning what it meant
STAGE_STATUSES = ("started", "finished", "failed")


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    """Add chain, stage_status and stage_crashes to jobs (batch mode: SQLite rebuilds the table)."""
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("chain", sa.String(64), nullable=True))
        batch.add_column(sa.Column("stage_status", sa.String(16), nullable=True))
        batch.add_column(sa.Column("stage_crashes", _json(), nullable=False, server_default="{}"))
        values = ", ".join(f"'{status}'" for status in STAGE_STATUSES)
        batch.create_check_constraint("stage_status", f"stage_status IS NULL OR stage_status IN ({values})")


def downgrade() -> None:
    """Drop the three columns."""
    with op.batch_alter_table("jobs") as batch:
        batch.drop_constraint("ck_jobs_stage_status", type_="check")
        batch.drop_column("stage_crashes")
        batch.drop_column("stage_status")
        batch.drop_column("chain")
