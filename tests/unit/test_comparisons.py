"""The rivals the paper's own text compares a result with, and the key numbers that carry them."""

from __future__ import annotations

from summarizer.document import Table, TableRow
from summarizer.numbers import comparisons, results

# synthetic: a lower-is-better score, rivals above and below ours, and one name that begins another's
TABLE = Table(
    caption="Table 2: Zero-shot DQS on the Quux set.", page=4, columns=["# Params", "DQS↓"],
    rows=[TableRow(label=label, cells=cells) for label, cells in [
        ("Alpha", ["4B", "21.5"]), ("Alpha 2", ["6B", "13.7"]), ("Borealis [12]", ["8B", "15.9"]),
        ("Cirrus", ["0.5B", "6.3"]), ("Delphine-XL", ["9B", "5.6"]), ("Zeta (Ours)", ["1.1B", "11.4"]),
    ]],
)
TEXT = (
    "We report DQS in Table 2. Compared to larger models such as Alpha 2 and Borealis, Zeta reaches a better "
    "DQS of 11.4. Though Cirrus and Delphine-XL obtain a better score than Zeta, they see far more data. "
    "Zeta is a single model. In Figure 3 we show samples compared with Alpha 2."
)


def _rivals(text: str, table: Table = TABLE) -> list[list[str]]:
    ours = table.rows[-1]
    found = comparisons.named_rivals(text, table, ours, table.rows[:-1], measured=[1], lead=1,
                                     lower_better=[False, True])
    return [[r.label for r in named.rivals] for named in found]


def test_each_written_comparison_names_its_rivals() -> None:
    # "Alpha" inside "Alpha 2" is not named; the figure's sentence discusses the figure
    assert _rivals(TEXT) == [["Alpha 2", "Borealis [12]"], ["Cirrus", "Delphine-XL"]]


def test_names_are_found_as_the_text_prints_them() -> None:
    # a name broken at a line end (the paper prints it whole elsewhere), a size after it, other punctuation
    text = "Table 2 lists them. Zeta trails Cir- rus and Delphine-XL-9B on DQS. Figure 3 shows Cirrus samples."
    assert _rivals(text) == [["Cirrus", "Delphine-XL"]]
    assert _rivals("Table 2 lists them. Zeta beats Alpha-2 on DQS.") == [["Alpha 2"]]
    assert _rivals("Table 2 lists them. Zeta beats Delphine-XLarge on DQS.") == []


def test_a_sentence_without_our_name_or_a_comparison_names_nothing() -> None:
    assert _rivals("Table 2 lists them. Alpha 2 is better than Borealis on DQS.") == []
    assert _rivals("Table 2 lists them. Zeta and Alpha 2 were trained on the Quux set.") == []
    assert _rivals("Alpha 2 is worse than Zeta.") == []  # no pointer to the table: not its discussion


def test_rivals_on_both_sides_of_ours_are_no_one_comparison() -> None:
    assert _rivals("Table 2 lists them. Zeta is better than Alpha 2 and worse than Cirrus.") == []


def test_consecutive_sentences_with_rivals_on_one_side_are_one_comparison() -> None:
    text = ("In Table 2, Zeta beats Alpha 2 on the set. Zeta also beats Borealis, which is larger. "
            "Cirrus beats Zeta on the set.")
    assert _rivals(text) == [["Alpha 2", "Borealis [12]"], ["Cirrus"]]


def test_the_column_is_the_one_the_sentence_quotes_or_names() -> None:
    table = Table(caption="Table 5: Scores.", page=4, columns=["Tasks Win", "Tasks Pass", "Mean Pass"],
                  rows=[TableRow(label="Rho", cells=["40.5", "33.1", "30.2"]),
                        TableRow(label="Zeta", cells=["44.4", "31.9", "35.6"])])
    def column(text: str) -> list[int]:
        found = comparisons.named_rivals(text, table, table.rows[1], table.rows[:1], measured=[2, 0, 1], lead=2,
                                         lower_better=[False] * 3)
        return [named.column for named in found]
    assert column("Table 5 shows it. Zeta outperforms Rho with 44.4.") == [0]
    assert column("Table 5 shows it. Zeta trails Rho on the tasks pass rate.") == [1]
    assert column("Table 5 shows it. Zeta outperforms Rho on the whole.") == [2]
    assert column("Table 5 shows it. Zeta trails Rho on the tasks and on the mean.") == []  # several columns
    found = comparisons.named_rivals("Table 5 shows it. Zeta outperforms Rho.", table, table.rows[1],
                                     table.rows[:1], measured=[0, 1], lead=None, lower_better=[False] * 3)
    assert found == []  # no summary column to stand for the whole table


