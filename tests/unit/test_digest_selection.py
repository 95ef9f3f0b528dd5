"""Selecting the day's papers: the first pass ranks the digests' papers above the distractors; the
model's judgement, the featured-recently rule and the on-topic floors decide the picks."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from summarizer.digest.selection import Candidate, Judgement, first_pass, keyword_hints, rank
from summarizer.drafting.abstract import Listing
from summarizer.model.embeddings import get_embedder
from summarizer.settings import DigestSettings
from tests.fakes.listing import day_listing


def listing(entry: dict[str, object]) -> Listing:
    return Listing(arxiv_id=str(entry["arxiv_id"]), title=str(entry["title"]), abstract=str(entry["abstract"]),
                   categories=list(entry["categories"]), announce_type=str(entry["announce_type"]))  # type: ignore[call-overload]


def embed(texts: Sequence[str]) -> list[list[float]]:
    return get_embedder().embed(texts)


@pytest.fixture(scope="module")
def ranked() -> list[tuple[Candidate, str]]:
    entries = day_listing()
    kinds = {str(e["arxiv_id"]): str(e["kind"]) for e in entries}
    candidates = first_pass([listing(e) for e in entries if e["announce_type"] in ("new", "cross")],
                            DigestSettings(), embed)
    return [(c, kinds[c.entry.arxiv_id]) for c in candidates]


def test_the_listing_has_sixty_new_papers_with_cross_lists_and_replacements() -> None:
    entries = day_listing()
    assert len(entries) >= 60
    assert {e["announce_type"] for e in entries} == {"new", "cross", "replace", "replace-cross"}


def test_every_seed_paper_ranks_above_every_distractor_off_the_topic_for_the_default_profile(
        ranked: list[tuple[Candidate, str]]) -> None:
    """GANs, normalizing flows, masked-token generators, diffusion used as a tool, diffusion MRI, optical
    flow and other fields all rank below every seed paper. The two "weak-diffusion" distractors are about
    diffusion and flow matching themselves (a sampler benchmark, a short note): telling them from the seed
    papers is the model judgement's task (novelty, evidence), not the first pass's."""
    seeds = [c.first_pass for c, kind in ranked if kind == "seed"]
    distractors = [(c.first_pass, kind, c.entry.title) for c, kind in ranked if kind not in ("seed", "weak-diffusion")]

    assert len(seeds) == 8
    best_distractor = max(distractors)
    assert min(seeds) > best_distractor[0], f"{best_distractor} outranks a seed paper"


def test_the_on_topic_floor_keeps_the_seed_papers_and_drops_the_other_fields(
        ranked: list[tuple[Candidate, str]]) -> None:
    floor = DigestSettings().min_score
    on_topic = {kind for c, kind in ranked if c.first_pass >= floor}

    assert all(c.first_pass >= floor for c, kind in ranked if kind == "seed")
    # near misses may pass the floor: the model's relevance judgement is what drops them
    assert on_topic.isdisjoint({"other-field", "optical-flow"})


def test_keyword_hints_are_whole_words_and_each_idea_counts_once() -> None:
    text = "Flow matching for audio. We train diffusion models; a DiT-free variant. Modification of DITHER."

    assert keyword_hints(text, ["flow matching", "diffusion model", "diffusion models", "DiT"]) == [
        "flow matching", "diffusion models"]


def candidate(arxiv_id: str, similarity: float = 0.6, relevance: int | None = 4, quality: int = 3,
              accepted: bool = False, code: bool = False) -> Candidate:
    entry = Listing(arxiv_id=arxiv_id, title=f"Paper {arxiv_id}", abstract="An abstract.")
    judgement = None if relevance is None else Judgement(
        relevance=relevance, novelty=quality, evidence=quality, practical=quality, reason=f"Reason {arxiv_id}.")
    return Candidate(entry=entry, similarity=similarity, hints=[], judgement=judgement, accepted=accepted,
                     code=code, venue="ICLR 3031" if accepted else None)


def test_picks_follow_merit_and_an_accepted_paper_with_code_gains_on_an_equal_one() -> None:
    plain, credited = candidate("3103.00001"), candidate("3103.00002", accepted=True, code=True)
    strong = candidate("3103.00003", relevance=5, quality=5)

    selection = rank([plain, credited, strong], DigestSettings())

    assert [c.entry.arxiv_id for c in selection.picks] == ["3103.00003", "3103.00002", "3103.00001"]
    assert "accepted at ICLR 3031" in credited.reason and "code linked" in credited.reason
    assert "Reason 3103.00003." in strong.reason


def test_a_thin_day_gives_fewer_picks_not_off_topic_ones() -> None:
    day = [candidate("3103.00001"), candidate("3103.00002"),
           candidate("3103.00003", relevance=2),  # the model: diffusion only as a tool
           candidate("3103.00004", similarity=0.1, relevance=None),  # never judged, below the floor
           candidate("3103.00005", similarity=0.1)]  # the model liked it, the first pass did not

    selection = rank(day, DigestSettings())

    assert [c.entry.arxiv_id for c in selection.picks] == ["3103.00001", "3103.00002"]
    assert selection.mentions == []


def test_a_paper_featured_recently_is_skipped_with_a_note_and_mentions_follow_the_picks() -> None:
    day = [candidate(f"3103.0000{i}", quality=min(9 - i, 5)) for i in range(1, 9)]

    selection = rank(day, DigestSettings(picks=3, mentions=2), featured=frozenset({"3103.00002"}))

    assert [c.entry.arxiv_id for c in selection.picks] == ["3103.00001", "3103.00003", "3103.00004"]
    assert [c.entry.arxiv_id for c in selection.mentions] == ["3103.00005", "3103.00006"]
    skipped = next(c for c in selection.ranked if c.entry.arxiv_id == "3103.00002")
    assert "featured in the last 14 days: skipped" in skipped.reason
