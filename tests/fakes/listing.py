"""A fake day of arXiv announcements: the seed digests' papers among distractors written as data.

The papers are ../shared/eval/abstracts (the digests' own papers, real abstracts); the distractors are
eval/listing_distractors.json (shared with the eval's digest tier and the benchmark): fictional abstracts of other fields and of near misses (GANs, normalizing flows,
diffusion used only as a tool, other meanings of "diffusion"), with cross-lists and replacements. `rss`
writes one category's feed as arXiv's RSS service serves it today.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ABSTRACTS = Path(__file__).resolve().parents[2].parent / "shared" / "eval" / "abstracts"
DISTRACTORS = Path(__file__).resolve().parents[2] / "eval" / "listing_distractors.json"
# arXiv's RSS days are in its own time zone (US Eastern; -05:00 in winter)
ARXIV_TZ = timezone(timedelta(hours=-5))


def seed_papers() -> list[dict[str, Any]]:
    """The digests' papers, as listing entries (announced new; categories as the abstract page gives)."""
    papers = []
    for path in sorted(ABSTRACTS.glob("*.json")):
        data = json.loads(path.read_text("utf-8"))
        version = re.search(r"v(\d+)", data.get("version_seen") or "")
        papers.append({
            "arxiv_id": data["arxiv_id"], "version": int(version.group(1)) if version else 1,
            "announce_type": "new", "title": data["title"], "authors": data["authors"],
            "categories": data["categories"] or ["cs.LG"], "abstract": data["abstract"], "kind": "seed",
        })
    return papers


def distractors() -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(DISTRACTORS.read_text("utf-8"))
    return data


def day_listing() -> list[dict[str, Any]]:
    """A day of 64 announcements: the seed papers among the distractors."""
    return seed_papers() + distractors()


def announce_type(entry: dict[str, Any], category: str) -> str:
    """How a category's feed announces the entry: as itself in its primary category, as a cross-list elsewhere."""
    kind = str(entry["announce_type"])
    if category == entry["categories"][0]:
        return kind
    return "replace-cross" if kind.startswith("replace") else "cross"


def rss(entries: list[dict[str, Any]], categories: list[str], day: date) -> bytes:
    """One feed (of one category, or several as `cs.CV+cs.LG`) of the day, in arXiv's RSS 2.0 format."""
    published = format_datetime(datetime(day.year, day.month, day.day, tzinfo=ARXIV_TZ))
    name = "+".join(categories)
    items = []
    for entry in entries:
        mine = [c for c in categories if c in entry["categories"]]
        if not mine:
            continue
        kind = announce_type(entry, mine[0])
        full = f"{entry['arxiv_id']}v{entry['version']}"
        items.append(f"""
<item>
<title>{escape(entry['title'])}</title>
<link>https://arxiv.org/abs/{entry['arxiv_id']}</link>
<description>arXiv:{full} Announce Type: {kind} 
Abstract: {escape(entry['abstract'])}</description>
<guid isPermaLink="false">oai:arXiv.org:{full}</guid>
{"".join(f"<category>{escape(c)}</category>" for c in entry["categories"])}
<pubDate>{published}</pubDate>
<arxiv:announce_type>{kind}</arxiv:announce_type>
<dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>
<dc:creator>{escape(", ".join(entry["authors"][:-1]) + (" and " if len(entry["authors"]) > 1 else "") + entry["authors"][-1])}</dc:creator>
</item>""")
    return f"""<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" version="2.0">
<channel>
<title>{name} updates on arXiv.org</title>
<link>http://rss.arxiv.org/rss/{name}</link>
<description>{name} updates on the arXiv.org e-print archive.</description>
<atom:link href="https://rss.arxiv.org/rss/{name}" rel="self" type="application/rss+xml"/>
<docs>http://www.rssboard.org/rss-specification</docs>
<language>en-us</language>
<lastBuildDate>{published}</lastBuildDate>
<managingEditor>rss-help@arxiv.org</managingEditor>
<pubDate>{published}</pubDate>
<skipDays>
<day>Sunday</day>
<day>Saturday</day>
</skipDays>{"".join(items)}
</channel>
</rss>
""".encode()
