"""One text line of a page read as a table row: its label and its cells, each a verbatim slice of the line;
a caption's or a figure's first line is never a row."""

from __future__ import annotations

import re
from itertools import pairwise

# A numeric cell: optional arrow/approx/sign, a number (thousands commas, decimals, exponent), an optional
# unit suffix (%, ×, 7B, 250M, 1.33T, 5000M+), a spread ("±0.2", "(0.3)"), more values after a slash
# ("28.1/0.85"), footnote markers (bold and colour are lost in text, markers are not) and arrows.
# Wrapping parentheses are allowed for deltas such as "(+1.2)".
# The pieces below are verbose-mode regex text: only the re.VERBOSE patterns built from them may use them.
_NUMBER = r"""
    (?:\d{1,3}(?:,\d{3})+|\d+)  # integer part: comma-grouped "1,234,567" or plain "1234"
    (?:\.\d+)?                  # decimals
    (?:[eE][+\-−]?\d+)?         # exponent: "1e-5", "3E+2"
  | \.\d+                       # or a bare decimal: ".85"
"""
# footnote markers: asterisks, daggers, section signs, stars and card suits
_MARKS = r"[*∗†‡§¶⋆♠♣♦♥]*"
# an optional up/down arrow ("61.0↑")
_ARROWS = r"[↑↓⇑⇓▲▼]?"
_SUFFIX = r"""(?:
    %|×|x|pp        # percent, times, percentage points
  | [KMBTG]B?\+?    # counts and sizes: "7B", "250M", "1.33T", "5000M+"
  | k               # thousands: "10k"
)?"""
_VALUE = rf"""
    {_ARROWS}                   # an arrow before the sign
    [~∼≈<>≤≥×]?                 # approximately, a bound, or times
    [+\-−–]?                    # a sign: hyphen, minus or en dash
    {_ARROWS}                   # an arrow after the sign
    (?:{_NUMBER}){_SUFFIX}      # the number and its unit
    (?:\((?:{_NUMBER})\))?      # a spread in parentheses: "71.2(0.3)"
"""
_CELL = re.compile(
    rf"""^
    {_VALUE}                        # the value
    (?:±(?:{_NUMBER}){_SUFFIX})?    # a glued spread: "61.0±0.2"
    (?:/{_VALUE})*                  # more values after slashes: "28.1/0.85"
    {_MARKS}{_ARROWS}{_MARKS}       # footnote markers and an arrow, in either order
    $""",
    re.VERBOSE,
)
_PAREN_CELL = re.compile(
    rf"""^
    \(                              # a wrapped delta: "(+1.2)", "(-0.5±0.1)"
    {_VALUE}
    (?:±(?:{_NUMBER}){_SUFFIX})?
    \)
    {_MARKS}
    $""",
    re.VERBOSE,
)
_PLUS_MINUS = re.compile(
    rf"""^
    ±(?:{_NUMBER}){_SUFFIX}         # a spread printed apart from its value: "61.0 ±0.2"
    {_MARKS}
    $""",
    re.VERBOSE,
)
# a unit, arrow or marker printed apart from its number ("45.2 %", "61.0 ↑") belongs to that cell
_DETACHED = re.compile(r"^[%↑↓*∗†‡§¶]+$")
# empty-result cells and check marks are cells too (they keep a row's shape); they carry no number
_DASHES = frozenset({"-", "–", "—", "−", "--", "N/A", "n/a", "NA", "n.a."})
# a check or cross mark, possibly with a footnote star
_CHECKS = re.compile(r"^[✓✔✗✘]\*?$")
# a four-digit year of the 20th or 21st century: "2019"
_YEAR = re.compile(r"^(19|20)\d\d$")
# a plain unsigned integer
_INTEGER = re.compile(r"^\d+$")
CAPTION = re.compile(
    r"""^
    (?:Table|TABLE|Tab\.)           # the caption's keyword
    \s*
    (\d+[a-z]?|[IVXLC]+)            # its number: "3", "3b", or Roman "IV"
    (?:\s*[:.|]|\s*$)               # then a separator, or nothing else on the line
    """,
    re.VERBOSE,
)
# a figure caption: "Figure 3", "Fig. 3", "FIGURE 3"
FIGURE = re.compile(r"^(?:Figure|Fig\.|FIGURE)\s*\d+")
# running text that happens to end in two numbers ends its label with words like these
_FUNCTION_WORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "between", "by", "for", "from", "in", "is", "of", "on", "or", "over",
    "than", "that", "the", "to", "was", "were", "with", "about", "achieves", "approximately", "around",
    "nearly", "only", "reaches", "reach", "scores", "score",
})  # fmt: skip
MAX_LABEL_WORDS = 12  # longer labels are sentences of running text that happen to end in numbers
MAX_LABEL_CHARS = 80  # same, for labels of a few long words (no row label fills a whole text line)
MIN_ROW_CELLS = 2  # a single number ending a line is usually running text ("... in Section 4"), not a row
MIN_MARGIN_RUN = 2  # two or more consecutive integers in a row are review-draft margin line numbers


