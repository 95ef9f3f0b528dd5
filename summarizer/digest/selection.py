"""Which of the day's papers are worth reading: a cheap first pass over every abstract, then the model's
judgement of the best few, each pick with its reason.

First pass: the cosine similarity of the title and abstract (MiniLM) to the topic profile (its text and
example papers), plus a bonus for how much of the abstract is about the topic by its keywords: each
sentence that names one counts, a title that names one counts twice. A paper about diffusion models says
so throughout; a paper that uses one as a tool says so once. Judgement: the model
reads the top `judged` abstracts and scores relevance, novelty, evidence and practical value; acceptance
at a venue and released code (from arXiv's comment) add to the merit. Papers the model finds off topic, or
below the first pass's `min_score`, are never picked, so a thin day gives a short digest, not a padded one.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, Field

from summarizer.drafting import venue
from summarizer.drafting.abstract import Listing
from summarizer.errors import ModelError
from summarizer.ingest import links
from summarizer.model import prompts
from summarizer.settings import DigestSettings, Settings

if TYPE_CHECKING:  # the client (and openai) only where a model is called: a digest read needs neither
    from summarizer.model.llm import LLM

logger = logging.getLogger(__name__)

# each sentence with a keyword hint adds this to the similarity (a title with one: twice), up to MAX_HINTS:
# MiniLM alone scores a GAN or a normalizing-flow abstract about as close to the profile as a diffusion
# paper's; one mention (diffusion used as a tool) adds little, a paper about the topic gains the most
HINT_WEIGHT = 0.05
MAX_HINTS = 5
TITLE_HINTS = 2
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
# the model's relevance (1-5) a pick needs: 3 is "partly about the topic"; 2 is "uses it as a tool"
MIN_RELEVANCE = 3
# merit = 2 x relevance + novelty + evidence + practical, plus these
ACCEPTED_BONUS = 2
CODE_BONUS = 1

Embed = Callable[[Sequence[str]], list[list[float]]]


class Judgement(BaseModel):
    """The model's reading of one abstract."""

    relevance: int = Field(ge=1, le=5)
    novelty: int = Field(ge=1, le=5)
    evidence: int = Field(ge=1, le=5)
    practical: int = Field(ge=1, le=5)
    reason: str = Field(max_length=400)


@dataclass
class Candidate:
    """One paper of the listing on its way through the selection: scores, facts and the reason."""

    entry: Listing
    similarity: float
    hints: list[str]  # the keywords found, each once
    hint_count: int = 0  # sentences of the abstract that name one, plus TITLE_HINTS if the title does
    venue: str | None = None
    accepted: bool = False
    code: bool = False
    judgement: Judgement | None = None
    judge_error: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def first_pass(self) -> float:
        return self.similarity + HINT_WEIGHT * min(self.hint_count, MAX_HINTS)

    @property
    def merit(self) -> int | None:
        j = self.judgement
        if j is None:
            return None
        return (2 * j.relevance + j.novelty + j.evidence + j.practical
                + ACCEPTED_BONUS * self.accepted + CODE_BONUS * self.code)

    def eligible(self, min_score: float) -> bool:
        """On topic by both passes (a paper the model could not judge stands on its first pass)."""
        on_topic = self.judgement is None or self.judgement.relevance >= MIN_RELEVANCE
        return self.first_pass >= min_score and on_topic

    @property
    def reason(self) -> str:
        """Why it ranks where it does, in words an editor can check."""
        parts = [f"first pass {self.first_pass:.2f} (similarity {self.similarity:.2f}"
                 + (f"; hints: {', '.join(self.hints)})" if self.hints else ")")]
        j = self.judgement
        if j is not None:
            parts.insert(0, j.reason.strip())
            parts.append(f"relevance {j.relevance}, novelty {j.novelty}, evidence {j.evidence}, "
                         f"practical {j.practical}")
        elif self.judge_error:
            parts.append(f"not judged by the model: {self.judge_error}")
        if self.accepted:
            parts.append(f"accepted at {self.venue}" if self.venue else "accepted")
        if self.code:
            parts.append("code linked")
        return "; ".join(parts + self.notes)


@dataclass
class Selection:
    """The ranked candidates (best first), of which the picks and the honourable mentions."""

    ranked: list[Candidate]
    picks: list[Candidate]
    mentions: list[Candidate]


def keyword_hints(text: str, keywords: Sequence[str]) -> list[str]:
    """The keywords found in the text as whole words (case-insensitive), each once, in settings order."""
    found = []
    for keyword in keywords:
        if re.search(rf"(?<![\w-]){re.escape(keyword)}(?![\w-])", text, re.IGNORECASE):
            found.append(keyword.lower())
    # "diffusion model" inside "diffusion models" is one idea: keep the longest of overlapping hints
    return [k for k in dict.fromkeys(found) if not any(k != o and k in o for o in found)]


