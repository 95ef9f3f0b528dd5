"""Which parsed tables hold the results: each scored by its caption, its numeric cells and whether a row is the
authors', side tables (ablations, appendix, analysis sections) set apart, and each turned so that methods are its
rows. The model is offered these options and chooses (drafting/extract.py); `results` reads key numbers from the
chosen tables. Pure: tables in, ranked options out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from summarizer.document import SKIPPED_SECTIONS, Document, Table, TableRow
from summarizer.numbers import row_roles
from summarizer.numbers.normalise import numbers_in

# How much a table looks like a results table (added to the share of its cells that hold numbers)
_RESULTS_CAPTION_BONUS = 2  # a caption saying results, comparison, a metric: what the card wants most
_HEADLINE_CAPTION_BONUS = 2.5  # "Main results", "Comparison with state-of-the-art": the headline, surer still
_SIDE_CAPTION_BONUS = 1  # an ablation or an appendix table holds results, but rarely the headline ones
_OTHER_CAPTION_PENALTY = 1  # a configuration or prompt table, or no caption at all: rarely results
_OUR_ROW_BONUS = 1  # a row naming the authors' method: their results are in this table
OTHER_TABLE_MIN_SCORE = 2  # a results caption's worth: a further table must clearly hold results
_MIN_ROWS = 2  # a table of one row compares nothing
_CAPTION_KEY_CHARS = 40  # a caption's first letters (squashed) find where the text prints it
_CAPTION_KEY_MIN_CHARS = 10  # letters of a caption's words (after "Table N") enough to tell it from a mention
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
    |\b\w?FID\b|\bFVD\b|\bKID\b|LPIPS|BLEU|ROUGE|\bF1\b|\bmAP\b|\bIoU\b|PSNR|SSIM|perplexity|\bAUC\b  # metrics
    |top-1|precision|recall|latency|throughput
    """,
    re.IGNORECASE | re.VERBOSE,
)
# the headline comparison says so, surely ("Main results", "Comparison with state-of-the-art methods",
# "Comparison between X and other representative models"; not "Comparison between loss functions": an ablation)
# or likely ("Comparison with ...", also "Comparison with baselines in speed"): only the sure words outrank the
# model's choice of another table (`headline`)
_SURE_HEADLINE = re.compile(
    r"\bmain\b|state[-\ ]of[-\ ]the[-\ ]art|\bsota\b"
    r"|compar\w*\ (?:between|among)\ .+\ and\ (?:other|existing|prior|previous|representative|leading)",
    re.IGNORECASE)
_HEADLINE = re.compile(_SURE_HEADLINE.pattern + r"|compar\w*\ with", re.IGNORECASE)
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
# an ablation section: its heading says ablation or sensitivity, and not results, experiments or evaluation
# ("5.3 Ablation Studies", "Sensitivity to the grid"; not "Experiments and Ablations"). "Analysis" is not enough:
# "Quantitative Analysis" is often the main results
_ABLATION_HEADING = re.compile(r"^(?!.*(?:result|experiment|evaluat|compar|main)).*(?:ablation|sensitivity)",
                               re.IGNORECASE)
# a numbered caption: "Table 5: Comparison of decoding schemes." (its number and its words)
_NUMBERED_CAPTION = re.compile(r"\s*Tab(?:le|\.)\s*(?P<number>\d+)\s*[:.|]?\s*(?P<words>.*)", re.IGNORECASE | re.DOTALL)
# words of a caption of a table that describes the setup, not results
_NOT_RESULTS = re.compile(
    r"""
    configuration|hyper-?param|statistic|notation                  # the setup and the data
    |implementation\ detail|training\ detail                       # how it was trained
    |example|prompt|template|architecture|setting                  # what the model is given or is
    """,
    re.IGNORECASE | re.VERBOSE,
)


@dataclass(frozen=True)
class TableOption:
    id: str
    table: Table
    side: bool = False  # an ablation, distillation, continual-learning or appendix table, or one printed in an
    # ablation section (see `is_side`)

    @property
    def rows(self) -> list[str]:
        return [r.label for r in self.table.rows]


def _numeric_share(table: Table) -> float:
    cells = [c for r in table.rows for c in r.cells]
    return sum(bool(numbers_in(c)) for c in cells) / len(cells) if cells else 0.0


@dataclass(frozen=True)
class Layout:
    """Where a paper keeps its side results: past `appendix_from` (the page its references or appendix start
    on), and in its ablation sections (`ablation_text`, squashed: `row_roles.squash`) unless another section
    discusses the table (`other_text`: a main table LaTeX floated into an ablation section is still the main one)."""

    appendix_from: int | None = None
    ablation_text: str = ""
    other_text: str = ""

    @classmethod
    def of(cls, doc: Document) -> Layout:
        back_matter = [s.pages[0] for s in doc.sections if s.kind in SKIPPED_SECTIONS and s.pages]
        ablation = [s for s in doc.sections if _ABLATION_HEADING.search(s.heading)]
        others = [s for s in doc.sections if s not in ablation and s.kind not in SKIPPED_SECTIONS]
        return cls(min(back_matter, default=None), row_roles.squash(" ".join(s.text for s in ablation)),
                   " ".join(s.text for s in others))

    def holds_side(self, table: Table) -> bool:
        """Whether the table lies in the appendix, or its caption is printed in an ablation section and no
        other section mentions it ("as Table 5 shows"). A caption of its number alone ("Table 2") says
        nothing about where it is printed."""
        if self.appendix_from is not None and table.page > self.appendix_from:
            return True
        numbered = _NUMBERED_CAPTION.match(table.caption)
        if numbered is None or len(row_roles.squash(numbered.group("words"))) < _CAPTION_KEY_MIN_CHARS:
            return False
        if row_roles.squash(table.caption)[:_CAPTION_KEY_CHARS] not in self.ablation_text:
            return False
        return re.search(rf"\bTab(?:le|\.)\s*{numbered.group('number')}\b", self.other_text) is None


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


def headline(chosen: TableOption | None, offered: list[TableOption], anchors: set[str]) -> TableOption | None:
    """The headline table: the model's choice, unless its caption does not say it is the headline comparison
    and the caption of another offered table with a row of ours does ("Main results", "Comparison with
    state-of-the-art methods", "Comparison among Zeta and other representative models"; not an ablation's):
    the authors' own words outrank the model's guess."""
    if chosen is not None and _says_headline(chosen.table):
        return chosen
    return next((o for o in offered if _says_headline(o.table) and row_roles.our_row(o.table, anchors) is not None),
                chosen)


def _says_headline(table: Table) -> bool:
    return bool(_SURE_HEADLINE.search(table.caption)) and not _SIDE.search(table.caption)


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
