"""Field groups -> retrieval -> prompts -> validated answers, assembled into a draft Card.

Numbers are copied by code (ARCHITECTURE.md "Where numbers come from"): the model writes prose and
chooses among the tables and rows that code parsed; key numbers and tables are filled from those cells.
"""

from __future__ import annotations

import logging
import re
import secrets
import unicodedata
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

from summarizer import claims, links, prompts, publication, results, venue
from summarizer.arxiv import ArxivRecord
from summarizer.card import Card, Evidence, ModelCall
from summarizer.document import Chunk, Document
from summarizer.errors import ModelOutputInvalid
from summarizer.grounding import normalize_text
from summarizer.settings import Settings

logger = logging.getLogger(__name__)

# one retrieval query per field group; the shared context is their union, so llama.cpp reuses it as a prefix
QUERIES = {
    "problem": "problem motivation limitation of existing methods challenge we address",
    "method": "we propose our method approach framework architecture training",
    "results": "results outperforms baseline improvement accuracy benchmark table compared state of the art",
}
_URL = re.compile(r"\b(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|org|io|ai|net)/\S*", re.I)
_INJECTION = re.compile(
    r"ignore (?:all |any )?(?:the )?(?:previous|prior|above|earlier) (?:instructions|prompts?)|"
    r"disregard (?:the|all|previous) instructions|<\|im_start\|>|<\|system\|>|^\s*(?:system|assistant)\s*:",
    re.I | re.M,
)
CHOICE_FIELDS = frozenset({"main_table", "proposed_row"})


class Retriever(Protocol):
    def query_many(self, doc_sha256: str, texts: list[str], k: int) -> list[list[Any]]: ...


class Model(Protocol):
    model: str

    def ask(self, prompt: prompts.RenderedPrompt, schema: type[Any], *, system: str) -> tuple[Any, ModelCall]: ...


def _prose(max_len: int) -> Any:
    return Field(min_length=10, max_length=max_len)


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
    core_problem: str = _prose(500)
    method: str = _prose(700)


Name = Annotated[str, StringConstraints(min_length=2, max_length=60)]


class FrontAnswer(BaseModel):
    # bounded lists and strings: small models given an unbounded schema never close the JSON (MODELS.md)
    model_config = ConfigDict(extra="ignore")
    authors: list[Name] = Field(default=[], max_length=16)
    institutions: list[Name] = Field(default=[], max_length=6)


@dataclass
class Draft:
    """What extraction produced, before grounding."""

    card: Card
    calls: list[ModelCall] = field(default_factory=list)


