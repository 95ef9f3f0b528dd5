"""What a job can be in: its state and the stage it runs. The store's constraints, its migration, the
workers, the CLI and the API all read these two enums; no other module spells them out."""

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


def sql_one_of(column: str, values: type[StrEnum]) -> str:
    """A CHECK constraint's condition: the column holds one of the enum's values."""
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"
