"""Plain, immutable views of stored rows: what the Store returns instead of session-bound ORM objects."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from summarizer.card import Card
from summarizer.digest.compose import Digest
from summarizer.jobs import JobState, ReviewState, Stage, StageStatus
from summarizer.service.accounts import Role
from summarizer.service.store.models import CardRecord, CardRevision, DigestRecord, DigestRevision, Job, User


class JobView(BaseModel):
    """A job as stored: its key, state, stage, attempts, timings and the card it produced."""

    model_config = ConfigDict(frozen=True, from_attributes=True)
    id: int
    key: str
    arxiv_id: str
    version: int | None
    pipeline_version: str
    state: JobState
    stage: Stage | None
    attempts: int
    stage_attempts: dict[str, int]
    stage_crashes: dict[str, int]
    chain: str | None
    stage_status: StageStatus | None
    error: str | None
    error_permanent: bool
    timings: dict[str, float]
    result: dict[str, Any] | None
    card_id: int | None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, job: Job) -> JobView:
        """The view of a Job row (read inside its session)."""
        return cls.model_validate(job)


class Review(BaseModel):
    """Where a card is in review: its state, the approved revision (the published one), who said so and why."""

    model_config = ConfigDict(frozen=True)
    state: ReviewState = ReviewState.DRAFT
    approved_revision: int | None = None
    by: str | None = None
    at: datetime | None = None
    comment: str | None = None

    @classmethod
    def of(cls, record: CardRecord | DigestRecord) -> Review:
        """The review of a card's or a digest's record (read inside its session)."""
        return cls(state=ReviewState(record.review_state), approved_revision=record.approved_revision,
                   by=record.reviewed_by, at=record.reviewed_at, comment=record.review_comment)


class RevisionView(BaseModel):
    """One saved revision of a card."""

    model_config = ConfigDict(frozen=True)
    number: int
    card: Card
    author: str
    created_at: datetime
    changed_fields: list[str]
    note: str | None

    @classmethod
    def of(cls, revision: CardRevision) -> RevisionView:
        """The view of a CardRevision row (read inside its session)."""
        return cls(
            number=revision.number,
            card=Card.model_validate(revision.data),
            author=revision.author,
            created_at=revision.created_at,
            changed_fields=list(revision.changed_fields),
            note=revision.note,
        )


class CardView(BaseModel):
    """A paper's card at its current revision; pass `revision` back to save_revision as expected_revision."""

    model_config = ConfigDict(frozen=True)
    id: int
    arxiv_id: str
    card: Card
    revision: int
    review: Review
    author: str
    created_at: datetime
    updated_at: datetime

    @property
    def approved(self) -> bool:
        """Whether the current revision is the approved one."""
        return self.review.state is ReviewState.APPROVED

    @classmethod
    def of(cls, record: CardRecord, current: CardRevision) -> CardView:
        """The view of a CardRecord and its current revision (read inside their session)."""
        return cls(
            id=record.id,
            arxiv_id=record.arxiv_id,
            card=Card.model_validate(current.data),
            revision=record.current_revision,
            review=Review.of(record),
            author=current.author,
            created_at=record.created_at,
            updated_at=record.updated_at,
        )


class InboxRow(BaseModel):
    """One line of the editors' inbox: a job, and the paper's card when the job made one."""

    model_config = ConfigDict(frozen=True)
    job: JobView
    title: str | None
    card: CardView | None

    @property
    def status(self) -> str:
        """The job's state until it made a card, then where the card is in review."""
        if self.card is None or self.job.state is not JobState.DONE:
            return self.job.state.value
        return self.card.review.state.value


def card_data(card: Card) -> dict[str, Any]:
    """The card as stored: its JSON-mode dump, so comparing with a stored revision compares like with like."""
    return card.model_dump(mode="json")


def changed_fields(previous: dict[str, Any] | None, current: dict[str, Any]) -> list[str]:
    """Top-level card fields whose values differ, in the Card's field order; all of them for a first revision."""
    if previous is None:
        return [name for name in Card.model_fields if name in current]
    names = list(Card.model_fields) + sorted((previous.keys() | current.keys()) - Card.model_fields.keys())
    return [
        name for name in names
        if (name in previous or name in current) and previous.get(name) != current.get(name)
    ]


class DigestView(BaseModel):
    """A day's digest: its plan, and its current revision once its cards are drafted (revision 0: not yet)."""

    model_config = ConfigDict(frozen=True)
    id: int
    day: str
    plan: dict[str, Any]
    revision: int
    digest: Digest | None
    author: str | None
    review: Review
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, record: DigestRecord, current: DigestRevision | None) -> DigestView:
        """The view of a DigestRecord and its current revision (read inside their session)."""
        return cls(
            id=record.id, day=record.day, plan=dict(record.plan), revision=record.current_revision,
            digest=None if current is None else Digest.model_validate(current.data),
            author=None if current is None else current.author, review=Review.of(record),
            created_at=record.created_at, updated_at=record.updated_at,
        )


class EntrySource(BaseModel):
    """A digest entry against its paper's card: the revision it was drafted from and the one editors approved."""

    model_config = ConfigDict(frozen=True)
    arxiv_id: str
    name: str
    drafted_from: int | None  # the card revision the entry was rendered from (None: not recorded)
    card_id: int | None  # None: the paper has no card
    approved_revision: int | None  # None: editors have approved no revision of the card

    @property
    def publishable(self) -> bool:
        """Whether the entry prints its card's approved revision: only then may the digest be approved."""
        return self.approved_revision is not None and self.approved_revision == self.drafted_from

    @property
    def stale(self) -> bool:
        """Whether editors approved another revision than the entry's: refreshing it brings the approved text."""
        return self.approved_revision is not None and self.approved_revision != self.drafted_from

    @property
    def problem(self) -> str:
        """Why the entry may not be published yet, for an editor ("" when it may)."""
        drafted = "an unrecorded revision" if self.drafted_from is None else f"revision {self.drafted_from}"
        if self.card_id is None:
            return f"{self.arxiv_id} ({self.name}) has no card"
        if self.approved_revision is None:
            return f"the card of {self.arxiv_id} ({self.name}) is not approved"
        if self.stale:
            return (f"the entry of {self.arxiv_id} ({self.name}) prints {drafted} of its card, not the approved "
                    f"revision {self.approved_revision}: refresh it from the approved card")
        return ""


class PublishedDigest(BaseModel):
    """A day's digest as published: its approved revision."""

    model_config = ConfigDict(frozen=True)
    day: str
    revision: int
    digest: Digest

    @classmethod
    def of(cls, record: DigestRecord, revision: DigestRevision) -> PublishedDigest:
        """The view of a digest's approved revision (read inside their session)."""
        return cls(day=record.day, revision=revision.number, digest=Digest.model_validate(revision.data))


class UserView(BaseModel):
    """A user as the app sees them: never their password hash."""

    model_config = ConfigDict(frozen=True, from_attributes=True)
    id: int
    name: str
    role: Role
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> UserView:
        """The view of a User row (read inside its session)."""
        return cls.model_validate(user)
