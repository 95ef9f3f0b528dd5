"""The roles of a results table's rows: which are the authors' method (by its name or an "(ours)" mark),
which is their earlier model, and which are rivals a fair comparison uses.

Pure: rows and names in, rows out. `results` reads the cells of the rows chosen here.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from summarizer.document import Table, TableRow
from summarizer.numbers.normalise import SCALES

# How a row is matched to the authors' method
_WHOLE_NAME_STRENGTH = 2  # the row names an anchor word exactly: "DFSDT"
_PREFIX_STRENGTH = 1  # the row shares a long prefix with an anchor: "ToolLLM" -> "ToolLLaMA"
_OURS_STRENGTH = 3  # "(ours)" is the authors saying so: surer than any name
MIN_PREFIX_CHARS = 5  # a shorter common prefix ("Tool", "Show") is shared by unrelated names
MIN_NAME_CHARS = 3  # shorter names ("a", "of", "7B") would match rows of any method
_MIN_STEM_CHARS = 3  # a label that is little more than a size ("T5-3B" -> "t5") has no family to find
_CAPITALS_SHARE = 0.8  # more capitals than this: a title set in capitals, not a coined name
# a fair comparison is with a model of about our size: a rival at most this many times our parameter count
_COMPARABLE_SIZE = 2.0
# a row that is no competitor: people, an oracle, an upper bound, the ground truth
_NOT_A_RIVAL = re.compile(r"\bhumans?\b|\boracle\b|upper[-\ ]bound|ground[-\ ]truth|\bgold\b", re.IGNORECASE)
# a row the table names as the point of comparison: "Zeta-V2 Baseline", "baseline" (never the authors' method)
_BASELINE = re.compile(r"\bbaselines?\b", re.IGNORECASE)
# a size column counting every parameter, where the table also counts the activated ones: "# Total Params"
_TOTAL_COLUMN = re.compile(r"\btotal\b", re.IGNORECASE)
# the authors marking their own row
_OURS = re.compile(r"\bours\b|\(ours\)|proposed|this work", re.IGNORECASE)
# a plural acronym: "APIs", "LLMs" (vocabulary of the field, not a coined name)
_PLURAL_ACRONYM = re.compile(r"[A-Z]{2,}s")
# a model size at the end of a row label: "Janus-Pro-7B", "Show-o (1.3B)", "LLaMA 13B"
_SIZE = re.compile(r"[-\s]*\(?\d+(?:\.\d+)?\s?[BMK]\)?\s*$", re.IGNORECASE)
# a model's parameter count in a size column or a label: "1.3B", "7 B", "350M"
_PARAMETERS = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s?([BMK])(?![\w+])", re.IGNORECASE)
# a column giving the systems' parameter counts: "# Params", "Params", "Model size"
_PARAMETERS_COLUMN = re.compile(r"\bparam(?:eter)?s?\b|\bmodel\s+size\b|^\s*size\s*$", re.IGNORECASE)
# a citation in a row label: "Janus [46]"
_CITATION = re.compile(r"\s*\[[\d,\s–-]+\]")
# a word, hyphens and dots inside it kept: "Show-o", "Janus-Pro", "v1.5"
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*")


def anchors(*texts: str | None) -> set[str]:
    """Distinctive names in the paper's short name, the chosen row and the method prose (DFSDT, Show-o)."""
    found: set[str] = set()
    for text in texts:
        letters = [c for c in text or "" if c.isalpha()]
        if (text is not texts[0] and letters
                and sum(c.isupper() for c in letters) > _CAPITALS_SHARE * len(letters)):
            continue  # a title set in capitals: every word would look coined
        for word in _WORD.findall(text or ""):
            # plural acronyms (APIs, LLMs) and hyphenated words (real-world) are everyday vocabulary of the field
            if _PLURAL_ACRONYM.fullmatch(word):
                continue
            if len(word) >= MIN_NAME_CHARS and (coined(word) or text is texts[0]):
                found.add(squash(word))
    return {a for a in found if len(a) >= MIN_NAME_CHARS}


def squash(text: str) -> str:
    """Lower-case letters and digits only: "Janus-Pro 7B" -> "januspro7b" (names compared loosely)."""
    # everything but lower-case letters and digits
    return re.sub(r"[^a-z0-9]", "", text.lower())


def coined(word: str) -> bool:
    """A coined name: an inner capital or a digit ("DFSDT", "ToolLLaMA", "Show-o2"), not a plural acronym
    ("APIs", "LLMs": vocabulary of the field)."""
    distinctive = any(c.isupper() for c in word[1:]) or any(c.isdigit() for c in word)
    return distinctive and not _PLURAL_ACRONYM.fullmatch(word)


def names_one_of(word: str, names: Collection[str]) -> bool:
    """Whether `word` names one of `names` (or its family: "ToolLLaMA" for "ToolLLM"): a long shared prefix."""
    return any(_shared_prefix(squash(word), squash(name)) >= min(len(squash(name)), MIN_PREFIX_CHARS)
               for name in names if len(squash(name)) >= MIN_NAME_CHARS)


def name_parts(label: str) -> set[str]:
    """The parts of a row's name that may name the method in other tables: "ToolLLaMA-DFSDT" -> "toolllama",
    "dfsdt" (split at hyphens, spaces, slashes and brackets; its size and short parts left out)."""
    return {squash(w) for w in re.split(r"[-\s/()]+", _SIZE.sub("", label)) if len(squash(w)) >= MIN_NAME_CHARS}


