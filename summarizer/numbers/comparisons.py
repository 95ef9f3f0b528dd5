"""The comparisons the authors write out: which rivals the paper's text names beside a result of theirs.

A results table lists many rivals; the text that discusses it names the few the authors compare with ("compared
to GLIDE and DALL·E 2, Zeta achieves a better FID"; "Though Imagen obtains a better score than Zeta, it is much
larger"). An editor quotes a result against those rivals. Pure: the paper's text and one table in, groups of its
rows out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from summarizer.document import Table, TableRow
from summarizer.numbers.claims import is_prose
from summarizer.numbers.normalise import normalize_text, numbers_in

_DISCUSSION_CHARS = 2500  # how far after a "Table N" mention the text still discusses that table
_MIN_NAME_CHARS = 3  # shorter names ("a", "7B") would be found in any sentence
_MIN_QUOTED_DIGITS = 3  # a quoted whole number this long is the cell's, not a count that happens to match
_MIN_FAMILY_CHARS = 5  # a shorter family name ("Show" of "Show-o") is a word of any sentence
# a sentence boundary: end punctuation, space, then a capital, a bracket, a digit (a page number, a heading) or
# an item of a list ("ii)")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\[\d]|[ivx]{1,4}\))")
# a sentence comparing things
_COMPARES = re.compile(
    r"\b(?:outperform\w*|surpass\w*|better|worse|higher|lower|beat\w*|compar\w*|than|trail\w*|exceed\w*"
    r"|superior|inferior|improv\w*|v\.?s\.?|versus|against|match\w*)\b",
    re.IGNORECASE,
)
_OUR_METHOD = re.compile(r"\bour\s+(?:method|model|approach)\b", re.IGNORECASE)
_TABLE_NUMBER = re.compile(r"\s*Table\s+(\d+)\b", re.IGNORECASE)
_ANY_POINTER = re.compile(r"\b(?:Tab(?:le|\.)|Fig(?:ure|\.))\s*(\d+)")
_BRACKETED = re.compile(r"\s*\[[^\]]*\]|\s*\([^)]*\)")  # a citation or an aside: "[46]", "(d=24)", "(Ours)"


@dataclass(frozen=True)
class Named:
    """Rivals one passage of the text compares our row with, in the column it is about."""

    column: int
    rivals: tuple[TableRow, ...]


def name_pattern(label: str) -> re.Pattern[str] | None:
    """A row's name as the text may print it: without its citation or aside, punctuation between words free
    ("DALL·E 2" = "DALL-E 2", "ChatGPT-DFSDT" = "ChatGPT+DFSDT"), a line-break hyphen inside a word allowed
    ("Giga- GAN") and a size after it ("NExT-GPT-13B"), not part of a longer name ("Janus" is not "Janus-Pro")."""
    words = re.findall(r"[A-Za-z0-9]+", _BRACKETED.sub("", label))
    if len("".join(words)) < _MIN_NAME_CHARS:
        return None
    spelled = [r"(?:-\s)?".join(map(re.escape, word)) for word in words]
    return re.compile(r"(?<![A-Za-z0-9])" + r"[^\w\s]?\s?".join(spelled) + r"(?![A-Za-z0-9]|-(?!\s?\d+(?:\.\d+)?[BM]\b)[A-Za-z0-9])",
                      re.IGNORECASE)


def discussion(text: str, table: Table) -> list[str]:
    """The sentences of the text that discuss `table`: from each "Table N" mention outside its caption to the
    sentence pointing to another table or figure, at most `_DISCUSSION_CHARS` on; prose only (`is_prose`), not
    the table's own rows that the text extraction ran into it."""
    number = _TABLE_NUMBER.match(table.caption)
    if number is None:
        return []
    sentences: list[str] = []
    mention = re.compile(rf"\bTab(?:le|\.)\s*{number.group(1)}\b")
    for match in mention.finditer(text):
        window = text[match.start(): match.start() + _DISCUSSION_CHARS]
        if window.startswith(normalize_text(table.caption)[:40]):
            continue  # the caption itself
        other = next((m for m in _ANY_POINTER.finditer(window, match.end() - match.start())
                      if m.group(1) != number.group(1) or not m.group(0).lower().startswith("tab")), None)
        # the sentence pointing elsewhere, and what follows, discuss that table or figure
        sentences += _SENTENCE.split(window[: other.start()])[:-1] if other else _SENTENCE.split(window)
    return [s for s in dict.fromkeys(sentences) if is_prose(s)]


