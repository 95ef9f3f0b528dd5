"""Section headings found in page text lines, mapped to the SectionKind a retriever can filter on."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from summarizer.document import Page, PageText, Section, SectionKind

# Whole-heading names (lower case, "&" read as "and"), "|"-separated, by the kind they stand for.
_NAMES: dict[SectionKind, str] = {
    "abstract": "abstract",
    "introduction": "introduction|statement of need|motivation|introduction and motivation|overview",
    "related": "related work|related works|background|prior work|related literature|literature review"
    "|background and related work|related work and background",
    "method": "method|methods|methodology|approach|our approach|proposed method|the proposed method"
    "|materials and methods|model|framework|preliminaries|method overview|technical approach|architecture",
    "experiments": "experiments|experiment|evaluation|evaluations|experimental setup|empirical evaluation"
    "|experimental evaluation|benchmarks|setup|experiments and results|experimental results and analysis",
    "results": "results|main results|experimental results|results and discussion|findings",
    "discussion": "discussion|limitations|analysis|limitations and future work|broader impact|broader impacts"
    "|discussion and limitations",
    "conclusion": "conclusion|conclusions|concluding remarks|conclusion and future work"
    "|conclusions and future work|summary and conclusion|summary and conclusions|conclusion and outlook",
    "references": "references|bibliography|literature cited|works cited|reference",
    "appendix": "appendix|appendices|supplementary material|supplementary materials|supplementary"
    "|supplemental material|technical appendices",
    "other": "acknowledgments|acknowledgements|acknowledgment|acknowledgement|funding|author contributions"
    "|ethics statement|reproducibility statement|code availability|data availability|impact statement"
    "|contents|table of contents",
}
KNOWN: dict[str, SectionKind] = {name: kind for kind, names in _NAMES.items() for name in names.split("|")}
# Keywords that give a numbered heading with an unfamiliar title its kind ("3 Experimental Protocol").
# Strong ones name the kind even in a subsection ("4.5.1 Ablation Studies" under "4.5 Discussion").
STRONG_KEYWORDS: dict[str, SectionKind] = {
    "related work": "related", "prior work": "related", "conclusion": "conclusion",
    "experiment": "experiments", "evaluation": "experiments", "benchmark": "experiments",
    "ablation": "experiments", "empirical": "experiments", "result": "results",
    "discussion": "discussion", "limitation": "discussion",
}  # fmt: skip
# Weak ones only name a top-level section: "2.3 Unified Foundation Model" under "2 Related Work" is related.
WEAK_KEYWORDS: dict[str, SectionKind] = {
    "background": "related", "method": "method", "approach": "method", "architecture": "method",
    "framework": "method", "algorithm": "method", "formulation": "method", "preliminar": "method",
    "model": "method", "training": "method",
}  # fmt: skip
# "3 Method", "3.2. Setup", "4.5.1.2 Details": up to four levels of one- or two-digit numbers, then the title
_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+(\S.*)$")
# IEEE numbers its sections with Roman numerals: "IV. EXPERIMENTS"
_ROMAN = re.compile(r"^(X{0,2}(?:IX|IV|V?I{0,3}))\.\s+([A-Z].*)$")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10}
_LETTERED = re.compile(
    r"""^
    (?:Appendix\s+|APPENDIX\s+)?   # an optional "Appendix " before the letter
    ([A-H])                        # the appendix letter
    ((?:\.\d{1,2}){0,3})           # its subsection numbers: "A.1", "B.2.3"
    \.?\s+
    (\S.*)                         # the title
    $""",
    re.VERBOSE,
)
# "Appendix", "APPENDIX A", "Appendix B: Proofs", "Supplementary Material"; not "Appendix for details)."
_APPENDIX = re.compile(
    r"""^
    (?:
        Appendix|APPENDIX|Appendices|APPENDICES         # the word, in Title or UPPER case
      | Supplementary\ Materials?                        # or its long form
      | SUPPLEMENTARY\ MATERIALS?
    )
    (?:
        \s*$                                            # alone on its line
      | \s*[:.]?\s+[A-Z](?:[:.\s]|$)                    # or with a letter: "APPENDIX A", "Appendix B: Proofs"
    )
    """,
    re.VERBOSE,
)
# an abstract run into its first sentence: "Abstract. We ...", "Abstract—We ...", "Summary: ..."
_INLINE_ABSTRACT = re.compile(r"^(abstract|summary)\s*[.:—–-]\s*\S", re.IGNORECASE)
# front-matter headings a numbered paper starts with; before them, numbered lines are affiliations
_STARTS: frozenset[SectionKind] = frozenset({"abstract", "introduction"})
# unnumbered headings we trust anywhere; method/experiments/results only in papers without numbers
_UNNUMBERED_ANYWHERE: frozenset[SectionKind] = frozenset(
    {"abstract", "introduction", "related", "conclusion", "discussion", "references", "appendix", "other"}
)
MAX_HEADING_WORDS = 14  # longer lines are sentences of body text that start with a number or a capital
MAX_HEADING_CHARS = 90  # same, in characters: a heading never fills a whole text line
# the first numbered heading (and a deeper level restarting) is 1, or 2 when pypdf broke the one before
MAX_START_NUMBER = 2
MAX_NUMBER_STEP = 2  # a step of 2 tolerates one heading pypdf broke across lines
DATA_ROW_NUMBERS = 2  # a "title" with this many numbers ("Ours 61.0 72.3") is a table row, not a heading
# shorter words (articles, prepositions: "of", "and", "for") stay lower case in Title Case, so they don't vote
SHORT_WORD_CHARS = 3
# at least 1/2 of the longer words capitalised: Title or UPPER case, unlike a reference's sentence-case title
CAPITALISED_DIVISOR = 2


@dataclass
class _Heading:
    line: int
    text: str
    kind: SectionKind


@dataclass
class _State:
    mode: str = "body"  # body, references, appendix
    last: tuple[int, ...] | None = None
    letter: str | None = None
    parents: dict[tuple[int, ...], SectionKind] = field(default_factory=dict)
    numbered: bool = False
    experiments: bool = False
    concluded: bool = False


def detect(pages: list[Page]) -> list[Section]:
    """Split the pages into sections: "front" before the first heading, then one per heading found."""
    lines = [(page.number, line) for page in pages for line in page.text.split("\n")]
    headings = find_headings([text for _, text in lines])
    bounds = [(h.line, h.text, h.kind) for h in headings]
    if not bounds or bounds[0][0] > 0:
        bounds.insert(0, (0, "", "front"))
    out: list[Section] = []
    for n, (start, heading, kind) in enumerate(bounds):
        end = bounds[n + 1][0] if n + 1 < len(bounds) else len(lines)
        parts: list[PageText] = []
        for page, text in lines[start:end]:
            if parts and parts[-1].page == page:
                parts[-1] = PageText(page=page, text=parts[-1].text + "\n" + text)
            else:
                parts.append(PageText(page=page, text=text))
        if parts:
            out.append(Section(kind=kind, heading=heading, parts=parts))
    return out


def find_headings(lines: list[str]) -> list[_Heading]:
    """Return the heading lines, checked against numbering order to skip list items and affiliations."""
    start = _start(lines)
    if start is None:
        return []
    skipped = range(0)
    while True:
        found, repeated = _scan(lines, start, skipped)
        if repeated is None:
            return found
        # the body repeats a numbered heading already taken: what came before was a table of contents
        skipped = range(repeated[0], repeated[1])


def _scan(lines: list[str], start: int, skipped: range) -> tuple[list[_Heading], tuple[int, int] | None]:
    """One pass over the lines; also returns (first, second) line of a numbered heading seen twice."""
    state = _State()
    found: list[_Heading] = []
    taken: dict[str, int] = {}
    for i in range(start, len(lines)):
        if i in skipped:
            continue
        heading = _accept(lines[i], state, first=not found)
        if heading is not None:
            found.append(_Heading(i, heading[0], heading[1]))
            if _number(lines[i]):
                taken[lines[i]] = i
        elif lines[i] in taken and state.mode == "body" and not skipped:
            return found, (taken[lines[i]], i)
    return found, None


def _start(lines: list[str]) -> int | None:
    """Line of the first abstract/introduction heading (else "1 Title"); numbered lines above are authors'."""
    for i, line in enumerate(lines):
        if _INLINE_ABSTRACT.match(line):
            return i
        if _known(line) in _STARTS or _norm(line) == "summary":
            return i
    for i, line in enumerate(lines):
        numbered = _number(line)
        if numbered and numbered[0] == (1,) and _shape_ok(numbered[1]) and "," not in line:
            return i
    return 0 if lines else None


