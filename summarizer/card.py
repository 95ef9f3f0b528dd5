"""The typed Card: the contract between pipeline stages, the store, the API, the editor and the eval.

Field names follow the card object of shared/eval/SCHEMA.md; `evidence`, `provenance` and `grounding`
are ours.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

PeerReview = Literal["accepted", "preprint", "unknown"]
CodeStatus = Literal["released", "none", "unknown"]
Section = Literal["table", "results", "method", "core_problem", "headline", "metadata"]
# the key numbers an entry shows: an editor keeps 8 to 19; more is a list nobody reads
MAX_KEY_NUMBERS = 12


class KeyNumber(BaseModel):
    """One quantitative claim, copied from the paper's text by code, with the page it is on."""

    model_config = ConfigDict(extra="forbid")
    metric: str
    setting: str | None = None
    value: str  # verbatim from the paper (a parsed table cell or a sentence)
    baseline: str | None = None  # "; "-separated when there are several
    context: str | None = None
    section: Section = "results"
    page: int | None = None  # 1-based PDF page; None only for metadata not in the PDF
    grounded: bool = True


class ResultsTable(BaseModel):
    model_config = ConfigDict(extra="forbid")
    caption: str
    columns: list[str]
    rows: list[list[str]]
    page: int | None = None


class Passage(BaseModel):
    """An excerpt of the paper that a field's text rests on, with its first page."""

    model_config = ConfigDict(extra="forbid")
    page: int | None = None
    text: str


class Evidence(BaseModel):
    """Where a field's content came from: pages and chunk ids of the paper, and its closest passages."""

    model_config = ConfigDict(extra="forbid")
    field: str
    pages: list[int] = []
    chunk_ids: list[str] = []
    # for a written field: the context excerpts that share most of its words; for a field code read: the
    # line it was read from (a printed link, the arXiv comment a venue came from)
    passages: list[Passage] = []
    source: Literal["arxiv_api", "pdf", "model", "parsed_table", "editor"] = "pdf"
    url: str | None = None  # the arXiv entry's page, for what came from it: shown as a link, never fetched


class FlaggedNumber(BaseModel):
    """A number a prose field stated that the paper's text does not contain."""

    model_config = ConfigDict(extra="forbid")
    field: str
    number: str
    action: Literal["removed", "flagged"] = "flagged"


class Grounding(BaseModel):
    model_config = ConfigDict(extra="forbid")
    checked: int = 0
    held: int = 0
    flagged: list[FlaggedNumber] = []

    @property
    def rate(self) -> float:
        return 1.0 if self.checked == 0 else self.held / self.checked


class ModelCall(BaseModel):
    """One model call, as logged: which prompt (and version), tokens and seconds."""

    model_config = ConfigDict(extra="forbid")
    prompt: str
    prompt_version: int
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    attempts: int = 1
    ok: bool = True


class Provenance(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model: str | None = None
    endpoint: str | None = None
    prompt_versions: dict[str, int] = {}
    calls: list[ModelCall] = []
    stage_seconds: dict[str, float] = {}
    paper_tokens: int | None = None
    grounding_rate: float | None = None  # share of the card's numbers found in the paper (see Card.grounding)
    pdf_sha256: str | None = None
    pipeline_version: str | None = None
    created_at: str | None = None

    @property
    def prompt_tokens(self) -> int:
        return sum(c.prompt_tokens for c in self.calls)

    @property
    def completion_tokens(self) -> int:
        return sum(c.completion_tokens for c in self.calls)


class Card(BaseModel):
    """An editorial card for one paper."""

    model_config = ConfigDict(extra="forbid")
    arxiv_id: str | None = None
    version: str | None = None  # "v2"
    name: str | None = None
    headline: str | None = None
    title: str
    authors: list[str] = []
    author_notes: str | None = None
    institutions: list[str] = []
    categories: list[str] = []
    submitted: str | None = None  # YYYY-MM-DD
    updated: str | None = None
    arxiv_comment: str | None = None
    venue: str | None = None
    peer_review_status: PeerReview = "unknown"
    peer_review_text: str | None = None
    core_problem: str = Field(default="", max_length=1500)
    method: str = Field(default="", max_length=2000)
    results_text: str | None = Field(default=None, max_length=2000)
    results_tables: list[ResultsTable] = []
    key_numbers: list[KeyNumber] = []  # ranked, the best first; drafts hold at most MAX_KEY_NUMBERS
    more_numbers: list[KeyNumber] = []  # further numbers worth keeping, ranked: the editor draws from them
    quotes: list[str] = []
    novelty: str | None = None
    credibility: str | None = None
    verdict: str | None = Field(default=None, max_length=1000)
    code_url: str | None = None
    code_urls: list[str] = []
    project_page: str | None = None
    code_status: CodeStatus = "unknown"
    resources_text: str | None = None
    needs_review: list[str] = []  # reasons an editor should look closely (injection, ungrounded numbers)
    evidence: list[Evidence] = []
    grounding: Grounding = Grounding()
    provenance: Provenance = Provenance()

    def evidence_for(self, field: str) -> Evidence | None:
        return next((e for e in self.evidence if e.field == field), None)


def code_url_from(code_urls: Sequence[str], *, otherwise: str | None = None) -> str | None:
    """The card's `code_url`: the first of its code links, or `otherwise` when it lists none."""
    return code_urls[0] if code_urls else otherwise