def named_rivals(text: str, table: Table, ours: TableRow, rivals: Sequence[TableRow], measured: Sequence[int],
                 lead: int | None, lower_better: Sequence[bool]) -> list[Named]:
    """The authors' comparisons of `ours` in `table`: each sentence discussing the table that names our row
    (or "our method") and at least one of `rivals`, and compares. Its column is the one whose cell of ours
    the sentence quotes, else the one whose every word it names ("I2-Cat. Win"), else `lead` (a summary column,
    or the only one; None: a sentence about the whole table is about no one column, and is skipped). A sentence
    naming several columns ("on POPE, MME and GQA") is about none of them. Sentences in a
    row about one column whose rivals all fall on the same side of ours (all beaten, or all ahead) are one
    comparison: "than LDM." "than DALL·E 2." -> LDM and DALL·E 2.

    `measured`: the columns that measure (not a size or a date); `lower_better[i]`: column i's direction.
    """
    own = [p for name in _our_names(ours.label) if (p := name_pattern(name)) is not None]
    patterns = [(row, p) for row in rivals if (p := name_pattern(row.label)) is not None]
    found: list[tuple[int, Named, bool]] = []  # sentence index, comparison, whether we are ahead of all
    for n, sentence in enumerate(discussion(normalize_text(text), table)):
        if not _COMPARES.search(sentence) or not (_OUR_METHOD.search(sentence) or any(p.search(sentence) for p in own)):
            continue
        column = _column(sentence, ours, measured, lead, table.columns)
        if column is None:
            continue
        named = tuple(row for row in _named_in(sentence, patterns)
                      if column < len(row.cells) and numbers_in(row.cells[column]))
        if not named or column >= len(ours.cells) or not numbers_in(ours.cells[column]):
            continue
        ahead = [_ahead(ours.cells[column], row.cells[column], lower_better[column]) for row in named]
        if len(set(ahead)) > 1:
            continue  # "better than X, worse than Y": no one side to quote
        if found and found[-1][0] == n - 1 and found[-1][1].column == column and found[-1][2] == ahead[0]:
            previous = found.pop()[1]
            merged = Named(column, previous.rivals + tuple(r for r in named if all(r is not p for p in previous.rivals)))
            found.append((n, merged, ahead[0]))
        else:
            found.append((n, Named(column, named), ahead[0]))
    return [named for _, named, _ in found]


def quoted(text: str, table: Table, ours: TableRow, measured: Sequence[int]) -> set[int]:
    """The columns whose cell of ours the text discussing the table quotes ("leads on F1 (87.51)"): the
    results the authors point out. Only a value with a decimal point or of `_MIN_QUOTED_DIGITS` digits counts;
    a small whole number ("2") is found in any text."""
    said = {n for sentence in discussion(normalize_text(text), table) for n in numbers_in(sentence)}
    return {i for i in measured if i < len(ours.cells) and (value := numbers_in(ours.cells[i]))
            and value[0] in said and ("." in value[0] or sum(c.isdigit() for c in value[0]) >= _MIN_QUOTED_DIGITS)}


def _our_names(label: str) -> list[str]:
    """Our row's name, and its family's when the row names a variant: "ToolLLaMA-DFSDT" is also "ToolLLaMA",
    "Zeta-Pro-7B" also "Zeta-Pro"; a part shorter than `_MIN_FAMILY_CHARS` names nothing ("Show" of "Show-o")."""
    core = _BRACKETED.sub("", label).strip()
    family = core.rsplit("-", 1)[0] if "-" in core else ""
    return [core, family] if len(family) >= _MIN_FAMILY_CHARS else [core]


def _named_in(sentence: str, patterns: list[tuple[TableRow, re.Pattern[str]]]) -> list[TableRow]:
    """The rows a sentence names; a name only found inside a longer one's ("DALL·E" in "DALL·E 2") is not."""
    spans = {id(row): [m.span() for m in p.finditer(sentence)] for row, p in patterns}
    everywhere = [span for found in spans.values() for span in found]
    return [row for row, _ in patterns if any(
        not any(a <= start and end <= b and (a, b) != (start, end) for a, b in everywhere)
        for start, end in spans[id(row)])]


def _column(sentence: str, ours: TableRow, measured: Sequence[int], lead: int | None,
            columns: Sequence[str]) -> int | None:
    quoted = set(numbers_in(sentence))
    for i in measured:
        if i < len(ours.cells) and quoted & set(numbers_in(ours.cells[i])):
            return i
    words = set(_words(sentence))
    names = {i: _words(columns[i]) for i in measured if i < len(columns)}
    if len({name[0] for name in names.values() if name and name[0] in words}) > 1:
        return None  # "on POPE, MME and GQA": about several columns, no one of them
    whole = [i for i, name in names.items() if name and set(name) <= words]
    return whole[0] if len(whole) == 1 else None if whole else lead


def _words(text: str) -> list[str]:
    """Words as a column's name spells them: "I2-Cat. Win" -> ["i2-cat", "win"]."""
    return [w.lower().rstrip(".") for w in re.findall(r"[\w.-]+", text)]


def _ahead(ours: str, theirs: str, lower_better: bool) -> bool:
    mine, other = (float(numbers_in(c)[0].replace(",", "")) for c in (ours, theirs))
    return mine < other if lower_better else mine > other
