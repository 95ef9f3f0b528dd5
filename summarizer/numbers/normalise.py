"""The one text and number normaliser: how the parser, claims, grounding and the eval compare numbers.

PDF text spells one number many ways (Unicode minus signs, thin spaces, "46 .0", "16, 464"); every
comparison of numbers in the project goes through `normalize_text` and `canonical` here.
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from collections.abc import Collection, Sequence

from summarizer.numbers import pointers
from summarizer.text import INVISIBLE, SPACES

# minus signs, hyphens and dashes: all read as "-", a minus when a number follows
DASHES = "\u2212\u2010\u2011\u2012\u2013\u2014\u2015\ufe63\uff0d"
_DASHES = dict.fromkeys(map(ord, DASHES), "-")
# pypdf (MODELS.md §5) prints some table cells as "46 .0"; rejoin the decimal
_SPLIT_DECIMAL = re.compile(r"(?<=\d) \.(?=\d)")
# LaTeX math mode prints a thin space after a thousands comma ("16, 464"); rejoin it as the eval checker
# does. A leading group of 1-3 digits not part of a decimal, then ", ddd" groups.
_THOUSANDS = re.compile(r"(?<![\d.,])\d{1,3}(?:, ?\d{3})+(?!\d)")
# a number as printed: optional sign, digits (with or without thousands commas), optional decimals
NUMBER = re.compile(r"""
    (?<![\w.]) -? \d{1,3} (?:,\d{3})+ (?:\.\d+)? (?!\d)   # with thousands commas: 16,464 or -1,234.5
  | (?<![\w.,]) -? \d+ (?:\.\d+)? (?![\d,]\d)           # plain: 42, -0.5, 61.0 (not a piece of 1,234)
""", re.VERBOSE)
# a value with its scale: "80%", "16k+", "16 thousand", "1.5M", "90 million" (what `restates` compares)
_ROUNDED = re.compile(r"(?P<digits>\d[\d,]*(?:\.\d+)?)\s?(?P<scale>%|k\b|K\b|M\b|B\b|thousand|million|billion)?",
                      re.IGNORECASE)
# what a scale multiplies by, by its first letter: "7B", "35M", "16k", "thousand", "million", "billion"
SCALES = {"k": 1e3, "t": 1e3, "m": 1e6, "b": 1e9}
# a scale word as the letter printed for it after a number ("90 million" is "90M"; "14.8T" is a trillion)
SCALE_LETTERS = {"thousand": "k", "million": "m", "billion": "b", "trillion": "t"}
# counts written as words, by their value
NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                "twelve")
_SAME_SHARE = 1e-6  # "80%" and "0.80" are one share: equal up to float rounding
# a "-" after a number and a space joins two numbers ("10 - 20"), it does not sign the second
_OPERAND_BEFORE = re.compile(r"[\d%] $")
# a word broken at a line end: its head, a hyphen and a space, then the rest of it ("instruc- tions")
_BROKEN_WORD = re.compile(r"\b([A-Za-z]+)- ([A-Za-z]+(?:-[A-Za-z]+)*)\b")
_WORD = re.compile(r"[a-z]+(?:-[a-z]+)*")
# numbers glued to letters are parts of names (GPT-4, Qwen2.5, L2), not claims; units are allowed
_UNIT_AFTER = re.compile(r"^(?:%|×|x\b|k\b|K\b|M\b|B\b|G\b|s\b|ms\b)")


def normalize_text(text: str) -> str:
    """NFKC, one kind of minus and space, joined split decimals and thousands: how numbers are compared."""
    return re.sub(r"\s+", " ", _normalize_chars(text))


def rejoin_words(text: str, vocabulary: Collection[str]) -> str:
    """Words the PDF broke at a line end ("instruc- tions", "Giga- GAN", "text- to-image") joined the way the
    paper prints them elsewhere (`vocabulary`: its words, lower-case, hyphenated ones whole): without the hyphen
    ("instructions", "GigaGAN"), or with it ("instruction-relevant"; always when the rest is hyphenated itself:
    "text-to-image"). A break the paper gives no spelling for is left as it is ("pre- and post-training")."""
    def joined(match: re.Match[str]) -> str:
        head, tail = match.group(1), match.group(2)
        if (head + tail).lower() in vocabulary:
            return head + tail
        if f"{head}-{tail}".lower() in vocabulary or "-" in tail:
            return f"{head}-{tail}"
        return match.group(0)
    return _BROKEN_WORD.sub(joined, text)


def words_of(text: str) -> set[str]:
    """The vocabulary `rejoin_words` reads: every word of the text, lower-case, hyphenated ones whole."""
    return set(_WORD.findall(text.lower()))


def _normalize_lines(text: str) -> str:
    """normalize_text with the lines kept: where a page number or a reference entry is depends on them."""
    return "\n".join(" ".join(line.split()) for line in _normalize_chars(text).splitlines())


def _normalize_chars(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_DASHES).translate(SPACES).translate(INVISIBLE)
    return rejoin_numbers(text)


def rejoin_numbers(text: str) -> str:
    """Undo PDF text extraction's splits inside numbers ("46 .0", "16, 464"); lines are kept."""
    text = _SPLIT_DECIMAL.sub(".", text)
    return _THOUSANDS.sub(lambda m: m.group(0).replace(" ", ""), text)