def _accept(line: str, state: _State, first: bool) -> tuple[str, SectionKind] | None:
    """Return (heading, kind) when line is a heading in the current state, updating the state."""
    inline = _INLINE_ABSTRACT.match(line) if first else None
    if inline:
        return inline.group(1), "abstract"  # "Abstract. We ..." (LNCS) or "Abstract—We ..." (IEEE)
    known = _known(line)
    if first and _norm(line) == "summary":
        known = "abstract"  # JOSS papers open with "Summary"
    if known == "references":
        state.mode = "references"
        return line, "references"
    if known == "appendix" or (_APPENDIX.match(line) and _shape_ok(line)):
        state.mode, state.letter = "appendix", None
        return line, "appendix"
    lettered = _LETTERED.match(line)
    if (
        lettered
        and _lettered_ok(lettered.group(3))
        and (state.mode != "body" or state.concluded)
        and _next_letter(state.letter, lettered.group(1))
    ):
        state.mode, state.letter = "appendix", lettered.group(1)
        return line, "appendix"
    if state.mode == "references":
        return None  # numbered lines there are reference entries
    numbered = _number(line)
    if numbered and _shape_ok(numbered[1]):
        number, title = numbered
        if not _follows(state.last, number):
            return None
        state.last, state.numbered = number, True
        return line, _numbered_kind(title, number, state)
    if known is not None and (known in _UNNUMBERED_ANYWHERE or not state.numbered):
        if state.mode == "appendix":
            return line, "appendix"
        _note(known, state)
        return line, known
    return None


