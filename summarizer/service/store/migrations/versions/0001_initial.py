"""Initial schema: papers, jobs, cards and card revisions.

Revision ID: 0001
Revises:
Create Date: 2026-08-01
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from summarizer.jobs import JobState, Stage, sql_one_of

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json(*, none_as_null: bool = False) -> sa.types.TypeEngine[Any]:
    # spelled out here rather than imported from models: a revision must keep meaning what it meant
    return sa.JSON(none_as_null=none_as_null).with_variant(
        postgresql.JSONB(none_as_null=none_as_null), "postgresql"
    )


def upgrade() -> None:
    """Create the four tables with their keys, constraints and indexes."""
    op.create_table(
        "papers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("arxiv_id", sa.String(64), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_papers"),
        sa.UniqueConstraint("arxiv_id", name="uq_papers_arxiv_id"),
    )
    op.create_table(
        "cards",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("arxiv_id", sa.String(64), nullable=False),
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("current_revision", sa.Integer(), nullable=False),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cards"),
        sa.UniqueConstraint("arxiv_id", name="uq_cards_arxiv_id"),
        sa.ForeignKeyConstraint(["paper_id"], ["papers.id"], name="fk_cards_paper_id_papers"),
    )
    op.create_table(
        "card_revisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("data", _json(), nullable=False),
        sa.Column("author", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_fields", _json(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_card_revisions"),
        sa.UniqueConstraint("card_id", "number", name="uq_card_revisions_card_id_number"),
        sa.ForeignKeyConstraint(["card_id"], ["cards.id"], name="fk_card_revisions_card_id_cards"),
    )
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("arxiv_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("pipeline_version", sa.String(128), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("stage", sa.String(16), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("stage_attempts", _json(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("error_permanent", sa.Boolean(), nullable=False),
        sa.Column("timings", _json(), nullable=False),
        sa.Column("result", _json(none_as_null=True), nullable=True),
        sa.Column("card_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_jobs"),
        sa.UniqueConstraint("key", name="uq_jobs_key"),
        sa.ForeignKeyConstraint(["card_id"], ["cards.id"], name="fk_jobs_card_id_cards"),
        # states and stages are read from their one home (summarizer.jobs); a change to either enum comes
        # with a migration that alters these two constraints on existing databases
        sa.CheckConstraint(sql_one_of("state", JobState), name="ck_jobs_state"),
        sa.CheckConstraint("stage IS NULL OR " + sql_one_of("stage", Stage), name="ck_jobs_stage"),
    )
    op.create_index("ix_jobs_arxiv_id", "jobs", ["arxiv_id"])
    op.create_index("ix_jobs_state_created_at", "jobs", ["state", "created_at"])


def downgrade() -> None:
    """Drop the four tables (and every job and card in them)."""
    op.drop_index("ix_jobs_state_created_at", table_name="jobs")
    op.drop_index("ix_jobs_arxiv_id", table_name="jobs")
    op.drop_table("jobs")
    op.drop_table("card_revisions")
    op.drop_table("cards")
    op.drop_table("papers")
