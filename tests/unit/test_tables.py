"""Results tables parsed from page text: verbatim cells, the reference cards' rows, no false tables."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from summarizer.document import Document, Page, Table
from summarizer.ingest import pdf, table_lines, tables
from summarizer.settings import PdfSettings

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
FIXTURES = SHARED / "fixtures"
CARDS = SHARED / "eval" / "papers"
NAMES = sorted(p.name for p in FIXTURES.glob("*.pdf"))
NUMERIC = re.compile(r"(?=.*\d)[\d.,%±×+\-−~≈<>BMKT ]+")


@cache
def parsed(name: str) -> Document:
    return pdf.parse((FIXTURES / name).read_bytes(), settings=PdfSettings(), name=name)


def card(stem: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CARDS / f"{stem}.json").read_text("utf-8"))
    return data


def key(label: str) -> str:
    return "".join(c for c in label.lower() if c.isalnum())


def rows_on(doc: Document, page: int) -> list[tuple[Table, str, list[str]]]:
    return [(t, r.label, r.cells) for t in doc.tables if t.page == page for r in t.rows]


@pytest.mark.parametrize("name", NAMES)
def test_every_cell_and_label_is_verbatim_text_of_its_page(name: str) -> None:
    doc = parsed(name)
    for table in doc.tables:
        page = doc.page_text(table.page)
        assert table.rows
        assert (
            not table.columns
            or len(table.columns) == max(len(r.cells) for r in table.rows)
            or len(table.columns) in {len(r.cells) for r in table.rows}
        )
        for row in table.rows:
            assert row.cells and row.label in page
            for cell in row.cells:
                assert cell in page, (table.page, row.label, cell)


def test_toolllm_table_3_rows_are_found_on_page_8() -> None:
    reference = next(
        t for t in card("toolllm_iclr2024")["results_tables"] if t["caption"].startswith("Table 3")
    )
    found = {label: (table, cells) for table, label, cells in rows_on(parsed("toolllm_iclr2024.pdf"), 8)}
    for label, *cells in reference["rows"]:
        table, parsed_cells = found[label]
        assert parsed_cells == cells
        assert table.caption.startswith("Table 3:")
        assert table.columns == reference["columns"][1:]


def test_toolllama_row_of_table_4_is_found_on_page_9_under_its_columns() -> None:
    reference = next(
        t for t in card("toolllm_iclr2024")["results_tables"] if t["caption"].startswith("Table 4")
    )
    row = next(r for r in reference["rows"] if r[0] == "ToolLLaMA-DFSDT")
    table, _, cells = next(x for x in rows_on(parsed("toolllm_iclr2024.pdf"), 9) if x[1] == "ToolLLaMA-DFSDT")
    assert table.caption.startswith("Table 4:")
    for column, value in zip(reference["columns"][1:], row[1:], strict=True):
        assert cells[table.columns.index(column)] == value


@pytest.mark.parametrize("stem", sorted(p.stem for p in CARDS.glob("*.json")))
def test_every_numeric_reference_cell_is_in_a_parsed_row_with_its_label(stem: str) -> None:
    doc = parsed(card(stem)["source_pdf"])
    parsed_rows = [(key(r.label), r.cells) for t in doc.tables for r in t.rows if r.label]
    for reference in card(stem)["results_tables"]:
        for label, *cells in reference["rows"]:
            for number in (c for c in cells if NUMERIC.fullmatch(c)):
                # a reference row may join two tables (Janus: GenEval and DPG-Bench), so per cell
                assert any(
                    (key(label) in lab or lab in key(label)) and number in got for lab, got in parsed_rows
                ), (label, number)


def test_joss_drafts_yield_no_numeric_table_from_margin_line_numbers() -> None:
    for table in parsed("multivae_joss_draft.pdf").tables:
        assert not any(ch.isdigit() for row in table.rows for cell in row.cells for ch in cell)
    assert parsed("gpjax_joss.pdf").tables == []


@pytest.mark.parametrize(
    ("line", "label", "cells"),
    [
        ("DFSDT 52.31 45.16 42.71 46.92", "DFSDT", ["52.31", "45.16", "42.71", "46.92"]),
        ("Zeta (Plan & Act) 0.3 - 0.3 -", "Zeta (Plan & Act)", ["0.3", "-", "0.3", "-"]),
        ("Ours 57.0±0.2 45.1 ± 0.3 12.0 ±0.1", "Ours", ["57.0±0.2", "45.1 ± 0.3", "12.0 ±0.1"]),
        ("Show-o† (Ours) 1.3B 84.5 1107.3", "Show-o† (Ours)", ["1.3B", "84.5", "1107.3"]),
        ("RAPHAEL 3B 5000M+ 6.61", "RAPHAEL", ["3B", "5000M+", "6.61"]),
        ("Method X 12.3↑ ↓4.5 73.4% (+1.2)", "Method X", ["12.3↑", "↓4.5", "73.4%", "(+1.2)"]),
        ("ILLUME [44] 7B 88.5 − 38.2", "ILLUME [44]", ["7B", "88.5", "−", "38.2"]),
        (
            "PSNR/SSIM baseline 28.1/0.85 45.2 % 57.0 ↑ 12.3(0.4)",
            "PSNR/SSIM baseline",
            ["28.1/0.85", "45.2 %", "57.0 ↑", "12.3(0.4)"],
        ),
    ],
)
def test_a_row_is_a_label_followed_by_verbatim_cells(line: str, label: str, cells: list[str]) -> None:
    assert table_lines.split_row(line) == (label, cells)


@pytest.mark.parametrize(
    "line",
    [
        "we obtain an accuracy of 45.2 47.1",  # running text ends its label with a function word
        "Smith, J. and Doe, A. Deep nets. In CVPR 2019 2020",  # years are references, not results
        "054 055",  # margin line numbers of a review draft
        "Table 3: Pass rate 12.1 13.2",  # a caption
        "Our method improves the overall results across all the benchmarks we have tried here by 4.5 3.2",
        "only one number 45.2",
    ],
)
def test_lines_that_are_not_rows_are_rejected(line: str) -> None:
    assert table_lines.split_row(line) is None


def test_a_label_printed_on_the_line_above_its_cells_is_kept() -> None:
    page = Page(
        number=1,
        text=(
            "Table 1: Results on the benchmark.\n"
            "Method Acc F1\n"
            "Baseline 70.1 65.2\n"
            "A much longer method name\n"
            "80.3 77.9\n"
            "Ours 85.0 81.4"
        ),
    )
    (table,) = tables.find_tables([page])
    assert [r.label for r in table.rows] == ["Baseline", "A much longer method name", "Ours"]
    assert table.columns == ["Acc", "F1"] and table.caption == "Table 1: Results on the benchmark."


def test_prose_and_line_numbers_are_not_tables() -> None:
    page = Page(
        number=1,
        text=(
            "The model reaches a higher accuracy than all of the baselines in 12 of 14\n"
            "settings, and on the largest benchmark it improves by 3.1 and 2.7\n"
            "001 002\n"
            "003 004\n"
            "005 006"
        ),
    )
    assert tables.find_tables([page]) == []


def test_grouped_header_columns_combine_group_and_sub_column_names() -> None:
    tokens = tables.header_tokens("Model I1-Inst. I2-Cat. Average Pass Win Pass Win Pass Win")
    assert tables.align_header(tokens, 6) == [
        "I1-Inst. Pass",
        "I1-Inst. Win",
        "I2-Cat. Pass",
        "I2-Cat. Win",
        "Average Pass",
        "Average Win",
    ]
    assert tables.header_tokens("Model Arena-Hard AlpacaEval 2.0") == ["Model", "Arena-Hard", "AlpacaEval 2.0"]
    assert tables.header_tokens("Model P re. Rec. F1") == ["Model", "Pre.", "Rec.", "F1"]
    assert tables.header_tokens("Method Single Obj. FID (i3d) # Params") == [
        "Method",
        "Single Obj.",
        "FID (i3d)",
        "# Params",
    ]


def _table_on(lines: list[str]) -> Table:
    (table,) = tables.find_tables([Page(number=4, text="\n".join(lines))])
    return table


def test_a_two_row_header_joins_each_benchmark_above_to_the_metrics_below_it() -> None:
    rows = ["Rival-A 40.1 52.3 33.7 47.9", "Zeta-Gen 44.5 55.6 36.9 50.4"]
    repeated = _table_on(["Table 2: Results on two benchmarks.", "AlphaQA BetaQA", "Method EM F1 EM F1", *rows])
    assert repeated.columns == ["AlphaQA EM", "AlphaQA F1", "BetaQA EM", "BetaQA F1"]
    distinct = _table_on(["Table 2: Results on two benchmarks.", "Method AlphaQA BetaQA", "EM F1 BLEU CIDEr", *rows])
    assert distinct.columns == ["AlphaQA EM", "AlphaQA F1", "BetaQA BLEU", "BetaQA CIDEr"]
    # a caption still running on above the header is not a row of benchmark names
    running = _table_on(["Table 2: Results of every method on", "AlphaQA BetaQA", "EM F1 BLEU CIDEr", *rows])
    assert running.columns == ["EM", "F1", "BLEU", "CIDEr"]


def test_group_names_of_several_words_are_split_as_the_rest_of_the_page_prints_them() -> None:
    rows = ["Short (S1) 71.20 80.15 62.30 11.40 14.85 9.90", "Long (S2) 64.75 72.80 58.10 8.35 12.60 7.45"]
    lines = ["Table 4: We compare our Dense Ranker with one baseline (Term Match) on short and long queries.",
             "Query Dense Ranker (ours) Term Match MRR R@5 R@10 MRR R@5 R@10", *rows]
    table = _table_on(lines)
    assert table.columns == ["Dense Ranker (ours) MRR", "Dense Ranker (ours) R@5", "Dense Ranker (ours) R@10",
                             "Term Match MRR", "Term Match R@5", "Term Match R@10"]
    # names the page never prints cannot be told apart: the sub-columns alone, as before
    unnamed = _table_on(["Table 4: Retrieval on short and long queries.", lines[1], *rows])
    assert unnamed.columns == ["MRR", "R@5", "R@10", "MRR", "R@5", "R@10"]


def test_a_row_of_properties_under_names_wrapped_over_two_lines_is_not_the_header() -> None:
    lines = ["Benchmark (Metric)", "Zephyr Zephyr Widget-7B Gizmo- Zephyr", "V1-0101 V2-0202 Inst. Pro-33 Z3",
             "Architecture MoE MoE Dense Dense MoE", "# Params 21B 21B 7B 33B 37B",
             "AlphaQA (EM) 78.2 80.6 85.3 88.6 88.5", "BetaQA (F1) 77.9 80.3 85.6 86.2 89.1",
             "Table 6 | Comparison between Zephyr-Z3 and other models."]
    table = _table_on(lines)
    assert table.columns == ["Zephyr V1-0101", "Zephyr V2-0202", "Widget-7B Inst.", "Gizmo-Pro-33", "Zephyr Z3"]
    assert [r.label for r in table.rows] == ["# Params", "AlphaQA (EM)", "BetaQA (F1)"]


def test_names_wrapped_over_two_header_lines_are_joined_column_by_column() -> None:
    lines = ["Table 5: Comparison between Zephyr-Z3 and other models.", "Benchmark Zephyr Widget-7B Gizmo- Zephyr",
             "V1-0101 Inst. Pro-33 Z3", "AlphaQA (EM) 78.2 85.3 88.6 88.5", "BetaQA (F1) 77.9 85.6 86.2 89.1"]
    assert _table_on(lines).columns == ["Zephyr V1-0101", "Widget-7B Inst.", "Gizmo-Pro-33", "Zephyr Z3"]


def test_two_header_rows_printed_as_one_line_are_split_as_the_page_names_the_models() -> None:
    lines = ["We compare Zephyr-X2 Base with Widget-7 Base and Gizmo-3 40B Base, all trained on the same data.",
             "Benchmark (Metric) # Shots Widget-7 Gizmo-3 Zephyr-X2 Base 40B Base Base",
             "Architecture - Dense Dense MoE", "# Params - 7B 40B 31B",
             "AlphaQA (EM) 3-shot 61.2 64.8 70.3", "BetaQA (F1) 5-shot 55.1 58.6 63.9",
             "Table 3 | Comparison among Zephyr-X2 Base and other open models."]
    table = _table_on(lines)
    assert table.columns == ["Widget-7 Base", "Gizmo-3 40B Base", "Zephyr-X2 Base"]
    # the "-" under "# Shots" goes back into its label: every row has one cell per model
    assert [(r.label, len(r.cells)) for r in table.rows] == [("# Params -", 3), ("AlphaQA (EM) 3-shot", 3),
                                                             ("BetaQA (F1) 5-shot", 3)]
