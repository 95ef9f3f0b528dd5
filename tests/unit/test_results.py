"""Choosing results tables and the authors' row, and key numbers copied from their cells."""

from __future__ import annotations

import pytest

from summarizer.document import Document, PageText, Section, Table, TableRow
from summarizer.numbers import results, row_roles, table_choice


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
    opts = table_choice.options([CONFIG, MAIN, ABLATION], row_roles.anchors("Zeta-Gen", "Zeta-Gen: a title"), limit=6)
    assert [o.table.page for o in opts][:2] == [6, 8] and opts[0].id == "T1"


def test_our_row_is_found_by_name_or_ours_marker() -> None:
    words = row_roles.anchors("Zeta-Gen", "Zeta-Gen: a title")
    assert _label(row_roles.our_row(MAIN, words)) == "Zeta-Gen (ours)"
    assert _label(row_roles.our_row(ABLATION, words)) == "Zeta-Gen"
    assert row_roles.our_row(CONFIG, words) is None


def test_collect_takes_the_models_table_then_other_results_tables() -> None:
    opts = table_choice.options([CONFIG, MAIN, ABLATION], set(), limit=6)
    main = next(o for o in opts if o.table is MAIN)
    found = results.collect(main, "Zeta-Gen (ours)", opts, row_roles.anchors("Zeta-Gen", "x"), max_rows=12)
    tables, numbers = found.tables, found.numbers
    assert [t.page for t in tables] == [6, 8]
    values = {(k.value, k.page, k.baseline) for k in numbers}
    # FID is lower-is-better: the strongest baseline is the lowest other value
    assert ("0.52", 6, "0.47") in values and ("7.2", 6, "8.1") in values and ("0.52", 8, "0.52") in values


def test_no_choice_and_no_recognisable_row_gives_no_numbers() -> None:
    found = results.collect(None, "none", table_choice.options([CONFIG], set(), 6), set(), max_rows=12)
    tables, numbers = found.tables, found.numbers
    assert tables == [] and numbers == []


def test_capitalised_titles_and_everyday_acronyms_are_not_method_names() -> None:
    words = row_roles.anchors("ZETA", "ZETA: FACILITATING LARGE MODELS WITH APIS", "We query real-world APIs with LLMs.")
    assert words == {"zeta"}


def test_a_comparison_table_ranks_above_an_ablation() -> None:
    ablation = _table("Table 4: Ablation studies of encoders.", [("Zeta-Gen", ["1.0", "2.0"]), ("b", ["3.0", "4.0"])])
    opts = table_choice.options([ablation, MAIN], row_roles.anchors("Zeta-Gen", "x"), limit=6)
    assert opts[0].table is MAIN


def test_a_name_prefix_finds_the_models_row() -> None:
    table = _table("Table 4: Main experiments.", [("GPT-Base", ["41.5"]), ("ToolLLaMA-DFSDT", ["57.0"])])
    assert _label(row_roles.our_row(table, row_roles.anchors("ToolLLM", "t"))) == "ToolLLaMA-DFSDT"


def test_every_size_of_the_model_gives_key_numbers_and_none_is_the_others_baseline() -> None:
    sizes = _table("Table 2: Comparison on GenEval.", [
        ("Zeta", ["0.52"]), ("SDXL", ["0.47"]), ("Zeta-Gen-1B", ["0.66"]), ("Zeta-Gen-7B", ["0.71"]),
    ], columns=["Overall"])
    opts = table_choice.options([sizes], set(), limit=6)
    numbers = results.collect(opts[0], "none", opts, row_roles.anchors("Zeta-Gen", "x"), max_rows=12).numbers
    # the full name beats the predecessor sharing a prefix ("Zeta"); the largest size comes first
    assert [(k.value, k.baseline) for k in numbers] == [("0.71", "0.52"), ("0.66", "0.52")]
    # a third size of ours gives no key number and is never the others' baseline either
    three = sizes.model_copy(update={"rows": [*sizes.rows, TableRow(label="Zeta-Gen-500M", cells=["0.69"])]})
    opts = table_choice.options([three], set(), limit=6)
    numbers = results.collect(opts[0], "none", opts, row_roles.anchors("Zeta-Gen", "x"), max_rows=12).numbers
    assert [(k.value, k.baseline) for k in numbers] == [("0.71", "0.52"), ("0.66", "0.52")]


def test_the_authors_rows_are_kept_in_a_long_table_cut_to_its_first_rows() -> None:
    long = _table("Table 2: Comparison on GenEval.",
                  [(f"Baseline {i}", [f"0.{i}1"]) for i in range(1, 9)] + [("Zeta-Gen (ours)", ["0.95"])])
    shown = results.as_card_table(long, max_rows=4, keep=row_roles.our_rows(long, set()))
    assert [row[0] for row in shown.rows] == ["Baseline 1", "Baseline 2", "Baseline 3", "Baseline 4",
                                              "Zeta-Gen (ours)"]


