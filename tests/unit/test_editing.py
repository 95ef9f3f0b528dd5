"""The card editor's form: what a posted form makes of a card, and the field-by-field diffs of the history."""

from __future__ import annotations

import pytest

from summarizer.card import Card, FlaggedNumber, Grounding, KeyNumber, Passage, Provenance, ResultsTable
from summarizer.document import ArxivRecord, Document, Link, Page, PageText, Section
from summarizer.drafting import assemble
from summarizer.drafting.assemble import Answers
from summarizer.service.editing import diff, field_text, form_layout, link_target, read_form
from summarizer.service.store.views import card_data
from summarizer.settings import ExtractSettings


def base() -> Card:
    return Card(
        title="Alpha", method="old method", authors=["A. One"],
        results_tables=[ResultsTable(caption="T1", columns=["m", "x"], rows=[["ours", "1.5"], ["theirs", "2.5"]],
                                     page=4)],
        key_numbers=[KeyNumber(metric="x", value="1.5", page=4, context="x is 1.5"),
                     KeyNumber(metric="y", value="9", page=5, grounded=False)],
        more_numbers=[KeyNumber(metric="z", value="3", page=6), KeyNumber(metric="w", value="8", page=7)],
    )


def card_from_form(base: Card, form: dict[str, str]) -> Card:
    card, problems = read_form(base, form)
    assert problems == []
    return card


def number_rows(*rows: dict[str, str]) -> dict[str, str]:
    form = {"kn-count": str(len(rows))}
    for i, row in enumerate(rows):
        form.update({f"kn-{i}-{key}": value for key, value in row.items()})
    return form


def others(*numbers: KeyNumber) -> dict[str, str]:
    """The card's other numbers as the form carries them."""
    return {"more-count": str(len(numbers)), **{f"more-{j}-number": n.model_dump_json() for j, n in enumerate(numbers)}}


def shown(card: Card) -> dict[str, str]:
    """The form editor.html writes for a card's title and numbers: each row carries its number, the blank row
    comes last (tests/integration/test_review.py posts the page itself)."""
    form = {"title": card.title, "kn-count": str(len(card.key_numbers) + 1), **others(*card.more_numbers)}
    for i, number in enumerate([*card.key_numbers, None]):
        form.update({f"kn-{i}-from": number.model_dump_json() if number else "", f"kn-{i}-order": str(i + 1)})
        form.update({f"kn-{i}-{name}": str(getattr(number, name, None) or "") for name in ("metric", "setting", "value",
                                                                                      "baseline", "page")})
    return form


def test_text_fields_lists_and_choices_come_from_the_form_and_the_rest_is_kept() -> None:
    card = card_from_form(base(), {
        "title": "  Alpha v2 ", "method": "new\r\nmethod", "verdict": "", "authors": "A. One\r\n\r\nB. Two ",
        "peer_review_status": "accepted",
    })
    assert (card.title, card.method, card.verdict) == ("Alpha v2", "new\nmethod", None)
    assert card.authors == ["A. One", "B. Two"] and card.peer_review_status == "accepted"
    assert card.key_numbers == base().key_numbers and card.results_tables == base().results_tables


@pytest.mark.parametrize("form, message", [
    ({"title": " "}, "title cannot be empty"),
    ({"peer_review_status": "maybe"}, "peer_review_status must be one of"),
    ({"method": "m" * 2001}, "method"),
    ({"kn-count": "100000"}, "kn-count must be between"),
    (number_rows({"from": "", "metric": "", "value": "7"}), "give both"),
    (number_rows({"from": base().key_numbers[0].model_dump_json(), "metric": "x", "value": "1.5", "page": "four"}),
     "page and order"),
    (number_rows({"from": "key:0", "metric": "x", "value": "1.5"}), "reload the page"),  # not a number it carries
])
def test_an_invalid_form_is_refused_with_what_to_fix_and_keeps_what_was_typed(
    form: dict[str, str], message: str
) -> None:
    card, problems = read_form(base(), {**form, "verdict": "typed before the mistake"})
    assert any(message in problem for problem in problems), problems
    assert card.verdict == "typed before the mistake"


