"""Which parsed tables hold the results, and key numbers from their cells.

Pure: tables in, choices and verbatim cells out. The model is asked to choose too (drafting/extract.py); these
rules rank what it is offered and carry its choice over to the paper's other results tables. Which row is the
authors' method and which rivals it is compared with is `row_roles`; the comparisons the text writes out are
`comparisons`.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from summarizer.card import KeyNumber, ResultsTable
from summarizer.document import Document, Table, TableRow
from summarizer.numbers import comparisons, row_roles
from summarizer.numbers.normalise import numbers_in

# How much a table looks like a results table (added to the share of its cells that hold numbers)
_RESULTS_CAPTION_BONUS = 2  # a caption saying results, comparison, a metric: what the card wants most
_HEADLINE_CAPTION_BONUS = 2.5  # "Main results", "Comparison with state-of-the-art": the headline, surer still
_SIDE_CAPTION_BONUS = 1  # an ablation or an appendix table holds results, but rarely the headline ones
_OTHER_CAPTION_PENALTY = 1  # a configuration or prompt table, or no caption at all: rarely results
_OUR_ROW_BONUS = 1  # a row naming the authors' method: their results are in this table
_OTHER_TABLE_MIN_SCORE = 2  # a results caption's worth: a further table must clearly hold results
_MIN_ROWS = 2  # a table of one row compares nothing
_CAPTION_KEY_CHARS = 40  # a caption's first letters (squashed) find where the text prints it


# What the card shows
_CONTEXT_CHARS = 240  # a key number's context: the comparison and the caption, cut to a card's line
_TABLE_KEY_NUMBERS = 8  # key numbers from one row: its main metrics, not every cell of a wide table
_MAX_TABLES = 5  # results tables on a card: the main one and a few more
_MAX_NUMBERS = 30  # key numbers from all tables together
_ROWS_PER_TABLE = 2  # rows of ours per table giving key numbers: the largest model and the next
_SUMMARY_COLUMN_WORDS = 2  # "Average Pass", "Mean IoU": a longer name is a quantity ("Avg. Reasoning Traces")
_SIDE_LEAD = 2  # a side table's numbers ranked with the supporting claims: its first few (ablation findings)
_CHOSEN_TABLE_TURN = 2  # key numbers the chosen (headline) table gives per turn; every other table gives one
# columns printed as groups over the same sub-columns: 2 to 4 sub-columns ("Pass Win", "NDCG1 NDCG3 NDCG5"),
# each named by its last word or two
_SUB_COLUMNS = (2, 3, 4)
_SUB_COLUMN_WORDS = 2

# words of a results table's caption
_RESULTS = re.compile(
    r"""
    result|comparison|compar|performance|evaluat|benchmark|accuracy      # what the table shows
    |state[-\ ]of[-\ ]the[-\ ]art|\bsota\b|versus|\bvs\b                 # a comparison with others
    |pass\ rate|win\ rate|success\ rate|score|error|improve|main         # measures and the main table
    |experiment|zero-shot|few-shot                                       # the setting
    |\bFID\b|BLEU|ROUGE|\bF1\b|\bmAP\b|\bIoU\b|PSNR|SSIM|perplexity|\bAUC\b|top-1|precision|recall  # metrics
    """,
    re.IGNORECASE | re.VERBOSE,
)
# the headline comparison says so: "Main results", "Comparison with state-of-the-art methods", "Comparison
# between X and other representative models" (not "Comparison between loss functions": an ablation)
_HEADLINE = re.compile(
    r"\bmain\b|state[-\ ]of[-\ ]the[-\ ]art|\bsota\b|compar\w*\ with"
    r"|compar\w*\ (?:between|among)\ .+\ and\ (?:other|existing|prior|previous|representative|leading)",
    re.IGNORECASE)
# side tables: results, but rarely the headline ones (ablations, analyses, distillation or continual-learning
# set-ups, supplementary and per-class breakdowns)
_SIDE = re.compile(
    r"""
    ablation|analys[ie]s|variant|sensitivity|breakdown|per-class   # taking the method apart
    |distill|continual|incremental|transfer|fine-?tun               # other set-ups than the headline one
    |additional|supplementa|more\ results|further\ results        # the appendix's extra tables
    """,
    re.IGNORECASE | re.VERBOSE,
)
# a section of side results: its heading says ablation or analysis, and not results, experiments or evaluation
# ("5.3 Ablation Studies", "Further Analysis"; not "Results and Analysis")
_SIDE_HEADING = re.compile(r"^(?!.*(?:result|experiment|evaluat|compar|main)).*(?:ablation|analys[ie]s|sensitivity)",
                           re.IGNORECASE)
# words of a caption of a table that describes the setup, not results
_NOT_RESULTS = re.compile(
    r"""
    configuration|hyper-?param|statistic|notation                  # the setup and the data
    |implementation\ detail|training\ detail                       # how it was trained
    |example|prompt|template|architecture|setting                  # what the model is given or is
    """,
    re.IGNORECASE | re.VERBOSE,
)
# a metric (in a column name or caption) where lower is better
_LOWER_BETTER = re.compile(
    r"""
    FID|error|loss|latency|time                # errors, losses and costs
    |ppl|perplexity|BPB|bits\ per             # error rates and error measures, bits per byte
    |WER|CER|MAE|MSE|RMSE
    |↓|distance|LPIPS                          # a down arrow, distances
    """,
    re.IGNORECASE | re.VERBOSE,
)
# a measure a caption names: what a summary column of its table averages ("Pass rate of ...")
_CAPTION_MEASURE = re.compile(
    r"\b(?:pass|win|success|error)\ rate|\baccuracy\b|\bF1\b|\bFID\b|\bBLEU\b|\bROUGE(?:-\w+)?|\bNDCG\b|\bmAP\b"
    r"|\bIoU\b|\bPSNR\b|\bSSIM\b|\bperplexity\b|\bAUC\b|\blatency\b|\bthroughput\b", re.IGNORECASE)
# a column summing up the others: the figure a reader quotes first ("Overall", "Average", "Avg.", "Mean")
_SUMMARY_COLUMN = re.compile(r"\b(?:overall|average|avg|mean|total|all)\b", re.IGNORECASE)
# a column describing the compared systems rather than measuring them: their size, data, date or kind
_PROPERTY_COLUMN = re.compile(
    r"""
    ^\#|\#\s?\w                                  # a count of something: "# Params", "#Images"
    |\bparam(?:eter)?s?\b|\bsize\b|\byear\b       # the model's size, the date
    |\btype\b|\bbackbone\b|\barch(?:itecture)?\b   # what kind of model it is
    |\bresolution\b|\bres\.                       # what it was run at
    """,
    re.IGNORECASE | re.VERBOSE,
)
# a benchmark a caption names: a coined word after "on" or, failing that, "of" ("Performances on
# DPG-Bench", "on the GenEval benchmark", "the test set of ToolBench")
_CAPTION_BENCHMARK = {
    preposition: re.compile(rf"\b{preposition}\s+(?:the\s+)?([A-Za-z][\w.-]*[\w])") for preposition in ("on", "of")
}
# an empty setting cell joined to a row's name: "Pile-test (BPB) -" (no shot count), "HumanEval –"
_EMPTY_SETTING = re.compile(r"\s+[-–—]$")
# direction arrows after a metric's name: they say which way is better, not what is measured
_ARROW_MARKS = "↑↓⇑⇓▲▼ "
# a row printing our model with one thing changed: replaced ("→ReACT", "-> LoRA"), removed ("w/o X",
# "without X", "- X") or added ("w/ X", "+ X")
_VARIANT = re.compile(r"\s*(?:→|->|⇒|w/o\b|w/\s|without\b|\+\s?[A-Za-z]|[-−]\s?[A-Za-z])", re.IGNORECASE)


@dataclass(frozen=True)
class TableOption:
    id: str
    table: Table
    side: bool = False  # an ablation, distillation, continual-learning or appendix table (see `is_side`)

    @property
    def rows(self) -> list[str]:
        return [r.label for r in self.table.rows]


def _numeric_share(table: Table) -> float:
    cells = [c for r in table.rows for c in r.cells]
    return sum(bool(numbers_in(c)) for c in cells) / len(cells) if cells else 0.0


@dataclass(frozen=True)
class Layout:
    """Where a paper keeps its side results: past `appendix_from` (the page its references or appendix start
    on), and in the sections whose headings say ablation or analysis (`side_text`, squashed: `row_roles.squash`)."""

    appendix_from: int | None = None
    side_text: str = ""

    @classmethod
    def of(cls, doc: Document) -> Layout:
        back_matter = [s.pages[0] for s in doc.sections if s.kind in ("references", "appendix") and s.pages]
        aside = [s.text for s in doc.sections if _SIDE_HEADING.search(s.heading)]
        return cls(min(back_matter, default=None), row_roles.squash(" ".join(aside)))

    def holds_side(self, table: Table) -> bool:
        """Whether the table lies in the appendix or its caption is printed in an ablation or analysis section."""
        caption = row_roles.squash(table.caption)[:_CAPTION_KEY_CHARS]
        return ((self.appendix_from is not None and table.page > self.appendix_from)
                or bool(caption and caption in self.side_text))


def results_score(table: Table, anchors: set[str], layout: Layout = Layout()) -> float:
    """How much a table looks like the headline results table: caption words, numeric cells, a row that is
    ours. A side table (an ablation, a distillation or continual-learning set-up, anything the `layout` puts
    aside) ranks below a results table."""
    score = _numeric_share(table)
    side = is_side(table, layout)
    if not side and _HEADLINE.search(table.caption):
        score += _HEADLINE_CAPTION_BONUS
    elif not side and _RESULTS.search(table.caption):
        score += _RESULTS_CAPTION_BONUS
    elif side:
        score += _SIDE_CAPTION_BONUS
    elif _NOT_RESULTS.search(table.caption) or not table.caption:
        score -= _OTHER_CAPTION_PENALTY
    if row_roles.our_row(table, anchors) is not None:
        score += _OUR_ROW_BONUS
    return score


def is_side(table: Table, layout: Layout = Layout()) -> bool:
    """A table of results that are rarely the headline ones: its caption says ablation, distillation,
    continual learning, additional results..., or it lies in the appendix or an ablation section
    (`Layout.holds_side`), unless its caption says it is the main comparison."""
    if _HEADLINE.search(table.caption):
        return False
    return bool(_SIDE.search(table.caption)) or layout.holds_side(table)


def options(tables: list[Table], anchors: set[str], limit: int, layout: Layout = Layout()) -> list[TableOption]:
    """The tables offered to the model, most results-like first (T1 is the best guess), each turned so that
    methods are its rows (see `oriented`)."""
    turned = [oriented(t, anchors) for t in tables]
    usable = [t for t in turned if len(t.rows) >= _MIN_ROWS and _numeric_share(t) > 0]
    # a software paper may have only a feature table (check marks): offer it rather than nothing
    usable = usable or [t for t in turned if len(t.rows) >= _MIN_ROWS]
    usable.sort(key=lambda t: (-results_score(t, anchors, layout), t.page))
    return [TableOption(f"T{i + 1}", t, is_side(t, layout)) for i, t in enumerate(usable[:limit])]


def oriented(table: Table, anchor_words: set[str]) -> Table:
    """The table with methods as rows: a table printing them as columns ("Metric | SDXL | Ours") is
    transposed, and one printing them as groups of columns ("Ours: NDCG1 NDCG5 | BM25: NDCG1 NDCG5", settings
    as rows) is regrouped (`_by_group`), when a column or a group names the authors' method and no row does."""
    width = max((len(r.cells) for r in table.rows), default=0)
    if len(table.columns) != width or width < _MIN_ROWS or row_roles.our_row(table, anchor_words) is not None:
        return table
    grouped = _by_group(table)
    if grouped is not None and row_roles.our_row(grouped, anchor_words) is not None:
        return grouped
    as_rows = [TableRow(label=name, cells=[]) for name in table.columns]
    if not any(row_roles.strength(row, anchor_words) for row in as_rows):
        return table
    return Table(caption=table.caption, page=table.page, columns=[r.label for r in table.rows],
                 rows=[TableRow(label=name, cells=[r.cells[j] if j < len(r.cells) else "-" for r in table.rows])
                       for j, name in enumerate(table.columns)])


