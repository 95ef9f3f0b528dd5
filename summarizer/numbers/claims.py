"""Quantitative claims in a paper's prose, found and ranked by code, each with the page that prints it.

A claim is a number a reader would quote: a share ("75.8%"), a factor ("2.6 to 5.8x"), a scale ("90 million
samples", "35M pairs"), a count of things ("3,451 tools", "48 A100 GPUs"), a size ("a codebook of 16,384"),
a significance level ("p < 0.05") or an interval ("[0.93, 1.18]"). Numbers that only point somewhere
(Table 3, Section 4.1, Eq. 2, [12]) or date something (2019) are not claims. Each candidate is scored by
its form, the words around it and the kind of section it is in; the best become key numbers. The model is
not asked: what is copied here is in the paper, on the page given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from summarizer.card import KeyNumber
from summarizer.card import Section as CardSection
from summarizer.document import Document, SectionKind
from summarizer.numbers.normalise import PaperNumbers, canonical, normalize_text, paper_numbers

__all__ = ["Claim", "find", "from_abstract", "in_text", "key_numbers"]

_N = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
# one value as a reader quotes it: an interval, a range, a ratio "9/14", a size "93 × 112 × 96", or a number
_VALUE = re.compile(
    rf"\[(?:{_N}), ?(?:{_N})\]"
    rf"|(?:{_N})(?: ?(?:×|x) ?(?:{_N}))+(?!\w|\.\d)"
    rf"|(?:{_N})(?::(?:{_N}))+(?!\w|\.\d)"
    rf"|(?:{_N})(?: ?(?:to|-|~) ?|/)(?:{_N})"
    r"(?=\s?(?:%|×|x\b|times|-fold|fold|million|billion|\w+s\b))"
    rf"|(?:{_N})"
)
_SCALE = re.compile(r"^\s?(?:million|billion|trillion|thousand|[KMB]\b|k\b)", re.IGNORECASE)
_SCALE_WORD = re.compile(r"^\s?(?:million|billion|trillion|thousand)", re.IGNORECASE)
_FUNCTION_WORDS = re.compile(r"\b(?:the|of|and|we|is|are|was|were|to|in|with|for|that|our|by|on|from)\b",
                             re.IGNORECASE)
_RELATIVE = re.compile(r"^\s?(?:%|×|x\b|times\b|-fold\b|fold\b|percent|percentage points|pp\b)", re.IGNORECASE)
# a counted noun within the next few words: "3,451 high-quality tools", "48 A100 (80GB) GPUs"
_COUNTED = re.compile(r"^\s?(?:[\w()-]+\s){0,2}?[A-Za-z][A-Za-z-]{1,}s\b")
_SIZE_BEFORE = re.compile(
    r"(?:size|number|total|count|length|dimension|resolution|budget|vocabulary|codebook|context|capacity"
    r"|coverage|window|corpus|dataset|score|ratio)s?\b[^.;]{0,25}?(?:of|to|is|was|=|:|as)?\s?$", re.IGNORECASE)
_P_VALUE = re.compile(r"\bp\s?[<=≤]\s?$")
# numbers that point somewhere or are labels, not claims
_POINTER = re.compile(
    r"(?:\b(?:table|tab|figure|fig|section|sec|eq|equation|appendix|app|algorithm|alg|line|lines|step"
    r"|chapter|theorem|lemma|definition|example|proposition|corollary|version|stage|page|pp|footnote"
    r"|no|ref|top|rank|layer|row|column|col|part|phase|task|level|round|block|id)\.?|[#§])\s?$", re.IGNORECASE)
_CUE = re.compile(
    r"outperform|improv|surpass|better|higher|lower|reduc|faster|slower|fewer|more than|less than|up to"
    r"|over|under|compared|achiev|reach|state-of-the-art|sota|gain|boost|drop|increase|decrease|accura"
    r"|agreement|significan|win rate|pass rate|speed", re.IGNORECASE)
_YEAR = re.compile(r"(?:19|20)\d\d")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\[])")

# how much a claim in each kind of section is worth; kinds not here are not searched
_SECTION_WEIGHT: dict[SectionKind, float] = {
    "abstract": 2.0, "introduction": 1.0, "method": 0.5, "experiments": 1.0, "results": 1.5,
    "discussion": 1.0, "conclusion": 1.5,
}
_SECTION_OF: dict[SectionKind, CardSection] = {
    "abstract": "results", "introduction": "core_problem", "method": "method", "experiments": "method",
    "results": "results", "discussion": "results", "conclusion": "results",
}
MIN_SCORE = 3.0


@dataclass(frozen=True)
class Claim:
    """One quoted value: its text, the words after it, its sentence, where it is, and how good it looks."""

    value: str
    metric: str
    sentence: str
    page: int | None
    section: CardSection
    score: float
    position: int

    def key_number(self) -> KeyNumber:
        return KeyNumber(metric=self.metric, value=self.value, context=self.sentence[:240],
                         section=self.section, page=self.page)


def _score(value: str, before: str, after: str, sentence: str) -> float | None:
    """How much this looks like a claim (None: it is a pointer, a year, a citation or a lone digit)."""
    plain = value.replace(",", "")
    if _POINTER.search(before) or (_YEAR.fullmatch(plain) and not _RELATIVE.match(after)):
        return None
    if re.match(r"\s?[×x]\s?10\b", after):
        return None  # scientific notation: "2.2 × 10-4" is a learning rate, not a factor
    if before.endswith("[") and after.startswith(("]", ",")) and "." not in value:
        return None  # a citation [12]
    glued_after = after[:1].isalpha() and not (_SCALE.match(after) or _RELATIVE.match(after))
    if before[-1:].isalpha() or re.search(r"\w-$", before) or glued_after:
        return None  # part of a name: GPT-4, A100, 3D
    compound = value.startswith("[") or not re.fullmatch(_N, value)
    score = 0.0
    if _RELATIVE.match(after) or _SCALE_WORD.match(after):
        score += 3
    elif _SCALE.match(after):
        score += 2  # "35M", "7B": as often a model's size as a claim
    elif _COUNTED.match(after):
        score += 2
    if _P_VALUE.search(before):
        score += 4
    if _SIZE_BEFORE.search(before[-60:]):
        score += 2
    if value.startswith("["):
        score += 3  # an interval: "within [0.93, 1.18]"
    elif compound:
        score += 1.5
    if "," in value and not compound or (plain.isdigit() and int(plain) >= 1000):
        score += 1
    if _CUE.search(sentence):
        score += 1
    if plain.isdigit() and int(plain) < 10 and not compound and not _RELATIVE.match(after):
        score -= 2  # "two stages", "3 epochs": rarely the point
    return score


def _prose(sentence: str) -> bool:
    """A sentence, not a table row or a figure's axis labels run together by the text extraction."""
    tokens = re.sub(r"\[[\d.,\s]+\]|\s×\s", " ", sentence).split()  # "[8, 8, 5]", "93 × 112": one value
    numeric = [bool(re.fullmatch(r"[-+(\[]?[\d.,:/×%]+[)\]%,;]?[KMB]?", t)) for t in tokens]
    longest = run = 0
    for is_number in numeric:
        run = run + 1 if is_number else 0
        longest = max(longest, run)
    return (len(tokens) >= 5 and longest < 4 and sum(numeric) / len(tokens) <= 0.35
            and _FUNCTION_WORDS.search(sentence) is not None)