def test_the_models_row_brings_its_other_sizes_and_its_parts_find_it_in_other_tables() -> None:
    main = _table("Table 2: Comparison on GenEval.", [
        ("Zeta", ["0.52"]), ("GPT-Base", ["0.63"]), ("Zeta-Gen-1B", ["0.66"]), ("Zeta-Gen-7B", ["0.71"]),
    ], columns=["Overall"])
    strategies = _table("Table 3: Pass rate of reasoning strategies.", [("ReACT", ["35.3"]), ("DFS", ["60.5"])])
    opts = table_choice.options([main, strategies], set(), limit=6)
    chosen = next(o for o in opts if o.table is main)
    # anchors from prose can name a baseline (GPT); the model's row decides in its table
    found = results.collect(chosen, "Zeta-Gen-7B", opts, {"gpt"}, max_rows=12)
    tables, numbers = found.tables, found.numbers
    assert [(k.value, k.baseline) for k in numbers] == [("0.71", "0.63"), ("0.66", "0.63")]
    found = results.collect(chosen, "Zeta-DFS", opts, set(), max_rows=12)
    tables, numbers = found.tables, found.numbers
    assert [t.page for t in tables] == [5, 5] and ("60.5", "35.3") in {(k.value, k.baseline) for k in numbers}


def test_a_caption_naming_only_a_metric_is_a_results_table() -> None:
    fid = _table("Table 2: MSCOCO zero-shot FID.",
                 [("DALL-E", ["-"]), ("GLIDE", ["11.58"]), ("Zeta-Gen (Ours)", ["8.37"])], 10)
    opts = table_choice.options([CONFIG, MAIN, fid], set(), limit=6)
    main = next(o for o in opts if o.table is MAIN)
    found = results.collect(main, "Zeta-Gen (ours)", opts, row_roles.anchors("Zeta-Gen", "x"), max_rows=12)
    tables, numbers = found.tables, found.numbers
    assert 10 in [t.page for t in tables] and ("8.37", "11.58") in {(k.value, k.baseline) for k in numbers}
    fvd = _table("Table 4: FVD on UCF-101 at 16 frames.",
                 [("Rival-U", ["-"]), ("Rival-V", ["410.5"]), ("Zeta-Gen (Ours)", ["355.5"])], 11)
    opts = table_choice.options([CONFIG, MAIN, fvd], set(), limit=6)
    found = results.collect(main, "Zeta-Gen (ours)", opts, row_roles.anchors("Zeta-Gen", "x"), max_rows=12)
    assert ("355.5", "410.5") in {(k.value, k.baseline) for k in found.numbers}


# --- the headline table, its summary cells and labels an editor reads at a glance ------------------------

WIDE = _table("Table 2: Results on OmniBench.", [
    ("Rival-A", ["7B", "40.1", "50.2", "45.0"]),
    ("Rival-B", ["13B", "42.3", "49.9", "46.1"]),
    ("Zeta-Gen (ours)", ["1.3B", "44.0", "52.5", "48.2"]),
], 6, ["# Params", "Alpha", "Beta", "Overall\u2191"])


def test_the_summary_cell_leads_size_columns_give_no_key_number_and_labels_name_the_benchmark() -> None:
    headline, detail = results.table_numbers(WIDE, [WIDE.rows[-1]], row_roles.anchors("Zeta-Gen"))
    assert [(k.metric, k.value, k.baseline) for k in headline] == [("OmniBench Overall", "48.2", "46.1")]
    assert [(k.metric, k.value, k.baseline) for k in detail] == [
        ("OmniBench Alpha", "44.0", "42.3"), ("OmniBench Beta", "52.5", "50.2"),
    ]
    assert all(k.setting == "Zeta-Gen (ours)" for k in headline + detail)
    # without a summary column every measured cell is the table's headline
    no_summary = WIDE.model_copy(update={"columns": ["# Params", "Alpha", "Beta", "Gamma"]})
    headline, detail = results.table_numbers(no_summary, [no_summary.rows[-1]])
    assert [k.value for k in headline] == ["44.0", "52.5", "48.2"] and detail == []


def test_a_caption_names_its_benchmark_but_not_the_authors_method() -> None:
    assert results.benchmark("Table 4: Main experiments on the test set of QuillBench.") == "QuillBench"
    assert results.benchmark("Table 3: Evaluation of text-to-image generation on the GenScore benchmark.") == "GenScore"
    assert results.benchmark("Table 1: Results of Zeta-Gen on multimodal understanding.", {"zetagen"}) is None
    # "on" names the benchmark before "of" does; a compared method is never the benchmark
    assert results.benchmark("Table 8: Performances of GPT-4o, Rival-B and Zeta-Gen on QuillBench.") == "QuillBench"
    assert results.benchmark("Table 8: Scores of GPT-4o and Zeta-Gen.", ["GPT-4o-0513", "Zeta-Gen"]) is None
    assert results.metric_label("Overall\u2191", "OmniBench") == "OmniBench Overall"
    assert results.metric_label("OmniBench Acc", "OmniBench") == "OmniBench Acc"
    # a column that only sums up says what it averages when the caption names a measure
    assert results.metric_label("Average", None, "Table 3: Pass rate of three search strategies.") == "Pass rate average"
    assert results.metric_label("Average", None, "Table 3: Three search strategies.") == "Average"
    # a setting the table leaves empty is no part of the label; a hyphen inside a name is
    assert results.metric_label("Quux-test (BPB) -", None) == "Quux-test (BPB)"
    assert results.metric_label("Quux-test (BPB) \u2212 \u2193", None) == "Quux-test (BPB)"
    assert results.metric_label("Quux (EM) 3-shot", None) == "Quux (EM) 3-shot"