def _results_schema(options: list[results.TableOption]) -> type[BaseModel]:
    table_ids = tuple(o.id for o in options) + ("none",)
    rows = tuple(dict.fromkeys(r for o in options for r in o.rows)) + ("none",)
    return create_model(  # type: ignore[call-overload,no-any-return]
        "ResultsAnswer",
        __base__=ProseAnswer,
        results_text=(str, _prose(400)),
        main_table=(Literal[table_ids], ...),  # constrained: the model picks, never types, a table
        proposed_row=(Literal[rows], ...),
        verdict=(str, _prose(300)),
        headline=(str, Field(min_length=5, max_length=90)),
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
    budget, kept = settings.extract.max_context_chars, []
    for chunk in picked.values():
        if budget - len(chunk.text) < 0 and kept:
            continue
        budget -= len(chunk.text)
        kept.append(chunk)
    kept.sort(key=lambda c: (min(c.pages), c.id))
    return kept


def _front_text(doc: Document) -> str:
    front = [s.text for s in doc.sections if s.kind == "front"]
    return (front[0] if front else doc.pages[0].text)[:1500]


def _in_text(name: str, text: str) -> bool:
    return len(name) > 2 and normalize_text(name).lower() in text


def ask_prose(
    paper: str, options: list[results.TableOption], llm: Model, settings: Settings, system: str
) -> tuple[ProblemMethod, Any, list[ModelCall]]:
    """The two prose questions over one shared paper context (so llama.cpp reuses its prefix)."""
    pm, first = llm.ask(prompts.render(settings.prompts_dir, "extract_problem_method", paper=paper),
                        ProblemMethod, system=system)
    res, second = llm.ask(prompts.render(settings.prompts_dir, "extract_results", paper=paper,
                                         table_ids=[o.id for o in options] or ["none"],
                                         row_names=[r for o in options for r in o.rows][:40] or ["none"]),
                          _results_schema(options), system=system)
    return pm, res, [first, second]


def fill(
    doc: Document, chunks: list[Chunk], record: ArxivRecord | None, retriever: Retriever, llm: Model,
    settings: Settings,
) -> Draft:
    """Fill a draft card: metadata by code, prose by the model, numbers from parsed tables."""
    calls: list[ModelCall] = []
    system = prompts.render(settings.prompts_dir, "system").text
    fence = secrets.token_hex(6)
    front = _front_text(doc)
    front_norm = normalize_text(" ".join(p.text for p in doc.pages[:2])).lower()
    evidence: list[Evidence] = []

    # Byline: authors from arXiv when we have them; institutions (and a PDF's authors) read by the model,
    # kept only when printed on the first pages.
    needs_review: list[str] = []
    try:
        answer, call = llm.ask(prompts.render(settings.prompts_dir, "extract_front", front=front, fence=fence),
                               FrontAnswer, system=system)
        calls.append(call)
    except ModelOutputInvalid as exc:  # the byline is not worth losing the card over; the editor is told
        logger.warning("%s", exc)
        answer = FrontAnswer()
        needs_review.append("authors/institutions could not be read from the PDF")
    institutions = list(dict.fromkeys(i.strip() for i in answer.institutions if _in_text(i, front_norm)))
    authors = record.authors if record else byline_names(answer.authors, front)
    evidence.append(Evidence(field="institutions", pages=[1], source="pdf"))
    evidence.append(Evidence(field="authors", pages=[] if record else [1], source="arxiv_api" if record else "pdf"))

    context = _context_chunks(retriever, doc, chunks, settings)
    title = record.title if record else (doc.title or "Untitled")
    name = _short_name(title)
    options = results.options(doc.tables, results.anchors(name, title), limit=6)
    paper = prompts.render(
        settings.prompts_dir, "paper_context", title=record.title if record else (doc.title or ""),
        chunks=[{"section": c.section, "pages": c.pages, "text": c.text} for c in context],
        tables=[{"id": o.id, "page": o.table.page, "caption": o.table.caption[:160] or "(no caption)",
                 "rows": o.rows[:settings.extract.max_table_rows]} for o in options],
        fence=fence,
    ).text
    context_pages = sorted({p for c in context for p in c.pages})
    context_ids = [c.id for c in context]

    pm, res, prose_calls = ask_prose(paper, options, llm, settings, system)
    calls += prose_calls
    for prose_field in ("core_problem", "method", "results_text", "verdict", "headline"):
        evidence.append(Evidence(field=prose_field, pages=context_pages, chunk_ids=context_ids, source="model"))

    main = next((o for o in options if o.id == res.main_table), None)
    anchor_words = results.anchors(name, title, pm.method)
    tables, table_numbers = results.collect(main, res.proposed_row, options, anchor_words,
                                            max_rows=settings.extract.max_table_rows)
    prose_numbers = claims.key_numbers(doc, record.abstract if record else None,
                                       limit=settings.extract.max_prose_numbers)
    # the headline numbers first (main table, best prose claims), then the rest, then publication facts
    key_numbers = (table_numbers[:6] + prose_numbers[:4] + table_numbers[6:] + prose_numbers[4:]
                   + publication.facts(doc))
    if tables:
        evidence.append(Evidence(field="results_tables", pages=[t.page for t in tables if t.page],
                                 source="parsed_table"))
    evidence.append(Evidence(field="key_numbers", pages=sorted({k.page for k in key_numbers if k.page}),
                             source="parsed_table"))

    comment = record.comment if record else None
    journal = record.journal_ref if record else None
    venue_name, status, review_text = venue.detect(comment, journal, front)
    primary = links.paper_code(doc.links, doc.title)  # the paper's own repository, not one it cites
    code = ([primary] if primary else []) + [l for l in doc.links if l.kind == "code" and l != primary]
    project = next((l for l in doc.links if l.kind == "project"), None)
    if _INJECTION.search(doc.text):
        needs_review.append("possible prompt injection in the paper text")
    card = Card(
        arxiv_id=record.arxiv_id if record else doc.arxiv_id, version=f"v{record.version}" if record else None,
        name=name, headline=res.headline, title=title, authors=authors,
        institutions=institutions, categories=record.categories if record else [],
        submitted=record.published if record else None, updated=record.updated if record else None,
        arxiv_comment=comment, venue=venue_name, peer_review_status=status, peer_review_text=review_text,
        core_problem=pm.core_problem, method=pm.method, results_text=res.results_text,
        results_tables=tables, key_numbers=key_numbers, verdict=res.verdict,
        code_url=_bare(code[0].url) if code else None, code_urls=[_bare(l.url) for l in code],
        project_page=_bare(project.url) if project else None,
        code_status="released" if code else "unknown", needs_review=needs_review, evidence=evidence,
    )
    return Draft(card=card, calls=calls)


def _whole_sentences(text: str) -> str:
    """Cut a prose answer that hit its length limit back to its last full sentence."""
    if text.endswith((".", "!", "?", '"', ")")):
        return text
    end = max(text.rfind(". "), text.rfind("! "), text.rfind("? "))
    return text[: end + 1] if end > len(text) // 3 else text


def _fold(text: str) -> str:
    """Lower case without accents: "Clément" and "Clement" are one name to a reader."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def byline_names(candidates: list[str], front: str) -> list[str]:
    """Author names as the PDF prints them: split glued lists, drop markers, keep only names on the page."""
    words = re.findall(r"[^\W\d_][\w'.-]*", _MARKERS.sub(" ", front))
    folded = [_fold(w) for w in words]
    names: list[str] = []
    for candidate in candidates:
        for part in re.split(r"\s*(?:,|;|&|\band\b)\s*", _MARKERS.sub("", candidate)):
            target = [_fold(w) for w in part.split()]
            if len(target) < 2:
                continue
            for i in range(len(folded) - len(target) + 1):
                if folded[i:i + len(target)] == target:
                    names.append(" ".join(words[i:i + len(target)]))  # the page's spelling
                    break
    return list(dict.fromkeys(names))


# affiliation digits and footnote marks glued to a name: "Dahai Li2,6", "Zhiyuan Liu1†", "Senellart 1¶"
_MARKERS = re.compile(r"(?<=[^\W\d_])\s?\d+(?:,\d+)*|[*†‡§¶]+")


def _bare(url: str) -> str:
    return re.sub(r"^https?://(?:www\.)?", "", url).rstrip("/")


def _short_name(title: str) -> str | None:
    head = title.split(":", 1)[0].strip()
    return head if ":" in title and len(head.split()) <= 4 else None