def _numbered_kind(title: str, number: tuple[int, ...], state: _State) -> SectionKind:
    """Kind of a numbered heading: its name, a keyword in it, its parent's kind, or its position."""
    if state.mode == "appendix":
        return "appendix"
    lowered = title.lower()
    kind = _known(title) or next((k for word, k in STRONG_KEYWORDS.items() if word in lowered), None)
    if kind is None and len(number) > 1:
        parent = next(
            (state.parents[number[:n]] for n in range(len(number) - 1, 0, -1) if number[:n] in state.parents),
            None,
        )
        kind = parent
    if kind is None:
        kind = next((k for word, k in WEAK_KEYWORDS.items() if word in lowered), None)
    if kind is None:
        # an unnamed top-level section after the introduction and before any experiments describes
        # the method (e.g. "2 Dataset Construction"); after the experiments it is something else
        kind = "other" if state.experiments or state.concluded else "method"
    if len(number) == 1:
        state.parents.clear()
    state.parents[number] = kind
    _note(kind, state)
    return kind


def _note(kind: SectionKind, state: _State) -> None:
    state.experiments = state.experiments or kind in ("experiments", "results")
    state.concluded = state.concluded or kind == "conclusion"


def _follows(last: tuple[int, ...] | None, number: tuple[int, ...]) -> bool:
    """True when number can come next after last: one step on at some level, deeper levels restarting low."""
    if last is None:
        return number[0] <= MAX_START_NUMBER and all(n <= MAX_START_NUMBER for n in number[1:])
    d = 0
    while d < min(len(last), len(number)) and last[d] == number[d]:
        d += 1
    if d == len(number):
        return False  # the same heading again, or a parent of the last one
    step = number[d] - (last[d] if d < len(last) else 0)
    return 1 <= step <= MAX_NUMBER_STEP and all(n <= MAX_START_NUMBER for n in number[d + 1 :])


def _next_letter(last: str | None, letter: str) -> bool:
    if last is None:
        return letter == "A"
    return 0 <= ord(letter) - ord(last) <= 1


def _shape_ok(title: str) -> bool:
    """A heading is short, starts with a capital, ends without sentence punctuation and has no data."""
    words = title.split()
    if not words or len(words) > MAX_HEADING_WORDS or len(title) > MAX_HEADING_CHARS:
        return False
    if not title[0].isupper() or title.endswith((".", ",", ";", ":", "-")) or "et al" in title:
        return False
    # a number after a space at the end: a page number
    if re.search(r"\s\d+$", title) or ". ." in title or "..." in title:
        return False  # table-of-contents line with its page number or dotted leader
    # a word that is a number: "61.0", "1,024", "12%", "±0.3"
    return sum(bool(re.fullmatch(r"[\d.,%±]+", w)) for w in words) < DATA_ROW_NUMBERS


def _lettered_ok(title: str) -> bool:
    """Appendix letter headings are Title or UPPER case, without the commas and initials of references."""
    # an initial: the "J. " of "J. Smith"
    if not _shape_ok(title) or "," in title or re.search(r"\b[A-Z]\.\s", title):
        return False
    words = [w for w in title.split() if w[:1].isalpha() and len(w) > SHORT_WORD_CHARS]
    return bool(words) and sum(w[0].isupper() for w in words) >= len(words) / CAPITALISED_DIVISOR


def _norm(text: str) -> str:
    return " ".join(text.lower().replace("&", "and").strip(" .:").split())


def _number(line: str) -> tuple[tuple[int, ...], str] | None:
    """Split "3.2 Method" (or "III. METHOD") into its section number and title."""
    arabic = _NUMBERED.match(line)
    if arabic:
        return tuple(int(p) for p in arabic.group(1).split(".")), arabic.group(2)
    roman = _ROMAN.match(line)
    if roman and roman.group(1):
        values = [_ROMAN_VALUES[c] for c in roman.group(1)]
        total = sum(-v if v < w else v for v, w in zip(values, [*values[1:], 0], strict=True))
        return (total,), roman.group(2)
    return None


def _known(line: str) -> SectionKind | None:
    numbered = _number(line)
    return KNOWN.get(_norm(numbered[1] if numbered else line))