def test_a_table_printing_methods_as_columns_is_read_with_methods_as_rows() -> None:
    transposed = _table("Table 2: Comparison with state-of-the-art methods.", [
        ("FID\u2193", ["12.1", "10.3", "9.2"]), ("IS", ["150.2", "160.4", "171.9"]),
    ], 6, ["Rival-A", "Rival-B", "Zeta-Gen"])
    words = row_roles.anchors("Zeta-Gen")
    opts = table_choice.options([transposed], words, limit=6)
    assert opts[0].rows == ["Rival-A", "Rival-B", "Zeta-Gen"]
    numbers = results.collect(opts[0], "Zeta-Gen", opts, words, max_rows=12).numbers
    # FID is lower-is-better: the baseline is the lowest rival, in the same metric
    assert [(k.metric, k.value, k.baseline) for k in numbers] == [("FID", "9.2", "10.3"), ("IS", "171.9", "160.4")]
    assert table_choice.options([MAIN], words, limit=6)[0].table is MAIN  # methods already rows: unchanged


@pytest.mark.parametrize("caption", [
    "Table 7: Distillation results on OmniBench.", "Table 8: Continual learning results on OmniBench.",
    "Table 9: Ablation results on OmniBench.", "Table 10: Additional results on OmniBench.",
])
def test_side_tables_rank_below_the_headline_comparison(caption: str) -> None:
    side = _table(caption, [("Rival-A", ["0.00", "1.0"]), ("Zeta-Gen", ["0.00", "2.0"])], 4)
    headline = _table("Table 2: Results on OmniBench.", [("Rival-A", ["40.1"]), ("Zeta-Gen", ["44.0"])], 6)
    opts = table_choice.options([side, headline], row_roles.anchors("Zeta-Gen"), limit=6)
    assert opts[0].table is headline


def test_a_results_table_past_the_references_ranks_below_one_in_the_body() -> None:
    appendix = _table("Table 12: Results on OmniBench.", [("Rival-A", ["40.1", "3"]), ("Zeta-Gen", ["44.0", "5"])], 15)
    body = _table("Table 2: Results on OmniBench.", [("Rival-A", ["40.1", "-"]), ("Zeta-Gen", ["44.0", "5"])], 6)
    words = row_roles.anchors("Zeta-Gen")
    assert table_choice.options([appendix, body], words, limit=6, layout=table_choice.Layout(appendix_from=12))[0].table is body
    assert table_choice.options([appendix, body], words, limit=6)[0].table is appendix  # more numeric cells


def test_a_table_printed_in_an_ablation_section_is_a_side_table() -> None:
    # synthetic: the same caption, printed under an ablation heading or under a results one
    table = _table("Table 5: Comparison of decoding schemes.", [("Rival-A", ["40.1"]), ("Zeta-Gen", ["44.0"])], 5)
    headline = _table("Table 2: Results on OmniBench.", [("Rival-A", ["40.1"]), ("Zeta-Gen", ["44.0"])], 6)
    words = row_roles.anchors("Zeta-Gen")

    def layout(heading: str, elsewhere: str = "We train Zeta-Gen on OmniBench.", caption: str = table.caption,
               ) -> table_choice.Layout:
        text = f"We vary the decoder. {caption} Rival-A 40.1 Zeta-Gen 44.0"
        doc = Document.model_construct(sections=[  # only its sections are read
            Section(kind="experiments", heading="4.1 Main Results", parts=[PageText(page=4, text=elsewhere)]),
            Section(kind="experiments", heading=heading, parts=[PageText(page=5, text=text)]),
            Section(kind="references", heading="References", parts=[PageText(page=8, text="[1] A. Author.")]),
        ])
        return table_choice.Layout.of(doc)

    assert table_choice.is_side(table, layout("4.3 Ablation Studies"))
    assert table_choice.options([table, headline], words, limit=6, layout=layout("4.3 Ablation Studies"))[0].table is headline
    assert table_choice.options([table, headline], words, limit=6)[0].table is table  # page order
    assert not table_choice.is_side(headline, layout("4.3 Ablation Studies"))  # its caption is printed elsewhere
    # not aside: a heading of results or of analysis, a table another section discusses (LaTeX floated it into
    # the ablations), a caption of its number alone (found in any sentence mentioning the table)
    assert not table_choice.is_side(table, layout("4 Results and Ablations"))
    assert not table_choice.is_side(table, layout("4.2 Quantitative Analysis"))
    assert not table_choice.is_side(table, layout("4.3 Ablation Studies", elsewhere="Table 5 shows our main gains."))
    bare = _table("Table 5", [("Rival-A", ["40.1"]), ("Zeta-Gen", ["44.0"])], 5)
    assert not table_choice.is_side(bare, layout("4.3 Ablation Studies", caption="Table 5"))