def split_row(line: str) -> tuple[str, list[str]] | None:
    """Split a line into (label, cells) when it ends in table cells; cells are verbatim slices of the line."""
    spans = cell_spans(line)
    if spans is None:
        return None
    label_end, cells = spans
    return line[:label_end].strip(), [line[s:e] for s, e in cells]


def cell_spans(line: str) -> tuple[int, list[tuple[int, int]]] | None:
    """Return (end of the label, cell spans) for a line ending in at least one plausible row of cells."""
    if CAPTION.match(line) or FIGURE.match(line):
        return None
    # whitespace-separated tokens, with their positions so cells stay verbatim slices
    tokens = [(m.start(), m.end()) for m in re.finditer(r"\S+", line)]
    cells: list[tuple[int, int]] = []
    j = len(tokens) - 1
    while j >= 0:
        start, end = tokens[j]
        text = line[start:end]
        if _PLUS_MINUS.match(text) and j >= 1 and _is_value(line[tokens[j - 1][0] : tokens[j - 1][1]]):
            cells.append((tokens[j - 1][0], end))  # "61.0 ±0.2": one cell with its spread
            j -= 2
        elif (
            _is_value(text)
            and j >= 2
            and line[tokens[j - 1][0] : tokens[j - 1][1]] == "±"
            and _is_value(line[tokens[j - 2][0] : tokens[j - 2][1]])
        ):
            cells.append((tokens[j - 2][0], end))  # "61.0 ± 0.2"
            j -= 3
        elif _DETACHED.match(text) and j >= 1 and _is_value(line[tokens[j - 1][0] : tokens[j - 1][1]]):
            cells.append((tokens[j - 1][0], end))
            j -= 2
        elif _is_value(text) or text in _DASHES or _CHECKS.match(text):
            cells.append((start, end))
            j -= 1
        else:
            break
    if not cells:
        return None
    cells.reverse()
    label_end = tokens[j][1] if j >= 0 else 0
    if not _plausible(line[:label_end].strip(), [line[s:e] for s, e in cells]):
        return None
    return label_end, cells


def _is_value(text: str) -> bool:
    return bool(_CELL.match(text) or _PAREN_CELL.match(text))


def _plausible(label: str, cells: list[str]) -> bool:
    digits = [c for c in cells if any(ch.isdigit() for ch in c)]
    checks = [c for c in cells if _CHECKS.match(c)]
    if len(cells) < MIN_ROW_CELLS and not checks:
        return False
    if not digits and not checks:
        return False
    if digits and all(_YEAR.match(c) for c in digits):
        return False  # "2019 2020": years of references, not results
    ints = [int(c) for c in digits if _INTEGER.match(c)]
    if len(ints) == len(cells) >= MIN_MARGIN_RUN and all(b - a == 1 for a, b in pairwise(ints)):
        return False  # "054 055": margin line numbers of review drafts
    words = label.split()
    if len(words) > MAX_LABEL_WORDS or len(label) > MAX_LABEL_CHARS:
        return False
    return not (words and words[-1].lower() in _FUNCTION_WORDS)
