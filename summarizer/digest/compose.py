"""A digest in the seeds' shape, assembled from the picks' cards: every number in it comes from a card.

Entries copy their card's fields (the approved revision when there is one, else the current draft: the
digest is approved only once every entry prints an approved revision, refreshed if need be); the
model writes only the dek, the intro (the common thread) and the closing paragraph, and any sentence of
those that states a number no entry prints is dropped. An entry's sentence that still carries a number the
card's grounding removed ("[number not in paper]") is dropped too.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from summarizer.card import Card, KeyNumber, ResultsTable
from summarizer.drafting import assemble
from summarizer.errors import BadInput, ModelError
from summarizer.model import prompts
from summarizer.numbers.normalise import PaperNumbers, numbers_in
from summarizer.render import render_markdown
from summarizer.settings import Settings

if TYPE_CHECKING:  # the client (and openai) only where a model is called: a digest read needs neither
    from summarizer.model.llm import LLM

logger = logging.getLogger(__name__)

# what the grounding check leaves in prose where it removed a number (numbers/grounding.py)
_REMOVED = re.compile(r"\[(?:number not in paper|removed: [^\]]*)\]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“(])")
ENTRY_NUMBERS = 6  # key numbers shown under an entry's results
TABLE_ROWS = 6  # rows of its results table
NUMBER_WORDS = {0: "No", 1: "One", 2: "Two", 3: "Three", 4: "Four", 5: "Five", 6: "Six", 7: "Seven", 8: "Eight",
                9: "Nine", 10: "Ten"}


class Entry(BaseModel):
    """One featured paper, as the digest prints it."""

    arxiv_id: str
    version: str | None = None
    card_revision: int | None = None  # the card revision it was assembled from
    name: str
    headline: str
    title: str
    byline: str
    venue: str | None = None
    peer_review: str
    problem: str
    method: str
    results: str
    numbers: list[KeyNumber] = []
    table: ResultsTable | None = None
    resources: str
    why: str
    reason: str = ""  # why it was picked (for the editors; not printed)


class Mention(BaseModel):
    arxiv_id: str
    title: str
    note: str


class QuickReference(BaseModel):
    arxiv_id: str
    name: str
    core_contribution: str
    institution: str
    peer_review_status: str
    code: str


class RankedCandidate(BaseModel):
    """A ranked paper the editors may swap in, with the reason for its rank."""

    arxiv_id: str
    title: str
    score: float
    merit: int | None = None
    reason: str


class Digest(BaseModel):
    """The day's digest: what the workspace edits and the renderers print."""

    date: str  # YYYY-MM-DD
    title: str
    dek: str
    intro: str
    entries: list[Entry]
    mentions: list[Mention] = []
    quick_reference: list[QuickReference] = []
    closing: str = ""
    listing_size: int = 0
    categories: list[str] = []
    candidates: list[RankedCandidate] = []
    notes: list[str] = []  # what happened while drafting it (a pick that failed, a replacement)


class Prose(BaseModel):
    """The model's part: the framing around the entries."""

    dek: str = Field(max_length=400)
    intro: str = Field(max_length=900)
    closing: str = Field(max_length=700)


def short_name(card: Card) -> str:
    """The paper's short name: the card's, else the title's (a card drafted before cards had names), else the
    title's first words."""
    name = card.name or assemble.short_name(card.title)
    if name:
        return name
    words = card.title.split()
    return " ".join(words[:6]) + ("…" if len(words) > 6 else "")


def clean_prose(text: str | None) -> str:
    """The text without sentences that carry a number the grounding check removed."""
    if not text:
        return ""
    sentences = _SENTENCE_END.split(" ".join(text.split()))
    return " ".join(s for s in sentences if not _REMOVED.search(s))


def peer_review_line(card: Card) -> str:
    if card.peer_review_status == "accepted":
        return f"Accepted at {card.venue}." if card.venue else "Accepted (venue not stated)."
    if card.peer_review_status == "preprint":
        return f"Preprint (submitted {card.submitted}; review status unknown)." if card.submitted else \
            "Preprint (review status unknown)."
    return "Review status unknown."


def resources_line(card: Card) -> str:
    parts = []
    if card.code_urls:
        parts.append(("Code: " if len(card.code_urls) == 1 else "Code repositories: ") + ", ".join(card.code_urls))
    elif card.code_status == "none":
        parts.append("No public code repository.")
    else:
        parts.append("No code repository linked from the paper.")
    if card.project_page:
        parts.append(f"Project page: {card.project_page}")
    return " ".join(p if p.endswith(".") else p + "." for p in parts)


