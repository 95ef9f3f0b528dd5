"""The baseline the pipeline must beat: the whole paper (truncated to the context) in one prompt."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from summarizer.card import Card, KeyNumber
from summarizer.document import Document
from summarizer.drafting import provenance
from summarizer.drafting.extract import Model
from summarizer.model import prompts, tokens
from summarizer.settings import Settings

Short = Annotated[str, StringConstraints(max_length=60)]


class BaselineNumber(BaseModel):
    model_config = ConfigDict(extra="ignore")
    metric: Short
    value: Annotated[str, StringConstraints(min_length=1, max_length=20)]
    baseline: Annotated[str, StringConstraints(max_length=40)] = ""


class BaselineAnswer(BaseModel):
    """Bounded like the pipeline's answers, so both get the same chance to produce valid JSON."""

    model_config = ConfigDict(extra="ignore")
    title: Annotated[str, StringConstraints(min_length=3, max_length=200)]
    authors: list[Short] = Field(default=[], max_length=16)
    venue: Short = "none"
    core_problem: Annotated[str, StringConstraints(min_length=10, max_length=500)]
    method: Annotated[str, StringConstraints(min_length=10, max_length=700)]
    results_text: Annotated[str, StringConstraints(min_length=10, max_length=400)]
    verdict: Annotated[str, StringConstraints(min_length=10, max_length=300)]
    key_numbers: list[BaselineNumber] = Field(default=[], max_length=8)
    code_url: Annotated[str, StringConstraints(max_length=80)] = "none"


def truncate(text: str, settings: Settings) -> str:
    """The paper's text cut to what fits the model's context beside the answer."""
    budget_tokens = settings.llm.n_ctx - prompts.load(settings.prompts_dir, "baseline_card").max_tokens - 600
    return text[: tokens.chars_that_fit(max(budget_tokens, 500))]


def summarize(doc: Document, llm: Model, settings: Settings) -> Card:
    """One prompt, the model types everything (numbers included); no grounding, so its errors show."""
    system = prompts.render(settings.prompts_dir, "system").text
    prompt = prompts.render(settings.prompts_dir, "baseline_card", paper=truncate(doc.text, settings),
                            fence=prompts.new_fence(doc.sha256, settings.extract.fence_seed))
    answer, call = llm.ask(prompt, BaselineAnswer, system=system)
    none = {"none", "null", "n/a", ""}
    card = Card(
        title=answer.title, authors=list(answer.authors),
        venue=None if answer.venue.lower() in none else answer.venue,
        core_problem=answer.core_problem, method=answer.method, results_text=answer.results_text,
        verdict=answer.verdict,
        key_numbers=[KeyNumber(metric=k.metric or "result", value=k.value, baseline=k.baseline or None)
                     for k in answer.key_numbers],
        code_url=None if answer.code_url.lower() in none else answer.code_url,
        code_status="unknown" if answer.code_url.lower() in none else "released",
    )
    card.provenance = provenance.build([call], llm.model, settings, shared_prompts=("system",),
                                       paper_texts=[doc.text])
    return card
