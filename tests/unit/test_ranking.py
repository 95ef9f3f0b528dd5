"""The card's key numbers: at most twelve, ranked, and the rest kept for the editor (synthetic numbers)."""

from __future__ import annotations

from summarizer.card import MAX_KEY_NUMBERS, KeyNumber, ResultsTable
from summarizer.drafting import assemble
from summarizer.numbers.results import Collected


def _numbers(section: str, values: list[str], page: int = 3) -> list[KeyNumber]:
    return [KeyNumber(metric=f"m{v}", value=v, section=section, page=page) for v in values]  # type: ignore[arg-type]


def test_a_card_shows_at_most_twelve_ranked_key_numbers_and_keeps_the_rest_for_the_editor() -> None:
    cells = _numbers("table", [f"{n}.5" for n in range(10)])
    table = Collected(tables=[], headline=cells[:8], detail=cells[8:])  # summary cells, then the other cells
    prose = _numbers("results", ["12%", "3.50", "2,048", "7x", "90 million", "1.5", "64k"], page=1)  # 3.5, 1.5: cells
    shown, more = assemble.rank_numbers(table, prose, _numbers("metadata", ["10.1000/xyz"], page=1))
    assert len(shown) == MAX_KEY_NUMBERS
    # six headline cells, four prose claims (not the two that repeat a cell's value), the other headline cells
    assert [k.value for k in shown] == ["0.5", "1.5", "2.5", "3.5", "4.5", "5.5", "12%", "2,048", "7x", "90 million",
                                        "6.5", "7.5"]
    # then the other claims, the tables' detail cells and the publication facts
    assert [k.value for k in more] == ["64k", "8.5", "9.5", "10.1000/xyz"]


def test_a_written_field_is_shown_beside_the_context_passages_that_share_most_of_its_words() -> None:
    from summarizer.document import Chunk

    context = [
        Chunk(id="d:0", index=0, text="Related work on graph kernels and spectral methods.", pages=[2], section="other"),
        Chunk(id="d:1", index=1, text="We route every patch through sparse experts chosen by a learned gate. " * 20,
              pages=[4, 5], section="method"),
        Chunk(id="d:2", index=2, text="A learned gate picks experts.", pages=[6], section="method"),
    ]
    found = assemble.closest_passages("Patches are routed to sparse experts by a learned gate.", context)
    assert [p.page for p in found] == [4, 6]  # most shared words first; the unrelated chunk is left out
    assert len(found[0].text) <= assemble.PASSAGE_CHARS + 2 and found[0].text.endswith("…")
    assert assemble.closest_passages("Nothing in common here.", context[:1]) == []


def test_a_claim_repeating_a_cell_or_another_claim_in_a_rounder_form_is_not_listed_again() -> None:
    table = Collected(tables=[], headline=_numbers("table", ["0.64", "27,318"]), detail=[])
    prose = _numbers("results", ["64%", "27k+", "41,205", "41 thousand", "3.2 million", "58%"], page=1)
    shown, _ = assemble.rank_numbers(table, prose, [])
    # "64%" is the cell's 0.64, "27k+" its 27,318 and "41 thousand" the claim 41,205; 3.2 million and 58% are new
    assert [k.value for k in shown] == ["0.64", "27,318", "41,205", "3.2 million", "58%"]


def test_ablation_findings_take_turns_with_the_further_claims_before_the_tables_detail() -> None:
    table = Collected(tables=[], headline=_numbers("table", ["1.5"]), side=_numbers("table", ["8.5", "9.5"]),
                      detail=_numbers("table", ["2.5"]))
    prose = _numbers("results", ["11%", "12%", "13%", "14%", "15%", "16%"], page=1)
    shown, more = assemble.rank_numbers(table, prose, [])
    assert [k.value for k in shown + more] == ["1.5", "11%", "12%", "13%", "14%", "8.5", "15%", "9.5", "16%", "2.5"]


def test_a_claim_quoting_a_decimal_of_a_results_table_is_not_listed_again() -> None:
    shown_table = ResultsTable(caption="Table 2", columns=["Method", "Acc.", "Runs"],
                               rows=[["Rival-A", "71.35", "36.0"], ["Zeta", "77.10", "12.0"]])
    table = Collected(tables=[shown_table], headline=_numbers("table", ["77.10"]), detail=[])
    prose = _numbers("results", ["71.35%", "36", "0.8125"], page=1)
    shown, _ = assemble.rank_numbers(table, prose, [])
    # the rival's 71.35 is its row's result; "36" is a whole number that agrees with a cell by chance
    assert [k.value for k in shown] == ["77.10", "36", "0.8125"]


def test_a_share_repeats_only_a_fraction_printed_as_a_decimal() -> None:
    table = Collected(tables=[], headline=_numbers("table", ["3", "0.45"]), detail=[])
    shown, _ = assemble.rank_numbers(table, _numbers("results", ["300%", "45%"], page=1), [])
    assert [k.value for k in shown] == ["3", "0.45", "300%"]  # "45%" is the cell's 0.45; "3" is no fraction