def test_the_papers_own_name_overrides_a_model_choosing_its_predecessors_row() -> None:
    table = _table("Table 2: Results on OmniBench.", [
        ("Zeta", ["40.1"]), ("Rival-A", ["41.6"]), ("Zeta-Gen-1B", ["43.0"]), ("Zeta-Gen-7B", ["44.0"]),
    ], 6, ["Overall"])
    opts = table_choice.options([table], set(), limit=6)
    numbers = results.collect(opts[0], "Zeta", opts, set(), max_rows=12, name_words=row_roles.anchors("Zeta-Gen")).numbers
    assert [(k.value, k.baseline) for k in numbers] == [("44.0", "41.6"), ("43.0", "41.6")]


def test_key_numbers_cover_every_results_table_before_going_deep_into_one_and_side_tables_come_last() -> None:
    first = _table("Table 2: Results on OmniBench.", [("Rival-A", ["1.0", "2.0", "3.0"]), ("Zeta-Gen", ["1.5", "2.5", "3.5"])],
                   6, ["A", "B", "C"])
    second = _table("Table 3: Results on QuillBench.", [("Rival-A", ["10.0", "20.0"]), ("Zeta-Gen", ["15.5", "25.0"])],
                    7, ["D", "E"])
    words = row_roles.anchors("Zeta-Gen")
    opts = table_choice.options([first, second], words, limit=6)
    chosen = next(o for o in opts if o.table is first)
    numbers = results.collect(chosen, "Zeta-Gen", opts, words, max_rows=12).numbers
    assert [k.value for k in numbers] == ["1.5", "2.5", "15.5", "3.5", "25.0"]
    summary = first.model_copy(update={"columns": ["A", "B", "Average"]})
    side = _table("Table 4: Ablation of the encoder.", [("Rival-A", ["7.0"]), ("Zeta-Gen", ["7.5"])], 8, ["Average"])
    opts = table_choice.options([summary, second, side], words, limit=6)
    chosen = next(o for o in opts if o.table is summary)
    found = results.collect(chosen, "Zeta-Gen", opts, words, max_rows=12)
    # the summary cell of the first table and every cell of the second (no summary column); the ablation's
    # first numbers apart (the card ranks them with the supporting claims); then the first table's other cells
    assert [k.value for k in found.headline] == ["3.5", "15.5", "25.0"]
    assert [k.value for k in found.side] == ["7.5"]
    assert [k.value for k in found.detail] == ["1.5", "2.5"]
    assert [k.value for k in found.numbers] == ["3.5", "15.5", "25.0", "7.5", "1.5", "2.5"]


def test_the_baseline_is_the_strongest_rival_of_comparable_size_when_the_table_gives_sizes() -> None:
    table = _table("Table 1: Comparison on understanding benchmarks.", [
        ("Giant-VL", ["13B", "88.0"]), ("Mid-VL", ["7B", "85.0"]), ("Tiny-VL", ["1.8B", "79.5"]),
        ("Small-VL", ["1.3B", "81.2"]), ("Zeta (ours)", ["1.3B", "77.4"]),
    ], columns=["# Params", "Score"])
    opts = table_choice.options([table], set(), limit=6)
    numbers = results.collect(opts[0], "Zeta (ours)", opts, row_roles.anchors("Zeta", "x"), max_rows=12).numbers
    # the 7B and 13B models are not a fair comparison for a 1.3B model: the best of those up to twice its size
    assert [(k.value, k.baseline) for k in numbers] == [("77.4", "81.2")]
    # no rival that small: the strongest of all
    alone = table.model_copy(update={"rows": [r for r in table.rows if r.label not in ("Tiny-VL", "Small-VL")]})
    opts = table_choice.options([alone], set(), limit=6)
    numbers = results.collect(opts[0], "Zeta (ours)", opts, row_roles.anchors("Zeta", "x"), max_rows=12).numbers
    assert [(k.value, k.baseline) for k in numbers] == [("77.4", "88.0")]
    # a closed model of undisclosed size ("-") is not known to be larger: it stays in the fair comparison
    closed = table.model_copy(update={"rows": [*table.rows[:-1], TableRow(label="Closed-VL", cells=["-", "82.5"]),
                                               table.rows[-1]]})
    opts = table_choice.options([closed], set(), limit=6)
    numbers = results.collect(opts[0], "Zeta (ours)", opts, row_roles.anchors("Zeta", "x"), max_rows=12).numbers
    assert [(k.value, k.baseline) for k in numbers] == [("77.4", "82.5")]