def _column_groups(columns: list[str]) -> tuple[list[str], list[str]] | None:
    """(group names, sub-column names) of columns printed as groups over the same sub-columns ("Ours NDCG1",
    "Ours NDCG5", "BM25 NDCG1", "BM25 NDCG5" -> ["Ours", "BM25"], ["NDCG1", "NDCG5"]), else None."""
    for size in _SUB_COLUMNS:
        if len(columns) % size or len(columns) // size < _MIN_ROWS:
            continue
        for words in range(1, _SUB_COLUMN_WORDS + 1):
            split = [(" ".join(c.split()[:-words]), " ".join(c.split()[-words:])) for c in columns]
            groups = [split[g * size][0] for g in range(len(columns) // size)]
            subs = [sub for _, sub in split[:size]]
            if (all(groups) and len(set(groups)) == len(groups) and len(set(subs)) == size
                    and all(split[j] == (groups[j // size], subs[j % size]) for j in range(len(columns)))):
                return groups, subs
    return None


def _by_group(table: Table) -> Table | None:
    """A table of column groups turned so that each group is a row: its cells are the old rows' cells under
    that group, each column named by the old row and the sub-column ("All NDCG1"); None when the columns are
    not groups (`_column_groups`)."""
    found = _column_groups(table.columns)
    if found is None:
        return None
    groups, subs = found
    size = len(subs)
    return Table(caption=table.caption, page=table.page,
                 columns=[f"{r.label} {sub}" for r in table.rows for sub in subs],
                 rows=[TableRow(label=group, cells=[r.cells[g * size + j] if g * size + j < len(r.cells) else "-"
                                                    for r in table.rows for j in range(size)])
                       for g, group in enumerate(groups)])


def _columns(table: Table) -> list[str]:
    """The table's column names, or "col N" when the parser could not match them to the cells."""
    width = max(len(r.cells) for r in table.rows)
    return table.columns if len(table.columns) == width else [f"col {i + 1}" for i in range(width)]


def as_card_table(table: Table, max_rows: int, keep: list[TableRow] | None = None) -> ResultsTable:
    """The table as the card shows it: its first rows, and the authors' rows wherever they are."""
    columns = _columns(table)
    shown = [r for i, r in enumerate(table.rows) if i < max_rows or any(r is k for k in keep or [])]
    rows = [[r.label, *r.cells] for r in shown]
    return ResultsTable(caption=table.caption or f"Table on page {table.page}", columns=["Method", *columns],
                        rows=rows, page=table.page)


def benchmark(caption: str, exclude: Collection[str] = ()) -> str | None:
    """The benchmark a caption names after "on" (else "of"): "Performances on DPG-Bench." -> "DPG-Bench". A
    coined word (an inner capital or a digit, or an acronym), not one of `exclude` (the compared methods'
    names: "Performances of GPT-4o and Zeta on OmniBench" names OmniBench)."""
    for pattern in _CAPTION_BENCHMARK.values():
        for match in pattern.finditer(caption):
            word = match.group(1)
            if row_roles.coined(word) and not row_roles.names_one_of(word, exclude):  # "ToolLLaMA" for "ToolLLM"
                return word
    return None


def metric_label(column: str, bench: str | None, caption: str = "") -> str:
    """A key number's label: the column's name under the benchmark the caption names ("DPG-Bench Overall"); a
    column that only sums up ("Average") says what it averages when the caption names a measure ("Pass rate
    of reasoning strategies" -> "Pass rate average"). A setting the table leaves empty ("Pile-test (BPB) -", no
    shot count) is not part of it."""
    name = _EMPTY_SETTING.sub("", column).strip(_ARROW_MARKS) or column
    measure = _CAPTION_MEASURE.search(caption)
    if measure is not None and _SUMMARY_COLUMN.fullmatch(name.strip(" .")):
        name = f"{measure.group(0)} {name.lower()}"
        name = name[:1].upper() + name[1:]
    return f"{bench} {name}" if bench and row_roles.squash(bench) not in row_roles.squash(name) else name


def _cells_in_order(columns: list[str]) -> tuple[list[int], list[int]]:
    """The columns worth a key number: (summary columns, the other measured ones), in table order.

    Columns naming a property of the systems (size, data, year) are left out: they are the table's setting."""
    measured = [i for i, name in enumerate(columns) if not _PROPERTY_COLUMN.search(name)]
    summary = [i for i in measured  # "Average Pass", "Overall", not "Avg. Reasoning Traces" (a quantity's name)
               if _SUMMARY_COLUMN.search(columns[i]) and len(columns[i].split()) <= _SUMMARY_COLUMN_WORDS]
    return summary, [i for i in measured if i not in summary]


def table_numbers(table: Table, mine: list[TableRow], anchor_words: Collection[str] = (),
                  limit: int = _TABLE_KEY_NUMBERS, rows: int = _ROWS_PER_TABLE,
                  text: str = "") -> tuple[list[KeyNumber], list[KeyNumber]]:
    """Key numbers of one table as (headline, detail), each ranked. A table with summary columns (Overall,
    Average) has our rows' summary cells as its headline and the other measured cells as detail; a table
    without has our main row's cells as its headline and the other rows' as detail. Cells of our largest
    row come before the next one's. Each cell's baseline is the authors' earlier model when the table has
    it (`row_roles.predecessor`, whatever its size), else the strongest other row in its column (never another
    size of ours), among the rows of comparable size when the table gives sizes (`row_roles.comparable`); at
    most `limit` cells of one row rank with the others, the rest come last. A row of a human, an oracle or an
    upper bound is no rival (`row_roles.competitors`). A table whose other rows are all changes to ours
    ("→ReACT", "w/o X") compares each change with our full model instead (`_variants`). Where the paper's `text` names the rivals
    it compares our main row with (`comparisons.named_rivals`), those are the cell's baseline instead, one key
    number for each comparison it writes out, and the cell ranks with the headline whatever its column. A cell of
    our main row that the text quotes (`comparisons.quoted`) is kept whatever the limit.

    `mine`: our rows, the main one first (`row_roles.main_first`); the first `rows` of them give key numbers.
    """
    columns = _columns(table)
    bench = benchmark(table.caption, [*anchor_words, *(r.label for r in table.rows)])
    summary, others = _cells_in_order(columns)
    if mine and (changes := _variants(table, mine)):
        return _variant_numbers(table, mine[0], changes, summary or others, bench, limit)
    shown = mine[:rows]
    lower_better = [bool(_LOWER_BETTER.search(name + table.caption)) for name in columns]
    not_ours = row_roles.competitors(table, mine)
    lead_column = summary[0] if summary else others[0] if len(others) == 1 else None
    written = comparisons.named_rivals(text, table, shown[0], not_ours, [*summary, *others], lead_column,
                                       lower_better) if text and shown else []
    pointed_out = comparisons.quoted(text, table, shown[0], others) if text and shown else set()
    # our main row's cell the authors' text compares is a headline one, whatever its column's name
    called_out = [i for i in dict.fromkeys(w.column for w in written) if i not in summary]
    cells = [(row, i) for i in summary for row in shown] + [(shown[0], i) for i in called_out]
    cells += [(row, i) for row in shown for i in others if row is not shown[0] or i not in called_out]
    sizes = row_roles.row_sizes(table, columns)
    taken: dict[int, int] = {}
    numbers: list[KeyNumber] = []
    lead = 0  # how many of the numbers are the table's headline
    main_cells = 0  # how many are our main row's: the headline of a table without summary columns
    called = 0  # how many are the cells the text compares (`called_out`): headline too
    overflow: list[KeyNumber] = []  # cells of a row past `limit`: kept last, for the editor to draw from
    for row, i in cells:
        if i >= len(row.cells) or not numbers_in(row.cells[i]):
            continue
        kept = row is shown[0] and i in pointed_out  # a cell the authors quote is never past the limit
        taken[id(row)] = taken.get(id(row), 0) + (not kept)
        rivals = [r for r in not_ours if i < len(r.cells) and numbers_in(r.cells[i])]
        earlier = row_roles.predecessor(row, rivals)  # whatever its size
        fair = row_roles.comparable(row, rivals, sizes)
        baseline = ((earlier.label, earlier.cells[i]) if earlier is not None
                    else _best([(r.label, r.cells[i]) for r in fair], lower_better=lower_better[i]))
        groups = [[(r.label, r.cells[i]) for r in w.rivals] for w in written if w.column == i and row is shown[0]]
        for group in groups or [[baseline] if baseline else []]:
            versus = f"{row.label} vs {', '.join(name for name, _ in group)}" if group else row.label
            number = KeyNumber(
                metric=metric_label(columns[i], bench, table.caption), setting=row.label, value=row.cells[i],
                baseline="; ".join(cell for _, cell in group) or None,
                context=f"{versus}; {table.caption}"[:_CONTEXT_CHARS] if table.caption else versus,
                section="table", page=table.page,
            )
            if taken[id(row)] > limit and not kept:
                overflow.append(number)
                continue
            numbers.append(number)
            lead += i in summary
            called += row is shown[0] and i in called_out
            main_cells += row is shown[0]
    lead = (lead + called if lead else 0) or main_cells or len(numbers)  # called-out cells follow the summary
    return numbers[:lead], numbers[lead:] + overflow


def _variants(table: Table, mine: list[TableRow]) -> list[TableRow]:
    """The rows other than ours when each is ours with one thing changed ("→ReACT", "w/o stage 2", "+ LoRA"):
    an ablation read the way its rows are printed, each change against the full model; else []."""
    others = [r for r in table.rows if all(r is not m for m in mine)]
    return others if others and all(_VARIANT.match(r.label) for r in others) else []


def _variant_numbers(table: Table, ours: TableRow, changes: list[TableRow], columns: list[int], bench: str | None,
                     limit: int) -> tuple[list[KeyNumber], list[KeyNumber]]:
    """Key numbers of a table of changes to our model: each change's cell against our full model's in the same
    column ("→ReACT 15.0 vs 61.0"), column by column; the first column's are the headline."""
    names = _columns(table)
    numbers: list[KeyNumber] = []
    lead = 0
    for n, i in enumerate(columns[:limit]):
        for row in changes:
            if i >= len(row.cells) or not numbers_in(row.cells[i]):
                continue
            full = ours.cells[i] if i < len(ours.cells) and numbers_in(ours.cells[i]) else None
            versus = f"{row.label} vs {ours.label}" if full else row.label
            numbers.append(KeyNumber(
                metric=metric_label(names[i], bench, table.caption), setting=row.label, value=row.cells[i],
                baseline=full,
                context=f"{versus}; {table.caption}"[:_CONTEXT_CHARS] if table.caption else versus,
                section="table", page=table.page,
            ))
            lead += n == 0
    return numbers[:lead], numbers[lead:]


def _best(rows: list[tuple[str, str]], *, lower_better: bool) -> tuple[str, str] | None:
    def score(cell: str) -> float:
        return float(numbers_in(cell)[0].replace(",", ""))
    if not rows:
        return None
    return (min if lower_better else max)(rows, key=lambda r: score(r[1]))


@dataclass(frozen=True)
class Collected:
    """Results tables for the card and their key numbers, ranked: `headline` (the summary cells of the
    headline tables), `side` (the side tables' first numbers: ablation findings), then `detail` (the headline
    tables' other cells, then the side tables' others)."""

    tables: list[ResultsTable]
    headline: list[KeyNumber]
    detail: list[KeyNumber]
    side: list[KeyNumber] = field(default_factory=list)  # the side tables' own headline numbers

    @property
    def numbers(self) -> list[KeyNumber]:
        return self.headline + self.side + self.detail


def collect(
    chosen: TableOption | None, proposed: str, all_options: list[TableOption], anchor_words: set[str], *,
    max_rows: int, name_words: Collection[str] = (), max_tables: int = _MAX_TABLES,
    max_numbers: int = _MAX_NUMBERS, rows_per_table: int = _ROWS_PER_TABLE, text: str = "",
) -> Collected:
    """The model's table first, then other results tables where our row is found, with their key numbers.

    In each table the rows naming the authors' method (up to `rows_per_table`, the last ones: usually the
    largest model) give key numbers; the other rows give the baselines. The model's row is taken unless the
    paper's own name (`name_words`) names another row more surely ("Janus" chosen where "Janus-Pro-7B" is
    printed) or the row is not in the model's table; in the other tables the paper's name finds our rows
    first. Key numbers are ranked across tables: two from the chosen table, then one from each other table
    in turn, so the first few cover every headline comparison; the side tables' (`is_side`) first few are
    kept apart (`Collected.side`), and the details come after. `text`: the paper's, for the comparisons it
    writes out (`table_numbers`).
    """
    picked: list[tuple[Table, list[TableRow], bool]] = []  # table, our rows, side table
    if chosen is not None:
        named = next((r for r in chosen.table.rows if r.label == proposed), None)
        by_name = row_roles.our_rows(chosen.table, set(name_words))
        if named is not None and by_name and all(r is not named for r in row_roles.family(chosen.table, by_name[-1])):
            mine = by_name  # the paper's name points elsewhere: the model took a rival or a predecessor
        elif named is not None:
            mine = row_roles.family(chosen.table, named)  # the model's row and its other sizes ("-7B" -> "-1B")
        else:  # the model's row is not in its table: the paper's own name, else every distinctive word
            mine = by_name or row_roles.our_rows(chosen.table, anchor_words)
        picked.append((chosen.table, mine, False))  # the model's choice is the headline table
    cited = bool(picked) and row_roles.cites_rivals(picked[0][0], picked[0][1])
    # the parts of our row in the chosen table name the method in other tables: "ToolLLaMA-DFSDT" -> "DFSDT";
    # parts are split at hyphens, spaces, slashes and brackets. Where the chosen table's row read as ours is
    # not the model's, the model's (another table's "ReACT") names nothing; with none read, it is all we have
    ours = picked[0][1] if picked else []
    row = proposed if not ours or any(r.label == proposed for r in ours) else ours[-1].label
    parts = row_roles.name_parts(row)
    words = anchor_words | (parts - {"none"})
    for option in all_options:
        if len(picked) >= max_tables:
            break
        if chosen is not None and option.table is chosen.table:
            continue
        if results_score(option.table, words) < _OTHER_TABLE_MIN_SCORE:
            continue
        mine = row_roles.our_rows(option.table, set(name_words)) or row_roles.our_rows(option.table, words)  # the paper's name first
        if mine:
            # where the headline table cites the rivals it compares with, a table of uncited rows compares
            # the authors' own variants: an ablation, whatever its caption says
            own_variants = cited and not row_roles.cites_rivals(option.table, mine)
            picked.append((option.table, mine, option.side or own_variants))
    found = [(table_numbers(table, row_roles.main_first(rows), words, rows=rows_per_table, text=text), side)
             for table, rows, side in picked]
    headline = _interleave([lead for (lead, _), side in found if not side])[:max_numbers]
    # a side table's first numbers rank before the headline tables' detail; its others after
    side_lead = _interleave([lead[:_SIDE_LEAD] for (lead, _), side in found if side],
                            first_turn=1)[:max_numbers - len(headline)]
    detail = (_interleave([rest for (_, rest), side in found if not side])
              + _interleave([lead[_SIDE_LEAD:] + rest for (lead, rest), side in found if side]))
    return Collected(tables=[as_card_table(t, max_rows, keep=rows) for t, rows, _ in picked],
                     headline=headline, side=side_lead, detail=detail[:max_numbers - len(headline) - len(side_lead)])


def _interleave(per_table: list[list[KeyNumber]], first_turn: int = _CHOSEN_TABLE_TURN) -> list[KeyNumber]:
    """One ranked list: `first_turn` numbers of the first table, then one of each other table, in turns until
    all are used."""
    queues = [list(numbers) for numbers in per_table]
    ranked: list[KeyNumber] = []
    while any(queues):
        for n, queue in enumerate(queues):
            take = first_turn if n == 0 else 1
            ranked += queue[:take]
            del queue[:take]
    return ranked
