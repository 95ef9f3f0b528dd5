"""Numbers in a card against the paper's text: one normaliser, shared by grounding and the eval."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence

from summarizer.card import Card, FlaggedNumber, Grounding, KeyNumber, ResultsTable

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
# a number: optional sign, digits with optional thousands separators, optional decimals
NUMBER = re.compile(r"(?<![\w.])-?\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)|(?<![\w.,])-?\d+(?:\.\d+)?(?![\d,]\d)")
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


PROSE_FIELDS = ("headline", "core_problem", "method", "results_text", "verdict")


def check(card: Card, pages: list[str], *, remove_ungrounded: bool = True) -> Card:
    """Check every number of the card against the paper; remove (or flag) what the paper does not print.

    Removed numbers leave a visible "[number not in paper]" in the prose and are listed in
    `grounding.flagged`, so the editor sees what the model claimed; nothing ungrounded is published.
    """
    paper = paper_numbers(tuple(pages))
    checked = held = 0
    flagged: list[FlaggedNumber] = []
    updates: dict[str, object] = {}
    for field in PROSE_FIELDS:
        text = getattr(card, field)
        if not text:
            continue
        for number in dict.fromkeys(numbers_in(text)):
            checked += 1
            if paper.has(number):
                held += 1
                continue
            action = "removed" if remove_ungrounded else "flagged"
            flagged.append(FlaggedNumber(field=field, number=number, action=action))
            text = _mark(text, number, remove=remove_ungrounded)
        updates[field] = text
    key_numbers: list[KeyNumber] = []
    for kn in card.key_numbers:
        parts = [kn.value] + (re.split(r";\s*", kn.baseline) if kn.baseline else [])
        found = [(part, numbers_in(part)) for part in parts]
        values = [n for _, numbers in found for n in numbers]
        words = [part for part, numbers in found if not numbers]  # "unpublished", a grant id: as printed
        ok = (all(paper.on_page(v, kn.page) or (kn.page is None and paper.has(v)) for v in values)
              and all(paper.prints(w, kn.page) for w in words))
        checked += 1
        held += ok
        if ok:
            key_numbers.append(kn)
        else:
            flagged.append(FlaggedNumber(field="key_numbers", number=kn.value, action="removed"))
    tables: list[ResultsTable] = []
    for table in card.results_tables:
        rows = []
        for row in table.rows:
            cells_ok = True
            for cell in row[1:]:
                for number in numbers_in(cell):
                    checked += 1
                    good = paper.on_page(number, table.page) if table.page else paper.has(number)
                    held += good
                    cells_ok &= good
                    if not good:
                        flagged.append(FlaggedNumber(field="results_tables", number=number, action="removed"))
            if cells_ok:
                rows.append(row)
        if rows:
            tables.append(table.model_copy(update={"rows": rows}))
    needs_review = list(card.needs_review)
    if flagged and "ungrounded numbers" not in needs_review:
        needs_review.append("ungrounded numbers")
    return card.model_copy(update={
        **updates, "key_numbers": key_numbers, "results_tables": tables, "needs_review": needs_review,
        "grounding": Grounding(checked=checked, held=held, flagged=flagged),
    })


def _mark(text: str, number: str, *, remove: bool) -> str:
    """Make an ungrounded number visible to the editor (or drop it) in normalised prose."""
    pattern = re.compile(r"(?<![\w.,])" + re.escape(number) + r"(?![\d])")
    marker = "[number not in paper]" if remove else r"\g<0> [not in paper]"
    marked, n = pattern.subn(marker, text)
    if n == 0:  # written with other separators or signs than the normalised form: say so at the end
        marked = f"{text} [{'removed' if remove else 'not in paper'}: {number}]"
    return marked