def hint_count(entry: Listing, keywords: Sequence[str]) -> int:
    """How much of the paper names the topic: its abstract's sentences with a keyword, and its title."""
    sentences = sum(bool(keyword_hints(s, keywords)) for s in _SENTENCE.split(entry.abstract))
    return sentences + (TITLE_HINTS if keyword_hints(entry.title, keywords) else 0)


def first_pass(entries: Sequence[Listing], profile: DigestSettings, embed: Embed) -> list[Candidate]:
    """Every entry scored against the profile, best first."""
    if not entries:
        return []
    anchors = embed([profile.profile, *profile.examples])
    centroid = np.mean(np.asarray(anchors, dtype=np.float32), axis=0)
    centroid /= max(float(np.linalg.norm(centroid)), 1e-12)
    vectors = np.asarray(embed([f"{e.title}. {e.abstract}" for e in entries]), dtype=np.float32)
    similarities = vectors @ centroid
    candidates = [
        Candidate(entry=e, similarity=round(float(s), 4),
                  hints=keyword_hints(f"{e.title} {e.abstract}", profile.keywords),
                  hint_count=hint_count(e, profile.keywords))
        for e, s in zip(entries, similarities, strict=True)
    ]
    return sorted(candidates, key=lambda c: c.first_pass, reverse=True)


def judge(candidate: Candidate, llm: LLM, settings: Settings) -> None:
    """The model's judgement of one candidate, and the facts code reads from its metadata."""
    entry = candidate.entry
    candidate.venue, status, _ = venue.detect(entry.comment, entry.journal_ref, "")
    candidate.accepted = status == "accepted"
    urls = links.find_urls(f"{entry.abstract} {entry.comment or ''}")
    candidate.code = any(links.classify(url) == "code" for url in urls)
    system = prompts.render(settings.prompts_dir, "system").text
    prompt = prompts.render(
        settings.prompts_dir, "judge_abstract", profile=settings.digest.profile, title=entry.title,
        abstract=entry.abstract, comment=entry.comment or "none",
        fence=prompts.new_fence(entry.arxiv_id, settings.extract.fence_seed),
    )
    try:
        candidate.judgement, _ = llm.ask(prompt, Judgement, system=system)
    except ModelError as exc:  # a garbled answer costs this candidate its judgement, not the run
        candidate.judge_error = str(exc)
        logger.warning("judgement of %s failed: %s", entry.arxiv_id, exc)


def rank(candidates: list[Candidate], digest: DigestSettings, *, featured: frozenset[str] = frozenset()) -> Selection:
    """Judged candidates by merit, then the rest by first pass; picks and mentions among the eligible."""
    for candidate in candidates:
        if candidate.entry.arxiv_id in featured:
            candidate.notes.append(f"featured in the last {digest.featured_days} days: skipped")

    def order(c: Candidate) -> tuple[int, int, float]:
        # judged first (by merit), then those the model could not judge, by the first pass alone
        return (c.merit is not None, c.merit or 0, c.first_pass)

    ranked = sorted(candidates, key=order, reverse=True)
    eligible = [c for c in ranked if c.eligible(digest.min_score) and c.entry.arxiv_id not in featured]
    picks = eligible[:digest.picks]
    return Selection(ranked=ranked, picks=picks, mentions=eligible[digest.picks:digest.picks + digest.mentions])


def select(entries: Sequence[Listing], settings: Settings, embed: Embed, llm: LLM | None, *,
           featured: frozenset[str] = frozenset(), enrich: Callable[[Listing], Listing] | None = None,
           progress: Callable[[str], None] | None = None) -> Selection:
    """First pass over every entry, the model's judgement of the top `judged` ones, ranked.

    `enrich` completes an entry with arXiv's metadata (comment, journal ref) before it is judged; with no
    model (a dry run of the first pass) the ranking is the first pass's.
    """
    digest = settings.digest
    candidates = first_pass(entries, digest, embed)
    on_topic = [c for c in candidates if c.first_pass >= digest.min_score and c.entry.arxiv_id not in featured]
    if progress:
        progress(f"first pass: {len(candidates)} abstracts scored, {len(on_topic)} on topic")
    if llm is not None:
        for number, candidate in enumerate(on_topic[:digest.judged], 1):
            if enrich is not None:
                candidate.entry = enrich(candidate.entry)
            judge(candidate, llm, settings)
            if progress:
                progress(f"judged {number}/{min(len(on_topic), digest.judged)}: {candidate.entry.arxiv_id} "
                         f"merit {candidate.merit}")
    return rank(candidates, digest, featured=featured)