def test_the_baseline_is_the_authors_earlier_model_when_the_table_has_it() -> None:
    table = _table("Table 4: Comparison on GenEval.", [
        ("Orion [12]", ["0.58"]), ("Rival-XL [3]", ["0.77"]), ("Orion-Plus-1B", ["0.69"]),
    ], columns=["Overall"])
    opts = table_choice.options([table], set(), limit=6)
    numbers = results.collect(opts[0], "Orion-Plus-1B", opts, row_roles.anchors("Orion-Plus", "x"), max_rows=12).numbers
    assert [(k.value, k.baseline) for k in numbers] == [("0.69", "0.58")]
    assert "Orion-Plus-1B vs Orion [12]" in (numbers[0].context or "")


def test_a_supporting_table_gives_its_first_few_numbers_to_the_headline_and_the_rest_to_detail() -> None:
    chosen_table = _table("Table 2: Results on OmniBench.", [("Rival-A", ["1.0"]), ("Zeta-Gen", ["1.5"])], 6, ["Score"])
    wide = _table("Table 3: Comparison of our corpus with other corpora.",
                  [("Corpus-B", ["11", "21", "31", "41", "51", "61"]), ("Zeta-Gen", ["17", "27", "37", "47", "57", "67"])],
                  7, ["Tools", "APIs", "Samples", "Calls", "Steps", "Turns"])
    words = row_roles.anchors("Zeta-Gen")
    opts = table_choice.options([chosen_table, wide], words, limit=6)
    chosen = next(o for o in opts if o.table is chosen_table)
    found = results.collect(chosen, "Zeta-Gen", opts, words, max_rows=12)
    assert [k.value for k in found.headline] == ["1.5", "17", "27", "37", "47"]
    assert [k.value for k in found.detail] == ["57", "67"]
    # the chosen table has no such cap: every cell of our row leads; with none chosen, every table is capped
    opts = table_choice.options([wide], words, limit=6)
    assert len(results.collect(opts[0], "Zeta-Gen", opts, words, max_rows=12).headline) == 6
    assert [k.value for k in results.collect(None, "Zeta-Gen", opts, words, max_rows=12).headline] == [
        "17", "27", "37", "47"]


def test_without_summary_columns_only_the_main_rows_cells_lead() -> None:
    table = _table("Table 3: Comparison on understanding benchmarks.", [
        ("Rival", ["80.1", "60.2", "40.3"]), ("Zeta-1B", ["81.0", "62.5", "42.5"]), ("Zeta-7B", ["85.0", "65.0", "45.0"]),
    ], columns=["POPE", "GQA", "MMMU"])
    opts = table_choice.options([table], set(), limit=6)
    found = results.collect(opts[0], "Zeta-7B", opts, row_roles.anchors("Zeta", "x"), max_rows=12)
    assert [k.value for k in found.headline] == ["85.0", "65.0", "45.0"]
    assert [k.value for k in found.detail] == ["81.0", "62.5", "42.5"]


@pytest.mark.parametrize("cite", [True, False])
def test_a_table_of_uncited_variants_ranks_as_an_ablation_where_the_headline_table_cites_its_rivals(cite: bool) -> None:
    refs = (" [12]", " [31]") if cite else ("", "")
    main = _table("Table 1: Comparison with prior methods.", [
        (f"Alpha{refs[0]}", ["12.1"]), (f"Beta{refs[1]}", ["14.0"]), ("Zeta (ours)", ["10.2"]),
    ], page=6, columns=["FID"])
    variants = _table("Table 5: Comparison of generation paradigms.", [
        ("Context-cond.", ["14.5"]), ("Masked-cond.", ["23.2"]), ("Zeta (ours)", ["13.9"]),
    ], page=9, columns=["rFID"])
    opts = table_choice.options([main, variants], set(), limit=6)
    chosen = next(o for o in opts if o.table is main)
    found = results.collect(chosen, "Zeta (ours)", opts, row_roles.anchors("Zeta", "x"), max_rows=12)
    headline = [k.value for k in found.headline]
    # the paper cites the prior work it compares with: rows it does not cite are its own variants
    assert headline == (["10.2"] if cite else ["10.2", "13.9"])
    assert [k.value for k in found.numbers] == ["10.2", "13.9"]


def test_the_earlier_model_is_the_baseline_whatever_its_size_and_a_batch_size_column_gives_no_sizes() -> None:
    table = _table("Table 1: Comparison on understanding benchmarks.", [
        ("Orion", ["7B", "128", "70.5"]), ("Small-VL", ["1.3B", "64", "74.0"]), ("Orion-Lite", ["1.3B", "32", "72.2"]),
    ], columns=["# Params", "Batch size", "Score"])
    opts = table_choice.options([table], set(), limit=6)
    numbers = results.collect(opts[0], "Orion-Lite", opts, row_roles.anchors("Orion-Lite", "x"), max_rows=12).numbers
    assert [(k.value, k.baseline) for k in numbers] == [("72.2", "70.5")]  # Orion, five times larger
    images = _table("Table 2: Resolution study.", [("Orion", ["4K", "70.5"]), ("Orion-Lite", ["2K", "72.2"])],
                    columns=["Image size", "Score"])
    assert row_roles.row_sizes(images, images.columns) == {}  # "4K" pixels wide, not four thousand parameters
    assert row_roles.parameters("5000M+") is None and row_roles.parameters("1.3B") == 1.3e9


