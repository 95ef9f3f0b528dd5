"""The job and card store (SQLite or PostgreSQL): idempotent jobs keyed by meaning, revisioned cards.

One `Store` per process. Every method is one short transaction and returns plain views, never ORM
objects. Tables exist only through `migrate()` (Alembic), never through `metadata.create_all`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Select, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from summarizer.card import Card
from summarizer.digest.compose import Digest, Entry
from summarizer.errors import BadInput, CardNotFound, InvalidArxivId, JobNotFound, PoisonJob, RevisionConflict
from summarizer.ingest.ids import ArxivId
from summarizer.ingest.ids import parse as parse_id
from summarizer.jobs import FINISHED, Delivery, JobState, ReviewState, Stage, StageStatus
from summarizer.service.accounts import PIPELINE_AUTHOR, CredentialKind, Role
from summarizer.service.store.migrate import engine_for, migrate, upgrade
from summarizer.service.store.models import (
    CardRecord,
    CardRevision,
    Credential,
    DigestRecord,
    DigestRevision,
    Job,
    Paper,
    User,
    utcnow,
)
from summarizer.service.store.views import (
    CardView,
    DigestView,
    EntrySource,
    InboxRow,
    JobView,
    PublishedDigest,
    Review,
    RevisionView,
    UserView,
    card_data,
    changed_fields,
)

__all__ = [
    "PIPELINE_AUTHOR", "CardView", "DigestView", "EntrySource", "InboxRow", "JobView", "PublishedDigest", "Review", "RevisionView", "Store", "UserView", "job_key",
    "migrate",
]

logger = logging.getLogger(__name__)

BESIDE_EDITORS = "model re-run, kept beside the editors' revision: restore it from the history to use it"
# rows per INSERT in submit_many: far below SQLite's 32,766 and PostgreSQL's 65,535 bind parameters
_BATCH = 500


def job_key(arxiv_id: str, version: int | None, pipeline_version: str) -> str:
    """The idempotency key of a job (RELIABILITY §2): what it means, not when it was asked for."""
    return f"{arxiv_id}:{version if version is not None else 'latest'}:{pipeline_version}"


class Store:
    """Jobs and cards in one database; safe to share between threads (one engine, a session per call)."""

    def __init__(self, database_url: str) -> None:
        self.engine = engine_for(database_url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._postgres = self.engine.dialect.name == "postgresql"

    def migrate(self) -> None:
        """Bring the schema to the newest revision (a no-op when current)."""
        upgrade(self.engine)

    def close(self) -> None:
        """Close the pooled connections."""
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- jobs ------------------------------------------------------------------------------------------

    def submit(
        self, arxiv_id: str, version: int | None, pipeline_version: str, *, force: bool = False
    ) -> tuple[JobView, bool]:
        """The job for this key and whether it was (re)queued: an existing live or done job is returned as is."""
        return self.submit_many([(arxiv_id, version)], pipeline_version, force=force)[0]

    def submit_many(
        self, items: Sequence[tuple[str, int | None]], pipeline_version: str, force: bool = False
    ) -> list[tuple[JobView, bool]]:
        """submit() for many (arxiv id, version) pairs in one transaction; results in input order."""
        wanted: dict[str, tuple[str, int | None]] = {}
        order: list[str] = []
        for arxiv_id, version in items:
            ArxivId(arxiv_id, version)  # raises InvalidArxivId: a malformed id must not become a key
            key = job_key(arxiv_id, version, pipeline_version)
            wanted.setdefault(key, (arxiv_id, version))
            order.append(key)
        # every transaction takes its row locks in key order, so overlapping bulk submits cannot deadlock
        keys = sorted(wanted)
        now = utcnow()
        with self._transaction() as session:
            self._upsert_papers(session, sorted({arxiv_id for arxiv_id, _ in wanted.values()}), now)
            created: set[str] = set()
            for chunk in _chunks(keys):
                rows = [_new_job_row(key, *wanted[key], pipeline_version, now) for key in chunk]
                # ON CONFLICT DO NOTHING: a concurrent submit of the same key waits for ours and inserts
                # nothing, instead of failing on the unique key; RETURNING names the rows we inserted
                insert = self._insert(Job).on_conflict_do_nothing(index_elements=["key"]).returning(Job.key)
                created.update(session.scalars(insert, rows))
            jobs: dict[str, Job] = {}
            for chunk in _chunks(keys):
                found = select(Job).where(Job.key.in_(chunk)).order_by(Job.key).with_for_update()
                jobs.update((job.key, job) for job in session.scalars(found))
            for key, job in jobs.items():
                if key not in created and (force or job.state == JobState.FAILED):
                    _requeue(job, now)
                    created.add(key)
            session.flush()
            views = {key: JobView.of(job) for key, job in jobs.items()}
        results: list[tuple[JobView, bool]] = []
        for key in order:
            # a key listed twice is (re)queued once: the first mention reports it, the rest do not
            results.append((views[key], key in created))
            created.discard(key)
        return results

    def get_job(self, job_id: int) -> JobView | None:
        """The job, or None."""
        with self._transaction() as session:
            job = session.get(Job, job_id)
            return None if job is None else JobView.of(job)

    def list_jobs(self, state: JobState | None = None, limit: int = 100, offset: int = 0) -> list[JobView]:
        """Jobs newest first, optionally in one state."""
        query = select(Job).order_by(Job.created_at.desc(), Job.id.desc()).limit(limit).offset(offset)
        if state is not None:  # a str that is no state raises ValueError here, before any query
            query = query.where(Job.state == JobState(state).value)
        with self._transaction() as session:
            return [JobView.of(job) for job in session.scalars(query)]

    def start_stage(self, job_id: int, stage: Stage, *, chain: str, max_crashes: int) -> tuple[JobView, Delivery]:
        """Decide what a delivery of `stage` from `chain` does, and record its start when it runs.

        Under the job's row lock, so two deliveries cannot both decide to run (RELIABILITY §1-§2):
        - the job is done or failed: FINISHED;
        - another chain owns the job, or this one has moved past `stage`: STALE (a duplicate message);
        - `stage` already finished in this chain: SKIP (a duplicate; the chain goes on);
        - else RUN: the next stage, a retry, or a redelivery after a crash. Only the last counts toward
          the poison guard: a start that was never ended (its worker died) is a crash, and the job fails as
          poison (PoisonJob) when one stage has crashed `max_crashes` times.
        The first chain to start a job that no chain owns (new, re-queued or recovered) claims it.
        """
        name = Stage(stage).value  # a str that is no stage raises ValueError here
        order = [s.value for s in Stage]
        now = utcnow()
        with self._transaction() as session:
            job = self._lock_job(session, job_id)
            if job.state in FINISHED:
                return JobView.of(job), Delivery.FINISHED
            if job.chain is None:
                job.chain = chain  # a new, re-queued or recovered job: the first chain to get here owns it
            if job.chain != chain:
                return JobView.of(job), Delivery.STALE
            if job.stage is not None and order.index(name) < order.index(job.stage):
                return JobView.of(job), Delivery.STALE
            if job.stage == name and job.stage_status == StageStatus.FINISHED:
                return JobView.of(job), Delivery.SKIP
            crashed = job.stage == name and job.stage_status == StageStatus.STARTED
            crashes = {**job.stage_crashes, name: job.stage_crashes.get(name, 0) + crashed}
            # new dicts: JSON columns do not track in-place mutation
            job.stage_crashes = crashes
            job.stage_attempts = {**job.stage_attempts, name: job.stage_attempts.get(name, 0) + 1}
            job.attempts += 1
            job.stage, job.stage_status, job.updated_at = name, StageStatus.STARTED.value, now
            poisoned = crashes[name] >= max_crashes
            if poisoned:
                # RELIABILITY §1: with task_reject_on_worker_lost, a task that kills its worker comes
                # back forever; counting crashes in the database is what ends the loop
                job.state, job.error_permanent, job.finished_at = JobState.FAILED.value, True, now
                job.stage_status = StageStatus.FAILED.value
                job.error = f"poison: its worker died {crashes[name]} times at stage {name}"
            else:
                job.state = JobState.RUNNING.value
                job.started_at = job.started_at or now
            view = JobView.of(job)
        if poisoned:
            logger.warning("job %s is poison at stage %s", job_id, stage, extra={"job_id": job_id})
            raise PoisonJob(job_id, stage, crashes[name])
        return view, Delivery.RUN

    def rechain(self, job_ids: Sequence[int]) -> list[int]:
        """Release queued or running jobs from their chain, for a new one to claim (recovery); their ids.

        For jobs whose messages are gone: the new chain starts again at the first stage, whose cached
        work makes the stages done before quick (a drafted card is kept and not drafted again).
        """
        live = (JobState.QUEUED.value, JobState.RUNNING.value)
        with self._transaction() as session:
            jobs = session.scalars(
                select(Job).where(Job.id.in_(job_ids), Job.state.in_(live)).order_by(Job.id).with_for_update()
            ).all()
            for job in jobs:
                job.chain, job.stage, job.stage_status, job.updated_at = None, None, None, utcnow()
                job.state = JobState.QUEUED.value
            return [job.id for job in jobs]

    def finish_stage(
        self, job_id: int, stage: Stage, seconds: float, *, result: dict[str, Any] | None = None
    ) -> None:
        """Record a stage's duration, and its output when given (so a retry can skip the stage)."""
        name = Stage(stage).value
        with self._transaction() as session:
            job = self._lock_job(session, job_id)
            job.timings = {**job.timings, name: seconds}
            if job.stage == name:
                job.stage_status = StageStatus.FINISHED.value
            if result is not None:
                job.result = result
            job.updated_at = utcnow()

    def fail(self, job_id: int, error: str, *, permanent: bool) -> None:
        """Record a failure: permanent ones fail the job; transient ones leave it queued for Celery's retry."""
        now = utcnow()
        with self._transaction() as session:
            job = self._lock_job(session, job_id)
            if job.state == JobState.DONE:
                # a late failure report (e.g. a duplicate delivery) must not undo a stored card
                logger.warning("ignoring failure of done job %s: %s", job_id, error, extra={"job_id": job_id})
                return
            job.error, job.error_permanent, job.updated_at = error, permanent, now
            if job.stage is not None:
                job.stage_status = StageStatus.FAILED.value  # ended: its next start is no crash
            job.state = (JobState.FAILED if permanent else JobState.QUEUED).value
            job.finished_at = now if permanent else None

    # --- cards -----------------------------------------------------------------------------------------

    def store_card(self, job_id: int, card: Card, author: str = PIPELINE_AUTHOR) -> CardView:
        """Store the job's card as a new revision and mark the job done; the same card again adds none.

        The new revision becomes current unless editors own the card (its current revision is an editor's,
        or it is approved): then it is kept beside theirs, for an editor to restore, and nothing they wrote
        or approved changes.
        """
        now = utcnow()
        data = card_data(card)
        with self._transaction() as session:
            job = self._lock_job(session, job_id)
            paper_id = self._upsert_papers(session, [job.arxiv_id], now)[job.arxiv_id]
            new_record = {
                "arxiv_id": job.arxiv_id, "paper_id": paper_id, "current_revision": 0,
                "review_state": ReviewState.DRAFT.value, "created_at": now, "updated_at": now,
            }
            session.execute(
                self._insert(CardRecord).on_conflict_do_nothing(index_elements=["arxiv_id"]), [new_record]
            )
            record = session.scalars(
                select(CardRecord).where(CardRecord.arxiv_id == job.arxiv_id).with_for_update()
            ).one()
            current = _revision(session, record, record.current_revision)
            latest = _latest_revision(session, record)
            # a re-run after a crash between storing and acking stores the same data: no new revision
            if latest is None or latest.data != data:
                editors_own_it = current is not None and (
                    current.author != PIPELINE_AUTHOR or record.review_state == ReviewState.APPROVED)
                note = BESIDE_EDITORS if editors_own_it else None
                previous = None if current is None else current.data
                revision = _add_revision(session, record, data, author, previous, note=note, now=now)
                if not editors_own_it:
                    record.current_revision, current = revision.number, revision
                    record.review_state = ReviewState.DRAFT.value
                record.updated_at = now
            assert current is not None  # a first store always made one
            paper = session.get_one(Paper, paper_id)
            paper.title = card.title or paper.title
            job.state, job.card_id, job.finished_at, job.updated_at = JobState.DONE.value, record.id, now, now
            session.flush()
            return CardView.of(record, current)

    def get_card(self, arxiv_id: str) -> CardView | None:
        """The paper's card at its current revision, or None."""
        with self._transaction() as session:
            record = session.scalars(select(CardRecord).where(CardRecord.arxiv_id == arxiv_id)).one_or_none()
            current = None if record is None else _revision(session, record, record.current_revision)
            return None if record is None or current is None else CardView.of(record, current)

    def find_card(self, card_id: int) -> CardView | None:
        """The card with this id at its current revision, or None."""
        with self._transaction() as session:
            record = session.get(CardRecord, card_id)
            current = None if record is None else _revision(session, record, record.current_revision)
            return None if record is None or current is None else CardView.of(record, current)

    def rerun_beside(self, card_id: int) -> RevisionView | None:
        """The newest model re-run kept beside the editors' current revision (BESIDE_EDITORS), or None.

        Only store_card adds a revision without making it current, so such a re-run is newer than the current
        revision; once an editor restores it (or saves anything) a newer revision is current, and it is no news.
        """
        query = (
            select(CardRevision)
            .join(CardRecord, CardRecord.id == CardRevision.card_id)
            .where(CardRecord.id == card_id, CardRevision.number > CardRecord.current_revision,
                   CardRevision.author == PIPELINE_AUTHOR)
            .order_by(CardRevision.number.desc())
            .limit(1)
        )
        with self._transaction() as session:
            revision = session.scalars(query).first()
            return None if revision is None else RevisionView.of(revision)

    def approved_card(self, arxiv_id: str) -> RevisionView | None:
        """The paper's card as editors approved it (its approved revision, whatever was saved since), or None."""
        with self._transaction() as session:
            row = session.execute(_approved().where(CardRecord.arxiv_id == arxiv_id)).one_or_none()
            return None if row is None else RevisionView.of(row[1])

    def revisions(self, arxiv_id: str) -> list[RevisionView]:
        """Every revision of the paper's card, oldest first ([] when there is no card)."""
        query = (
            select(CardRevision)
            .join(CardRecord, CardRecord.id == CardRevision.card_id)
            .where(CardRecord.arxiv_id == arxiv_id)
            .order_by(CardRevision.number)
        )
        with self._transaction() as session:
            return [RevisionView.of(revision) for revision in session.scalars(query)]

    def save_revision(
        self, arxiv_id: str, card: Card, author: str, expected_revision: int, *, note: str | None = None
    ) -> CardView:
        """Save an edited card on top of `expected_revision`; RevisionConflict if that is no longer current.

        An approved card stays published at its approved revision; the edit makes it a draft again.
        """
        now = utcnow()
        data = card_data(card)
        with self._transaction() as session:
            # the row lock serializes saves (and model re-runs) of one card: the second sees the first's revision
            record = self._lock_card(session, arxiv_id, expected_revision)
            current = _revision(session, record, record.current_revision)
            if current is not None and current.data == data:
                return CardView.of(record, current)  # nothing changed: no empty revision
            previous = None if current is None else current.data
            revision = _add_revision(session, record, data, author, previous, note=note, now=now)
            record.current_revision, record.updated_at = revision.number, now
            if record.review_state == ReviewState.APPROVED:
                record.review_state = ReviewState.DRAFT.value
            session.flush()
            return CardView.of(record, revision)

    def review(
        self, arxiv_id: str, state: ReviewState, reviewer: str, expected_revision: int, comment: str | None = None
    ) -> CardView:
        """Approve the current revision (it becomes the published one) or send it back with a comment.

        RevisionConflict when the card changed since `expected_revision`: nobody approves what they have not seen.
        """
        state = _review_state(state, comment, "a card")
        with self._transaction() as session:
            record = self._lock_card(session, arxiv_id, expected_revision)
            _record_review(record, state, reviewer, comment)
            current = _revision(session, record, record.current_revision)
            assert current is not None
            session.flush()
            return CardView.of(record, current)

    def approved_cards(self) -> list[tuple[str, RevisionView]]:
        """(arXiv id, approved revision) of every card editors approved, by id: what gets published."""
        with self._transaction() as session:
            query = _approved().order_by(CardRecord.arxiv_id)
            return [(arxiv_id, RevisionView.of(revision)) for arxiv_id, revision in session.execute(query)]

    def corrections(self) -> list[tuple[datetime, dict[str, Any], dict[str, Any]]]:
        """(when, the model's draft, what editors made of it) for every card editors approved or revised.

        The draft is the model revision the editors' first revision started from; what they made of it is the
        approved revision, else the current one.
        """
        with self._transaction() as session:
            records = session.scalars(select(CardRecord).order_by(CardRecord.id)).all()
            revisions: dict[int, list[CardRevision]] = {}
            for revision in session.scalars(select(CardRevision).order_by(CardRevision.card_id, CardRevision.number)):
                revisions.setdefault(revision.card_id, []).append(revision)
            found = []
            for record in records:
                history = revisions.get(record.id, [])
                first_edit = next((r.number for r in history if r.author != PIPELINE_AUTHOR), None)
                final = record.approved_revision or (record.current_revision if first_edit is not None else None)
                if final is None:
                    continue  # nobody has reviewed it yet
                before = min(final + 1, first_edit if first_edit is not None else final + 1)
                drafts = [r for r in history if r.author == PIPELINE_AUTHOR and r.number < before]
                edited = next((r for r in history if r.number == final), None)
                if not drafts or edited is None:
                    continue
                found.append((record.reviewed_at or edited.created_at, drafts[-1].data, edited.data))
            return found

    def inbox(
        self, status: str | None = None, search: str | None = None, limit: int = 50, offset: int = 0
    ) -> list[InboxRow]:
        """Jobs newest first with the title and card of their paper; by status (a job state, or a review state
        of a done job's card) and by a search in the arXiv id or title. A search that is a whole id or an
        arxiv.org URL (2511.01234v1, as the inbox shows it) finds every job of that paper."""
        query = (
            select(Job, Paper.title, CardRecord, CardRevision)
            .join(Paper, Paper.arxiv_id == Job.arxiv_id, isouter=True)
            .join(CardRecord, CardRecord.id == Job.card_id, isouter=True)
            .join(CardRevision, (CardRevision.card_id == CardRecord.id)
                  & (CardRevision.number == CardRecord.current_revision), isouter=True)
            .order_by(Job.created_at.desc(), Job.id.desc())
            .limit(limit)
            .offset(offset)
        )
        if status in set(ReviewState):
            query = query.where(Job.state == JobState.DONE.value, CardRecord.review_state == status)
        elif status is not None:  # a str that is no state raises ValueError here, before any query
            query = query.where(Job.state == JobState(status).value)
        text = (search or "").strip()
        if text:
            try:
                query = query.where(Job.arxiv_id == parse_id(text).base)  # jobs keep the id without its version
            except InvalidArxivId:
                pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
                query = query.where(Job.arxiv_id.ilike(pattern, escape="\\") | Paper.title.ilike(pattern, escape="\\"))
        rows: list[InboxRow] = []
        with self._transaction() as session:
            for job, title, record, current in session.execute(query):  # one query for the page
                card = None if record is None or current is None else CardView.of(record, current)
                rows.append(InboxRow(job=JobView.of(job), title=title, card=card))
        return rows

    # --- users and credentials -------------------------------------------------------------------------

    def add_user(self, name: str, password_hash: str, role: Role) -> UserView:
        """Create a user; BadInput when the name is taken."""
        with self._transaction() as session:
            if session.scalars(select(User.id).where(User.name == name)).first() is not None:
                raise BadInput(f"user {name!r} exists; choose another name")
            user = User(name=name, password_hash=password_hash, role=Role(role).value, created_at=utcnow())
            session.add(user)
            session.flush()
            return UserView.of(user)

    def set_password(self, name: str, password_hash: str) -> None:
        """Replace a user's password and end their browser sessions (their API tokens stay)."""
        with self._transaction() as session:
            user = self._user(session, name)
            user.password_hash = password_hash
            session.execute(delete(Credential).where(
                Credential.user_id == user.id, Credential.kind == CredentialKind.SESSION.value))

    def remove_user(self, name: str) -> None:
        """Delete a user and every credential of theirs (their revisions keep their name as author)."""
        with self._transaction() as session:
            user = self._user(session, name)
            session.execute(delete(Credential).where(Credential.user_id == user.id))
            session.delete(user)

    def users(self) -> list[UserView]:
        """Every user, by name."""
        with self._transaction() as session:
            return [UserView.of(user) for user in session.scalars(select(User).order_by(User.name))]

    def password_hash(self, name: str) -> tuple[UserView, str] | None:
        """The user and their stored password hash, to check a sign-in; None for an unknown name."""
        with self._transaction() as session:
            user = session.scalars(select(User).where(User.name == name)).one_or_none()
            return None if user is None else (UserView.of(user), user.password_hash)

    def add_credential(
        self, name: str, kind: CredentialKind, digest: str, expires_at: datetime | None = None
    ) -> None:
        """Record a session or API token of the user by its digest."""
        with self._transaction() as session:
            user = self._user(session, name)
            session.add(Credential(
                user_id=user.id, kind=CredentialKind(kind).value, digest=digest,
                created_at=utcnow(), expires_at=expires_at,
            ))

    def user_for(self, kind: CredentialKind, digest: str) -> UserView | None:
        """The user whose unexpired credential of this kind has this digest, or None."""
        now = utcnow()
        query = (
            select(User)
            .join(Credential, Credential.user_id == User.id)
            .where(Credential.digest == digest, Credential.kind == CredentialKind(kind).value)
            .where((Credential.expires_at.is_(None)) | (Credential.expires_at > now))
        )
        with self._transaction() as session:
            user = session.scalars(query).one_or_none()
            return None if user is None else UserView.of(user)

    def revoke(self, digest: str) -> None:
        """Forget a credential (sign-out); expired sessions of anyone go with it."""
        with self._transaction() as session:
            session.execute(delete(Credential).where(
                (Credential.digest == digest) | (Credential.expires_at < utcnow())))

    def revoke_tokens(self, name: str) -> int:
        """Forget every API token of the user; how many there were."""
        with self._transaction() as session:
            user = self._user(session, name)
            tokens = session.execute(delete(Credential).where(
                Credential.user_id == user.id, Credential.kind == CredentialKind.API.value))
            return int(getattr(tokens, "rowcount", 0) or 0)

    # --- digests -------------------------------------------------------------------------------------

    def open_digest(self, day: str, plan: dict[str, Any]) -> tuple[DigestView, bool]:
        """The day's digest, made with this plan if there is none yet: (it, True when this call made it).

        One digest per day whoever asks: of two runs for the same day, the second gets the first's.
        """
        now = utcnow()
        with self._transaction() as session:
            inserted = session.execute(
                self._insert(DigestRecord).values(
                    day=day, plan=plan, current_revision=0, review_state=ReviewState.DRAFT.value, created_at=now,
                    updated_at=now,
                ).on_conflict_do_nothing(index_elements=["day"]).returning(DigestRecord.id)
            ).scalar_one_or_none()
            record = session.scalars(select(DigestRecord).where(DigestRecord.day == day)).one()
            created = inserted is not None  # None: the day had its digest already
            return DigestView.of(record, _digest_revision(session, record, record.current_revision)), created

    def get_digest(self, day: str) -> DigestView | None:
        """The day's digest at its current revision, or None."""
        with self._transaction() as session:
            record = session.scalars(select(DigestRecord).where(DigestRecord.day == day)).one_or_none()
            if record is None:
                return None
            return DigestView.of(record, _digest_revision(session, record, record.current_revision))

    def digests(self, limit: int = 30) -> list[DigestView]:
        """The latest digests, newest day first."""
        with self._transaction() as session:
            records = session.scalars(select(DigestRecord).order_by(DigestRecord.day.desc()).limit(limit)).all()
            return [DigestView.of(r, _digest_revision(session, r, r.current_revision)) for r in records]

    def set_digest_plan(self, day: str, plan: dict[str, Any]) -> None:
        """Record how the day's drafting stands (its picks, their jobs, what failed); RevisionConflict once
        the digest is drafted (another run got there first)."""
        with self._transaction() as session:
            record = self._lock_digest(session, day, 0)
            record.plan, record.updated_at = plan, utcnow()

    def save_digest(self, day: str, data: dict[str, Any], author: str, expected_revision: int, *,
                    note: str | None = None, plan: dict[str, Any] | None = None) -> DigestView:
        """Save a digest on top of `expected_revision` (RevisionConflict if that is no longer current), with
        the plan it was drafted from when given.

        An approved digest stays published at its approved revision; the edit makes it a draft again.
        """
        now = utcnow()
        with self._transaction() as session:
            record = self._lock_digest(session, day, expected_revision)
            if plan is not None:
                record.plan = plan
            current = _digest_revision(session, record, record.current_revision)
            if current is not None and current.data == data:
                return DigestView.of(record, current)
            revision = DigestRevision(digest_id=record.id, number=_next_digest_number(session, record),
                                      data=data, author=author, created_at=now, note=note)
            session.add(revision)
            record.current_revision, record.updated_at = revision.number, now
            if record.review_state == ReviewState.APPROVED:
                record.review_state = ReviewState.DRAFT.value
            session.flush()
            return DigestView.of(record, revision)

    def review_digest(self, day: str, state: ReviewState, reviewer: str, expected_revision: int,
                      comment: str | None = None) -> DigestView:
        """Approve the digest's current revision (it is published) or send it back with a comment.

        Approval is refused (BadInput, naming each paper) while an entry does not print its card's approved
        revision: the nightly run drafts from unapproved cards, and nothing unapproved may be published.
        """
        state = _review_state(state, comment, "a digest")
        with self._transaction() as session:
            record = self._lock_digest(session, day, expected_revision)
            current = _digest_revision(session, record, record.current_revision)
            if current is None:
                raise BadInput(f"the digest of {day} is still being drafted: there is nothing to review yet")
            if state is ReviewState.APPROVED:
                # under the digest's row lock: no save can slip an unapproved entry in between check and approval
                waiting = [s for s in _entry_sources(session, Digest.model_validate(current.data).entries)
                           if not s.publishable]
                if waiting:
                    raise BadInput(f"the digest of {day} cannot be approved until every entry prints its card's "
                                   "approved revision: " + "; ".join(s.problem for s in waiting))
            _record_review(record, state, reviewer, comment)
            session.flush()
            return DigestView.of(record, current)

    def digest_source(self, arxiv_id: str) -> tuple[Card, int] | None:
        """The card revision a digest entry is drafted from, and its number: the approved revision if editors
        approved one, else the current draft (the nightly run drafts before anyone approves that night's
        cards; review_digest approves only entries of approved revisions); None when the paper has no card."""
        with self._transaction() as session:
            record = session.scalars(select(CardRecord).where(CardRecord.arxiv_id == arxiv_id)).one_or_none()
            if record is None:
                return None
            number = record.approved_revision or record.current_revision
            revision = _revision(session, record, number) or _revision(session, record, record.current_revision)
            return None if revision is None else (Card.model_validate(revision.data), revision.number)

    def entry_sources(self, entries: Sequence[Entry]) -> list[EntrySource]:
        """Each entry against its card (the revision it was drafted from, the approved one), in entry order."""
        with self._transaction() as session:
            return _entry_sources(session, entries)

    def published_digests(self, limit: int = 30) -> list[PublishedDigest]:
        """The approved revisions of the latest approved digests, newest day first: what subscribers see."""
        with self._transaction() as session:
            query = _published().order_by(DigestRecord.day.desc()).limit(limit)
            return [PublishedDigest.of(record, revision) for record, revision in session.execute(query)]

    def published_digest(self, day: str) -> PublishedDigest | None:
        """The day's digest as published (its approved revision), or None."""
        with self._transaction() as session:
            row = session.execute(_published().where(DigestRecord.day == day)).one_or_none()
            if row is None:
                return None
            record, revision = row
            return PublishedDigest.of(record, revision)

    def featured(self, since: str, before: str) -> frozenset[str]:
        """arXiv ids featured by the digests of days in [since, before): the entries of their current
        revision (as editors left them), or the picks of one still being drafted."""
        query = (
            select(DigestRecord.plan, DigestRevision.data)
            .outerjoin(DigestRevision, (DigestRevision.digest_id == DigestRecord.id)
                       & (DigestRevision.number == DigestRecord.current_revision))
            .where(DigestRecord.day >= since, DigestRecord.day < before)
        )
        with self._transaction() as session:
            ids: set[str] = set()
            for plan, data in session.execute(query):
                if data is not None:
                    ids.update(entry["arxiv_id"] for entry in data.get("entries", []))
                else:
                    ids.update(plan.get("picks", []))
            return frozenset(ids)

    def _lock_digest(self, session: Session, day: str, expected_revision: int | None) -> DigestRecord:
        record = session.scalars(
            select(DigestRecord).where(DigestRecord.day == day).with_for_update()
        ).one_or_none()
        if record is None:
            raise BadInput(f"there is no digest for {day}")
        if expected_revision is not None and record.current_revision != expected_revision:
            raise RevisionConflict(day, expected_revision, record.current_revision, what="digest")
        return record

    # --- helpers ---------------------------------------------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    def _insert(self, model: type[Any]) -> postgresql.Insert | sqlite.Insert:
        # both dialects spell upserts as INSERT ... ON CONFLICT, but SQLAlchemy has one construct per dialect
        return postgresql.insert(model) if self._postgres else sqlite.insert(model)

    def _user(self, session: Session, name: str) -> User:
        user = session.scalars(select(User).where(User.name == name)).one_or_none()
        if user is None:
            raise BadInput(f"no user {name!r} (see `summarizer users list`)")
        return user

    def _lock_card(self, session: Session, arxiv_id: str, expected_revision: int) -> CardRecord:
        # FOR UPDATE on PostgreSQL (a concurrent save waits, then reads the winner's revision); SQLite's
        # BEGIN IMMEDIATE already serializes writers
        record = session.scalars(
            select(CardRecord).where(CardRecord.arxiv_id == arxiv_id).with_for_update()
        ).one_or_none()
        if record is None:
            raise CardNotFound(arxiv_id)
        if record.current_revision != expected_revision:
            raise RevisionConflict(arxiv_id, expected_revision, record.current_revision)
        return record

    def _lock_job(self, session: Session, job_id: int) -> Job:
        # FOR UPDATE on PostgreSQL; on SQLite the BEGIN IMMEDIATE transaction already holds the write lock
        job = session.scalars(select(Job).where(Job.id == job_id).with_for_update()).one_or_none()
        if job is None:
            raise JobNotFound(job_id)
        return job

    def _upsert_papers(self, session: Session, arxiv_ids: list[str], now: datetime) -> dict[str, int]:
        ids: dict[str, int] = {}
        for chunk in _chunks(arxiv_ids):
            rows = [{"arxiv_id": arxiv_id, "created_at": now} for arxiv_id in chunk]
            session.execute(self._insert(Paper).on_conflict_do_nothing(index_elements=["arxiv_id"]), rows)
            found = select(Paper.arxiv_id, Paper.id).where(Paper.arxiv_id.in_(chunk))
            ids.update((arxiv_id, paper_id) for arxiv_id, paper_id in session.execute(found))
        return ids


