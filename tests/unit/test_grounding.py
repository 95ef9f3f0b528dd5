"""Grounding: numbers a card states are checked against the paper's pages."""

from __future__ import annotations

from summarizer.card import Card, Evidence, KeyNumber, ResultsTable
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
    # the title printed above the byline is no author, whatever the model answered
    front = "Zeta-V2 Technical Report\nZeta-Lab\nAbstract We present Zeta-V2."
    assert byline_names(["Zeta-V2 Technical Report", "Technical Report"], front, "Zeta-V2 Technical Report") == []
    assert byline_names(["Zeta-V2 Technical Report"], front, "Zeta-V2: Technical Report") == []
    assert byline_names(["Ada Report, Tom Zeta"], "Ada Report, Tom Zeta", "Zeta-V2 Technical Report") == [
        "Ada Report", "Tom Zeta"]


# A paper whose folios, citations, dates and reference list print small numbers and years that no result
# states; page 2 prints a signed table value with U+2212.
PAPER = [
    ("Delta Nets: fast sampling\nSubmitted: 3 March 2021\nWe train on 2048 images for 1000 steps and draw 2020"
     " samples. However, 2000 images are held out.\nPrior work (Smith et al., 2019; Lee and Park 2018) and"
     " [12] used [7, 9] and grids in [0, 1] with levels [8, 8, 5].\n1"),
    "Table 2: FID change. Ours \u22123.2 against 0.7 for the baseline, a gain of 1.4 points.\n2",
    "Accuracy reaches 88.1 on the held-out split over 5 seeds.\n3",
    ("References\n[12] A. Smith. Deep nets. In CVPR, pages 33-46, 2017.\nAppendix A Further results\n"
     "An ablation keeps 61.5 over 27 runs.\n4"),
]


def _paper_card(**fields: object) -> Card:
    return Card.model_validate({"title": "Delta Nets", **fields})


def test_a_flipped_or_invented_sign_is_removed_and_a_printed_one_holds() -> None:
    numbers = [KeyNumber(metric="FID change", value="\u22123.2", page=2),  # as printed, U+2212
               KeyNumber(metric="FID change", value="+3.2", page=2),  # the table says it went down
               KeyNumber(metric="gain", value="-1.4", page=2),  # the page says a gain of 1.4
               KeyNumber(metric="gain", value="+1.4", page=2)]
    card = check(_paper_card(key_numbers=numbers), PAPER)
    assert [kn.value for kn in card.key_numbers] == ["\u22123.2", "+1.4"]
    assert {f.number for f in card.grounding.flagged} == {"+3.2", "-1.4"}


def test_a_table_cell_with_a_flipped_sign_drops_its_row() -> None:
    table = ResultsTable(caption="Table 2", columns=["Method", "FID change"], page=2,
                         rows=[["Ours", "\u22123.2"], ["Flipped", "3.2"], ["Wrong", "+3.2"], ["Base", "-0.7"]])
    card = check(_paper_card(results_tables=[table]), PAPER)
    # an unsigned cell is the same printed value; an explicit sign must be the page's
    assert card.results_tables[0].rows == [["Ours", "\u22123.2"], ["Flipped", "3.2"]]


def test_prose_keeps_the_sign_it_states_and_may_leave_it_to_words() -> None:
    card = check(_paper_card(results_text="FID falls by 3.2 (\u22123.2 in Table 2); a +3.2 rise is wrong.",
                             verdict="Scores range 10 \u2013 88.1 points, a \u22121.4 change."), PAPER)
    assert card.results_text == "FID falls by 3.2 (\u22123.2 in Table 2); a [number not in paper] rise is wrong."
    assert [f.number for f in card.grounding.flagged] == ["+3.2", "10", "-1.4"]


def test_numbers_that_are_only_page_numbers_citations_or_years_are_not_held() -> None:
    paper = PaperNumbers(PAPER, skip_pointers=True)
    for pointer in ("12", "7", "9", "2019", "2018", "2017", "33", "46", "2021"):
        assert not paper.has(pointer), pointer
    assert not paper.on_page("3", 3) and not paper.on_page("4", 4)  # the folios
    card = check(_paper_card(verdict="It beats [13] and Smith (2019) on 4 of 9 tasks."), PAPER)
    assert {f.number for f in card.grounding.flagged} == {"13", "2019", "4", "9"}
    key = KeyNumber(metric="runs", value="3", page=3)  # page 3 prints 3 only as its folio
    assert check(_paper_card(key_numbers=[key]), PAPER).key_numbers == []


