"""Which parsed tables hold the results, which row is the authors' method, and key numbers from them.

Pure: tables in, choices and verbatim cells out. The model is asked to choose too (extract.py); these
rules rank what it is offered and carry its choice over to the paper's other results tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from summarizer.card import KeyNumber, ResultsTable
from summarizer.document import Table, TableRow
from summarizer.numbers.normalise import numbers_in

_RESULTS = re.compile(
    r"result|comparison|compar|performance|evaluat|benchmark|accuracy|state[- ]of[- ]the[- ]art|\bsota\b|"
    r"versus|\bvs\b|pass rate|win rate|success rate|score|error|improve|main|experiment|zero-shot|few-shot|"
    r"\bFID\b|BLEU|ROUGE|\bF1\b|\bmAP\b|\bIoU\b|PSNR|SSIM|perplexity|\bAUC\b|top-1|precision|recall", re.IGNORECASE)
_ABLATION = re.compile(r"ablation|analys[ie]s|variant", re.IGNORECASE)  # results, but rarely the headline table
_NOT_RESULTS = re.compile(
    r"configuration|hyper-?param|statistic|notation|implementation detail|training detail|example|prompt|"
    r"template|architecture|setting", re.IGNORECASE)
_LOWER_BETTER = re.compile(r"FID|error|loss|latency|time|ppl|perplexity|WER|CER|MAE|MSE|RMSE|↓|distance|LPIPS", re.IGNORECASE)
_OURS = re.compile(r"\bours\b|\(ours\)|proposed|this work", re.IGNORECASE)
_PLURAL_ACRONYM = re.compile(r"[A-Z]{2,}s")
# a model size at the end of a row label: "Janus-Pro-7B", "Show-o (1.3B)", "LLaMA 13B"
_SIZE = re.compile(r"[-\s]*\(?\d+(?:\.\d+)?\s?[BMK]\)?\s*$", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*")


@dataclass(frozen=True)
class TableOption:
    id: str
    table: Table

    @property
    def rows(self) -> list[str]:
        return [r.label for r in self.table.rows]


def _numeric_share(table: Table) -> float:
    cells = [c for r in table.rows for c in r.cells]
    return sum(bool(numbers_in(c)) for c in cells) / len(cells) if cells else 0.0


def results_score(table: Table, anchors: set[str]) -> float:
    """How much a table looks like a results table: caption words, numeric cells, a row that is ours."""
    score = _numeric_share(table)
    if _RESULTS.search(table.caption):
        score += 2
    elif _ABLATION.search(table.caption):
        score += 1
    elif _NOT_RESULTS.search(table.caption) or not table.caption:
        score -= 1
    if our_row(table, anchors) is not None:
        score += 1
    return score


def options(tables: list[Table], anchors: set[str], limit: int) -> list[TableOption]:
    """The tables offered to the model, most results-like first (T1 is the best guess)."""
    usable = [t for t in tables if len(t.rows) >= 2 and _numeric_share(t) > 0]
    # a software paper may have only a feature table (check marks): offer it rather than nothing
    usable = usable or [t for t in tables if len(t.rows) >= 2]
    usable.sort(key=lambda t: (-results_score(t, anchors), t.page))
    return [TableOption(f"T{i + 1}", t) for i, t in enumerate(usable[:limit])]


def anchors(*texts: str | None) -> set[str]:
    """Distinctive names in the paper's short name, the chosen row and the method prose (DFSDT, Show-o)."""
    found: set[str] = set()
    for text in texts:
        letters = [c for c in text or "" if c.isalpha()]
        if text is not texts[0] and letters and sum(c.isupper() for c in letters) > 0.8 * len(letters):
            continue  # a title set in capitals: every word would look coined
        for word in _WORD.findall(text or ""):
            # a coined name has an inner capital or a digit (DFSDT, ToolLLaMA, Show-o2); plural acronyms
            # (APIs, LLMs) and hyphenated words (real-world) are everyday vocabulary of the field
            distinctive = any(c.isupper() for c in word[1:]) or any(c.isdigit() for c in word)
            if _PLURAL_ACRONYM.fullmatch(word):
                continue
            if len(word) >= 3 and (distinctive or text is texts[0]):
                found.add(squash(word))
    return {a for a in found if len(a) >= 3}


def squash(text: str) -> str:
    """Lower-case letters and digits only: "Janus-Pro 7B" -> "januspro7b" (names compared loosely)."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _strength(row: TableRow, anchor_words: set[str]) -> int:
    """How surely a row names the authors' method: whole anchor names 2, shared prefixes 1, "(ours)" 3."""
    words = {squash(w) for w in _WORD.findall(row.label)}
    label = squash(row.label)
    strength = 0
    for a in anchor_words:
        if a in words or (len(a) >= 5 and label.startswith(a)):
            strength += 2
        elif any(_shared_prefix(a, w) >= 5 for w in words):  # ToolLLM -> ToolLLaMA
            strength += 1
    return strength + (3 if _OURS.search(row.label) else 0)