def canonical(number: str) -> str:
    """One spelling per magnitude: no sign, no thousands separators, no trailing zeros ("61.0" == "61",
    "16,464"). The sign is compared apart (`sign_of`): prose says "44.6% lower" for a table's "-44.6%"."""
    return _canonical_normalized(normalize_text(number))


def sign_of(number: str) -> str:
    """"-" for a number written negative (any dash or minus sign), "+" for an explicit plus, else ""."""
    first = normalize_text(number).strip()[:1]
    return first if first in ("-", "+") else ""


def _canonical_normalized(number: str) -> str:
    """canonical() of a number cut from text that normalize_text has already seen."""
    n = number.strip().replace(",", "").replace(" ", "")
    n = n.lstrip("+-")
    if "." in n:
        n = n.rstrip("0").rstrip(".")
    if n in ("-0", ""):
        n = "0"
    return n


def magnitude(value: str) -> float | None:
    """The number a scaled value stands for ("2664K" and "2.664M" -> 2664000.0), else None."""
    found = _ROUNDED.match(normalize_text(value).strip())
    if found is None or (found.group("scale") or "%") == "%":
        return None
    return float(found.group("digits").replace(",", "")) * SCALES[found.group("scale")[0].lower()]


def restates(value: str, precise: Sequence[str]) -> bool:
    """Whether a value repeats one of the `precise` numbers in a rounder form: as a share of the same
    fraction ("80%" for "0.80") or rounded to its scale ("16k+" or "16 thousand" for "16,464", "1.5M" for
    "1,520,000"). A value without a scale repeats nothing here: equal numbers are compared by `canonical`."""
    found = _ROUNDED.match(normalize_text(value).strip())
    if found is None or not found.group("scale"):
        return False
    digits, scale = found.group("digits").replace(",", ""), found.group("scale").lower()
    shown = float(digits)
    factor = SCALES.get(scale[0], 1.0)
    unit = factor * 10 ** -len(digits.partition(".")[2])  # "16k": a thousand; "1.5M": a hundred thousand
    for number in precise:
        other = float(canonical(number))
        if scale == "%" and "." in number and other <= 1 and abs(shown - 100 * other) < _SAME_SHARE:
            return True  # a fraction printed as a decimal: "0.80"
        if scale != "%" and shown * factor - unit / 2 <= other < shown * factor + unit:
            return True
    return False