def test_sizes_intervals_and_appendix_numbers_stay_printed() -> None:
    paper = PaperNumbers(PAPER, skip_pointers=True)
    # "2048 images", "2020 samples", "However, 2000 images" are sizes; "[0, 1]" an interval; "[8, 8, 5]"
    # levels (a citation lists distinct labels in order); after "Appendix A" the numbers are results again
    for number in ("2048", "1000", "2020", "2000", "0", "1", "8", "5", "61.5", "27"):
        assert paper.has(number), number
    assert paper.page_of("61.5", "27") == 4
    assert PaperNumbers(PAPER).has("2019")  # without skip_pointers: every printed number (digest framing)


def test_prose_numbers_must_be_on_a_page_its_evidence_cites() -> None:
    text = "Accuracy is 88.1 on 2048 images."
    cited = [Evidence(field="results_text", pages=[1, 2], source="model")]
    card = check(_paper_card(results_text=text, evidence=cited), PAPER)
    assert [f.number for f in card.grounding.flagged] == ["88.1"]  # printed on page 3 only
    assert check(_paper_card(results_text=text), PAPER).grounding.flagged == []  # no pages cited: anywhere


def test_a_key_number_held_only_on_its_own_page() -> None:
    on_page = KeyNumber(metric="accuracy", value="88.1", page=3)
    elsewhere = KeyNumber(metric="accuracy", value="88.1", baseline="0.7", page=2)
    card = check(_paper_card(key_numbers=[on_page, elsewhere]), PAPER)
    assert card.key_numbers == [on_page]


def test_a_publication_date_is_held_as_printed_on_its_page() -> None:
    dated = KeyNumber(metric="submitted date", value="3 March 2021", section="metadata", page=1)
    other = KeyNumber(metric="submitted date", value="4 March 2021", section="metadata", page=1)
    assert check(_paper_card(key_numbers=[dated, other]), PAPER).key_numbers == [dated]


def test_numbers_in_prose_keep_an_explicit_sign_but_not_a_range_dash() -> None:
    found = numbers_in("from +1.4 to \u22120.5, over 10 \u2013 20 runs, in C++14")
    assert found == ["+1.4", "-0.5", "10", "20", "14"]


def test_a_contents_entry_named_references_does_not_hide_the_results() -> None:
    pages = ["Contents\nReferences\nResults 5", "We reach 71.3 on 12 tasks (Lee et\nal., 2020).\n2",
             "References\n[1] A. Lee. Nets. 2020.\n3"]
    paper = PaperNumbers(pages, skip_pointers=True)
    assert paper.on_page("71.3", 2) and paper.on_page("12", 2)
    assert not paper.has("2020")  # a citation split over two lines, and the reference list


def test_a_removed_number_is_marked_where_the_prose_prints_it() -> None:
    card = check(_paper_card(verdict="FID moves \u22127.5 and 7.5 elsewhere; the table's \u22123.2 holds."), PAPER)
    assert card.verdict == ("FID moves [number not in paper] and [number not in paper] elsewhere;"
                            " the table's \u22123.2 holds.")


def test_a_citation_the_paper_prints_holds_in_prose_and_one_it_does_not_print_is_removed() -> None:
    prose = "Like Smith et al., 2019 and [12], it trains on 2048 images; Lee and Park 2018 did not; Smith et al., 2016 did."
    card = check(_paper_card(method=prose), PAPER)
    # the paper cites "Smith et al., 2019", "Lee and Park 2018" and "[12]": the card may repeat them
    assert {f.number for f in card.grounding.flagged} == {"2016"}
    assert "Smith et al., 2019" in (card.method or "") and "Lee and Park 2018" in (card.method or "")
    assert "[12]" in (card.method or "") and "Smith et al., [number not in paper]" in (card.method or "")
