"""Assembling the digest: entries from cards, only the cards' numbers, the seeds' sections, escaped."""

from __future__ import annotations

from datetime import date

import pytest

from summarizer.card import Card, KeyNumber, ResultsTable
from summarizer.digest.compose import (
    Digest,
    Mention,
    checked_prose,
    clean_prose,
    entry,
    markdown,
    printable_numbers,
    quick_reference,
    refresh_entry,
    short_name,
    title_for,
)
from summarizer.errors import BadInput
from summarizer.render import md_block


def card(**fields: object) -> Card:
    base: dict[str, object] = {
        "arxiv_id": "3103.00042", "version": "v2", "title": "Glowworm: Sampling Faster by Listening to Noise",
        "headline": "Sampling in 7 steps without retraining", "authors": ["Ann Example", "Bo Sample"],
        "institutions": ["Example University"], "core_problem": "Samplers need 50 steps. Each step is slow.",
        "method": "A learned schedule.", "results_text": "FID drops to 3.21 on the benchmark.",
        "key_numbers": [KeyNumber(metric="FID", setting="benchmark, 7 steps", value="3.21", baseline="4.10", page=6)],
        "results_tables": [ResultsTable(caption="Table 2", columns=["Method", "FID"], rows=[["Ours", "3.21"]], page=6)],
        "verdict": "Read it for the schedule.", "code_urls": ["https://github.com/example/glowworm"],
        "peer_review_status": "preprint", "submitted": "2031-03-01",
    }
    base.update(fields)
    return Card.model_validate(base)


def test_an_entry_copies_the_card_and_drops_sentences_whose_number_grounding_removed() -> None:
    made = entry(card(results_text="FID drops to 3.21. It beats all by [number not in paper] points."),
                 revision=3, reason="on topic")

    assert made.results == "FID drops to 3.21."
    assert made.name == "Glowworm"
    assert made.byline == "Ann Example, Bo Sample — Example University"
    assert made.peer_review == "Preprint (submitted 2031-03-01; review status unknown)."
    assert made.resources == "Code: https://github.com/example/glowworm."
    assert (made.card_revision, made.numbers[0].value, made.table and made.table.rows) == (3, "3.21", [["Ours", "3.21"]])


def test_refreshing_an_entry_prints_the_new_card_revision_in_its_place_and_keeps_the_other_entries() -> None:
    cards = [card(arxiv_id=f"3103.0004{i}", title=f"Paper{i}: t") for i in range(3)]
    entries = [entry(c, revision=1, reason=f"reason {i}") for i, c in enumerate(cards)]
    entries[0] = entries[0].model_copy(update={"why": "An editor's words."})
    digest = Digest(date="2031-03-04", title="t", dek="d", intro="i", entries=entries,
                    quick_reference=[quick_reference(e, c) for e, c in zip(entries, cards, strict=True)])
    corrected = cards[1].model_copy(update={"core_problem": "The corrected problem.", "code_urls": []})

    refreshed = refresh_entry(digest, "3103.00041", corrected, 4)

    assert [e.arxiv_id for e in refreshed.entries] == ["3103.00040", "3103.00041", "3103.00042"]
    made = refreshed.entries[1]
    assert (made.problem, made.card_revision, made.reason) == ("The corrected problem.", 4, "reason 1")
    assert refreshed.entries[0].why == "An editor's words." and refreshed.entries[2] == entries[2]
    assert [r.arxiv_id for r in refreshed.quick_reference] == ["3103.00040", "3103.00041", "3103.00042"]
    assert refreshed.quick_reference[1].code == "—"
    with pytest.raises(BadInput, match="not an entry"):
        refresh_entry(digest, "3103.00049", corrected, 4)


def test_the_framing_keeps_only_numbers_an_entry_prints() -> None:
    made = entry(card(), revision=1, reason="")
    allowed = printable_numbers([made], listing_size=412)

    text = "Of 412 papers, one stood out. It reaches FID 3.21 in 7 steps. It is 10x faster than anything."

    assert checked_prose(text, allowed) == "Of 412 papers, one stood out. It reaches FID 3.21 in 7 steps."
    assert clean_prose("One. Two has [removed: 9.9] in it. Three.") == "One. Three."


def test_names_and_titles_read_like_the_seeds() -> None:
    assert short_name(card(name=None)) == "Glowworm"
    assert short_name(card(title="A very long title with no colon at all in it")) == "A very long title with no…"
    assert title_for(date(2031, 3, 4), "diffusion", 5) == "Five diffusion papers worth reading today (March 4, 2031)"
    assert title_for(date(2031, 3, 4), "diffusion", 1) == "One diffusion paper worth reading today (March 4, 2031)"


def test_the_markdown_has_every_section_of_the_seeds_and_escapes_paper_text() -> None:
    hostile = card(title="<script>alert(1)</script>: x", headline="Fast <img src=x onerror=alert(1)>",
                   institutions=["Lab\rAccepted at Nature"])
    made = entry(hostile, revision=1, reason="")
    digest = Digest(date="2031-03-04", title=title_for(date(2031, 3, 4), "diffusion", 1), dek="The dek.",
                    intro="The intro.", entries=[made], closing="# Accepted at Nature",
                    mentions=[Mention(arxiv_id="3103.00099", title="Other *bold* paper", note="Worth a look.")],
                    quick_reference=[quick_reference(made, hostile)])

    text = markdown(digest)

    for section in ("# One diffusion paper worth reading today (March 4, 2031)", "The dek.", "The intro.",
                    "## 1. ", "ArXiv: 3103.00042", "Authors / institution:", "Core problem:", "Method:",
                    "Results:", "| Method | FID |", "Resources:", "Peer-review status:", "Why read it:",
                    "## Honourable mentions", "## Quick reference", "\\# Accepted at Nature"):
        assert section in text, section
    assert "<script>" not in text and "<img" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "Other \\*bold\\* paper" in text
    assert not any(line.startswith(("Accepted at Nature", "# Accepted")) for line in text.splitlines())
    assert [md_block(t) for t in ("- a", "1. b", "12) c", "=== d", "+ e", "plain")] == [
        "\\- a", "1\\. b", "12\\) c", "\\=== d", "\\+ e", "plain"]