def test_a_mixture_of_experts_is_compared_by_its_total_size_with_the_strongest_dense_rival() -> None:
    table = _table("Table 3: Comparison among base models.", [
        ("Orion 30B Base", ["30B", "30B", "71.5"]), ("Vega 250B Base", ["250B", "250B", "76.5"]),
        ("Zeta-V3 Base", ["25B", "400B", "81.5"]),
    ], columns=["# Activated Params", "# Total Params", "Score"])
    opts = table_choice.options([table], set(), limit=6)
    numbers = results.collect(opts[0], "Zeta-V3 Base", opts, row_roles.anchors("Zeta-V3", "x"), max_rows=12).numbers
    assert [(k.value, k.baseline) for k in numbers] == [("81.5", "76.5")]  # Vega: 250B against our 400B in all


def test_a_row_the_table_calls_its_baseline_is_the_baseline_not_ours() -> None:
    table = _table("Table 9: The contribution of distillation.", [
        ("Zeta-V2 Baseline", ["31.5", "715"]), ("Zeta-V2 +Teacher Distill", ["37.5", "785"]),
    ], columns=["Pass@1", "Length"])
    opts = table_choice.options([table], set(), limit=6)
    found = results.collect(opts[0], "", opts, row_roles.anchors("Zeta-V2", "x"), max_rows=12)
    assert [(k.setting, k.value, k.baseline) for k in found.numbers][:1] == [("Zeta-V2 +Teacher Distill", "37.5", "31.5")]
    # a method named a baseline, with no other row of its name, is still the authors'
    simple = _table("Table 1: Results.", [("Rival", ["30.25"]), ("Zeta Baseline", ["33.5"])], columns=["Pass@1"])
    assert [r.label for r in row_roles.our_rows(simple, row_roles.anchors("Zeta", "x"))] == ["Zeta Baseline"]
    # the authors' own mark wins: their method may be a baseline improved
    marked = _table("Table 2: Results.", [("Rival", ["30.25"]), ("Zeta baseline (ours)", ["33.5"])], columns=["Pass@1"])
    assert [r.label for r in row_roles.our_rows(marked, row_roles.anchors("Zeta", "x"))] == ["Zeta baseline (ours)"]


def test_a_table_printing_methods_as_groups_of_columns_is_read_with_methods_as_rows() -> None:
    columns = ["Dense Ranker (ours) MRR", "Dense Ranker (ours) R@5", "Term Match MRR", "Term Match R@5",
               "Neural-B MRR", "Neural-B R@5"]
    grouped = _table("Table 4: Comparison of retrievers on two query sets.", [
        ("Short (S1)", ["71.20", "80.15", "11.40", "14.85", "55.10", "60.30"]),
        ("All", ["64.75", "72.80", "8.35", "12.60", "47.25", "49.90"]),
    ], 8, columns)
    words = row_roles.anchors("Dense Ranker")
    (option,) = table_choice.options([grouped], words, limit=6)
    assert option.rows == ["Dense Ranker (ours)", "Term Match", "Neural-B"]
    assert option.table.columns == ["Short (S1) MRR", "Short (S1) R@5", "All MRR", "All R@5"]
    numbers = results.collect(option, "Dense Ranker (ours)", [option], words, max_rows=12).numbers
    # the summary ("All") cells lead, each compared with the strongest rival in its own column
    assert [(k.metric, k.value, k.baseline) for k in numbers[:2]] == [("All MRR", "64.75", "47.25"),
                                                                      ("All R@5", "72.80", "49.90")]
    # groups of settings over metrics, with the authors' method a row, are left as printed
    settings = _table("Table 5: Main results.", [("Term Match", ["1.0", "2.0", "3.0", "4.0"]),
                                                 ("Dense Ranker", ["5.0", "6.0", "7.0", "8.0"])], 9,
                      ["S1 MRR", "S1 R@5", "S2 MRR", "S2 R@5"])
    assert table_choice.options([settings], words, limit=6)[0].table is settings


def test_an_ablation_printing_changes_to_the_model_compares_each_change_with_the_full_model() -> None:
    ablation = _table("Table 6: Further analyses of Zeta-Gen.", [
        ("Zeta-Gen", ["62.5", "-"]), ("\u2192Retriever", ["55.5", "47.5"]), ("w/o stage 2", ["17.5", "12.5"]),
        ("+ LoRA", ["48.5", "40.5"]),
    ], 9, ["Average Pass", "Average Win"])
    words = row_roles.anchors("Zeta-Gen")
    (option,) = table_choice.options([ablation], words, limit=6)
    lead, rest = results.table_numbers(option.table, row_roles.our_rows(option.table, words), words)
    # each change against the full model, column by column: the first column's comparisons lead
    assert [(k.setting, k.value, k.baseline) for k in lead] == [
        ("\u2192Retriever", "55.5", "62.5"), ("w/o stage 2", "17.5", "62.5"), ("+ LoRA", "48.5", "62.5")]
    assert [(k.value, k.baseline) for k in rest] == [("47.5", None), ("12.5", None), ("40.5", None)]
    # rows of other methods are no changes to ours: our cells against the strongest of them, as before
    rivals = ablation.model_copy(update={"rows": [ablation.rows[0], TableRow(label="Rival-A", cells=["50.5", "40.5"])]})
    lead, _ = results.table_numbers(rivals, row_roles.our_rows(rivals, words), words)
    assert [(k.value, k.baseline) for k in lead] == [("62.5", "50.5")]