def our_rows(table: Table, anchor_words: set[str]) -> list[TableRow]:
    """Every row naming the authors' method as surely as the best one does (model sizes, variants)."""
    scored = [(_strength(row, anchor_words), row) for row in table.rows]
    best = max((s for s, _ in scored), default=0)
    return [row for s, row in scored if best and s == best]


def family(table: Table, row: TableRow) -> list[TableRow]:
    """The row and the other sizes of the same model in the table, in table order."""
    stem = squash(_SIZE.sub("", row.label))
    if len(stem) < 3:
        return [row]
    return [r for r in table.rows
            if r is row or (squash(_SIZE.sub("", r.label)) == stem and r.label != row.label)]


def our_row(table: Table, anchor_words: set[str]) -> TableRow | None:
    """The row naming the authors' method: an anchor word in its label, or an "(ours)" marker; ties go last."""
    rows = our_rows(table, anchor_words)
    return rows[-1] if rows else None


def _shared_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


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


def key_numbers(table: Table, ours: TableRow, limit: int = 8, others: list[TableRow] | None = None
                ) -> list[KeyNumber]:
    """Our row's cells, each with the strongest other row in its column as the baseline.

    `others`: further rows of ours (other sizes of the model), never taken as a baseline.
    """
    columns = _columns(table)
    mine = [ours, *(others or [])]
    numbers = []
    for i, value in enumerate(ours.cells):
        if not numbers_in(value):
            continue
        metric = columns[i]  # a row has at most as many cells as the table has columns
        rivals = [(r.label, r.cells[i]) for r in table.rows
                  if all(r is not m for m in mine) and i < len(r.cells) and numbers_in(r.cells[i])]
        baseline = _best(rivals, lower_better=bool(_LOWER_BETTER.search(metric + table.caption)))
        numbers.append(KeyNumber(
            metric=metric, setting=(table.caption or "")[:120] or None, value=value,
            baseline=baseline[1] if baseline else None,
            context=f"{ours.label} vs {baseline[0]}" if baseline else ours.label,
            section="table", page=table.page,
        ))
        if len(numbers) >= limit:
            break
    return numbers


def _best(rows: list[tuple[str, str]], *, lower_better: bool) -> tuple[str, str] | None:
    def score(cell: str) -> float:
        return float(numbers_in(cell)[0].replace(",", ""))
    if not rows:
        return None
    return (min if lower_better else max)(rows, key=lambda r: score(r[1]))


def collect(
    chosen: TableOption | None, proposed: str, all_options: list[TableOption], anchor_words: set[str], *,
    max_rows: int, max_tables: int = 4, max_numbers: int = 30, rows_per_table: int = 2,
) -> tuple[list[ResultsTable], list[KeyNumber]]:
    """The model's table first, then other results tables where our row is found, with their key numbers.

    In each table the rows naming the authors' method (up to `rows_per_table`, the last ones: usually the
    largest model) give key numbers; the other rows give the baselines.
    """
    picked: list[tuple[Table, list[TableRow]]] = []
    if chosen is not None:
        named = next((r for r in chosen.table.rows if r.label == proposed), None)
        # the model's row and its other sizes ("Janus-Pro-7B" -> "Janus-Pro-1B"), else the anchors' rows
        mine = family(chosen.table, named) if named is not None else our_rows(chosen.table, anchor_words)
        picked.append((chosen.table, mine))
    # the chosen row's parts name the method in other tables: "ToolLLaMA-DFSDT" -> "DFSDT"
    parts = {squash(w) for w in re.split(r"[-\s/()]+", _SIZE.sub("", proposed or "")) if len(squash(w)) >= 3}
    words = anchor_words | (parts - {"none"})
    for option in all_options:
        if len(picked) >= max_tables:
            break
        if chosen is not None and option.table is chosen.table:
            continue
        if results_score(option.table, words) < 2:
            continue
        mine = our_rows(option.table, words)
        if mine:
            picked.append((option.table, mine))
    tables = [as_card_table(t, max_rows, keep=rows) for t, rows in picked]
    numbers: list[KeyNumber] = []
    for table, rows in picked:
        shown = rows[-rows_per_table:][::-1]  # the last (largest) first
        for row in shown:
            numbers += key_numbers(table, row, others=[r for r in rows if r is not row])
    return tables, numbers[:max_numbers]
