"""The one text and number normaliser: how the parser, claims, grounding and the eval compare numbers.

PDF text spells one number many ways (Unicode minus signs, thin spaces, "46 .0", "16, 464"); every
comparison of numbers in the project goes through `normalize_text` and `canonical` here.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence

_DASHES = dict.fromkeys(map(ord, "\u2212\u2010\u2011\u2012\u2013\u2014\u2015\ufe63\uff0d"), "-")
# Invisible characters that break substring matches of numbers and words: zero-width and joiner
# characters, soft hyphen, BOM, bidi controls and variation selectors.
INVISIBLE: dict[int, None] = dict.fromkeys([
    0x00AD, 0x034F, 0x061C, 0x180E, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0x2061, 0x2062,
    0x2063, 0x2064, 0xFEFF, *range(0x202A, 0x202F), *range(0x2066, 0x206A), *range(0xFE00, 0xFE10),
])
# no-break, figure, thin, hair and other fixed-width spaces become plain spaces so tokens split cleanly
SPACES: dict[int, str] = {c: " " for c in [0x09, 0x00A0, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000]}
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
# numbers glued to letters are parts of names (GPT-4, Qwen2.5, L2), not claims; units are allowed
_UNIT_AFTER = re.compile(r"^(?:%|×|x\b|k\b|K\b|M\b|B\b|G\b|s\b|ms\b)")


def normalize_text(text: str) -> str:
    """NFKC, one kind of minus and space, joined split decimals and thousands: how numbers are compared."""
    text = unicodedata.normalize("NFKC", text).translate(_DASHES).translate(SPACES).translate(INVISIBLE)
    return re.sub(r"\s+", " ", rejoin_numbers(text))


def rejoin_numbers(text: str) -> str:
    """Undo PDF text extraction's splits inside numbers ("46 .0", "16, 464"); lines are kept."""
    text = _SPLIT_DECIMAL.sub(".", text)
    return _THOUSANDS.sub(lambda m: m.group(0).replace(" ", ""), text)


def canonical(number: str) -> str:
    """One spelling per value: no thousands separators, no trailing zeros ("61.0" == "61", "16,464")."""
    return _canonical_normalized(normalize_text(number))


def _canonical_normalized(number: str) -> str:
    """canonical() of a number cut from text that normalize_text has already seen."""
    n = number.strip().replace(",", "").replace(" ", "")
    # the sign is presentation ("-44.6%" in a table, "44.6% lower" in prose): compare magnitudes
    n = n.lstrip("+-")
    if "." in n:
        n = n.rstrip("0").rstrip(".")
    if n in ("-0", ""):
        n = "0"
    return n


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
        found.append(match.group().lstrip("-") if before == "-" else match.group())
    return found


class PaperNumbers:
    """The set of numbers printed in a paper, per page, in canonical form."""

    def __init__(self, pages: Sequence[str]) -> None:
        self.pages = [normalize_text(p) for p in pages]
        self.by_page: list[set[str]] = [{_canonical_normalized(n) for n in NUMBER.findall(p)}
                                        for p in self.pages]
        self.all: set[str] = set().union(*self.by_page) if self.by_page else set()

    def has(self, number: str) -> bool:
        return canonical(number) in self.all

    def page_of(self, *numbers: str) -> int | None:
        """The first 1-based page that prints all of these numbers."""
        keys = {canonical(n) for n in numbers}
        return next((i + 1 for i, found in enumerate(self.by_page) if keys <= found), None)

    def prints(self, text: str, page: int | None) -> bool:
        """Is this text (no number in it) printed on the page, or anywhere when page is None?"""
        needle = normalize_text(text).strip()
        if not needle:
            return False
        if page is None:
            return any(needle in p for p in self.pages)
        return 1 <= page <= len(self.pages) and needle in self.pages[page - 1]

    def on_page(self, number: str, page: int | None) -> bool:
        if page is None or not 1 <= page <= len(self.by_page):
            return False
        return canonical(number) in self.by_page[page - 1]


@functools.lru_cache(maxsize=4)
def paper_numbers(pages: tuple[str, ...]) -> PaperNumbers:
    """One PaperNumbers per paper: claims and the grounding check of the same card share it."""
    return PaperNumbers(pages)