def competitors(table: Table, mine: list[TableRow]) -> list[TableRow]:
    """The rows other than ours that compete: not a human, an oracle or an upper bound (`_NOT_A_RIVAL`)."""
    return [r for r in table.rows if all(r is not m for m in mine) and not _NOT_A_RIVAL.search(r.label)]


def strength(row: TableRow, anchor_words: set[str]) -> int:
    """How surely a row names the authors' method: whole anchor names 2, shared prefixes 1, "(ours)" 3."""
    words = {squash(w) for w in _WORD.findall(row.label)}
    label = squash(row.label)
    strength = 0
    for a in anchor_words:
        if a in words or (len(a) >= MIN_PREFIX_CHARS and label.startswith(a)):
            strength += _WHOLE_NAME_STRENGTH
        elif any(_shared_prefix(a, w) >= MIN_PREFIX_CHARS for w in words):  # ToolLLM -> ToolLLaMA
            strength += _PREFIX_STRENGTH
    return strength + (_OURS_STRENGTH if _OURS.search(row.label) else 0)


def our_rows(table: Table, anchor_words: set[str]) -> list[TableRow]:
    """Every row naming the authors' method as surely as the best one does (model sizes, variants); a row the
    table calls a baseline ("Zeta-V2 Baseline" beside "Zeta-V2 + distillation") is what they compare with,
    unless the authors mark it as theirs or no other row names the method (a method called "... Baseline")."""
    scored = [(strength(row, anchor_words), row) for row in table.rows]
    compared = [r for s, r in scored if s and _BASELINE.search(r.label) and not _OURS.search(r.label)]
    if any(s and all(r is not c for c in compared) for s, r in scored):
        scored = [(0 if any(r is c for c in compared) else s, r) for s, r in scored]
    best = max((s for s, _ in scored), default=0)
    return [row for s, row in scored if best and s == best]


def family(table: Table, row: TableRow) -> list[TableRow]:
    """The row and the other sizes of the same model in the table, in table order."""
    stem = squash(_SIZE.sub("", row.label))
    if len(stem) < _MIN_STEM_CHARS:
        return [row]
    return [r for r in table.rows
            if r is row or (squash(_SIZE.sub("", r.label)) == stem and r.label != row.label)]


def main_first(rows: list[TableRow]) -> list[TableRow]:
    """Our rows, the main model first: the largest when their labels give sizes ("-7B" before "-1B"),
    else in table order (the model, then its variants: "Show-o" before "Show-o†", "w/o X")."""
    def size(row: TableRow) -> float:
        found = _SIZE.search(row.label)
        return (parameters(found.group(0)) or 0.0) if found else 0.0
    return sorted(rows, key=size, reverse=True)  # stable: rows of one size keep the table's order


def parameters(text: str) -> float | None:
    """The parameter count a cell or a label gives ("1.3B" -> 1.3e9), else None ("-", "5000M+" is data)."""
    found = _PARAMETERS.search(text)
    return float(found.group(1)) * SCALES[found.group(2).lower()] if found else None


def row_sizes(table: Table, columns: list[str]) -> dict[int, float]:
    """Each row's parameter count (by the row's id), from the table's size column (`columns`: its names) when
    it has one (of a mixture of experts' "# Activated" and "# Total" columns, the total: what the model is, as
    a dense rival's count is), else from the size its label ends with ("Janus-Pro-7B"); rows without one are
    left out."""
    size_columns = [i for i, name in enumerate(columns) if _PARAMETERS_COLUMN.search(name)]
    column = next((i for i in size_columns if _TOTAL_COLUMN.search(columns[i])),
                  size_columns[0] if size_columns else None)
    sizes: dict[int, float] = {}
    for row in table.rows:
        if column is not None:
            size = parameters(row.cells[column]) if column < len(row.cells) else None
        else:
            found = _SIZE.search(row.label)
            size = parameters(found.group(0)) if found else None
        if size:
            sizes[id(row)] = size
    return sizes


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


def _stem(label: str) -> str:
    """A row's model name without its size and citation: "Janus-Pro-7B" -> "januspro", "Janus [46]" -> "janus"."""
    return squash(_SIZE.sub("", _CITATION.sub("", label)))


def predecessor(row: TableRow, rivals: list[TableRow]) -> TableRow | None:
    """The authors' earlier model, when the table has it: a rival whose name begins ours ("Janus" for
    "Janus-Pro-7B", "LLaVA" for "LLaVA-v1.5"). A paper improving its own model is read against it first."""
    ours = _stem(row.label)
    return next((r for r in rivals
                 if len(_stem(r.label)) >= MIN_PREFIX_CHARS and ours.startswith(_stem(r.label))
                 and ours != _stem(r.label)), None)


def comparable(row: TableRow, rivals: list[TableRow], sizes: dict[int, float]) -> list[TableRow]:
    """The rivals a fair comparison uses: those at most `_COMPARABLE_SIZE` times our row's size, when the
    table gives sizes and at least one rival is that small ("1.3B" against "1.3B" and "1.8B", not "7B"), and
    those whose size it does not give (a closed model's "-" is not known to be larger); else all of them."""
    ours = sizes.get(id(row))
    if ours is None:
        return rivals
    fair = [r for r in rivals if id(r) in sizes and sizes[id(r)] <= _COMPARABLE_SIZE * ours]
    return fair + [r for r in rivals if id(r) not in sizes] if fair else rivals


def cites_rivals(table: Table, mine: list[TableRow]) -> bool:
    """Whether most rows other than ours cite a paper ("CycleGAN [58]"): a comparison with prior work."""
    rivals = [r for r in table.rows if all(r is not m for m in mine)]
    return bool(rivals) and sum(bool(_CITATION.search(r.label)) for r in rivals) * 2 >= len(rivals)