def entry(card: Card, *, revision: int | None, reason: str) -> Entry:
    """One digest entry from a card."""
    byline = ", ".join(card.authors) if card.authors else "Authors not listed"
    if card.institutions:
        byline += " — " + " / ".join(card.institutions)
    table = card.results_tables[0] if card.results_tables else None
    if table is not None:
        table = table.model_copy(update={"rows": table.rows[:TABLE_ROWS]})
    numbers = [k for k in card.key_numbers if k.grounded and k.section != "metadata"][:ENTRY_NUMBERS]
    return Entry(
        arxiv_id=card.arxiv_id or "", version=card.version, card_revision=revision, name=short_name(card),
        headline=clean_prose(card.headline) or card.title, title=card.title, byline=byline, venue=card.venue,
        peer_review=peer_review_line(card), problem=clean_prose(card.core_problem),
        method=clean_prose(card.method), results=clean_prose(card.results_text), numbers=numbers, table=table,
        resources=resources_line(card), why=clean_prose(card.verdict), reason=reason,
    )


def refresh_entry(digest: Digest, arxiv_id: str, card: Card, revision: int) -> Digest:
    """The digest with the paper's entry (and quick-reference row) made again from this card revision, in its
    place and with the reason it was picked; every other entry stays as editors left it."""
    old = next((e for e in digest.entries if e.arxiv_id == arxiv_id), None)
    if old is None:
        raise BadInput(f"{arxiv_id} is not an entry of the digest of {digest.date}")
    # keyed as before whatever the card spells (an entry is matched by its paper's id everywhere)
    made = entry(card, revision=revision, reason=old.reason).model_copy(update={"arxiv_id": arxiv_id})
    entries = [made if e.arxiv_id == arxiv_id else e for e in digest.entries]
    place = {e.arxiv_id: i for i, e in enumerate(entries)}
    rows = [r for r in digest.quick_reference if r.arxiv_id != arxiv_id] + [quick_reference(made, card)]
    rows.sort(key=lambda r: place.get(r.arxiv_id, len(place)))
    return digest.model_copy(update={"entries": entries, "quick_reference": rows})


def quick_reference(e: Entry, card: Card) -> QuickReference:
    return QuickReference(
        arxiv_id=e.arxiv_id, name=e.name, core_contribution=e.headline,
        institution=" / ".join(card.institutions[:2]) or "—",
        peer_review_status=f"Accepted ({card.venue})" if card.peer_review_status == "accepted" and card.venue
        else "Accepted" if card.peer_review_status == "accepted" else "Preprint",
        code=card.code_urls[0] if card.code_urls else "—",
    )


def title_for(day: date, topic: str, count: int) -> str:
    word = NUMBER_WORDS.get(count, str(count))
    return f"{word} {topic} paper{'s' if count != 1 else ''} worth reading today ({day:%B} {day.day}, {day.year})"


def printable_numbers(entries: list[Entry], listing_size: int) -> PaperNumbers:
    """Every number the entries print (and the listing's size): the only numbers the framing may state."""
    texts = [str(listing_size)]
    for e in entries:
        texts += [e.headline, e.problem, e.method, e.results, e.why]
        texts += [f"{k.value} {k.baseline or ''} {k.setting or ''}" for k in e.numbers]
        if e.table:
            texts += [" ".join(row) for row in e.table.rows] + [" ".join(e.table.columns)]
    return PaperNumbers(texts)


def checked_prose(text: str, allowed: PaperNumbers) -> str:
    """The model's framing without any sentence stating a number that no entry prints."""
    sentences = _SENTENCE_END.split(" ".join(text.split()))
    kept = [s for s in sentences if all(allowed.has(n) for n in numbers_in(s))]
    if len(kept) < len(sentences):
        logger.info("digest framing: dropped %d sentence(s) with numbers no entry prints",
                    len(sentences) - len(kept))
    return " ".join(kept)


def framing(entries: list[Entry], day: date, listing_size: int, categories: list[str], llm: LLM | None,
            settings: Settings) -> Prose:
    """Dek, intro and closing by the model (numbers checked), or plain ones from the entries without it."""
    fallback = Prose(
        dek=f"{len(entries)} papers from the {day:%B} {day.day}, {day.year} arXiv listing: "
        + "; ".join(e.headline.rstrip(".") for e in entries)[:300] + ".",
        intro=f"{len(entries)} papers stood out among {listing_size} new {', '.join(categories)} entries. "
        "All are preprints unless noted otherwise.",
        closing="",
    )
    if llm is None or not entries:
        return fallback
    system = prompts.render(settings.prompts_dir, "system").text
    prompt = prompts.render(
        settings.prompts_dir, "digest_framing", topic=settings.digest.topic, listing_size=listing_size,
        entries=[{"name": e.name, "headline": e.headline, "problem": e.problem[:400]} for e in entries],
        fence=prompts.new_fence(day.isoformat(), settings.extract.fence_seed),
    )
    try:
        prose, _ = llm.ask(prompt, Prose, system=system)
    except ModelError as exc:
        logger.warning("digest framing by the model failed (%s); using the plain one", exc)
        return fallback
    allowed = printable_numbers(entries, listing_size)
    return Prose(dek=checked_prose(prose.dek, allowed) or fallback.dek,
                 intro=checked_prose(prose.intro, allowed) or fallback.intro,
                 closing=checked_prose(prose.closing, allowed))


def markdown(digest: Digest) -> str:
    """The digest in the seeds' shape: title, dek, intro, entries, mentions, quick reference, closing."""
    return render_markdown("digest.md.j2", d=digest)