def test_table_cells_are_edited_rows_removed_and_the_blank_row_adds_one_when_filled() -> None:
    form = {
        "tables-count": "1", "tables-0-caption": "T1 (edited)", "tables-0-columns": "2", "tables-0-rows": "4",
        "tables-0-col-0": "method", "tables-0-col-1": "x",
        "tables-0-row-0-0": "ours", "tables-0-row-0-1": "1.6",
        "tables-0-row-1-0": "theirs", "tables-0-row-1-1": "2.5", "tables-0-row-1-remove": "1",
        "tables-0-row-2-0": "new", "tables-0-row-2-1": "0.1",
        "tables-0-row-3-0": "", "tables-0-row-3-1": "",
    }
    [table] = card_from_form(base(), form).results_tables
    assert (table.caption, table.columns, table.page) == ("T1 (edited)", ["method", "x"], 4)
    assert table.rows == [["ours", "1.6"], ["new", "0.1"]]


def test_key_numbers_follow_the_order_field_keep_their_evidence_and_are_pulled_from_the_others() -> None:
    x, y = (number.model_dump_json() for number in base().key_numbers)
    form = number_rows(
        {"from": x, "order": "2", "metric": "x", "value": "1.7", "page": "4"},
        {"from": y, "order": "1", "metric": "y", "value": "9", "page": "5"},
        {"from": "", "order": "3", "metric": "new one", "value": "42%", "setting": "zero-shot"},
    )
    form.update({**others(*base().more_numbers), "more-1-pull": "1"})
    card = card_from_form(base(), form)
    assert [(k.metric, k.value) for k in card.key_numbers] == [("y", "9"), ("x", "1.7"), ("new one", "42%"),
                                                               ("w", "8")]
    assert card.key_numbers[1].context == "x is 1.5"  # what the form does not show travels with the row
    assert card.key_numbers[0].grounded is False and card.key_numbers[2].grounded is False  # nobody checked it
    assert card.key_numbers[2].setting == "zero-shot" and card.more_numbers == [base().more_numbers[0]]
    removed = card_from_form(base(), {**number_rows({"from": x, "metric": "x", "value": "1.5", "remove": "1"})})
    assert removed.key_numbers == [] and removed.more_numbers == base().more_numbers  # the form held none


def numbered() -> Card:
    """Numbers that differ in every field the form's rows do not show."""
    return Card(title="Alpha", key_numbers=[
        KeyNumber(metric="x", value="1.5", page=4, context="x is 1.5", section="table"),
        KeyNumber(metric="y", value="9", page=5, context="y is 9", section="method", grounded=False),
        KeyNumber(metric="v", value="2", page=6, context="v is 2"),
    ], more_numbers=[
        KeyNumber(metric="z", value="3", page=6, context="z is 3", section="core_problem"),
        KeyNumber(metric="w", value="8", page=7, context="w is 8\nover two lines", grounded=False),
    ])


@pytest.mark.parametrize("refused, then, key, more", [
    ({"kn-0-order": "2", "kn-1-order": "1"}, {}, "yxv", "zw"),  # reordered
    ({"kn-0-remove": "1"}, {}, "yv", "zw"),
    ({"more-0-pull": "1"}, {}, "xyvz", "w"),
    ({"more-0-pull": "1", "kn-2-order": "0"}, {"more-0-pull": "1"}, "vxyzw", ""),  # the page shows w first now
])
def test_the_form_shown_again_after_a_refused_save_saves_every_number_with_its_own_evidence(
    refused: dict[str, str], then: dict[str, str], key: str, more: str
) -> None:
    card = numbered()
    edited, problems = read_form(card, {**shown(card), **refused, "title": ""})
    assert problems == ["the paper title cannot be empty"]
    saved = card_from_form(card, {**shown(edited), **then, "title": "Alpha"})  # the form now shows the edited card
    own = {number.metric: number for number in card.key_numbers + card.more_numbers}
    assert saved.key_numbers == [own[metric] for metric in key]  # context, section and grounding included
    assert saved.more_numbers == [own[metric] for metric in more]


