"""Job intake shared by the API and the CLI: validate ids, submit them in one transaction, then enqueue.

The order is the point (RELIABILITY §2): `Store.submit_many` commits before `enqueue` runs, so a worker
never receives a job id whose row it cannot read yet.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from summarizer.drafting import provenance
from summarizer.errors import BadInput, InvalidArxivId, JobNotFound, JobNotRetryable, QueueUnavailable
from summarizer.ingest import ids
from summarizer.jobs import JobState
from summarizer.service.store import JobView, Store
from summarizer.settings import Settings

__all__ = ["CelerySender", "Enqueue", "Intake", "Submission", "read_id_file", "read_ids"]

logger = logging.getLogger(__name__)

Enqueue = Callable[[list[int]], None]

# a `#` starts a comment only at the start of a line or after whitespace: URLs may carry a #fragment
_COMMENT = re.compile(r"(?:^|\s)#.*$")
_SEPARATORS = re.compile(r"[\s,]+")


class Submission(BaseModel):
    """What happened to one submitted id: its job (new or existing), or why the id was refused."""

    model_config = ConfigDict(frozen=True)
    input: str
    arxiv_id: str | None = None  # the parsed id, with its version when one was given
    job: JobView | None = None
    created: bool = False  # True when this submission (re)queued the job
    error: str | None = None


class CelerySender:
    """Sends jobs to the Celery queue of these settings (workers.tasks.enqueue); the app is made on first use."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._celery: Any = None
        self._lock = threading.Lock()  # the API's threads may send their first jobs at the same time

    def __call__(self, job_ids: list[int]) -> None:
        # lazy: the API and CLI must import without Celery, and tests inject their own enqueue
        from workers.celery_app import make_app
        from workers.tasks import enqueue

        with self._lock:
            if self._celery is None:
                self._celery = make_app(self._settings)
        enqueue(job_ids, self._celery)


def read_ids(text: str) -> list[str]:
    """Ids or URLs from text separated by whitespace, commas or newlines; `#` comments are dropped."""
    found: list[str] = []
    for line in text.splitlines():
        found.extend(part for part in _SEPARATORS.split(_COMMENT.sub("", line)) if part)
    return found


def read_id_file(path: Path) -> list[str]:
    """Ids or URLs from a file: one or more a line, `#` comments allowed."""
    try:
        return read_ids(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read ids from {path}: {exc}") from exc


class Intake:
    """Turns submitted ids into queued jobs: the one path from a user's request to the queue."""

    def __init__(self, store: Store, settings: Settings, enqueue: Enqueue | None = None) -> None:
        self.store = store
        self.settings = settings
        self._enqueue = enqueue or CelerySender(settings)

    def submit(self, texts: Iterable[str], *, force: bool = False) -> list[Submission]:
        """One Submission per input, in order; invalid ids are reported and do not stop the others."""
        inputs = list(texts)
        parsed: list[ids.ArxivId | InvalidArxivId] = []
        for text in inputs:
            try:
                parsed.append(ids.parse(text))
            except InvalidArxivId as error:
                parsed.append(error)
        # one store item per distinct (id, version): "2501.12948" and its abs URL are the same job
        items = list(dict.fromkeys((p.base, p.version) for p in parsed if isinstance(p, ids.ArxivId)))
        outcomes: dict[tuple[str, int | None], tuple[JobView, bool]] = {}
        if items:
            results = self.store.submit_many(items, provenance.pipeline_version(self.settings), force=force)
            outcomes = dict(zip(items, results, strict=True))
        # submit_many has returned: its transaction is committed, so workers can read every row we enqueue
        self._send([job.id for job, created in outcomes.values() if created])
        submissions: list[Submission] = []
        reported: set[tuple[str, int | None]] = set()
        for text, result in zip(inputs, parsed, strict=True):
            if isinstance(result, InvalidArxivId):
                submissions.append(Submission(input=text, error=str(result)))
                continue
            item = (result.base, result.version)
            job, created = outcomes[item]
            # an id listed twice was queued once: only its first mention says "created"
            submissions.append(
                Submission(input=text, arxiv_id=result.full, job=job, created=created and item not in reported)
            )
            reported.add(item)
        return submissions

    def retry(self, job_id: int) -> JobView:
        """Re-queue a failed job and enqueue it; raise JobNotFound or JobNotRetryable otherwise."""
        job = self.store.get_job(job_id)
        if job is None:
            raise JobNotFound(job_id)
        if job.state != JobState.FAILED:
            raise JobNotRetryable(job.id, job.state)
        # force=False on purpose: the store re-queues a failed job under its row lock, so of two concurrent
        # retries exactly one re-queues (and enqueues); force=True would let both enqueue it
        again, requeued = self.store.submit(job.arxiv_id, job.version, job.pipeline_version)
        if not requeued:
            raise JobNotRetryable(again.id, again.state)
        self._send([again.id])
        return again

    def _send(self, job_ids: list[int]) -> None:
        """Enqueue committed jobs; if the queue refuses, fail them so a resubmit or retry sends them again."""
        if not job_ids:
            return
        try:
            self._enqueue(job_ids)
        except Exception as error:  # any broker error (kombu, redis, import): recorded on the jobs, re-raised
            # a queued row with no message would wait forever (a resubmit returns it as existing), while a
            # failed one is re-queued by the next submit or retry
            for job_id in job_ids:
                self.store.fail(job_id, f"not enqueued: {type(error).__name__}: {error}", permanent=True)
            logger.error("enqueue of %d job(s) failed: %s", len(job_ids), error)
            raise QueueUnavailable(job_ids, error) from error
        logger.info("enqueued %d job(s)", len(job_ids), extra={"job_ids": job_ids})