def test_key_numbers_carry_the_written_comparisons_one_each() -> None:
    ours = TABLE.rows[-1]
    lead, _ = results.table_numbers(TABLE, [ours], text=TEXT)
    assert [(n.value, n.baseline) for n in lead] == [("11.4", "13.7; 15.9"), ("11.4", "6.3; 5.6")]
    assert "Alpha 2, Borealis [12]" in (lead[0].context or "")
    # without the text, the strongest rival of comparable size (at most twice ours) is the baseline
    lead, _ = results.table_numbers(TABLE, [ours])
    assert [(n.value, n.baseline) for n in lead] == [("11.4", "6.3")]


def test_a_called_out_cell_leads_without_demoting_the_rest_of_our_row() -> None:
    table = Table(caption="Table 3: Scores on three suites.", page=6, columns=["Quux", "Corge", "Grault"],
                  rows=[TableRow(label="Rho", cells=["50.5", "41.5", "62.5"]),
                        TableRow(label="Zeta", cells=["55.5", "40.5", "66.5"])])
    text = "Table 3 shows it. Zeta outperforms Rho on all suites except Corge."
    lead, detail = results.table_numbers(table, [table.rows[1]], text=text)
    assert [(n.metric, n.baseline) for n in lead] == [("Corge", "41.5"), ("Quux", "50.5"), ("Grault", "62.5")]
    assert detail == []


WIDE = Table(caption="Table 4: Scores on the Quux suite.", page=7, columns=[f"M{n}" for n in range(1, 11)],
             rows=[TableRow(label="Rho [3]", cells=[f"{40 + n}.25" for n in range(10)]),
                   TableRow(label="Zeta (ours)", cells=[f"{50 + n}.75" for n in range(10)])])


def test_a_cell_the_text_quotes_is_kept_past_the_per_row_limit() -> None:
    text = ("Table 4 lists the suite. Our method leads on M10 (59.75), a clear margin. "
            "The table reports 2 runs and 120 seeds.")
    assert comparisons.quoted(text, WIDE, WIDE.rows[1], range(10)) == {9}
    lead, detail = results.table_numbers(WIDE, [WIDE.rows[1]], limit=3, text=text)
    assert [n.metric for n in lead] == ["M1", "M2", "M3", "M10"]
    lead, detail = results.table_numbers(WIDE, [WIDE.rows[1]], limit=3)
    assert [n.metric for n in lead] == ["M1", "M2", "M3"] and detail[-1].metric == "M10"


def test_the_tables_own_rows_run_into_the_text_are_not_its_discussion() -> None:
    text = "Table 4 lists the suite. Zeta (ours) 50.75 51.75 52.75 53.75 54.75 55.75 56.75 57.75 58.75 59.75."
    assert comparisons.quoted(text, WIDE, WIDE.rows[1], range(10)) == set()


def test_the_tables_caption_is_not_its_discussion() -> None:
    caption = "Table 2 – Comparison of Zeta with Alpha 2 and Borealis: zero-shot DQS on the Quux set."
    table = TABLE.model_copy(update={"caption": caption})
    assert _rivals(f"{caption} Alpha 21.5 more text follows here.", table) == []
    # as the page prints it: another dash, a word broken at the line end
    printed = "Table 2: Compari- son of Zeta with Alpha 2 and Borealis: zero-shot DQS on the Quux set."
    assert _rivals(f"{printed} Alpha 21.5 more text follows here.", table) == []


def test_the_discussion_runs_from_the_mentioning_sentence_to_the_one_pointing_elsewhere() -> None:
    # the mention at the end of its sentence; the sentence right before another pointer still counts
    text = ("Zeta beats Alpha 2 and Borealis on DQS (Table 2). Zeta is also small. Cirrus beats Zeta on DQS, "
            "though. Table 3 lists the speed of Zeta, which beats Delphine-XL there.")
    assert _rivals(text) == [["Alpha 2", "Borealis [12]"], ["Cirrus"]]


def test_a_comparison_written_out_twice_is_one() -> None:
    text = ("As Table 2 shows, Zeta beats Alpha 2 on the set. We add a note here on the data. "
            "Again in Table 2, Zeta beats Alpha 2 on the set.")
    assert _rivals(text) == [["Alpha 2"]]


