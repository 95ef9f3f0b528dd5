"""Field groups -> retrieval -> prompts -> validated answers; `assemble` turns them into the draft Card.

Numbers are copied by code (ARCHITECTURE.md "Where numbers come from"): the model writes prose and
chooses among the tables and rows that code parsed; key numbers and tables are filled from those cells.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Protocol

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    create_model,
    field_validator,
)

from summarizer.card import Card, ModelCall
from summarizer.document import ArxivRecord, Chunk, Document
from summarizer.drafting import assemble
from summarizer.errors import ModelOutputInvalid
from summarizer.model import prompts
from summarizer.numbers import row_roles, table_choice
from summarizer.settings import Settings

logger = logging.getLogger(__name__)

# one retrieval query per field group; the shared context is their union, so llama.cpp reuses it as a prefix
QUERIES = {
    "problem": "problem motivation limitation of existing methods challenge we address",
    "method": "we propose our method approach framework architecture training",
    "results": "results outperforms baseline improvement accuracy benchmark table compared state of the art",
}
# a URL the model wrote into prose, to be removed
_URL = re.compile(
    r"""
    \b(?:https?://|www\.)\S+                # with a scheme or www.
    | \b[\w-]+\.(?:com|org|io|ai|net)/\S*   # or a bare domain of a common top-level domain and a path
    """,
    re.IGNORECASE | re.VERBOSE,
)
CHOICE_FIELDS = frozenset({"main_table", "proposed_row"})

# Length bounds of the answer schemas, part of the JSON schema the model is held to: small models given
# unbounded strings and lists never close them (MODELS.md, "bounded schemas").
# a prose answer shorter than this is a refusal or a fragment, not an answer
_PROSE_MIN_CHARS = 10
# the core problem: a few sentences, room to name the gap without retelling the paper
_CORE_PROBLEM_MAX_CHARS = 500
# the method: the longest prose field, as it carries the card's explanation
_METHOD_MAX_CHARS = 700
# the results in prose: short, since the key numbers and tables are filled in by code
_RESULTS_TEXT_MAX_CHARS = 400
# the verdict: a sentence or two
_VERDICT_MAX_CHARS = 300
# a headline shorter than this is a word or two, not a claim
_HEADLINE_MIN_CHARS = 5
# a headline fits one line of the card (assemble.tagline ends a cut one at a whole word)
_HEADLINE_MAX_CHARS = assemble.HEADLINE_CUT_CHARS
# a shorter name is an initial or a stray character, not an author or institution
_NAME_MIN_CHARS = 2
# a longer "name" is a run of byline text (several names or an address), not one name
_NAME_MAX_CHARS = 60
# authors read from a PDF's byline (papers fetched from arXiv take theirs from the record): bounds the list
_MAX_AUTHORS = 16
# institutions read from the byline: the main ones, not every lab of a large collaboration
_MAX_INSTITUTIONS = 6

# characters of the front matter the byline question sees: the title, authors and affiliations are at its top
_FRONT_CHARS = 1500
# results tables offered to the model to choose from, most results-like first: the main one is among the first
_MAX_TABLE_OPTIONS = 6
# characters of each offered table's caption: enough to tell the tables apart in a bounded prompt
_CAPTION_CHARS = 160
# row names listed in the results question: the proposed method and its baselines, not every row of all tables
_MAX_ROW_NAMES = 40
# a cut-off answer goes back to its last full sentence only when that keeps more than 1/3 of it
_SENTENCE_CUT_MIN_PART = 3


class Retriever(Protocol):
    def query_many(self, doc_sha256: str, texts: list[str], k: int) -> list[list[Any]]: ...


class Model(Protocol):
    model: str

    def ask(self, prompt: prompts.RenderedPrompt, schema: type[Any], *, system: str) -> tuple[Any, ModelCall]: ...


def _prose(max_len: int) -> Any:
    return Field(min_length=_PROSE_MIN_CHARS, max_length=max_len)


class ProseAnswer(BaseModel):
    """Prose fields: never empty, no URLs (links come from the PDF, never from the model)."""

    model_config = ConfigDict(extra="ignore")

    @field_validator("*", mode="after")
    @classmethod
    def _no_urls(cls, value: Any, info: ValidationInfo) -> Any:
        if info.field_name in CHOICE_FIELDS or not isinstance(value, str):
            return value
        return _whole_sentences(_URL.sub("", value).strip())


class ProblemMethod(ProseAnswer):
    core_problem: str = _prose(_CORE_PROBLEM_MAX_CHARS)
    method: str = _prose(_METHOD_MAX_CHARS)


Name = Annotated[str, StringConstraints(min_length=_NAME_MIN_CHARS, max_length=_NAME_MAX_CHARS)]


class FrontAnswer(BaseModel):
    # bounded lists and strings: small models given an unbounded schema never close the JSON (MODELS.md)
    model_config = ConfigDict(extra="ignore")
    authors: list[Name] = Field(default=[], max_length=_MAX_AUTHORS)
    institutions: list[Name] = Field(default=[], max_length=_MAX_INSTITUTIONS)


@dataclass
class Draft:
    """What extraction produced, before grounding."""

    card: Card
    calls: list[ModelCall] = field(default_factory=list)


def _results_schema(options: list[table_choice.TableOption]) -> type[BaseModel]:
    table_ids = tuple(o.id for o in options) + ("none",)
    rows = tuple(dict.fromkeys(r for o in options for r in o.rows)) + ("none",)
    # constrained: the model picks, never types, a table and a row (types built at run time: Any to mypy)
    table_pick: Any = Literal[table_ids]
    row_choice: Any = Literal[rows]
    return create_model(
        "ResultsAnswer",
        __base__=ProseAnswer,
        results_text=(str, _prose(_RESULTS_TEXT_MAX_CHARS)),
        main_table=(table_pick, ...),
        proposed_row=(row_choice, ...),
        verdict=(str, _prose(_VERDICT_MAX_CHARS)),
        headline=(str, Field(min_length=_HEADLINE_MIN_CHARS, max_length=_HEADLINE_MAX_CHARS)),
    )


def _context_chunks(retriever: Retriever, doc: Document, chunks: list[Chunk], settings: Settings) -> list[Any]:
    """Abstract first, then the union of each field group's retrieved chunks, within a character budget."""
    picked: dict[str, Any] = {}
    for chunk in chunks:
        if chunk.section == "abstract":
            picked[chunk.id] = chunk
            break
    for hits in retriever.query_many(doc.sha256, list(QUERIES.values()), settings.extract.top_k):
        for hit in hits:
            picked.setdefault(hit.id, hit)
    budget, kept = settings.extract.max_context_chars, list[Any]()
    for chunk in picked.values():
        if budget - len(chunk.text) < 0 and kept:
            continue
        budget -= len(chunk.text)
        kept.append(chunk)
    kept.sort(key=lambda c: (min(c.pages), c.id))
    return kept


def _front_text(doc: Document) -> str:
    front = [s.text for s in doc.sections if s.kind == "front"]
    return (front[0] if front else doc.pages[0].text)[:_FRONT_CHARS]


def ask_prose(
    paper: prompts.RenderedPrompt, options: list[table_choice.TableOption], llm: Model, settings: Settings,
    system: str,
) -> tuple[ProblemMethod, Any, list[ModelCall]]:
    """The two prose questions over one shared paper context (so llama.cpp reuses its prefix)."""
    pm, first = llm.ask(prompts.render(settings.prompts_dir, "extract_problem_method", paper=paper),
                        ProblemMethod, system=system)
    # the row names are the paper's: fenced with the paper's own marker
    res, second = llm.ask(prompts.render(settings.prompts_dir, "extract_results", paper=paper,
                                         fence=paper.fence, table_ids=[o.id for o in options] or ["none"],
                                         row_names=[r for o in options for r in o.rows][:_MAX_ROW_NAMES]
                                         or ["none"]),
                          _results_schema(options), system=system)
    return pm, res, [first, second]


def fill(
    doc: Document, chunks: list[Chunk], record: ArxivRecord | None, retriever: Retriever, llm: Model,
    settings: Settings,
) -> Draft:
    """Ask the model its questions over the retrieved context, then assemble the draft card by code."""
    calls: list[ModelCall] = []
    system = prompts.render(settings.prompts_dir, "system").text
    fence = prompts.new_fence(doc.sha256, settings.extract.fence_seed)
    front = _front_text(doc)

    # The byline: institutions (and a PDF's authors) read by the model; assembly keeps only names printed
    # on the first pages
    try:
        byline, call = llm.ask(prompts.render(settings.prompts_dir, "extract_front", front=front, fence=fence),
                               FrontAnswer, system=system)
        calls.append(call)
        byline_read = True
    except ModelOutputInvalid as exc:  # the byline is not worth losing the card over; the editor is told
        logger.warning("%s", exc)
        byline, byline_read = FrontAnswer(), False

    context = _context_chunks(retriever, doc, chunks, settings)
    title = record.title if record else (doc.title or "Untitled")
    options = table_choice.options(doc.tables, row_roles.anchors(assemble.short_name(title, doc.text), title),
                              limit=_MAX_TABLE_OPTIONS, layout=table_choice.Layout.of(doc))
    paper = prompts.render(
        settings.prompts_dir, "paper_context", title=record.title if record else (doc.title or ""),
        chunks=[{"section": c.section, "pages": c.pages, "text": c.text} for c in context],
        tables=[{"id": o.id, "page": o.table.page,
                 "caption": o.table.caption[:_CAPTION_CHARS] or "(no caption)",
                 "rows": o.rows[:settings.extract.max_table_rows]} for o in options],
        fence=fence,
    )
    pm, res, prose_calls = ask_prose(paper, options, llm, settings, system)
    calls += prose_calls
    answers = assemble.Answers(
        authors=list(byline.authors), institutions=list(byline.institutions), byline_read=byline_read,
        core_problem=pm.core_problem, method=pm.method, results_text=res.results_text, verdict=res.verdict,
        headline=res.headline, main_table=res.main_table, proposed_row=res.proposed_row,
    )
    card = assemble.card(doc, record, answers, options, context, front, settings.extract)
    return Draft(card=card, calls=calls)


def _whole_sentences(text: str) -> str:
    """Cut a prose answer that hit its length limit back to its last full sentence."""
    if text.endswith((".", "!", "?", '"', ")")):
        return text
    end = max(text.rfind(". "), text.rfind("! "), text.rfind("? "))
    return text[: end + 1] if end > len(text) // _SENTENCE_CUT_MIN_PART else text
