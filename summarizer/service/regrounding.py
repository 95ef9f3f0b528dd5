"""Key numbers an editor changed, checked again against the paper's text when the card is saved or previewed.

An editor's text is never altered here: only each number's `grounded` flag and the card's `grounding`. A key
number is in one of three states (`state`): held (the paper prints it on its page), not found (checked, and
the paper does not: listed in `grounding.flagged`), or not checked (its paper's text was not in this
server's cache when it was saved, or it was added before saving checked numbers).
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import ValidationError

from summarizer.card import Card, FlaggedNumber, Grounding, KeyNumber
from summarizer.document import Document
from summarizer.files import document_path
from summarizer.numbers import grounding

__all__ = ["NumberState", "other_flags", "paper_pages", "recheck", "state"]

NumberState = Literal["held", "not found", "not checked"]
Pages = tuple[str, ...]
# what the check of a key number looks at: its value, its baseline and the page it cites
Place = tuple[str, str | None, int | None]
_SHA256 = re.compile(r"[0-9a-f]{64}")
_PAGES_KEPT = 8  # papers whose text stays in memory: the few an editor has open
_PAGES: dict[tuple[Path, int], Pages] = {}


def state(card: Card, number: KeyNumber) -> NumberState:
    """What the last check said of one of the card's numbers."""
    if number.grounded:
        return "held"
    return "not found" if _flag(number.value) in card.grounding.flagged else "not checked"


def other_flags(card: Card) -> list[FlaggedNumber]:
    """What the grounding flagged besides the card's key numbers (which an editor sees by their rows): the
    prose's numbers, the tables' cells and the numbers the pipeline removed."""
    return [flag for flag in card.grounding.flagged if flag != _flag(flag.number)]


def recheck(base: Card, edited: Card, pages: Callable[[], Pages | None]) -> Card:
    """`edited` (an editor's form over `base`) with the flags of its numbers and the card's grounding made true.

    A number with the value, baseline and page of one of `base`'s keeps what was known of it; any other (an
    edited or added number), and one never checked, is checked by the pipeline's own rule (printed on its
    page) against `pages()`, read only then: held or not found; not checked when `pages()` gives None. The
    grounding counts lose what the numbers gone from the card had added and gain what the new ones add; what
    it says of the prose and the tables stays.
    """
    known: dict[Place, NumberState] = {}
    for number in base.key_numbers + base.more_numbers:
        known.setdefault(_place(number), state(base, number))
    paper = functools.cache(pages)

    def checked(number: KeyNumber) -> tuple[KeyNumber, NumberState]:
        now = known.get(_place(number), "not checked")
        text = paper() if now == "not checked" else None
        if text is not None:
            now = "held" if _held(number, text) else "not found"
        return number.model_copy(update={"grounded": now == "held"}), now

    key, more = [checked(n) for n in edited.key_numbers], [checked(n) for n in edited.more_numbers]
    before = Counter((_place(n), state(base, n)) for n in base.key_numbers + base.more_numbers)
    after = Counter((_place(n), now) for n, now in key + more)
    return edited.model_copy(update={
        "key_numbers": [n for n, _ in key], "more_numbers": [n for n, _ in more],
        "grounding": _recounted(base.grounding, gone=before - after, new=after - before),
    })


def _recounted(was: Grounding, *, gone: Counter[tuple[Place, NumberState]],
               new: Counter[tuple[Place, NumberState]]) -> Grounding:
    """The grounding without what the numbers `gone` added to it, with what the `new` ones add."""
    checked, held, flagged = was.checked, was.held, list(was.flagged)
    for sign, numbers in ((-1, gone), (1, new)):
        for ((value, _baseline, _page), now), times in numbers.items():
            if now == "not checked":
                continue  # counted nowhere
            checked += sign * times
            if now == "held":
                held += sign * times
            elif sign > 0:
                flagged += [_flag(value)] * times
            else:
                for _ in range(min(times, flagged.count(_flag(value)))):
                    flagged.remove(_flag(value))
    checked = max(checked, 0)  # a hand-made card's counts need not add up: never below nothing
    return Grounding(checked=checked, held=min(max(held, 0), checked), flagged=flagged)


def _place(number: KeyNumber) -> Place:
    return number.value, number.baseline, number.page


def _flag(value: str) -> FlaggedNumber:
    """How grounding.flagged lists a key number on the card that the paper does not print."""
    return FlaggedNumber(field="key_numbers", number=value, action="flagged")


def _held(number: KeyNumber, pages: Pages) -> bool:
    """Whether the paper prints the number as the pipeline's check requires: the check itself, on a card of it."""
    probe = Card(title="", key_numbers=[number.model_copy(update={"grounded": True})])
    return bool(grounding.check(probe, list(pages)).key_numbers)


def paper_pages(cache_dir: Path, card: Card) -> Pages | None:
    """The page texts of the card's paper as the parse stage cached them; None when they are not there (the
    server never parses a PDF)."""
    sha256 = card.provenance.pdf_sha256
    if not sha256 or not _SHA256.fullmatch(sha256):  # an abstract-only card has none
        return None
    return _cached_pages(document_path(cache_dir, sha256))


def _cached_pages(path: Path) -> Pages | None:
    """A cached Document's page texts, read once per process while the file stays as it was: every preview of
    an edited number asks again. A missing file is None every time it is missing."""
    try:
        key = (path, path.stat().st_mtime_ns)
        if key not in _PAGES:
            document = Document.model_validate_json(path.read_bytes())
            if len(_PAGES) >= _PAGES_KEPT:
                _PAGES.pop(next(iter(_PAGES)), None)  # the oldest
            _PAGES[key] = tuple(page.text for page in document.pages)
    except (OSError, ValidationError):
        return None
    return _PAGES.get(key)