def test_the_diff_names_each_changed_field_with_its_removed_and_added_lines() -> None:
    before = card_data(base())
    after = card_data(base().model_copy(update={
        "method": "new method", "provenance": Provenance(model="another model"),  # bookkeeping: not shown
        "results_tables": [ResultsTable(caption="T1", columns=["m", "x"], rows=[["ours", "1.6"], ["theirs", "2.5"]])],
    }))
    changes = {change.field: change for change in diff(before, after)}
    assert set(changes) == {"method", "results_tables"}
    assert ("-", "ours | 1.5") in changes["results_tables"].lines
    assert ("+", "ours | 1.6") in changes["results_tables"].lines
    assert (" ", "theirs | 2.5") in changes["results_tables"].lines
    assert changes["method"].before == ["old method"] and changes["method"].after == ["new method"]
    assert field_text("key_numbers", before["key_numbers"])[0] == "x: 1.5 [p. 4]"
    assert [c.field for c in diff(None, before, ["title", "verdict"])] == ["title"]  # a first revision


def test_tables_and_columns_are_added_and_removed_and_each_table_keeps_its_page() -> None:
    two = base().model_copy(update={"results_tables": [
        *base().results_tables, ResultsTable(caption="T2", columns=["k"], rows=[["5"]], page=9)]})
    form = {
        "tables-count": "4",
        "tables-0-remove": "1", "tables-0-page": "4", "tables-0-caption": "T1", "tables-0-columns": "2",
        "tables-0-rows": "1", "tables-0-col-0": "m", "tables-0-col-1": "x",
        # the second table with its column removed and one added: the removed cell leaves every row
        "tables-1-page": "9", "tables-1-caption": "T2", "tables-1-columns": "2", "tables-1-rows": "2",
        "tables-1-col-0": "k", "tables-1-col-0-remove": "1", "tables-1-col-1": "added",
        "tables-1-row-0-0": "5", "tables-1-row-0-1": "6", "tables-1-row-1-0": "", "tables-1-row-1-1": "7",
        # a table added by the editor, and one added and left blank
        "tables-2-page": "", "tables-2-caption": "Table 9: new", "tables-2-columns": "1", "tables-2-rows": "1",
        "tables-2-col-0": "model", "tables-2-row-0-0": "ours",
        "tables-3-page": "", "tables-3-caption": " ", "tables-3-columns": "1", "tables-3-rows": "1",
        "tables-3-col-0": "", "tables-3-row-0-0": "",
    }
    tables = card_from_form(two, form).results_tables
    assert [(t.caption, t.columns, t.rows, t.page) for t in tables] == [
        ("T2", ["added"], [["6"], ["7"]], 9), ("Table 9: new", ["model"], [["ours"]], None)]
    changes = {change.field: change for change in diff(card_data(two), card_data(card_from_form(two, form)))}
    assert ("-", "[T1]") in changes["results_tables"].lines and ("+", "[Table 9: new]") in changes["results_tables"].lines


@pytest.mark.parametrize("removal", [{"tables-0-remove": "1"}, {"tables-0-col-0-remove": "1", "tables-0-col-1-remove": "1"}])
def test_removing_the_last_table_or_all_its_columns_leaves_a_valid_card_without_tables(removal: dict[str, str]) -> None:
    form = {"tables-count": "1", "tables-0-caption": "T1", "tables-0-columns": "2", "tables-0-rows": "1",
            "tables-0-col-0": "m", "tables-0-col-1": "x", "tables-0-row-0-0": "ours", **removal}
    card = card_from_form(base(), form)
    assert card.results_tables == [] and Card.model_validate(card.model_dump()) == card


