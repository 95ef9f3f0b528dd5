"""Score one generated card against one hand-written reference card (shared/eval/papers/*.json).

Pure functions: no I/O, no network. Numbers are compared through the one normaliser in
`summarizer.numbers.normalise` (`normalize_text`, `canonical`, `numbers_in`, `PaperNumbers`), so "61.0" == "61",
"16,464" == "16464" and "−44.6" == "-44.6" (== "44.6": `canonical` compares magnitudes).

A card may be a `summarizer.card.Card` or a dict with the same field names; a reference is a dict as
loaded from the JSON files. Every score is a float in [0, 1], a bool, or None when it is undefined
(the reference has nothing to recall, the card states no number).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from summarizer.card import Card
from summarizer.numbers.grounding import PROSE_FIELDS
from summarizer.numbers.normalise import (
    NUMBER_WORDS,
    SCALE_LETTERS,
    PaperNumbers,
    canonical,
    normalize_text,
    numbers_in,
)

Score = float | bool | None
CardLike = Card | Mapping[str, Any]

# a word of lowercased text for must_mention matching (letters and digits only)
_WORD = re.compile(r"[0-9a-z]+")
# a word token for ROUGE-L
_TOKEN = re.compile(r"\w+")
_EMPTY_CELLS = {"", "-", "\u2014", "\u2013"}
ROUGE_FIELDS = ("core_problem", "method", "verdict")
MUST_MENTION_FIELDS = ("name", "title", "headline", "core_problem", "method", "results_text", "verdict")
# shorter words of a must_mention phrase ("of", "in") are in any text, so matching them proves no mention
MIN_MENTION_WORD_CHARS = 3


# ----------------------------------------------------------------------------------------------- access

def _as_dict(card: CardLike) -> dict[str, Any]:
    if hasattr(card, "model_dump"):
        return card.model_dump()
    return dict(card)


def _item(obj: Any) -> dict[str, Any]:
    return obj.model_dump() if hasattr(obj, "model_dump") else dict(obj)


def _key_numbers(card: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [_item(kn) for kn in card.get("key_numbers") or []]


def _ranked_numbers(card: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The card's numbers in rank order: its key numbers, then the further ones kept for the editor."""
    return _key_numbers(card) + [_item(kn) for kn in card.get("more_numbers") or []]


