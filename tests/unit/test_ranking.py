"""The card's key numbers: at most twelve, ranked, and the rest kept for the editor (synthetic numbers)."""

from __future__ import annotations

from summarizer.card import MAX_KEY_NUMBERS, KeyNumber
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