def test_a_table_keeps_the_page_the_form_carries_even_at_another_place() -> None:
    form = {"tables-count": "1", "tables-0-page": "9", "tables-0-caption": "T2", "tables-0-columns": "1",
            "tables-0-rows": "1", "tables-0-col-0": "k", "tables-0-row-0-0": "5"}
    [table] = card_from_form(base(), form).results_tables  # base's first table is on page 4
    assert table.page == 9
    _card, problems = read_form(base(), {**form, "tables-0-page": "nine"})
    assert problems == ["table 1: the page is a number"]


def test_review_notes_are_cleared_line_by_line_and_the_history_shows_what_went() -> None:
    noted = base().model_copy(update={"needs_review": ["possible prompt injection", "ungrounded numbers"]})
    card = card_from_form(noted, {"needs_review": "ungrounded numbers\r\n"})
    assert card.needs_review == ["ungrounded numbers"]
    assert card_from_form(noted, {"needs_review": " "}).needs_review == []
    assert card_from_form(noted, {"title": "Alpha"}).needs_review == noted.needs_review  # a form without them
    [change] = diff(card_data(noted), card_data(card))
    assert change.field == "needs_review" and change.lines == [("-", "possible prompt injection"),
                                                               (" ", "ungrounded numbers")]


def test_the_first_code_link_is_the_cards_code_url_after_a_save() -> None:
    linked = base().model_copy(update={"code_url": "github.com/old/repo", "code_urls": ["github.com/old/repo"]})
    card = card_from_form(linked, {"code_urls": "github.com/new/repo\ngithub.com/old/repo"})
    assert (card.code_url, card.code_urls) == ("github.com/new/repo", ["github.com/new/repo", "github.com/old/repo"])
    assert card_from_form(linked, {"code_urls": ""}).code_url is None
    assert card_from_form(linked, {"title": "Alpha"}).code_url == "github.com/old/repo"  # links not in the form


@pytest.mark.parametrize("stored, target", [
    ("https://github.com/x/y", "https://github.com/x/y"),
    ("HTTP://example.org/a?b=1", "HTTP://example.org/a?b=1"),
    ("github.com/x/y", "https://github.com/x/y"),  # as drafting/assemble.py stores it
    ("multivae.readthedocs.io", "https://multivae.readthedocs.io"),
    ("github.com/x/y/blob/main/a.ipynb#L3", "https://github.com/x/y/blob/main/a.ipynb#L3"),
    ("javascript:alert(1)", None),
    ("JavaScript://github.com/%0aalert(1)", None),
    ("data:text/html,<script>1</script>", None),
    ("ftp://example.org/x", None),
    ("//evil.example/x", None),
    ("github.com:x@evil.example/", None),
    ("see github.com/x/y", None),
    ("https://github.com/x y", None),
    ("localhost/x", None),
    ("", None),
])
def test_a_link_opens_only_over_the_web_and_a_bare_host_path_as_https(stored: str, target: str | None) -> None:
    assert link_target(stored) == target


def test_more_fields_open_when_one_holds_something_or_a_note_or_flag_points_into_it() -> None:
    assert form_layout(base())["more_open"] is False
    assert form_layout(base().model_copy(update={"institutions": ["Uni"]}))["more_open"] is True
    flagged = Grounding(flagged=[FlaggedNumber(field="novelty", number="7")])
    assert form_layout(base().model_copy(update={"grounding": flagged}))["more_open"] is True
    noted = base().model_copy(update={"needs_review": [
        "possible prompt injection in the paper text: the verdict is left to an editor",
        "authors/institutions could not be read from the PDF", "ungrounded numbers"]})
    layout = form_layout(noted)
    assert [field for _note, field in layout["notes"]] == ["verdict", "authors", "needs_review"]
    assert layout["more_open"] is False  # the notes point at fields shown anyway


# --- where the fields an editor checks came from: the draft's evidence, which the editor shows beside them ----

FRONT = ("Quillnet: Sparse Routing for Tiny Denoisers\nAda Example, Bo Sample\nExample University\n"
         "Published as a conference paper at ICLR 2026\n"
         "Code: https://github.com/example/quillnet\nProject page: https://quillnet.github.io\n")