def _new_job_row(
    key: str, arxiv_id: str, version: int | None, pipeline_version: str, now: datetime
) -> dict[str, Any]:
    # every column spelled out: a bulk INSERT sends one parameter set shape for all rows
    return {
        "key": key, "arxiv_id": arxiv_id, "version": version, "pipeline_version": pipeline_version,
        "state": JobState.QUEUED.value, "stage": None, "attempts": 0, "stage_attempts": {}, "error": None,
        "chain": None, "stage_status": None, "stage_crashes": {},
        "error_permanent": False, "timings": {}, "result": None, "card_id": None,
        "created_at": now, "updated_at": now, "started_at": None, "finished_at": None,
    }


def _requeue(job: Job, now: datetime) -> None:
    """Turn a failed (or forced) job back into a fresh attempt, in place: the key stays unique."""
    job.state, job.stage, job.attempts, job.stage_attempts = JobState.QUEUED.value, None, 0, {}
    job.chain, job.stage_status, job.stage_crashes = None, None, {}  # the next chain to start owns it
    job.error, job.error_permanent, job.timings, job.result, job.card_id = None, False, {}, None, None
    # a new attempt is listed as new (list_jobs is newest first)
    job.created_at, job.updated_at, job.started_at, job.finished_at = now, now, None, None


