"""What a job can be in (its state and the stage it runs) and where its card is in review. The store's
constraints, its migrations, the workers, the CLI, the API and the pages read these enums; no other module
spells them out."""

from __future__ import annotations

from enum import StrEnum


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


#: a job in one of these states is finished: a redelivered message for it does nothing
FINISHED = frozenset({JobState.DONE, JobState.FAILED})


class Stage(StrEnum):
    """The stages of a card, in order; the CLI's progress and every job's timings are keyed by them."""

    FETCH = "fetch"  # the arXiv record and PDF, into the cache
    PARSE = "parse"  # PDF -> Document -> chunks, indexed in Chroma
    EXTRACT = "extract"  # retrieval, the model's answers, grounding: a draft card
    STORE = "store"  # the card saved as a revision (the queue only)


class StageStatus(StrEnum):
    """Where the job's current stage is, as its last delivery left it: what a new delivery of it means."""

    STARTED = "started"  # started and not ended: a new delivery of it follows a crash (counted)
    FINISHED = "finished"  # done: a new delivery of it is a duplicate, skipped and never counted
    FAILED = "failed"  # ended in a transient error: a new delivery of it is the retry


class Delivery(StrEnum):
    """What a delivery of a stage message does, decided by the store under the job's row lock."""

    RUN = "run"  # the chain's next stage, its retry, or its redelivery after a crash
    SKIP = "skip"  # the stage already finished: nothing to do, the chain goes on
    STALE = "stale"  # a superseded chain, or a stage the chain has passed: dropped, never counted
    FINISHED = "finished"  # the job is done or failed: dropped


class ReviewState(StrEnum):
    """Where a paper's card is in the editors' hands."""

    DRAFT = "draft"  # to be checked (a new draft, or edited since its approval)
    RETURNED = "returned"  # sent back with a comment: someone must fix it
    APPROVED = "approved"  # its approved revision is what the digest publishes


def sql_one_of(column: str, values: type[StrEnum]) -> str:
    """A CHECK constraint's condition: the column holds one of the enum's values."""
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"
