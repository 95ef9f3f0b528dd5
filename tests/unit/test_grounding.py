"""Grounding: numbers a card states are checked against the paper's pages."""

from __future__ import annotations

from summarizer.card import Card, KeyNumber, ResultsTable
from summarizer.numbers.grounding import check
from summarizer.numbers.normalise import PaperNumbers, canonical, normalize_text, numbers_in

PAGES = [
    "Abstract. We collect 23, 817 real-world APIs spanning 37 categories.",
    "Table 3: pass rate. ReACT 41.06 21.17 19.93 27.58\nDFSDT 52.31 45.16 42.71 46.92\nFID drops by \u221238.3%",
    "ToolLLaMA reaches 57.0 average pass rate; GPT-4 and ResNet-50 are mentioned. Split 46 .0 cell.",
]


def test_normaliser_joins_thousands_minus_and_split_decimals() -> None:
    assert "23,817" in normalize_text(PAGES[0])
    assert "-38.3%" in normalize_text(PAGES[1])
    assert "46.0" in normalize_text(PAGES[2])
    assert canonical("57.0") == canonical("57") == "57"
    assert canonical("23,817") == canonical("23817")
    assert canonical("\u221238.3") == canonical("38.3")


def test_numbers_in_prose_skips_model_names() -> None:
    assert numbers_in("GPT-4 and ResNet-50 reach 57.0 and 73.4% with 7B parameters") == ["57.0", "73.4", "7"]


def test_paper_numbers_know_their_pages() -> None:
    paper = PaperNumbers(PAGES)
    assert paper.page_of("46.92") == 2
    assert paper.on_page("57", 3)
    assert not paper.on_page("57.0", 1)
    assert not paper.has("0.0")  # "0.0" is not inside 60.0 or 19.93


def _card(**fields: object) -> Card:
    base: dict[str, object] = {"title": "T", "core_problem": "APIs: 23,817 of them.",
                               "method": "DFSDT search.", "results_text": "Pass rate 46.92 vs 27.58."}
    base.update(fields)
    return Card.model_validate(base)


def test_an_invented_number_is_removed_visibly_and_counted() -> None:
    card = check(_card(verdict="Gains of 12.5 points over ReACT."), PAGES)
    assert card.grounding.checked == 4 and card.grounding.held == 3
    assert [(f.number, f.action) for f in card.grounding.flagged] == [("12.5", "removed")]
    assert card.verdict == "Gains of [number not in paper] points over ReACT."
    assert "ungrounded numbers" in card.needs_review


def test_flagging_instead_of_removing_keeps_the_number_marked() -> None:
    card = check(_card(verdict="Gains of 12.5 points over ReACT."), PAGES, remove_ungrounded=False)
    assert "12.5 [not in paper]" in (card.verdict or "")


def test_a_grounded_card_keeps_everything() -> None:
    kn = KeyNumber(metric="pass rate", value="46.92", baseline="27.58", page=2)
    table = ResultsTable(caption="Table 3", columns=["Method", "Avg"], rows=[["DFSDT", "46.92"]], page=2)
    card = check(_card(key_numbers=[kn], results_tables=[table]), PAGES)
    assert card.grounding.rate == 1.0
    assert card.key_numbers == [kn] and card.results_tables[0].rows == [["DFSDT", "46.92"]]


def test_key_number_on_the_wrong_page_or_invented_is_removed() -> None:
    wrong_page = KeyNumber(metric="pass rate", value="46.92", page=1)
    invented = KeyNumber(metric="pass rate", value="99.9", page=2)
    card = check(_card(key_numbers=[wrong_page, invented]), PAGES)
    assert card.key_numbers == []
    assert {f.number for f in card.grounding.flagged} == {"46.92", "99.9"}


def test_table_rows_with_invented_cells_are_dropped() -> None:
    table = ResultsTable(caption="t", columns=["M", "A"], rows=[["DFSDT", "46.92"], ["X", "77.7"]], page=2)
    card = check(_card(results_tables=[table]), PAGES)
    assert card.results_tables[0].rows == [["DFSDT", "46.92"]]
    assert card.grounding.held == card.grounding.checked - 1


def test_prose_cut_at_its_limit_ends_at_a_full_sentence() -> None:
    from summarizer.drafting.extract import ProblemMethod

    answer = ProblemMethod(core_problem="First sentence is complete. Second one is cut off at the",
                           method="See https://evil.example/x for the method. It works.")
    assert answer.core_problem == "First sentence is complete."
    assert "evil" not in answer.method



def test_byline_names_are_split_cleaned_and_spelt_as_printed() -> None:
    from summarizer.drafting.assemble import byline_names

    front = "Title\nYining Ye1, Dahai Li2,6, Zhiyuan Liu1†, Maosong Sun1†\nAgathe Senellart 1¶, Clément Chadebec1"
    got = byline_names(["Dahai Li2,6, Zhiyuan Liu1†, Maosong Sun", "Clement Chadebec", "Yining Ye", "Nobody Here"],
                       front)
    assert got == ["Dahai Li", "Zhiyuan Liu", "Maosong Sun", "Clément Chadebec", "Yining Ye"]
