"""Choosing results tables and the authors' row, and key numbers copied from their cells."""

from __future__ import annotations

from summarizer.document import Table, TableRow
from summarizer.numbers import results


def _table(caption: str, rows: list[tuple[str, list[str]]], page: int = 5, columns: list[str] | None = None) -> Table:
    return Table(caption=caption, page=page, columns=columns or [],
                 rows=[TableRow(label=label, cells=cells) for label, cells in rows])


CONFIG = _table("Table 1: Architectural configuration.", [("Layers", ["24", "30"]), ("Heads", ["16", "32"])], 3)
MAIN = _table("Table 2: Comparison with state-of-the-art methods on GenEval.",
              [("SDXL", ["0.47", "8.1"]), ("Zeta-Gen (ours)", ["0.52", "7.2"])], 6, ["Overall", "FID"])
ABLATION = _table("Table 3: Ablation results.", [("w/o stage 2", ["0.52"]), ("Zeta-Gen", ["0.52"])], 8)


def _label(row: TableRow | None) -> str | None:
    return None if row is None else row.label


def test_results_tables_are_offered_before_configuration_tables() -> None:
    opts = results.options([CONFIG, MAIN, ABLATION], results.anchors("Zeta-Gen", "Zeta-Gen: a title"), limit=6)
    assert [o.table.page for o in opts][:2] == [6, 8] and opts[0].id == "T1"


def test_our_row_is_found_by_name_or_ours_marker() -> None:
    words = results.anchors("Zeta-Gen", "Zeta-Gen: a title")
    assert _label(results.our_row(MAIN, words)) == "Zeta-Gen (ours)"
    assert _label(results.our_row(ABLATION, words)) == "Zeta-Gen"
    assert results.our_row(CONFIG, words) is None


def test_collect_takes_the_models_table_then_other_results_tables() -> None:
    opts = results.options([CONFIG, MAIN, ABLATION], set(), limit=6)
    main = next(o for o in opts if o.table is MAIN)
    tables, numbers = results.collect(main, "Zeta-Gen (ours)", opts, results.anchors("Zeta-Gen", "x"), max_rows=12)
    assert [t.page for t in tables] == [6, 8]
    values = {(k.value, k.page, k.baseline) for k in numbers}
    # FID is lower-is-better: the strongest baseline is the lowest other value
    assert ("0.52", 6, "0.47") in values and ("7.2", 6, "8.1") in values and ("0.52", 8, "0.52") in values


def test_no_choice_and_no_recognisable_row_gives_no_numbers() -> None:
    tables, numbers = results.collect(None, "none", results.options([CONFIG], set(), 6), set(), max_rows=12)
    assert tables == [] and numbers == []


def test_capitalised_titles_and_everyday_acronyms_are_not_method_names() -> None:
    words = results.anchors("ZETA", "ZETA: FACILITATING LARGE MODELS WITH APIS", "We query real-world APIs with LLMs.")
    assert words == {"zeta"}


def test_a_comparison_table_ranks_above_an_ablation() -> None:
    ablation = _table("Table 4: Ablation studies of encoders.", [("Zeta-Gen", ["1.0", "2.0"]), ("b", ["3.0", "4.0"])])
    opts = results.options([ablation, MAIN], results.anchors("Zeta-Gen", "x"), limit=6)
    assert opts[0].table is MAIN


def test_a_name_prefix_finds_the_models_row() -> None:
    table = _table("Table 4: Main experiments.", [("GPT-Base", ["41.5"]), ("ToolLLaMA-DFSDT", ["57.0"])])
    assert _label(results.our_row(table, results.anchors("ToolLLM", "t"))) == "ToolLLaMA-DFSDT"


def test_every_size_of_the_model_gives_key_numbers_and_none_is_the_others_baseline() -> None:
    sizes = _table("Table 2: Comparison on GenEval.", [
        ("Zeta", ["0.52"]), ("SDXL", ["0.47"]), ("Zeta-Gen-1B", ["0.66"]), ("Zeta-Gen-7B", ["0.71"]),
    ], columns=["Overall"])
    opts = results.options([sizes], set(), limit=6)
    _, numbers = results.collect(opts[0], "none", opts, results.anchors("Zeta-Gen", "x"), max_rows=12)
    # the full name beats the predecessor sharing a prefix ("Zeta"); the largest size comes first
    assert [(k.value, k.baseline) for k in numbers] == [("0.71", "0.52"), ("0.66", "0.52")]


def test_the_authors_rows_are_kept_in_a_long_table_cut_to_its_first_rows() -> None:
    long = _table("Table 2: Comparison on GenEval.",
                  [(f"Baseline {i}", [f"0.{i}1"]) for i in range(1, 9)] + [("Zeta-Gen (ours)", ["0.95"])])
    shown = results.as_card_table(long, max_rows=4, keep=results.our_rows(long, set()))
    assert [row[0] for row in shown.rows] == ["Baseline 1", "Baseline 2", "Baseline 3", "Baseline 4",
                                              "Zeta-Gen (ours)"]


def test_the_models_row_brings_its_other_sizes_and_its_parts_find_it_in_other_tables() -> None:
    main = _table("Table 2: Comparison on GenEval.", [
        ("Zeta", ["0.52"]), ("GPT-Base", ["0.63"]), ("Zeta-Gen-1B", ["0.66"]), ("Zeta-Gen-7B", ["0.71"]),
    ], columns=["Overall"])
    strategies = _table("Table 3: Pass rate of reasoning strategies.", [("ReACT", ["35.3"]), ("DFS", ["60.5"])])
    opts = results.options([main, strategies], set(), limit=6)
    chosen = next(o for o in opts if o.table is main)
    # anchors from prose can name a baseline (GPT); the model's row decides in its table
    tables, numbers = results.collect(chosen, "Zeta-Gen-7B", opts, {"gpt"}, max_rows=12)
    assert [(k.value, k.baseline) for k in numbers] == [("0.71", "0.63"), ("0.66", "0.63")]
    tables, numbers = results.collect(chosen, "Zeta-DFS", opts, set(), max_rows=12)
    assert [t.page for t in tables] == [5, 5] and ("60.5", "35.3") in {(k.value, k.baseline) for k in numbers}


def test_a_caption_naming_only_a_metric_is_a_results_table() -> None:
    fid = _table("Table 2: MSCOCO zero-shot FID.",
                 [("DALL-E", ["-"]), ("GLIDE", ["11.58"]), ("Zeta-Gen (Ours)", ["8.37"])], 10)
    opts = results.options([CONFIG, MAIN, fid], set(), limit=6)
    main = next(o for o in opts if o.table is MAIN)
    tables, numbers = results.collect(main, "Zeta-Gen (ours)", opts, results.anchors("Zeta-Gen", "x"), max_rows=12)
    assert 10 in [t.page for t in tables] and ("8.37", "11.58") in {(k.value, k.baseline) for k in numbers}
