"""A card from arXiv metadata and the abstract alone: what the nightly digest sees before it picks papers."""

from __future__ import annotations

from dataclasses import dataclass, field

from summarizer.card import Card, Evidence
from summarizer.drafting import assemble, provenance, venue
from summarizer.drafting.extract import Model, ask_prose
from summarizer.model import prompts
from summarizer.numbers import claims
from summarizer.numbers.grounding import check
from summarizer.settings import Settings


@dataclass(frozen=True)
class Listing:
    """One entry of an arXiv listing: metadata and abstract, no PDF."""

    arxiv_id: str
    title: str
    abstract: str
    authors: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    submitted: str | None = None
    comment: str | None = None
    journal_ref: str | None = None
    version: int | None = None
    # how the day's listing announced it: new, cross (listed here from another category), replace(-cross)
    announce_type: str = "new"


def summarize(listing: Listing, llm: Model, settings: Settings) -> Card:
    """Prose from the abstract by the model; metadata from the listing; numbers from the abstract text."""
    system = prompts.render(settings.prompts_dir, "system").text
    paper = prompts.render(
        settings.prompts_dir, "paper_context", title=listing.title,
        chunks=[{"section": "abstract", "pages": [], "text": listing.abstract}], tables=[],
        fence=prompts.new_fence(listing.arxiv_id, settings.extract.fence_seed),
    )
    pm, res, calls = ask_prose(paper, [], llm, settings, system)
    venue_name, status, review_text = venue.detect(listing.comment, listing.journal_ref, "")
    steered = assemble.injected(listing.title, listing.abstract, listing.comment)
    name = assemble.short_name(listing.title, listing.abstract)
    card = Card(
        arxiv_id=listing.arxiv_id, version=f"v{listing.version}" if listing.version else None, name=name,
        headline=assemble.tagline(res.headline, name, listing.title, listing.abstract), title=listing.title,
        authors=listing.authors, categories=listing.categories,
        submitted=listing.submitted, arxiv_comment=listing.comment, venue=venue_name,
        peer_review_status="preprint" if status == "unknown" else status, peer_review_text=review_text,
        core_problem=pm.core_problem, method=pm.method, results_text=res.results_text,
        verdict=None if steered else res.verdict, needs_review=[assemble.INJECTION_REVIEW] if steered else [],
        key_numbers=claims.from_abstract(listing.abstract, limit=8),
        evidence=[Evidence(field=f, source="arxiv_api") for f in ("title", "authors", "key_numbers")]
        + [Evidence(field=f, source="model") for f in ("core_problem", "method", "results_text", "verdict")],
    )
    card = check(card, [listing.abstract])
    card.provenance = provenance.build(calls, llm.model, settings, grounding=card.grounding,
                                       paper_texts=[listing.abstract])
    return card