def test_a_rivals_row_the_model_names_in_another_table_does_not_become_ours_there() -> None:
    main = _table("Table 4: Main results.", [("GPT-Base", ["44.5"]), ("Zephyr-Search", ["61.5"])], 9, ["Average"])
    strategies = _table("Table 3: Pass rate of search strategies.",
                        [("Greedy", ["29.5"]), ("Greedy@N", ["39.5"]), ("Search", ["48.5"])], 8, ["Average"])
    words = row_roles.anchors("Zephyr")
    opts = table_choice.options([main, strategies], words, limit=6)
    chosen = next(o for o in opts if o.table is main)
    # the model chose the main table but named "Greedy" (a rival in the other table) as the authors' row
    found = results.collect(chosen, "Greedy", opts, words, max_rows=12)
    assert ("48.5", "39.5") in {(k.value, k.baseline) for k in found.numbers}  # "Search", from "Zephyr-Search"
    assert not any((k.setting or "").startswith("Greedy") for k in found.numbers)


def test_the_papers_own_name_finds_its_row_where_other_distinctive_words_name_earlier_versions_too() -> None:
    chat = _table("Table 6: Comparison between Zephyr-V3 and other chat models.", [
        ("Zephyr V2-0506", ["78.5"]), ("Zephyr V2.5-0905", ["80.5"]), ("Rival-72B", ["85.5"]), ("Zephyr V3", ["88.5"]),
    ], 9, ["MMLU"])
    arena = _table("Table 7: Open-ended evaluations.", [("Zephyr-V2.5-0905", ["76.5"]), ("Zephyr-V3", ["85.5"])],
                   10, ["Arena-Hard"])
    words = row_roles.anchors("Zephyr-V3", None, "Zephyr-V3 builds on Zephyr-V2 and ZephyrMoE.")
    opts = table_choice.options([arena, chat], words, limit=6)
    chosen = next(o for o in opts if o.table is arena)
    # the model named a row of another table: the paper's name finds ours here and in the other table
    found = results.collect(chosen, "Rival-72B", opts, words, max_rows=12, name_words=row_roles.anchors("Zephyr-V3"))
    assert {k.setting for k in found.numbers} == {"Zephyr-V3", "Zephyr V3"}


def test_a_human_or_an_upper_bound_is_no_rival_and_only_a_comparison_with_others_is_a_headline_caption() -> None:
    table = _table("Table 2: Results on OmniBench.", [("Human", ["95.5"]), ("Rival-A", ["70.5"]), ("Zeta-Gen", ["75.5"])],
                   6, ["Score"])
    words = row_roles.anchors("Zeta-Gen")
    opts = table_choice.options([table], words, limit=6)
    numbers = results.collect(opts[0], "Zeta-Gen", opts, words, max_rows=12).numbers
    assert [(k.value, k.baseline) for k in numbers] == [("75.5", "70.5")]
    assert not table_choice.is_side(_table("Table 3: Comparison between Zeta and other leading models.", []))
    assert table_choice.is_side(_table("Table 3: Comparison between loss functions (ablation).", []))


def test_the_headline_comparison_is_offered_before_other_results_tables() -> None:
    words = row_roles.anchors("Zeta-Gen")
    other = _table("Table 7: Open-ended evaluations.", [("Rival-A", ["70.5", "50.5"]), ("Zeta-Gen", ["75.5", "60.5"])],
                   12, ["Arena", "Alpaca"])
    headline = _table("Table 6: Comparison with state-of-the-art models.",
                      [("Rival-A", ["70.5", "50.5"]), ("Zeta-Gen", ["75.5", "60.5"])], 13, ["MMLU", "GSM8K"])
    # first, though printed after the other one
    assert [o.table for o in table_choice.options([other, headline], words, limit=6)] == [headline, other]


def test_cells_of_a_wide_row_past_the_limit_come_last_not_never() -> None:
    wide = _table("Table 2: Results on ten benchmarks.", [("Rival-A", [f"{n}.25" for n in range(10)]),
                                                          ("Zeta-Gen", [f"{n}.75" for n in range(10)])],
                  6, [f"B{n}" for n in range(10)])
    words = row_roles.anchors("Zeta-Gen")
    lead, rest = results.table_numbers(wide, row_roles.our_rows(wide, words), words, limit=8)
    assert [k.value for k in lead] == [f"{n}.75" for n in range(8)]
    assert [k.value for k in rest] == ["8.75", "9.75"]


