"""Numbers a paper prints that point somewhere or date something: page numbers, citations, reference lists.

"[12]", "(Smith et al., 2020)" and the folio at the foot of a page put small numbers and years on nearly
every page, so a card's number that matches only one of them is not grounded. Works on page texts that
`normalise` has cleaned with their lines kept; returns, per page, the character spans to skip.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence

Span = tuple[int, int]

# 1900-2039, "2019a": a year a citation or a date gives; later four-digit numbers (2048, 4096) are sizes
_YEAR = r"(?<!\d)(?:19\d\d|20[0-3]\d)[a-z]?(?!\d|\.\d)"
_NAME = r"(?<![^\W\d_])[A-Z][^\W\d_]*(?:['’-][^\W\d_]+)*"  # Smith, O'Neil, Müller-Lee, P (an initial)
_AUTHOR_YEAR = re.compile(rf"""
    (?:et\s+al\.?,?\s*\(?                          # Smith et al., 2020 / et al. (2020) / et al. 2020
      |{_NAME}\s+(?:and|&)\s+{_NAME},?\s*\(?      # Smith and Lee 2021 / Smith & Lee, (2021)
      |{_NAME}\.?\s+\(                             # Smith (2019) / Young, P. (2022) in a reference
    )({_YEAR})
    |(?:{_NAME},\s*|\({_NAME}\s+)({_YEAR})(?!\s+[a-z])  # (Smith, 2019a) / In CVPR, 2020 / (Smith 2019);
                                                        # not "However, 2000 images"
    |,\s*({_YEAR})(?=\s*[);])                           # a name pypdf broke: "(J ̈arvelin, 2002)"
""", re.VERBOSE)
# more years of one citation: "(Smith, 2019, 2020)", "(OpenAI, 2024a; 2024b)"
_MORE_YEARS = re.compile(rf"\s*[,;]\s*({_YEAR})")
_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
          r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")
# a date, day included: "22 Aug 2024" (the arXiv stamp), "October 3, 2023", "May 2020"
_DATE = re.compile(rf"(?<![\w.])(?:\d{{1,2}}\s+)?{_MONTH}\.?\s+(?:\d{{1,2}},?\s+)?{_YEAR}")
# a numeric citation: "[12]", "[3, 14]", "[1-5, 8]" (dashes are "-" once normalised); "[0, 1]" is an interval
_BRACKETS = re.compile(r"\[\s*[1-9]\d{0,2}(?:\s*[-,;]\s*[1-9]\d{0,2})*\s*\]")
# where the reference list starts and where an appendix after it takes over again
_REFERENCES = re.compile(r"(?:\d{1,2}\.?\s+)?(?i:references|bibliography|literature cited)")
_APPENDIX = re.compile(r"""
    (?i:appendix|appendices|supplementary\ material|supplementary)(?:\s+[A-Z](?:\W.*)?)?  # "Appendix A: ..."
    |[A-H](?:\.\d{1,2}){0,3}\s+[A-Z][^,]{2,70}     # "A IMPLEMENTATION DETAILS", "B.1 Prompts"; not "A. Smith,"
""", re.VERBOSE)
# a reference entry's label: "[12] P. Esser, ..." or "12. Ellis, K.A., ..." (LNCS)
_LABEL = re.compile(r"\[(\d{1,3})\]|(\d{1,3})\.\s+[A-Z]")
_MAX_LABEL = 999  # without a numbered reference list to bound them, any three-digit label is a citation
_MIN_AUTHOR_YEAR = 3  # a paper citing this many times by author and year has no numeric citations
_HEAD_LINES, _FOOT_LINES = 2, 3  # where a folio is printed: a running head, or under the footnotes
_FOLIO = re.compile(r"^(\d{1,4})(?:\s|$)|\s(\d{1,4})$")  # a folio starts or ends its line


def find(pages: Sequence[str]) -> list[list[Span]]:
    """Per page, the sorted, disjoint spans of folios, citations, dates and reference entries."""
    spans: list[list[Span]] = [[] for _ in pages]
    # the last "References" line: one in a table of contents must not make the whole paper a reference list
    headings = [(i, start) for i, page in enumerate(pages) for start, line in _lines(page)
                if _REFERENCES.fullmatch(line)]
    numbered, by_author_year, in_references = 0, 0, False
    for i, page in enumerate(pages):
        for start, line in _lines(page):
            if headings and (i, start) == headings[-1]:
                in_references = True
            elif in_references and _APPENDIX.fullmatch(line):
                in_references = False
            elif in_references:  # volumes, pages, arXiv ids and years of a reference: never a result
                spans[i].append((start, start + len(line)))
                label = _LABEL.match(line)
                numbered = max(numbered, int(label.group(1) or label.group(2)) if label else 0)
        years = _author_years(page)
        by_author_year += len(years)
        spans[i] += years + [m.span() for m in _DATE.finditer(page)]
    if numbered or by_author_year < _MIN_AUTHOR_YEAR:
        for i, page in enumerate(pages):
            for match in _BRACKETS.finditer(page):
                values = [int(n) for n in re.findall(r"\d+", match.group())]
                # LaTeX sorts a citation's labels, and the reference list bounds them: "[8, 8, 5]" (levels)
                # or "[64, 128, 256]" in a paper with 50 references is a list of values
                if values == sorted(set(values)) and values[-1] <= (numbered or _MAX_LABEL):
                    spans[i].append(match.span())
    for i, span in _folios(pages):
        spans[i].append(span)
    return [_merged(s) for s in spans]


def _merged(spans: list[Span]) -> list[Span]:
    """Sorted spans that do not overlap (a citation inside a reference entry is one span)."""
    out: list[Span] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return out


def _lines(page: str) -> Iterator[tuple[int, str]]:
    """The page's non-empty lines, stripped, with the offset each starts at."""
    for match in re.finditer(r"[^\n]+", page):
        line = match.group().strip()
        if line:
            yield match.start() + match.group().find(line), line


def citations(text: str) -> list[Span]:
    """Spans of the citations a text makes, each whole: "[12]", "Smith et al., 2019", "Lee and Park 2018";
    an author-year citation reaches back to the name before "et al."."""
    spans = [m.span() for m in _BRACKETS.finditer(text)]
    for match in _AUTHOR_YEAR.finditer(text):
        start = match.start()
        if name := re.search(rf"{_NAME}\s+$", text[:start]):
            start = name.start()
        spans.append((start, match.end()))
    return _merged(spans)


def _author_years(page: str) -> list[Span]:
    """Years of author-year citations, with any further years of the same citation."""
    found = []
    for match in _AUTHOR_YEAR.finditer(page):
        group = next(g for g in (1, 2, 3) if match.group(g))
        found.append(match.span(group))
        end = match.end(group)
        while more := _MORE_YEARS.match(page, end):
            found.append(more.span(1))
            end = more.end()
    return found


def _folios(pages: Sequence[str]) -> Iterator[tuple[int, Span]]:
    """Printed page numbers: at an edge of one of a page's first or last lines, equal to its index plus
    the shift most pages share (a cover page or a journal's first page shifts them all alike)."""
    found: list[tuple[int, Span, int, bool]] = []  # page, span, shift from the index, alone on its line
    for i, page in enumerate(pages):
        lines = list(_lines(page))
        edges = lines if len(lines) <= _HEAD_LINES + _FOOT_LINES else lines[:_HEAD_LINES] + lines[-_FOOT_LINES:]
        for start, line in edges:
            if match := _FOLIO.search(line):
                group = 1 if match.group(1) else 2
                a, b = match.span(group)
                found.append((i, (start + a, start + b), int(match.group(group)) - (i + 1), line.isdigit()))
    votes = Counter(shift for _, shift in {(i, shift) for i, _, shift, _ in found})
    common, pages_agreeing = votes.most_common(1)[0] if votes else (0, 0)
    agreed = pages_agreeing >= 2
    for i, span, shift, alone in found:
        # in a running head or a footer line the number must agree with the other pages' folios; alone on
        # its line it may also be one off the page's index (a title page without a number, a typo)
        if (agreed and shift == common) or (alone and (abs(shift) <= 1 or agreed and abs(shift - common) <= 1)):
            yield i, span
