"""Approved digests, published: Markdown and HTML files per day, an index and an RSS feed.

The files are written to a directory (settings.published_dir) whenever a digest is approved, so any web
server can serve them; the API serves the same pages at /published/, the one part of it open to anyone.
Only approved revisions are ever published: a draft never leaves the workspace.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from email.utils import format_datetime
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import escape

from summarizer.digest import compose
from summarizer.files import write_atomic
from summarizer.service.store import PublishedDigest

FEED_ITEMS = 30  # the feed carries the latest month of digests

_ENV = Environment(
    loader=PackageLoader("summarizer", "templates/published"), undefined=StrictUndefined,
    autoescape=select_autoescape(["html", "xml"]),  # paper text and model output are untrusted
)
# a feed's day as an RFC 822 date (midnight UTC)
_ENV.filters["rfc822"] = lambda day: format_datetime(datetime.combine(date.fromisoformat(day), time(), UTC))
# text in an RSS <title> or <description>: readers decode the XML and render the result as HTML, so the
# text is HTML-escaped first (a plain str), then the XML autoescape escapes that
_ENV.filters["as_html"] = lambda text: str(escape(text))


def html(digest: compose.Digest, topic: str) -> str:
    """The digest as a standalone HTML page."""
    return _ENV.get_template("digest.html").render(d=digest, topic=topic)


def body(digest: compose.Digest) -> str:
    """The digest's HTML without the page around it (the workspace's preview)."""
    return _ENV.get_template("digest_body.html").render(d=digest)


def index(published: list[PublishedDigest], topic: str) -> str:
    return _ENV.get_template("index.html").render(published=published, topic=topic)


def feed(published: list[PublishedDigest], topic: str, base_url: str) -> str:
    """RSS 2.0 of the published digests, newest first; links are base_url + <day>.html."""
    return _ENV.get_template("feed.xml").render(published=published[:FEED_ITEMS], topic=topic,
                                                base_url=base_url.rstrip("/") + "/")


def write_files(directory: Path, published: list[PublishedDigest], topic: str, base_url: str) -> list[Path]:
    """Write <day>.md and <day>.html of every published digest, index.html and feed.xml; the paths written."""
    written = []
    for item in published:
        for suffix, text in ((".md", compose.markdown(item.digest)), (".html", html(item.digest, topic))):
            path = directory / f"{item.day}{suffix}"
            write_atomic(path, text.encode("utf-8"))
            written.append(path)
    for name, text in (("index.html", index(published, topic)), ("feed.xml", feed(published, topic, base_url))):
        write_atomic(directory / name, text.encode("utf-8"))
        written.append(directory / name)
    return written