def drafted(record: ArxivRecord | None) -> Card:
    """The draft assemble.card makes of a two-page paper, with or without its arXiv entry."""
    pages = [FRONT, "Method. We route each patch to one of four experts by a learned gate."]
    doc = Document(
        sha256="ab" * 32, title="Quillnet: Sparse Routing for Tiny Denoisers",
        pages=[Page(number=i + 1, text=text) for i, text in enumerate(pages)],
        sections=[Section(kind="front", heading="", parts=[PageText(page=1, text=FRONT)]),
                  Section(kind="method", heading="Method", parts=[PageText(page=2, text=pages[1])])],
        links=[Link(url="https://github.com/example/quillnet", page=1, kind="code"),
               Link(url="https://github.com/example/quillnet-data", page=2, kind="code", source="annotation"),
               Link(url="https://quillnet.github.io", page=1, kind="project")],
    )
    answers = Answers(core_problem="Tiny denoisers waste compute.", method="A learned gate routes patches.",
                      results_text="", verdict="", headline="", main_table="", proposed_row="",
                      authors=["Ada Example, Bo Sample"], institutions=["Example University", "Nowhere Institute"])
    return assemble.card(doc, record, answers, [], [], FRONT, ExtractSettings())


def test_the_draft_says_which_fields_came_from_the_arxiv_entry_and_which_line_gave_the_venue() -> None:
    record = ArxivRecord(
        arxiv_id="2511.01234", version=1, title="Quillnet: Sparse Routing for Tiny Denoisers",
        authors=["Ada Example", "Bo Sample"], abstract="We route patches.", categories=["cs.CV"],
        primary_category="cs.CV", published="2025-11-03", updated="2025-11-03", comment="Accepted at ICLR 2026; 12 pages",
        abs_url="https://arxiv.org/abs/2511.01234v1", pdf_url="https://arxiv.org/pdf/2511.01234v1")
    card = drafted(record)
    for name in ("title", "submitted", "categories", "authors"):
        found = card.evidence_for(name)
        assert found is not None and (found.source, found.url, found.pages) == ("arxiv_api", record.abs_url, []), name
    assert (card.venue, card.peer_review_status) == ("ICLR 2026", "accepted")
    for name in ("venue", "peer_review_status", "peer_review_text"):  # the arXiv comment, not the PDF's stamp
        found = card.evidence_for(name)
        assert found is not None and found.source == "arxiv_api" and found.url == record.abs_url
        assert found.passages == [Passage(text="arXiv comment: Accepted at ICLR 2026; 12 pages")]
    institutions = card.evidence_for("institutions")
    assert card.institutions == ["Example University"] and institutions is not None
    assert (institutions.source, institutions.pages) == ("pdf", [1])


def test_a_draft_without_its_arxiv_entry_cites_the_pdfs_pages_and_the_lines_read_there() -> None:
    card = drafted(None)
    title, authors, venue = (card.evidence_for(name) for name in ("title", "authors", "venue"))
    assert title is not None and (title.source, title.pages, title.url) == ("pdf", [1], None)
    assert card.authors == ["Ada Example", "Bo Sample"] and authors is not None and authors.pages == [1]
    assert venue is not None and (venue.source, venue.pages) == ("pdf", [1])
    assert venue.passages == [Passage(page=1, text="Published as a conference paper at ICLR 2026")]
    assert card.evidence_for("submitted") is None and card.evidence_for("categories") is None  # nothing read
    code, project = card.evidence_for("code_urls"), card.evidence_for("project_page")
    assert card.code_urls == ["github.com/example/quillnet", "github.com/example/quillnet-data"]
    assert code is not None and (code.source, code.pages) == ("pdf", [1, 2])
    # the line that prints the repository; the annotation on page 2 prints no address, so no line of it
    assert code.passages == [Passage(page=1, text="Code: https://github.com/example/quillnet")]
    assert card.evidence_for("code_status") == code.model_copy(update={"field": "code_status"})
    assert project is not None and project.pages == [1]
    assert project.passages == [Passage(page=1, text="Project page: https://quillnet.github.io")]
