"""SQLAlchemy models of the job and card store; the Alembic migrations create these tables, nothing else."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeEngine

from summarizer.jobs import JobState, ReviewState, Stage, StageStatus, sql_one_of
from summarizer.service.accounts import CredentialKind, Role

# Deterministic constraint names, so later migrations can drop or alter constraints by name on PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def json_type(*, none_as_null: bool = False) -> TypeEngine[Any]:
    """JSON on SQLite, JSONB on PostgreSQL (indexable, compact); none_as_null stores None as SQL NULL."""
    return JSON(none_as_null=none_as_null).with_variant(JSONB(none_as_null=none_as_null), "postgresql")


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and read back timezone-aware (SQLite keeps no offset, PostgreSQL does)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            # a naive time is ambiguous; refusing it keeps local times from being stored as UTC
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware UTC time")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        # SQLite returns what was bound, without its offset; it was UTC when written
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Reviewed:
    """Where a card or a digest is in review: the approved revision (what is published), who decided, when, why."""

    approved_revision: Mapped[int | None] = mapped_column(Integer)
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_comment: Mapped[str | None] = mapped_column(Text)


class Paper(Base):
    """One arXiv paper, by its unversioned id."""

    __tablename__ = "papers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    arxiv_id: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Job(Base):
    """One pipeline run for a key (arxiv id, version, pipeline version); re-queued in place on force."""

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(sql_one_of("state", JobState), name="state"),
        CheckConstraint("stage IS NULL OR " + sql_one_of("stage", Stage), name="stage"),
        CheckConstraint("stage_status IS NULL OR " + sql_one_of("stage_status", StageStatus), name="stage_status"),
        # list_jobs filters by state and orders newest first
        Index("ix_jobs_state_created_at", "state", "created_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    arxiv_id: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int | None] = mapped_column(Integer)
    pipeline_version: Mapped[str] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(String(16), default=JobState.QUEUED.value)
    stage: Mapped[str | None] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    stage_attempts: Mapped[dict[str, int]] = mapped_column(json_type(), default=dict)  # starts per stage
    # the chain of messages that owns the job (Celery's root task id), claimed by its first stage: a
    # delivery from any other chain is a duplicate (workers/tasks.py)
    chain: Mapped[str | None] = mapped_column(String(64))
    stage_status: Mapped[str | None] = mapped_column(String(16))  # of `stage`: a StageStatus
    # starts per stage that never ended (their worker died): the poison guard counts these, not retries
    stage_crashes: Mapped[dict[str, int]] = mapped_column(json_type(), default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    error_permanent: Mapped[bool] = mapped_column(Boolean, default=False)
    timings: Mapped[dict[str, float]] = mapped_column(json_type(), default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(json_type(none_as_null=True))
    card_id: Mapped[int | None] = mapped_column(ForeignKey("cards.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CardRecord(Reviewed, Base):
    """The card of one paper: points at its current revision."""

    __tablename__ = "cards"
    __table_args__ = (CheckConstraint(sql_one_of("review_state", ReviewState), name="review_state"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    arxiv_id: Mapped[str] = mapped_column(String(64), unique=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id"))
    # the revision editors see and edit; a model re-run beside an editor's work is stored but not current
    current_revision: Mapped[int] = mapped_column(Integer, default=0)
    review_state: Mapped[str] = mapped_column(String(16), default=ReviewState.DRAFT.value, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CardRevision(Base):
    """One saved version of a card (by the pipeline or an editor); never updated after insert."""

    __tablename__ = "card_revisions"
    __table_args__ = (UniqueConstraint("card_id", "number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"))
    number: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(json_type())
    author: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_fields: Mapped[list[str]] = mapped_column(json_type(), default=list)
    note: Mapped[str | None] = mapped_column(Text)


class DigestRecord(Reviewed, Base):
    """The digest of one day: its plan (picks, candidates, jobs) while drafted, then its revisions' head."""

    __tablename__ = "digests"
    __table_args__ = (CheckConstraint(sql_one_of("review_state", ReviewState), name="review_state"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[str] = mapped_column(String(10), unique=True)  # YYYY-MM-DD: one digest per day
    plan: Mapped[dict[str, Any]] = mapped_column(json_type())
    current_revision: Mapped[int] = mapped_column(Integer, default=0)  # 0: its cards are being drafted
    review_state: Mapped[str] = mapped_column(String(16), default=ReviewState.DRAFT.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class DigestRevision(Base):
    """One saved version of a digest (assembled by the run, or an editor's); never updated after insert."""

    __tablename__ = "digest_revisions"
    __table_args__ = (UniqueConstraint("digest_id", "number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest_id: Mapped[int] = mapped_column(ForeignKey("digests.id"))
    number: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(json_type())
    author: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)


class User(Base):
    """Someone who signs in: an editor, or an admin who may also force re-runs."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(sql_one_of("role", Role), name="role"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)  # argon2, never the password
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Credential(Base):
    """A browser session or an API token of a user, stored as the SHA-256 of the token."""

    __tablename__ = "credentials"
    __table_args__ = (CheckConstraint(sql_one_of("kind", CredentialKind), name="kind"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: an API token, until revoked