def _revision(session: Session, record: CardRecord, number: int | None) -> CardRevision | None:
    return session.scalars(
        select(CardRevision).where(CardRevision.card_id == record.id, CardRevision.number == number)
    ).one_or_none()


def _latest_revision(session: Session, record: CardRecord) -> CardRevision | None:
    return session.scalars(
        select(CardRevision).where(CardRevision.card_id == record.id).order_by(CardRevision.number.desc()).limit(1)
    ).first()


def _add_revision(
    session: Session,
    record: CardRecord,
    data: dict[str, Any],
    author: str,
    previous: dict[str, Any] | None,
    *,
    note: str | None,
    now: datetime,
) -> CardRevision:
    """The card's next revision (numbered after its newest, current or not); the caller holds the row lock."""
    latest = _latest_revision(session, record)
    revision = CardRevision(
        card_id=record.id, number=1 if latest is None else latest.number + 1, data=data, author=author,
        changed_fields=changed_fields(previous, data), note=note, created_at=now,
    )
    session.add(revision)
    session.flush()
    return revision


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), _BATCH):
        yield values[start:start + _BATCH]


def _digest_revision(session: Session, record: DigestRecord, number: int) -> DigestRevision | None:
    if number == 0:
        return None
    return session.scalars(select(DigestRevision).where(
        DigestRevision.digest_id == record.id, DigestRevision.number == number)).one_or_none()


