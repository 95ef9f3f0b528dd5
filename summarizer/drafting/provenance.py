"""Where a card came from: the pipeline version that keys its job, and the provenance block it carries."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from summarizer.card import Grounding, ModelCall, Provenance
from summarizer.files import source_hash
from summarizer.model import prompts, tokens
from summarizer.settings import Settings

# The code that turns a PDF and the model's answers into a card: a change to what any of it does is a new
# pipeline version, so resubmitting a paper after an upgrade makes a new card instead of returning the old
# one (comments and docstrings do not count: source_hash reads the code's syntax tree)
CARD_CODE = (
    "summarizer.card", "summarizer.document", "summarizer.pipeline", "summarizer.ingest",
    "summarizer.numbers", "summarizer.retrieval", "summarizer.drafting", "summarizer.model.llm",
)
# The prompts every card's calls are made in, besides each call's own (they do not appear in the calls)
SHARED_PROMPTS = ("system", "paper_context")


def pipeline_version(settings: Settings) -> str:
    """The version of the pipeline these settings run: prompt versions, model name and card code.

    Part of every job's key: a change to any of the three makes a new card; intake and workers agree.
    """
    versions = prompts.versions(settings.prompts_dir)
    text = ";".join([settings.llm.model_name, *(f"{k}={v}" for k, v in sorted(versions.items())),
                     source_hash(CARD_CODE)])
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def build(
    calls: Sequence[ModelCall], model: str, settings: Settings, *, endpoint: str | None = None,
    grounding: Grounding | None = None, paper_texts: Iterable[str] = (), pdf_sha256: str | None = None,
    shared_prompts: Sequence[str] = SHARED_PROMPTS,
) -> Provenance:
    """The provenance block of a card made with these calls (seconds per stage are the caller's)."""
    versions = {c.prompt: c.prompt_version for c in calls}
    versions.update({name: prompts.load(settings.prompts_dir, name).version for name in shared_prompts})
    chars = sum(len(text) for text in paper_texts)
    return Provenance(
        model=model, endpoint=endpoint, prompt_versions=versions, calls=list(calls),
        paper_tokens=tokens.estimate(chars),
        grounding_rate=round(grounding.rate, 4) if grounding is not None else None,
        pdf_sha256=pdf_sha256, pipeline_version=pipeline_version(settings),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
