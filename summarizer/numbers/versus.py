"""A value set against a baseline inside the paper's sentences: a change ("from 7:3:10 to 5:1:4", "extend the
context length to 8192" after "a sequence length of 2048"), a comparison in brackets ("lower variance (3.47%)
than humans (3.97%)") or one written out ("0.312 compared to 0.061"). Pure: a sentence in, where its values and
their baselines are out (`claims` reads them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# one number: with thousands separators ("16,384", "1,234.5") or without ("75.8", "2019")
NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
FIRST_PERSON = re.compile(r"\b(?:we|our|us|ours)\b", re.IGNORECASE)
# a year of the 20th or 21st century: dates a thing, is not a claim
YEAR = re.compile(r"(?:19|20)\d\d")
# a change the paper reports: "from 7:3:10 to 5:1:4", "from 71.2% to 75.8%" (the old value is the new one's
# baseline): both values in one form, a ratio to a ratio, a share to a share (`changes`)
_CHANGE = re.compile(rf"\bfrom\s(?P<old>(?:{NUMBER})(?::(?:{NUMBER}))*%?)\s(?:to|into)\s(?P<new>(?:{NUMBER})(?::(?:{NUMBER}))*%?)")
# a change written with its new value only, the old one stated just before ("The model is pre-trained with a
# sequence length of 2048. ... we extend the context length to 8192"): the verb, what it changes (the quantity,
# "length", and the word before it, "context"), the new value with its unit; the old value is that quantity's
# "of"/"is" value earlier in the sentence or in the one before (`_STATED`, `changes`)
_CHANGED_TO = re.compile(
    rf"\b(?:extend|increas|expand|rais|enlarg|grow|reduc|decreas|lower|shorten|cut)\w*\s+"
    rf"(?:the\s+|its\s+|our\s+|their\s+)?(?:[A-Za-z-]+\s+){{0,2}}?(?:(?P<modifier>[A-Za-z-]+)\s+)?"
    rf"(?P<quantity>[A-Za-z-]{{3,}})\s+to\s+(?P<new>(?:{NUMBER})[%kKMB]?)(?!\d|[.,:]\d|[eE][-+]?\d)",
    re.IGNORECASE,
)
_STATED = r"(?:(?P<modifier>[A-Za-z-]+)\s+)?{quantity}\s+(?:of|is|was|=)\s+(?P<old>(?:{number})[%kKMB]?)(?!\d|[.,:]\d|[eE][-+]?\d)"
# words before a quantity that name no kind of it ("the length", "a length")
_NO_MODIFIER = {"a", "an", "the", "its", "our", "their", "this", "that", "with", "of", "to", "and"}
# kinds of one quantity that papers use for each other: a "sequence length" extended as a "context length"
_ONE_MEASURE = {"context", "sequence", "input", "window"}
# a value set against another's in brackets: "lower variance (3.47%) than humans (3.97%)", "a larger dataset
# (400M) than that of our tokenizer (35M)" (the second value ours: the first is the rival's); the rival named
# by words, digits only inside them: "GPT-4", not "the method of Lee (2021)" or "in (12)"
_THAN = re.compile(rf"\((?P<new>(?:{NUMBER})[%kKMB]?)\)\s+than\s+(?P<object>(?:[A-Za-z][\w.+-]*\s){{0,5}}?[A-Za-z][\w.+-]*)"
                   rf"\s?\((?P<old>(?:{NUMBER})[%kKMB]?)\)")
# a value set against another right after it, perhaps after its unit: "an LPIPS of 0.312 compared to 0.061 for the
# baseline", "FID 2.1 vs. 3.4", "92.5% accuracy versus Rival-B's 88.0%" (a few words between, naming whose: no
# digits in them)
_AGAINST = re.compile(
    rf"(?<![\d.,])(?P<new>(?:{NUMBER})[%×kKMB]?)(?P<unit>(?:\s[A-Za-z][\w-]*){{0,2}}?),?\s"
    rf"(?:vs\.?|versus|compared\s(?:to|with)|against)\s"
    rf"(?:(?:[A-Za-z][A-Za-z'’.-]*\s){{0,3}}?)(?P<old>(?:{NUMBER})[%×kKMB]?)(?![\d]|[.,]\d)"
)
# "8 vs 16 GPUs": a noun after the second value only counts both; neither is a result set against the other
_SHARED_NOUN = re.compile(r"\s[A-Za-z][\w-]*s\b")
# "ranges from 10 to 20", "varying from 3 to 9", "a scale from 1 to 5": a span of values, not a change
_SPAN_BEFORE = re.compile(r"\b(?:rang|var[iy]|span|scal)\w*\s+$", re.IGNORECASE)


def _one_form(new: str, old: str) -> bool:
    """Two values of one measure: one unit (a share, a size such as "35M", or none), both with decimals or
    neither."""
    return new.lstrip("0123456789.,") == old.lstrip("0123456789.,") and ("." in new) == ("." in old)


@dataclass(frozen=True)
class Versus:
    """A value set against a baseline in one phrase: where the words naming the value end (the phrase's start,
    or the value's own when it comes second), where the value and the baseline start in the sentence (-1: the
    baseline is in the sentence before), the baseline as printed."""

    named_until: int
    value_at: int
    baseline_at: int
    baseline: str


def _same_kind(modifier: str | None, other: str | None) -> bool:
    """Whether the words before two mentions of a quantity name one kind of it: the same word, none on either
    side, or two of `_ONE_MEASURE`."""
    first, second = ((m or "").lower() for m in (modifier, other))
    if first in _NO_MODIFIER or second in _NO_MODIFIER or not first or not second or first == second:
        return True
    return first in _ONE_MEASURE and second in _ONE_MEASURE


def changes(sentence: str, previous: str = "") -> dict[int, Versus]:
    """The changes "from X to Y" of a sentence by where X starts: both values in one form (a ratio, a share or a
    number), and no span of values ("ranges from 10 to 20"). A year changed to a year is a period, which the
    claim scorer skips ("from 2019 to 2021"). A change written with its new value only ("extend the context length
    to 8192") has the value the `previous` sentence or the words before it give the same quantity ("a sequence
    length of 2048"), in one form, as its baseline; it is keyed by where the new value starts."""
    found: dict[int, Versus] = {}
    for match in _CHANGE.finditer(sentence):
        old, new = match.group("old"), match.group("new")
        same_form = (":" in old) == (":" in new) and old.endswith("%") == new.endswith("%")
        if same_form and not _SPAN_BEFORE.search(sentence[:match.start()]):
            found[match.start("old")] = Versus(match.start(), match.start("new"), match.start("old"), old)
    for match in _CHANGED_TO.finditer(sentence):
        stated = re.compile(_STATED.format(quantity=re.escape(match.group("quantity")), number=NUMBER), re.IGNORECASE)
        before = sentence[:match.start()]
        said = [*stated.finditer(before)] or [*stated.finditer(previous)]
        old = said[-1] if said else None
        if old is None or not _one_form(match.group("new"), old.group("old")) or match.group("new") == old.group("old"):
            continue
        if not _same_kind(match.group("modifier"), old.group("modifier")):
            continue  # "a batch size of 256 ... the model size to 1024": two quantities
        at = old.start("old") if stated.search(before) else -1
        found[match.start("new")] = Versus(match.start("new"), match.start("new"), at, old.group("old"))
    return found


def against(sentence: str) -> dict[int, Versus]:
    """The values set against another written right after them ("0.312 compared to 0.061", "2.1 vs. 3.4") by
    where the value starts; both in one form, neither a year."""
    found: dict[int, Versus] = {}
    for match in _AGAINST.finditer(sentence):
        new, old = match.group("new"), match.group("old")
        shared = not match.group("unit") and _SHARED_NOUN.match(sentence, match.end("old"))
        if _one_form(new, old) and not YEAR.fullmatch(new) and not YEAR.fullmatch(old) and not shared:
            found[match.start("new")] = Versus(match.start("new"), match.start("new"), match.start("old"), old)
    return found


def thans(sentence: str) -> dict[int, Versus]:
    """The values set against a rival's in brackets ("(v) than X (w)") by where the value starts: v, against w;
    or w, against v, when X is the authors' own and what v belongs to is not ("a larger dataset (400M) than
    that of our tokenizer (35M)"; but "our model (85.2%) than our baseline (80.1%)" keeps v)."""
    found: dict[int, Versus] = {}
    for match in _THAN.finditer(sentence):
        new, old = match.group("new"), match.group("old")
        if not _one_form(new, old) or YEAR.fullmatch(new) or YEAR.fullmatch(old):
            continue  # neither a year: "(72.5) than Lee (2021)", "Lee et al. (2019) than our model (95)"
        if FIRST_PERSON.search(match.group("object")) and not FIRST_PERSON.search(sentence[:match.start()]):
            # named by the words before it ("our tokenizer"), not the rival's ("a much larger dataset")
            found[match.start("old")] = Versus(match.start("old") - 1, match.start("old"), match.start("new"),
                                                match.group("new"))
        else:
            found[match.start("new")] = Versus(match.start(), match.start("new"), match.start("old"),
                                                match.group("old"))
    return found
