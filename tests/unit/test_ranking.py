"""The card's key numbers: at most twelve, ranked, and the rest kept for the editor (synthetic numbers)."""

from __future__ import annotations

from summarizer.card import MAX_KEY_NUMBERS, KeyNumber
from summarizer.drafting import assemble


def _numbers(section: str, values: list[str], page: int = 3) -> list[KeyNumber]:
    return [KeyNumber(metric=f"m{v}", value=v, section=section, page=page) for v in values]  # type: ignore[arg-type]


def test_a_card_shows_at_most_twelve_ranked_key_numbers_and_keeps_the_rest_for_the_editor() -> None:
    table = _numbers("table", [f"{n}.5" for n in range(10)])
    prose = _numbers("results", ["12%", "3.5", "2,048", "7x", "90 million", "1.5"])  # 3.5 and 1.5 repeat cells
    shown, more = assemble.rank_numbers(table, prose, _numbers("metadata", ["10.1000/xyz"], page=1))
    assert len(shown) == MAX_KEY_NUMBERS
    assert [k.value for k in shown[:8]] == ["0.5", "1.5", "2.5", "3.5", "4.5", "5.5", "12%", "2,048"]
    assert [k.value for k in more] == ["9.5", "90 million", "10.1000/xyz"]
    assert all(k.section != "results" or k.value not in {"3.5", "1.5"} for k in shown + more)
