"""Key numbers an editor changed are checked again against the paper's text (synthetic pages) when saved:
their flags and the card's grounding follow, the editor's words stay as typed."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from summarizer.card import Card, FlaggedNumber, Grounding, KeyNumber, Provenance
from summarizer.document import Document, Page
from summarizer.files import document_path
from summarizer.pipeline import Fetched, parse_cached
from summarizer.service.editing import read_form
from summarizer.service.regrounding import Pages, paper_pages, recheck, state
from summarizer.settings import load

PAGES = (
    "Quillnet: Sparse Routing for Tiny Denoisers\nAda Example, Bo Sample\nWe route patches to 4 experts.",
    "Table 2: sample quality\nMethod FID Cost\nDense 7.31 1.00\nQuillnet 5.42 0.35\n",
    "Ablations. Without the gate the FID rises to 6.10.",
)
NOT_FOUND = FlaggedNumber(field="key_numbers", number="0.33", action="flagged")


def card() -> Card:
    """A card an editor saved before: the FID holds, the cost they typed (0.33) is not printed."""
    return Card(title="Quillnet", results_text="FID 5.42 [number not in paper]", key_numbers=[
        KeyNumber(metric="FID", value="5.42", baseline="7.31", page=2, context="Quillnet 5.42 against 7.31"),
        KeyNumber(metric="relative cost", value="0.33", page=2, grounded=False),
    ], more_numbers=[KeyNumber(metric="experts", value="4", page=1)], grounding=Grounding(
        checked=4, held=2, flagged=[FlaggedNumber(field="results_text", number="3.1", action="removed"), NOT_FOUND]))


def edit(base: Card, *rows: dict[str, str]) -> Card:
    """The card as the editor's form leaves it: row I of the key numbers changed by rows[I]."""
    form = {"kn-count": str(len(base.key_numbers)), "more-count": "0"}
    for i, number in enumerate(base.key_numbers):
        typed = {name: str(getattr(number, name) or "") for name in ("metric", "setting", "value", "baseline", "page")}
        typed.update(rows[i] if i < len(rows) else {})
        form.update({f"kn-{i}-from": number.model_dump_json(), **{f"kn-{i}-{k}": v for k, v in typed.items()}})
    edited, problems = read_form(base, form)
    assert problems == []
    return edited.model_copy(update={"more_numbers": base.more_numbers})


def paper() -> Pages:
    return PAGES


def test_fixing_a_flagged_number_to_what_its_page_prints_clears_the_flag() -> None:
    base = card()
    fixed = recheck(base, edit(base, {}, {"value": "0.35"}), paper)
    cost = fixed.key_numbers[1]
    assert (cost.value, cost.grounded, state(fixed, cost)) == ("0.35", True, "held")
    assert fixed.grounding == Grounding(checked=4, held=3, flagged=base.grounding.flagged[:1])  # the prose's stays


@pytest.mark.parametrize("change", [{"value": "5.24"}, {"baseline": "7.13"}, {"page": "3"}])
def test_a_held_number_changed_to_one_its_page_does_not_print_is_flagged(change: dict[str, str]) -> None:
    base = card()
    changed = recheck(base, edit(base, change), paper)
    fid = changed.key_numbers[0]
    assert not fid.grounded and state(changed, fid) == "not found"
    assert changed.grounding.checked == 4 and changed.grounding.held == 1
    assert FlaggedNumber(field="key_numbers", number=fid.value, action="flagged") in changed.grounding.flagged
    # only the flag: what the editor typed, and what the form does not show, is kept as it was
    assert fid.model_dump(exclude={"grounded"}) == edit(base, change).key_numbers[0].model_dump(exclude={"grounded"})
    assert changed.results_text == base.results_text


def test_a_number_added_by_the_editor_is_checked_like_a_changed_one() -> None:
    base = card()
    form_card = edit(base)
    added = form_card.model_copy(update={"key_numbers": [*form_card.key_numbers,
                                                        KeyNumber(metric="FID without the gate", value="6.10", page=3,
                                                                  grounded=False),
                                                        KeyNumber(metric="speed-up", value="12x", page=3,
                                                                  grounded=False)]})
    checked = recheck(base, added, paper)
    assert [state(checked, k) for k in checked.key_numbers] == ["held", "not found", "held", "not found"]
    assert (checked.grounding.checked, checked.grounding.held) == (6, 3)


def test_without_the_papers_text_an_edited_number_is_not_checked_rather_than_guessed() -> None:
    base = card()
    unchecked = recheck(base, edit(base, {"value": "5.24"}, {"value": "0.35"}), lambda: None)
    assert [(k.grounded, state(unchecked, k)) for k in unchecked.key_numbers] == [(False, "not checked")] * 2
    # neither counts any more, and nothing of them is listed as not found
    assert unchecked.grounding == Grounding(checked=2, held=1, flagged=base.grounding.flagged[:1])
    # once the text is there, the next save checks them
    later = recheck(unchecked, unchecked, paper)
    assert [state(later, k) for k in later.key_numbers] == ["not found", "held"]
    assert (later.grounding.checked, later.grounding.held) == (4, 2)


def test_unchanged_numbers_keep_their_flags_without_reading_the_paper() -> None:
    reads: list[int] = []

    def counted() -> Pages:
        reads.append(1)
        return PAGES

    base = card()
    same = recheck(base, edit(base, {"metric": "FID (test set)", "setting": "256 px"}), counted)
    assert reads == []  # metric and setting are the editor's words: no number changed
    assert [k.grounded for k in same.key_numbers] == [True, False] and same.grounding == base.grounding
    removed = recheck(base, edit(base).model_copy(update={"key_numbers": base.key_numbers[:1]}), counted)
    assert removed.grounding == Grounding(checked=3, held=2, flagged=base.grounding.flagged[:1])  # 0.33 went
    assert reads == []


def test_the_paper_is_read_from_the_document_the_parse_stage_cached(tmp_path: Path) -> None:
    settings = load(env={}, data_dir=tmp_path / "data")
    pdf = b"%PDF-1.4 not parsed here"
    sha256 = hashlib.sha256(pdf).hexdigest()
    doc = Document(sha256=sha256, pages=[Page(number=i + 1, text=t) for i, t in enumerate(PAGES)], sections=[])
    with_pdf = Card(title="Quillnet", provenance=Provenance(pdf_sha256=sha256))
    assert paper_pages(settings.cache_dir, with_pdf) is None  # not parsed yet: nothing to check against
    path = document_path(settings.cache_dir, sha256)
    path.parent.mkdir(parents=True)
    path.write_text(doc.model_dump_json())
    assert paper_pages(settings.cache_dir, with_pdf) == PAGES
    # the very file the pipeline reads back instead of parsing (these bytes are no PDF: a parse would fail)
    assert parse_cached(Fetched(pdf, None, "cached.pdf"), settings)[0] == doc
    for sha in (None, "../" * 10 + "etc/passwd", "AB" * 32):  # an abstract-only card; not a sha256
        assert paper_pages(settings.cache_dir, with_pdf.model_copy(update={"provenance": Provenance(pdf_sha256=sha)})) is None