def _tables(card: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [_item(t) for t in card.get("results_tables") or []]


def _cells(card: Mapping[str, Any]) -> list[str]:
    """Every body cell of the card's results tables (row labels included), as written."""
    return [str(cell) for table in _tables(card) for row in table.get("rows") or [] for cell in row
            if cell is not None]


def _baseline_parts(baseline: str | None) -> list[str]:
    # a baseline may list several values separated by ";"
    return [p.strip() for p in re.split(r";", baseline)] if baseline else []


def _numbers(text: str | None) -> list[str]:
    return numbers_in(text) if text else []


def _stated_numbers(card: Mapping[str, Any]) -> list[str]:
    """The numbers the card states, as written: prose, key-number values and baselines, table cells."""
    found: list[str] = []
    for field in PROSE_FIELDS:
        found += _numbers(card.get(field))
    for kn in _key_numbers(card):
        found += _numbers(kn.get("value"))
        for part in _baseline_parts(kn.get("baseline")):
            found += _numbers(part)
    for cell in _cells(card):
        found += _numbers(cell)
    return found


def _stated_canonical(card: Mapping[str, Any]) -> set[str]:
    return {canonical(n) for n in _stated_numbers(card)}


def _card_text(card: Mapping[str, Any]) -> str:
    """All of the card's prose, key-number text and table text, normalised and lowercased."""
    parts: list[str] = [card.get(f) or "" for f in (*PROSE_FIELDS, "title", "name")]
    for kn in _key_numbers(card):
        parts += [kn.get(k) or "" for k in ("metric", "setting", "value", "baseline", "context")]
    for table in _tables(card):
        parts.append(table.get("caption") or "")
        parts += [str(c) for c in table.get("columns") or []]
    parts += _cells(card)
    return normalize_text("\n".join(parts)).casefold()


def _stated(text_part: str, numbers: set[str], card_text: str) -> bool:
    """Is this value (or baseline part) stated in the card? All its numbers, or its text if it has none."""
    found = numbers_in(text_part)
    if found:
        return all(canonical(n) in numbers for n in found)
    needle = normalize_text(text_part).strip().casefold()
    return bool(needle) and needle in card_text


# ----------------------------------------------------------------------------------------------- numbers

def grounding_precision(card: CardLike, pages: list[str]) -> float | None:
    """Share of the distinct numbers the card states that the paper prints anywhere (None: no numbers).

    Numbers come from the prose fields (headline, core_problem, method, results_text, verdict, via
    `numbers_in`), key-number values and every ';'-part of their baselines, and results-table cells; each
    distinct value (canonical form) counts once, so one invented number among N distinct ones gives (N-1)/N.
    """
    stated = list(dict.fromkeys(canonical(n) for n in _stated_numbers(_as_dict(card))))
    if not stated:
        return None
    paper = PaperNumbers(pages)
    return sum(paper.has(n) for n in stated) / len(stated)


def _key_number_hits(card: CardLike, reference: Mapping[str, Any], *, with_baseline: bool) -> float | None:
    wanted = _key_numbers(reference)
    if not wanted:
        return None
    data = _as_dict(card)
    numbers, text = _stated_canonical(data), _card_text(data)
    hits = 0
    for kn in wanted:
        ok = _stated(str(kn.get("value") or ""), numbers, text)
        if ok and with_baseline:
            ok = all(_stated(part, numbers, text) for part in _baseline_parts(kn.get("baseline")) if part)
        hits += ok
    return hits / len(wanted)


def key_number_recall_anywhere(card: CardLike, reference: Mapping[str, Any]) -> float | None:
    """Lenient: share of the reference's key numbers whose digits the card states anywhere (prose, any table
    cell, any baseline). A card that lists every number of the paper scores high here: read it beside
    key_numbers_at_k, never alone (None: the reference has none)."""
    return _key_number_hits(card, reference, with_baseline=False)


def key_number_recall_anywhere_with_baseline(card: CardLike, reference: Mapping[str, Any]) -> float | None:
    """As key_number_recall_anywhere, but a key number with a baseline also needs every ';'-part of it."""
    return _key_number_hits(card, reference, with_baseline=True)


# the words a value is phrased with, which do not change what it says ("up to 50x", "approximately 20")
_HEDGES = frozenset({
    "about", "approximately", "around", "roughly", "nearly", "almost", "over", "under", "above", "below",
    "up", "to", "more", "less", "than", "fewer", "at", "least", "most", "by", "only",
})
_NUMBER_WORDS = {word: str(n) for n, word in enumerate(NUMBER_WORDS)}
_PERCENT = re.compile(r"%|\bper ?cent\b")
_FACTOR = re.compile(r"\d\s*(?:×|x\b)|\btimes\b|\bfold\b")
_POINTS = re.compile(r"\bpp\b|\bpercentage points?\b|\bpoints?\b")
# 35M, 1.5B, 4k (casefolded), and the same in words: "104.9 million", "4-billion-parameter"
_MAGNITUDE = re.compile(r"\d(?:\s*([kmbt])\b|[\s-]*(thousand|million|billion|trillion)\b)")
_SIGNED_NUMBER = re.compile(r"(?<![\w.])([-+]?)(\d[\d,]*(?:\.\d+)?)")


def value_form(value: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """What a key number's value says, for a whole-value match: its numbers in order, each with its sign
    ("-2.1" is not "2.1"), and its units (percent, factor, points, K/M/B/T magnitude). A value without
    digits ("three") is its words, number words as digits; phrasing ("up to", "approximately") is ignored."""
    text = normalize_text(value).casefold()
    words = [_NUMBER_WORDS.get(word, word) for word in _WORD.findall(text)]
    text = " ".join(_NUMBER_WORDS.get(word, word) for word in text.split())
    numbers = tuple(sign.replace("+", "") + canonical(digits) for sign, digits in _SIGNED_NUMBER.findall(text))
    units = {unit for unit, pattern in (("%", _PERCENT), ("×", _FACTOR), ("pp", _POINTS)) if pattern.search(text)}
    units |= {letter or SCALE_LETTERS[word] for letter, word in _MAGNITUDE.findall(text)}
    if not numbers:
        numbers = tuple(word for word in words if word not in _HEDGES)
    return numbers, frozenset(units)


def _baseline_numbers(baseline: str | None) -> set[str]:
    return {number for part in _baseline_parts(baseline) for number in value_form(part)[0]}


def _same_entry(card_kn: Mapping[str, Any], ref_kn: Mapping[str, Any]) -> bool:
    """The card's key number says what the reference's does: the whole value and, when the reference
    compares it with baselines, one of those baselines in the card entry's own baseline (a card names the
    strongest competitor; a reference may list several). A card baseline listing more numbers than the
    reference's does not match: every rival's value in one entry would otherwise always hit."""
    if value_form(str(card_kn.get("value") or "")) != value_form(str(ref_kn.get("value") or "")):
        return False
    wanted = _baseline_numbers(ref_kn.get("baseline"))
    offered = _baseline_numbers(card_kn.get("baseline"))
    return not wanted or (bool(wanted & offered) and len(offered) <= len(wanted))


def key_numbers_at_k(card: CardLike, reference: Mapping[str, Any]) -> dict[str, Score]:
    """Strict, budget-matched: only the card's own numbers (`key_numbers`, then `more_numbers`: one ranked
    list), only its first k (k = how many the reference lists), each matched to at most one reference entry
    by `_same_entry`.

    recall = reference entries matched / k; precision = matched / the card's first-k entries (None when the
    card lists none). Listing more numbers cannot raise either: the budget is the reference's.
    """
    wanted = _key_numbers(reference)
    if not wanted:
        return {"key_numbers_recall_at_k": None, "key_numbers_precision_at_k": None}
    offered = _ranked_numbers(_as_dict(card))[:len(wanted)]
    used: set[int] = set()
    for ref_kn in wanted:
        match = next((i for i, kn in enumerate(offered) if i not in used and _same_entry(kn, ref_kn)), None)
        if match is not None:
            used.add(match)
    return {"key_numbers_recall_at_k": len(used) / len(wanted),
            "key_numbers_precision_at_k": len(used) / len(offered) if offered else None}


def table_cell_recall(card: CardLike, reference: Mapping[str, Any]) -> float | None:
    """Share of the reference tables' numeric cells found among the card's table cells (None: no such cells).

    A cell is numeric when `numbers_in` finds a number in it ("-", "—" and empty cells are skipped); it is
    found when every number in it occurs (canonical form) in some cell of the card's tables.
    """
    wanted = [cell for cell in _cells(reference)
              if cell.strip() not in _EMPTY_CELLS and numbers_in(cell)]
    if not wanted:
        return None
    have = {canonical(n) for cell in _cells(_as_dict(card)) for n in numbers_in(cell)}
    return sum(all(canonical(n) in have for n in numbers_in(cell)) for cell in wanted) / len(wanted)


# ----------------------------------------------------------------------------------------------- metadata

def _norm(text: str | None) -> str:
    return " ".join(normalize_text(text or "").split()).casefold()


def _arxiv(text: str | None) -> str:
    text = _norm(text).removeprefix("arxiv:").strip()
    # the version suffix: "2501.12948v2" is "2501.12948"
    return re.sub(r"v\d+$", "", text)


def _code_url(url: str | None) -> str:
    url = _norm(url)
    # any URL scheme (RFC 3986: a letter, then letters, digits, "+", "." or "-")
    url = re.sub(r"^[a-z][a-z0-9+.\-]*://", "", url)
    return url.removeprefix("www.").rstrip("/")


def author_f1(card_authors: Iterable[str], reference_authors: Iterable[str]) -> float | None:
    """F1 of two author lists, names compared case-insensitively after normalize_text (None: no reference)."""
    ref = {_norm(a) for a in reference_authors if _norm(a)}
    got = {_norm(a) for a in card_authors if _norm(a)}
    if not ref:
        return None
    common = len(ref & got)
    if not common:
        return 0.0
    precision, recall = common / len(got), common / len(ref)
    return 2 * precision * recall / (precision + recall)


def metadata(card: CardLike, reference: Mapping[str, Any]) -> dict[str, Score]:
    """Title, authors, arXiv id, venue, peer-review status and code fields against the reference."""
    data = _as_dict(card)
    ref_title, ref_id = reference.get("title"), reference.get("arxiv_id")
    return {
        "title_exact": None if not ref_title else _norm(data.get("title")) == _norm(ref_title),
        "author_f1": author_f1(data.get("authors") or [], reference.get("authors") or []),
        "arxiv_id_match": None if not ref_id else _arxiv(data.get("arxiv_id")) == _arxiv(ref_id),
        "venue_match": _norm(data.get("venue")) == _norm(reference.get("venue")),
        "peer_review_status_match": (data.get("peer_review_status") or "unknown")
        == (reference.get("peer_review_status") or "unknown"),
        "code_url_match": _code_url(data.get("code_url")) == _code_url(reference.get("code_url")),
        "code_status_match": (data.get("code_status") or "unknown") == (reference.get("code_status") or "unknown"),
    }


# ----------------------------------------------------------------------------------------------- text

def _mention_text(card: Mapping[str, Any]) -> str:
    parts: list[str] = [card.get(f) or "" for f in MUST_MENTION_FIELDS]
    parts += [kn.get("metric") or "" for kn in _key_numbers(card)]
    for table in _tables(card):
        parts.append(table.get("caption") or "")
        parts += [str(row[0]) for row in table.get("rows") or [] if row]
    return normalize_text("\n".join(parts)).casefold()


def mentions(phrase: str, text: str) -> bool:
    """Is the phrase in the (normalised, lowercased) text, verbatim or as all its words of 3+ characters?

    A word also counts when a text word starts with it ("retriever" in "retrievers").
    """
    needle = " ".join(normalize_text(phrase).casefold().split())
    if not needle:
        return False
    if needle in " ".join(text.split()):
        return True
    words = [w for w in _WORD.findall(needle) if len(w) >= MIN_MENTION_WORD_CHARS]
    if not words:
        return False
    have = set(_WORD.findall(text))
    return all(w in have or any(h.startswith(w) for h in have) for w in words)


def must_mention(card: CardLike, reference: Mapping[str, Any]) -> float | None:
    """Share of the reference's must_mention phrases the card's text contains (None: reference has none)."""
    phrases = [p for p in reference.get("must_mention") or [] if p and p.strip()]
    if not phrases:
        return None
    text = _mention_text(_as_dict(card))
    return sum(mentions(p, text) for p in phrases) / len(phrases)


def rouge_l(a: str, b: str) -> float:
    """ROUGE-L F1 on lowercased word tokens (1.0 for two empty strings, 0.0 if only one is empty)."""
    x, y = _TOKEN.findall((a or "").casefold()), _TOKEN.findall((b or "").casefold())
    if not x and not y:
        return 1.0
    if not x or not y:
        return 0.0
    previous = [0] * (len(y) + 1)
    for token in x:
        current = [0]
        for j, other in enumerate(y, 1):
            current.append(previous[j - 1] + 1 if token == other else max(previous[j], current[j - 1]))
        previous = current
    lcs = previous[-1]
    if not lcs:
        return 0.0
    precision, recall = lcs / len(x), lcs / len(y)
    return 2 * precision * recall / (precision + recall)


# ----------------------------------------------------------------------------------------------- all

def score_card(card: CardLike, reference: Mapping[str, Any], pages: list[str]) -> dict[str, Score]:
    """Every score above in one flat dict; prose ROUGE-L is None where the reference field is empty."""
    data = _as_dict(card)
    scores: dict[str, Score] = {
        "grounding_precision": grounding_precision(data, pages),
        **key_numbers_at_k(data, reference),
        "key_number_recall_anywhere": key_number_recall_anywhere(data, reference),
        "key_number_recall_anywhere_with_baseline": key_number_recall_anywhere_with_baseline(data, reference),
        "table_cell_recall": table_cell_recall(data, reference),
        **metadata(data, reference),
        "must_mention": must_mention(data, reference),
    }
    for field in ROUGE_FIELDS:
        ref = reference.get(field)
        scores[f"rouge_l_{field}"] = rouge_l(data.get(field) or "", ref) if ref else None
    return scores


# ---------------------------------------------------------------------------------------- digest picks


def pick_scores(ranked: Sequence[str], picks: Sequence[str], featured: set[str]) -> dict[str, Score]:
    """The selection against the papers editors featured that day (those the pool holds).

    Recall: the share of featured papers among the picks. Precision: the share of picks that were
    featured; with fewer featured papers in the pool than picks its ceiling is len(featured)/len(picks),
    reported beside it. Mean rank: where the featured papers sit in the whole ranking (1 is the top).
    """
    if not featured:
        return {"picks_recall": None, "picks_precision": None, "picks_precision_ceiling": None,
                "featured_mean_rank": None}
    hits = len(set(picks) & featured)
    ranks = [ranked.index(paper) + 1 for paper in featured if paper in ranked]
    return {
        "picks_recall": hits / len(featured),
        "picks_precision": hits / len(picks) if picks else None,
        "picks_precision_ceiling": min(1.0, len(featured) / len(picks)) if picks else None,
        "featured_mean_rank": sum(ranks) / len(ranks) if ranks else None,
    }