def _next_digest_number(session: Session, record: DigestRecord) -> int:
    numbers = session.scalars(select(DigestRevision.number).where(DigestRevision.digest_id == record.id)).all()
    return max(numbers, default=0) + 1


def _entry_sources(session: Session, entries: Sequence[Entry]) -> list[EntrySource]:
    ids = sorted({e.arxiv_id for e in entries})
    found = select(CardRecord.arxiv_id, CardRecord.id, CardRecord.approved_revision).where(CardRecord.arxiv_id.in_(ids))
    cards: dict[str, tuple[int | None, int | None]] = {
        arxiv_id: (card_id, approved) for arxiv_id, card_id, approved in session.execute(found)}
    sources = []
    for e in entries:
        card_id, approved = cards.get(e.arxiv_id, (None, None))
        sources.append(EntrySource(arxiv_id=e.arxiv_id, name=e.name, drafted_from=e.card_revision, card_id=card_id,
                                   approved_revision=approved))
    return sources


def _approved() -> Select[str, CardRevision]:
    """Cards' arXiv ids with their approved revision (approved cards only)."""
    return select(CardRecord.arxiv_id, CardRevision).join(
        CardRevision, (CardRevision.card_id == CardRecord.id)
        & (CardRevision.number == CardRecord.approved_revision))


def _published() -> Select[DigestRecord, DigestRevision]:
    """Digests with their approved revision (approved ones only)."""
    return select(DigestRecord, DigestRevision).join(
        DigestRevision, (DigestRevision.digest_id == DigestRecord.id)
        & (DigestRevision.number == DigestRecord.approved_revision))


def _review_state(state: ReviewState, comment: str | None, what: str) -> ReviewState:
    """The decision, refused (BadInput) when it sends something back without saying what to fix."""
    state = ReviewState(state)
    if state is ReviewState.RETURNED and not (comment and comment.strip()):
        raise BadInput(f"say what to fix: sending {what} back needs a comment")
    return state


def _record_review(record: CardRecord | DigestRecord, state: ReviewState, reviewer: str, comment: str | None) -> None:
    """Record a review on a card's or a digest's row; an approval publishes its current revision."""
    now = utcnow()
    record.review_state, record.reviewed_by, record.reviewed_at = state.value, reviewer, now
    record.review_comment = comment.strip() if comment else None
    if state is ReviewState.APPROVED:
        record.approved_revision = record.current_revision
    record.updated_at = now