def numbers_in(text: str) -> list[str]:
    """The numbers a reader would check in a piece of prose, as written (model and part names skipped)."""
    text = normalize_text(text)
    found = []
    for match in NUMBER.finditer(text):
        start, end = match.span()
        before = text[start - 1] if start else " "
        after = text[end:end + 3]
        if before.isalpha() or (before == "-" and start > 1 and text[start - 2].isalnum()):
            continue  # GPT-4, ResNet-50
        if after[:1].isalpha() and not _UNIT_AFTER.match(after):
            continue  # 7B is kept as "7"? no: "7B" matches the unit rule; "3D", "2nd" are skipped
        number = match.group()
        if before == "-" or (number[0] == "-" and _OPERAND_BEFORE.search(text, 0, start)):
            number = number.lstrip("-")  # "10 - 20", "5% - 3%": a range or a difference, not a sign
        elif before == "+" and not text[start - 2:start - 1].isalnum() and text[start - 2:start - 1] != "+":
            number = "+" + number  # "+1.4": a sign the grounding check holds to; not "C++14"
        found.append(number)
    return found


class PaperNumbers:
    """The numbers printed in a paper (or any texts), per page: each magnitude with the signs it has there.

    Built with `skip_pointers` (as `paper_numbers` does for a paper's pages), page numbers, citations,
    dates and reference entries are left out (`pointers`): a number printed only there is not a result.

    Signs: a number written with "-" is printed only where the page prints it negative, one with "+" where
    the page prints it positive (signed or not); an unsigned number matches either, since prose states the
    direction in words ("44.6% lower" for a table's "-44.6%").
    """

    def __init__(self, pages: Sequence[str], *, skip_pointers: bool = False) -> None:
        self.pages = [normalize_text(p) for p in pages]
        lined = [_normalize_lines(p) for p in pages]
        skipped = pointers.find(lined) if skip_pointers else [[] for _ in lined]
        self.by_page: list[dict[str, set[str]]] = [_printed(t, s) for t, s in zip(lined, skipped, strict=True)]

    def has(self, number: str) -> bool:
        """Is the number printed on any page?"""
        key, sign = canonical(number), sign_of(number)
        return any(_signed(found.get(key), sign) for found in self.by_page)

    def page_of(self, *numbers: str) -> int | None:
        """The first 1-based page that prints all of these numbers."""
        wanted = [(canonical(n), sign_of(n)) for n in numbers]
        return next((i + 1 for i, found in enumerate(self.by_page)
                     if all(_signed(found.get(key), sign) for key, sign in wanted)), None)

    def prints(self, text: str, page: int | None) -> bool:
        """Is this text (no number in it) printed on the page, or anywhere when page is None?"""
        needle = normalize_text(text).strip()
        if not needle:
            return False
        if page is None:
            return any(needle in p for p in self.pages)
        return 1 <= page <= len(self.pages) and needle in self.pages[page - 1]

    def on_page(self, number: str, page: int | None) -> bool:
        """Is the number printed on this 1-based page, with its sign when it has one?"""
        if page is None or not 1 <= page <= len(self.by_page):
            return False
        return _signed(self.by_page[page - 1].get(canonical(number)), sign_of(number))


def _signed(printed: set[str] | None, sign: str) -> bool:
    """Do the signs a page prints a magnitude with hold a number written with this sign?"""
    if not printed:
        return False
    return sign == "" or sign in printed or (sign == "+" and "" in printed)


def _printed(text: str, skipped: list[pointers.Span]) -> dict[str, set[str]]:
    """Magnitude -> signs of the numbers in a page's text outside the skipped spans."""
    starts = [start for start, _ in skipped]
    found: dict[str, set[str]] = {}
    for match in NUMBER.finditer(text):
        number = match.group()
        digits = match.start() + number.startswith("-")
        at = bisect.bisect_right(starts, digits) - 1
        if at >= 0 and skipped[at][0] <= digits < skipped[at][1]:
            continue
        sign = "-" if number.startswith("-") else "+" if text[digits - 1:digits] == "+" else ""
        found.setdefault(_canonical_normalized(number), set()).add(sign)
    return found


@functools.lru_cache(maxsize=4)
def paper_numbers(pages: tuple[str, ...]) -> PaperNumbers:
    """One PaperNumbers per paper, without its page numbers, citations and dates: claims and the grounding
    check of the same card share it."""
    return PaperNumbers(pages, skip_pointers=True)