def test_bits_per_byte_is_lower_is_better() -> None:
    table = _table("Table 2: Language modelling on PileLike.", [("Rival-A", ["0.612"]), ("Rival-B", ["0.655"]),
                                                               ("Zeta-Gen", ["0.581"])], 6, ["Pile-test (BPB)"])
    words = row_roles.anchors("Zeta-Gen")
    opts = table_choice.options([table], words, limit=6)
    numbers = results.collect(opts[0], "Zeta-Gen", opts, words, max_rows=12).numbers
    assert [(k.value, k.baseline) for k in numbers] == [("0.581", "0.612")]  # the best rival has the fewest bits


def test_a_caption_saying_headline_comparison_outranks_the_models_choice_of_another_table() -> None:
    words = row_roles.anchors("Zeta-Gen")
    side_results = _table("Table 8: Performances of Rival-A and Zeta-Gen on RewardBench.",
                          [("Rival-A", ["70.5"]), ("Zeta-Gen", ["75.5"])], 14, ["Average"])
    main_parts = _table("Table 4: Ablation of the main components.", [("w/o B", ["60.5"]), ("Zeta-Gen", ["75.5"])],
                        9, ["Average"])
    opts = table_choice.options([side_results, MAIN, main_parts], words, limit=6)
    picked = {o.table.page: o for o in opts}
    assert table_choice.headline(picked[14], opts, words) is picked[6]  # "Comparison with state-of-the-art ..."
    assert table_choice.headline(picked[6], opts, words) is picked[6]
    assert table_choice.headline(None, opts, words) is picked[6]
    # without such a caption, the model's choice stands; an ablation of "main" components is no headline
    others = [o for o in opts if o.table is not MAIN]
    assert table_choice.headline(picked[14], others, words) is picked[14]
    # nor is a comparison that is not with the state of the art, or one without a row of ours
    speed = _table("Table 5: Comparison with baselines in inference speed.",
                   [("Rival-A", ["0.45"]), ("Zeta-Gen", ["0.3"])], 10, ["Latency (s)"])
    datasets = _table("Table 1: Main statistics of existing benchmarks.", [("Bench-A", ["500"]), ("Bench-B", ["900"])],
                      3, ["Prompts"])
    more = table_choice.options([side_results, speed, datasets], words, limit=6)
    chosen = next(o for o in more if o.table is side_results)
    assert table_choice.headline(chosen, more, words) is chosen


def test_without_summary_columns_our_cells_that_lead_their_rivals_come_first() -> None:
    table = _table("Table 3: Comparison among Zeta-Gen and other representative models.",
                   [("Rival-A", ["0.512", "80.5", "60.5"]), ("Zeta-Gen", ["0.525", "82.5", "58.5"])], 6,
                   ["Pile (BPB)", "BBH", "MMLU"])
    words = row_roles.anchors("Zeta-Gen")
    opts = table_choice.options([table], words, limit=6)
    found = results.collect(opts[0], "Zeta-Gen", opts, words, max_rows=12)
    # bits per byte: lower is better, so Zeta-Gen trails on Pile and on MMLU and leads on BBH
    assert [k.value for k in found.headline] == ["82.5", "0.525", "58.5"]


@pytest.mark.parametrize(("column", "caption", "lower"), [
    ("FVD", "Table 2: Video generation on Quux.", True),
    ("rFID", "", True),
    ("Peak VRAM (GB)", "Table 4: Efficiency.", True),
    ("Latency (s)", "", True),
    ("Confidence", "", False),  # "fid" inside a word is no FID
    ("Memory Acc.", "", False),  # an accuracy measured on memory
    ("Total", "Table 1: Comparison of quality and inference time.", False),  # the caption names both ways
    ("Average", "Table 6: Word error rate (WER) on six test sets.", True),  # a summary follows the caption
    ("Total memory (GB)", "", True),
    ("Cost ($)", "Table 7: Accuracy and cost.", True),
    ("COCO", "Table 3: Zero-shot FID on three datasets.", True),  # the caption names the one metric
    ("POPE↑", "Table 5: Errors of every model.", False),
    ("Drift↓", "", True),
])
def test_the_direction_of_a_column_comes_from_its_name_before_its_caption(column: str, caption: str, lower: bool) -> None:
    assert results.lower_is_better(column, caption) is lower


def test_sampling_steps_are_a_rows_setting_and_a_cost_is_led_by_the_cheapest_rival() -> None:
    table = _table("Table 2: Comparison with few-step video generators.",
                   [("Rival-A", ["40", "80", "312.5", "61.5"]), ("Rival-B", ["6", "12", "95.5", "88.0"]),
                    ("Zeta-Gen", ["3", "6", "47.5", "84.5"])], 6)
    words = row_roles.anchors("Zeta-Gen")
    for columns in (["Sampling steps", "NFE", "Peak VRAM (GB)", "FVD"], ["Denoising steps", "NFEs", "VRAM", "FVD"]):
        opts = table_choice.options([table.model_copy(update={"columns": columns})], words, limit=6)
        found = results.collect(opts[0], "Zeta-Gen", opts, words, max_rows=12)
        assert [(k.value, k.baseline) for k in found.numbers] == [("47.5", "95.5"), ("84.5", "61.5")]
