"""Key numbers from the cells of the results tables, and the tables the card shows.

Pure: tables in, verbatim cells out. Which tables hold results, and the options the model chooses from, is
`table_choice`; these rules carry its choice over to the paper's other results tables. Which row is the
authors' method and which rivals it is compared with is `row_roles`; the comparisons the text writes out are
`comparisons`.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from summarizer.card import KeyNumber, ResultsTable
from summarizer.document import Table, TableRow
from summarizer.numbers import comparisons, row_roles, table_choice
from summarizer.numbers.normalise import numbers_in

# What the card shows
_CONTEXT_CHARS = 240  # a key number's context: the comparison and the caption, cut to a card's line
_TABLE_KEY_NUMBERS = 8  # key numbers from one row: its main metrics, not every cell of a wide table
_MAX_TABLES = 5  # results tables on a card: the main one and a few more
_MAX_NUMBERS = 30  # key numbers from all tables together
_ROWS_PER_TABLE = 2  # rows of ours per table giving key numbers: the largest model and the next
_SUMMARY_COLUMN_WORDS = 2  # "Average Pass", "Mean IoU": a longer name is a quantity ("Avg. Reasoning Traces")
_SIDE_LEAD = 2  # a side table's numbers ranked with the supporting claims: its first few (ablation findings)
_OTHER_LEAD = 4  # a supporting results table's numbers ranked with the headline: its first few, as a results
# paragraph quotes them; the rest are detail, so no wide table crowds out the others (the chosen one has no cap)
_CHOSEN_TABLE_TURN = 2  # key numbers the chosen (headline) table gives per turn; every other table gives one
# a metric where lower is better, named in a column or in a caption naming no higher-better one
_LOWER_BETTER = re.compile(
    r"""
    \b\w?FID\b|\bFVD\b|\bKID\b   # distances between distributions ("rFID", not "confidence")
    |error|loss|latency|time       # errors, losses and costs
    |ppl|perplexity|BPB|bits\ per # error rates and error measures, bits per byte
    |WER|CER|MAE|MSE|RMSE
    |distance|LPIPS                # distances
    """,
    re.IGNORECASE | re.VERBOSE,
)
# a measure where higher is better: named in a column, it outweighs a resource it is measured on ("Memory Acc.");
# named in a caption beside a lower-better one ("Comparison of quality and inference time"), the caption says
# nothing of the direction. Summary words ("Total", "Average") name no direction: they follow the caption
_HIGHER_BETTER = re.compile(
    r"""
    accura|\bacc\b|score|\bwin|\bpass|success|\bF1\b|BLEU|ROUGE|CIDEr|precision|recall
    |throughput|speed|FPS|PSNR|SSIM|IoU|AUC|\bmAP|reward|quality|\bIS\b
    """,
    re.IGNORECASE | re.VERBOSE,
)
# what a run costs, named in a column: lower is better
_COST = re.compile(r"memory|VRAM|GPU[\s·-]?hours|FLOPs|cost|energy|\$", re.IGNORECASE)
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
    |\bNFEs?\b|\b(?:sampling|denoising|inference)\ steps\b  # how many sampling steps it took ("Steps"
    # alone may count what a corpus holds)
    """,
    re.IGNORECASE | re.VERBOSE,
)
# a benchmark a caption names: a coined word after "on" or, failing that, "of" ("Performances on
# DPG-Bench", "on the GenEval benchmark", "the test set of ToolBench")
_CAPTION_BENCHMARK = {
    preposition: re.compile(rf"\b{preposition}\s+(?:the\s+)?([A-Za-z][\w.-]*[\w])") for preposition in ("on", "of")
}
# an empty setting cell joined to a row's name: "Pile-test (BPB) -" (no shot count), "HumanEval –"
_EMPTY_SETTING = re.compile(r"\s+[-–—−]$")
# direction arrows after a metric's name: they say which way is better, not what is measured
_ARROW_MARKS = "↑↓⇑⇓▲▼ "
# a row printing our model with one thing changed: replaced ("→ReACT", "-> LoRA"), removed ("w/o X",
# "without X", "- X") or added ("w/ X", "+ X")
_VARIANT = re.compile(r"\s*(?:→|->|⇒|w/o\b|w/\s|without\b|\+\s?[A-Za-z]|[-−]\s?[A-Za-z])", re.IGNORECASE)


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
    name = _EMPTY_SETTING.sub("", column.strip(_ARROW_MARKS)) or column
    measure = _CAPTION_MEASURE.search(caption)
    if measure is not None and _SUMMARY_COLUMN.fullmatch(name.strip(" .")):
        name = f"{measure.group(0)} {name.lower()}"
        name = name[:1].upper() + name[1:]
    return f"{bench} {name}" if bench and row_roles.squash(bench) not in row_roles.squash(name) else name