def in_text(text: str, *, weight: float = 1.0, page: int | None = None, section: CardSection = "results",
            position: int = 0) -> list[Claim]:
    """Every candidate claim in a piece of prose, scored (unfiltered)."""
    found: list[Claim] = []
    for sentence in _SENTENCE.split(normalize_text(text)):
        if not _prose(sentence):
            continue
        for match in _VALUE.finditer(sentence):
            start, end = match.span()
            before, after = sentence[max(0, start - 80):start], sentence[end:end + 60]
            score = _score(match.group(), before, after, sentence)
            if score is None:
                continue
            # the value as quoted: "75.8%", "35M", "90 million", "20 times"
            unit = _RELATIVE.match(after) or _SCALE.match(after)
            value = match.group() + unit.group(0).rstrip() if unit else match.group()
            words = re.findall(r"[\w%×()-]+", after[unit.end():] if unit else after)[:6]
            metric = " ".join(words) or " ".join(re.findall(r"[\w-]+", before)[-6:]) or sentence[:60]
            if (p_value := _P_VALUE.search(before)) is not None:
                value, metric = p_value.group(0) + value, "significance level"
            found.append(Claim(value=value, metric=metric, sentence=sentence,
                               page=page, section=section, score=score + weight,
                               position=position + len(found)))
    return found


def find(doc: Document, abstract: str | None = None) -> list[Claim]:
    """Claims of the paper's prose, best first; each one printed on its page, each value once."""
    paper = paper_numbers(tuple(p.text for p in doc.pages))  # the grounding check reuses it
    candidates: list[Claim] = []
    if abstract and not any(s.kind == "abstract" for s in doc.sections):
        for claim in in_text(abstract, weight=_SECTION_WEIGHT["abstract"], section="results"):
            page = paper.page_of(*_numbers(claim.value))
            if page is not None:
                candidates.append(replace(claim, page=page))
    for section in doc.sections:
        weight = _SECTION_WEIGHT.get(section.kind)
        if weight is None:
            continue
        for part in section.parts:
            for claim in in_text(part.text, weight=weight, page=part.page, section=_SECTION_OF[section.kind],
                                 position=len(candidates)):
                if _printed_on(claim.value, part.page, paper):
                    candidates.append(claim)
    return _best(candidates)


def _best(candidates: list[Claim]) -> list[Claim]:
    """Claims scoring at least MIN_SCORE, each value once (its best-scoring mention), best first."""
    best: dict[str, Claim] = {}
    for claim in candidates:
        key = "|".join(canonical(n) for n in _numbers(claim.value))
        if claim.score >= MIN_SCORE and (key not in best or claim.score > best[key].score):
            best[key] = claim
    return sorted(best.values(), key=lambda c: (-c.score, c.position))


def key_numbers(doc: Document, abstract: str | None = None, limit: int = 20) -> list[KeyNumber]:
    """The best `limit` claims of the paper as key numbers."""
    return [claim.key_number() for claim in find(doc, abstract)[:limit]]


def from_abstract(abstract: str, limit: int = 8) -> list[KeyNumber]:
    """The best `limit` claims of an abstract alone (no pages: what a listing gives before the PDF)."""
    found = _best(in_text(abstract, weight=_SECTION_WEIGHT["abstract"]))
    return [claim.key_number() for claim in found[:limit]]


def _numbers(value: str) -> list[str]:
    return re.findall(_N, value)


def _printed_on(value: str, page: int, paper: PaperNumbers) -> bool:
    return all(paper.on_page(n, page) for n in _numbers(value))