def test_a_rival_named_inside_our_name_is_not_named() -> None:
    table = Table(caption="Table 2: Zero-shot DQS.", page=4, columns=["DQS↓"],
                  rows=[TableRow(label="Zeta", cells=["14.5"]), TableRow(label="Borealis", cells=["15.9"]),
                        TableRow(label="Zeta XL (ours)", cells=["11.4"])])
    found = comparisons.named_rivals("In Table 2, Zeta XL clearly outperforms Borealis on the set.", table,
                                     table.rows[2], table.rows[:2], measured=[0], lead=0, lower_better=[True])
    assert [[r.label for r in named.rivals] for named in found] == [["Borealis"]]


def test_a_small_whole_number_in_the_sentence_is_no_quote_of_a_cell() -> None:
    table = Table(caption="Table 2: Scores.", page=4, columns=["Runs", "Mean"],
                  rows=[TableRow(label="Rho", cells=["3", "30.5"]), TableRow(label="Zeta", cells=["2", "35.5"])])
    found = comparisons.named_rivals("In Table 2, Zeta outperforms Rho on the set.", table, table.rows[1],
                                     table.rows[:1], measured=[0, 1], lead=1, lower_better=[False, False])
    assert [named.column for named in found] == [1]  # the "2" of "Table 2" is not the cell "2"
    assert comparisons.quoted("In Table 2, Zeta outperforms Rho.", table, table.rows[1], [0, 1]) == set()


def _finds(label: str, text: str) -> bool:
    pattern = comparisons.name_pattern(label)
    assert pattern is not None
    return pattern.search(text) is not None


def test_a_coined_name_is_found_in_any_case_a_plain_word_only_as_printed() -> None:
    assert _finds("ReACT@N", "better than ReAct@N on both")
    assert not _finds("Linear", "with a linear schedule") and _finds("Linear", "than Linear on both")


def test_a_name_another_row_is_named_by_does_not_name_our_row() -> None:
    table = Table(caption="Table 2: Zero-shot DQS.", page=4, columns=["DQS↓"],
                  rows=[TableRow(label="Borealis", cells=["15.9"]), TableRow(label="Zeta", cells=["14.5"]),
                        TableRow(label="Zeta (maj@6)", cells=["11.4"])])
    # the sentence is about the row "Zeta", not about our "Zeta (maj@6)"
    found = comparisons.named_rivals("In Table 2, Zeta is on par with Borealis and better than others.", table,
                                     table.rows[2], table.rows[:2], measured=[0], lead=0, lower_better=[True])
    assert found == []


def test_rivals_named_by_their_kind_are_the_kinds_members_the_text_lists() -> None:
    text = ("We compare with hybrid systems including Alpha (Lee et al., 2021), Borealis and Orion, and with "
            "larger models. Table 2 lists them. In comparison to hybrid systems, Zeta also reaches a better DQS.")
    assert _rivals(text) == [["Alpha", "Borealis [12]"]]  # Orion has no row; "Alpha 2" is not "Alpha"
    # a kind the text never lists, or one named by a function word ("of parameters"), names no one
    assert _rivals("Table 2 lists them. In comparison to hybrid systems, Zeta also reaches a better DQS.") == []
    listed = ("Rivals differ in number of parameters such as Alpha 2 and Borealis. Table 2 lists them. "
              "Zeta, with fewer of parameters, reaches a better DQS.")
    assert _rivals(listed) == []


def test_a_kinds_list_is_its_names_and_the_kind_must_be_set_against_ours() -> None:
    # the list ends at its first plain word: Alpha 2 is no hybrid system here; a name inside a longer one
    # ("Alpha" in "Alpha 2") is not named; two kinds listing one row name it once
    run_on = ("Hybrid systems such as Borealis have been overtaken by larger models like Alpha 2. "
              "Sparse systems including Borealis were slower. Table 2 lists them. "
              "Zeta reaches a better DQS than hybrid systems and sparse systems.")
    assert _rivals(run_on) == [["Borealis [12]"]]
    # naming the kind without setting ours against it compares nothing
    aside = ("Hybrid systems such as Alpha 2 and Borealis came first. Table 2 lists them. "
             "Built on hybrid systems, Zeta reaches a better DQS than before.")
    assert _rivals(aside) == []