def lower_is_better(column: str, caption: str = "") -> bool:
    """Whether a lower value is better in the column: an arrow in its name says ("POPE↑", "Latency↓"), else a
    lower-better metric it names ("FID", "Latency (s)"), else a higher-better one ("Accuracy"), else a cost
    ("Peak VRAM (GB)", "Total cost ($)"), else the caption, when it names lower-better metrics only ("Word error
    rate on six test sets": its "Average" too)."""
    if "↓" in column or "↑" in column:
        return "↓" in column
    if _LOWER_BETTER.search(column):
        return True
    if _HIGHER_BETTER.search(column):
        return False
    if _COST.search(column):
        return True
    return _LOWER_BETTER.search(caption) is not None and _HIGHER_BETTER.search(caption) is None


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
    lower_better = [lower_is_better(name, table.caption) for name in columns]
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
    trailing: set[int] = set()  # ids of our main row's numbers behind their baseline, not compared in the text
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
            if row is shown[0] and i not in called_out and _trails(number, lower_better[i]):
                trailing.add(id(number))
    if not lead:  # without summary columns our main row's cells lead: those where it is ahead first
        numbers[:main_cells] = sorted(numbers[:main_cells], key=lambda number: id(number) in trailing)
    lead = (lead + called if lead else 0) or main_cells or len(numbers)  # called-out cells follow the summary
    return numbers[:lead], numbers[lead:] + overflow


def _trails(number: KeyNumber, lower_better: bool) -> bool:
    """Whether the value is behind its baseline (behind one of them, where there are several)."""
    rivals = [part for part in (number.baseline or "").split("; ") if numbers_in(part)]
    return bool(numbers_in(number.value)) and any(
        comparisons.is_ahead(rival, number.value, lower_better) for rival in rivals)


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
    chosen: table_choice.TableOption | None, proposed: str, all_options: list[table_choice.TableOption], anchor_words: set[str], *,
    max_rows: int, name_words: Collection[str] = (), max_tables: int = _MAX_TABLES,
    max_numbers: int = _MAX_NUMBERS, rows_per_table: int = _ROWS_PER_TABLE, text: str = "",
) -> Collected:
    """The model's table first, then other results tables where our row is found, with their key numbers.

    In each table the rows naming the authors' method (up to `rows_per_table`, the last ones: usually the
    largest model) give key numbers; the other rows give the baselines. The model's row is taken unless the
    paper's own name (`name_words`) names another row more surely ("Janus" chosen where "Janus-Pro-7B" is
    printed) or the row is not in the model's table; in the other tables the paper's name finds our rows
    first. Key numbers are ranked across tables: two from the chosen table, then one from each other table
    in turn, so the first few cover every headline comparison (each other table gives its first `_OTHER_LEAD`); the
    side tables' (`table_choice.is_side`) first few are kept apart (`Collected.side`), and the details come after.
    `text`: the paper's, for the comparisons it writes out (`table_numbers`).
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
        if table_choice.results_score(option.table, words) < table_choice.OTHER_TABLE_MIN_SCORE:
            continue
        mine = row_roles.our_rows(option.table, set(name_words)) or row_roles.our_rows(option.table, words)  # the paper's name first
        if mine:
            # where the headline table cites the rivals it compares with, a table of uncited rows compares
            # the authors' own variants: an ablation, whatever its caption says
            own_variants = cited and not row_roles.cites_rivals(option.table, mine)
            picked.append((option.table, mine, option.side or own_variants))
    found = [(table_numbers(table, row_roles.main_first(rows), words, rows=rows_per_table, text=text), side)
             for table, rows, side in picked]
    first = found[:1] if chosen is not None else []  # the chosen table, picked first: all its headline numbers lead
    # another results table gives the headline its first few; a side table is kept apart
    main = [numbers for numbers, _ in first] + [(lead[:_OTHER_LEAD], lead[_OTHER_LEAD:] + rest)
                                                for (lead, rest), side in found[len(first):] if not side]
    sides = [numbers for numbers, side in found if side]
    headline = _interleave([lead for lead, _ in main])[:max_numbers]
    # a side table's first numbers rank before the headline tables' detail; its others after
    side_lead = _interleave([lead[:_SIDE_LEAD] for lead, _ in sides], first_turn=1)[:max_numbers - len(headline)]
    detail = _interleave([rest for _, rest in main]) + _interleave([lead[_SIDE_LEAD:] + rest for lead, rest in sides])
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
