"""The day's arXiv announcements: RSS 2.0 feeds per category, told apart as new, cross-list or replacement.

arXiv's RSS service (https://info.arxiv.org/help/rss.html) serves, per category, the latest announcement:
one <item> per paper with `arxiv:announce_type` (new, cross, replace, replace-cross), the id and version
in the description ("arXiv:2605.13974v1 Announce Type: new Abstract: ..."), the authors in `dc:creator`.
Feeds are empty on weekends and holidays by design.
"""

from __future__ import annotations

import dataclasses
import email.utils
import logging
import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException, ElementTree

from summarizer.drafting.abstract import Listing
from summarizer.errors import BadInput, InvalidArxivId, UpstreamUnavailable
from summarizer.ingest import ids, tex

logger = logging.getLogger(__name__)

_NS = {"arxiv": "http://arxiv.org/schemas/atom", "dc": "http://purl.org/dc/elements/1.1/"}
ANNOUNCE_TYPES = ("new", "cross", "replace", "replace-cross")
# of two announcements of one paper (new in cs.CV, cross-listed to cs.LG) the listing keeps the first kind
_PRECEDENCE = {kind: rank for rank, kind in enumerate(ANNOUNCE_TYPES)}
_DESCRIPTION = re.compile(
    r"""^\s*arXiv:(?P<id>\S+?)\s+Announce\ Type:\s*(?P<type>[a-z-]+)\s*   # arXiv:2605.13974v1 Announce Type: new
    (?:Abstract:\s*)?(?P<abstract>.*)$                                    # Abstract: the text""",
    re.DOTALL | re.VERBOSE,
)
# "A, B and C" or "A, B, and C": the authors of an item
_AUTHOR_SEPARATORS = re.compile(r",\s*(?:and\s+)?|\s+and\s+")


class Day:
    """One day's listing: the papers announced (each once), and the day the feed says it is."""

    def __init__(self, entries: list[Listing], announced: date | None) -> None:
        self.entries = entries
        self.announced = announced

    @property
    def new(self) -> list[Listing]:
        """Papers first announced today (new, or cross-listed here from another category)."""
        return [e for e in self.entries if e.announce_type in ("new", "cross")]

    @property
    def replaced(self) -> list[Listing]:
        """Papers announced before, replaced today by a new version."""
        return [e for e in self.entries if e.announce_type in ("replace", "replace-cross")]


def parse_feed(body: bytes, source: str) -> tuple[list[Listing], date | None]:
    """The items of one RSS feed and the day of its pubDate; UpstreamUnavailable if it is not a feed."""
    try:
        root = ElementTree.fromstring(body)
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        raise UpstreamUnavailable(f"the arXiv listing {source} is not readable XML: {exc}") from exc
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        raise UpstreamUnavailable(f"the arXiv listing {source} is not an RSS feed (root <{root.tag}>)")
    entries = []
    for item in channel.findall("item"):
        entry = _entry(item)
        if entry is None:
            logger.warning("%s: an item without a readable arXiv id (%r); skipped", source, _text(item, "title"))
            continue
        entries.append(entry)
    return entries, _day(_text(channel, "pubDate") or _text(channel, "lastBuildDate"))


def merge(feeds: Iterable[list[Listing]]) -> list[Listing]:
    """One entry per paper across the category feeds: a cross-list is the same paper, not a second one."""
    papers: dict[str, Listing] = {}
    for entries in feeds:
        for entry in entries:
            seen = papers.get(entry.arxiv_id)
            if seen is None:
                papers[entry.arxiv_id] = entry
                continue
            first = min((seen, entry), key=lambda e: _PRECEDENCE[e.announce_type])
            categories = list(dict.fromkeys([*seen.categories, *entry.categories]))
            papers[entry.arxiv_id] = dataclasses.replace(first, categories=categories)
    return list(papers.values())


def read_file(path: Path) -> Day:
    """A saved listing: one RSS feed as arXiv serves it (a feed of several categories, `cs.CV+cs.LG`, too)."""
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"cannot read the listing {path}: {exc}") from exc
    try:
        entries, announced = parse_feed(body, str(path))
    except UpstreamUnavailable as exc:
        raise BadInput(str(exc)) from None
    return Day(merge([entries]), announced)


def _entry(item: Element) -> Listing | None:
    match = _DESCRIPTION.match(_text(item, "description") or "")
    ident = match["id"] if match else (_text(item, "guid") or "").removeprefix("oai:arXiv.org:")
    try:
        arxiv_id = ids.parse(ident)
    except InvalidArxivId:
        return None
    kind = (_text(item, "arxiv:announce_type") or (match["type"] if match else "new")).lower()
    if kind not in ANNOUNCE_TYPES:
        logger.warning("arXiv item %s has announce type %r; read as new", arxiv_id, kind)
        kind = "new"
    creators = _text(item, "dc:creator") or ""
    return Listing(
        arxiv_id=arxiv_id.base, version=arxiv_id.version,
        title=tex.plain(_text(item, "title") or ""),  # written in TeX, as in the API
        abstract=tex.plain(match["abstract"] if match else ""),
        authors=[name.strip() for name in _AUTHOR_SEPARATORS.split(creators) if name.strip()],
        categories=[c.text.strip() for c in item.findall("category") if c.text and c.text.strip()],
        announce_type=kind,
    )


def _text(element: Element, path: str) -> str | None:
    found = element.find(path, _NS)
    if found is None or found.text is None or not found.text.strip():
        return None
    return found.text.strip()


def _day(value: str | None) -> date | None:
    """The calendar day of an RFC 822 date as the feed states it (arXiv's own time zone)."""
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value).date()
    except (TypeError, ValueError):
        return None
