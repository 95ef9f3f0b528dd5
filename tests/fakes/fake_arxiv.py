"""A fake arXiv on loopback: the Atom export API and /pdf/ from catalog.json, the day's RSS listing
(/rss/<category>) of whatever a test announces, with scriptable faults."""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal, Self
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape, quoteattr

CATALOG = Path(__file__).resolve().parent / "catalog.json"
FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures"

from tests.fakes import listing

Target = Literal["api", "pdf", "rss", "any"]
ATOM = "http://www.w3.org/2005/Atom"
ARXIV = "http://arxiv.org/schemas/atom"
OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"
# the fake's own id grammar, deliberately independent of summarizer.ingest.ids
_ID = re.compile(r"(?P<base>\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Za-z-]+)?/\d{7})(?:v(?P<version>\d+))?")


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake received, as a test sees it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    at: float  # time.monotonic() when it arrived

    @property
    def kind(self) -> Literal["api", "pdf", "rss", "other"]:
        """Which endpoint was asked."""
        if self.path.startswith("/api/query"):
            return "api"
        if self.path.startswith("/rss/"):
            return "rss"
        return "pdf" if self.path.startswith("/pdf/") else "other"


@dataclass
class Fault:
    """One scripted misbehaviour, consumed by the next request to its target."""

    kind: str
    target: Target
    params: dict[str, Any] = field(default_factory=dict)


class FakeArxiv:
    """Serves catalog.json as arXiv would; tests script faults and read `requests`."""

    def __init__(self, catalog: Path = CATALOG, fixtures: Path = FIXTURES) -> None:
        data = json.loads(catalog.read_text("utf-8"))
        self.papers: dict[str, dict[str, Any]] = {p["id"]: p for p in data["papers"]}
        self.fixtures = fixtures
        self.requests: list[RecordedRequest] = []
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._abort_stalls = threading.Event()
        self._catalog = dict(self.papers)
        self.listing: list[dict[str, Any]] = []
        self.listing_day: date | None = None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle -----------------------------------------------------------------------------------
    def start(self) -> Self:
        """Listen on 127.0.0.1 on an ephemeral port, serving from a daemon thread."""
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.fake = self  # type: ignore[attr-defined]  # the handler finds its fake on its server
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="fake-arxiv", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._abort_stalls.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/query"

    @property
    def pdf_url(self) -> str:
        return f"{self.url}/pdf"

    @property
    def rss_url(self) -> str:
        return f"{self.url}/rss"

    def announce(self, entries: list[dict[str, Any]], day: date, *, pdf: str = "gpjax_joss.pdf",
                 broken: frozenset[str] = frozenset()) -> None:
        """Serve these entries as the day's listing, and each as a paper (this fixture PDF; `broken` ids: a
        PDF that does not parse) in the API and /pdf/."""
        self.listing, self.listing_day = entries, day
        for entry in entries:
            self.papers[entry["arxiv_id"]] = {
                "id": entry["arxiv_id"], "version": entry["version"], "pdf": pdf, "broken": entry["arxiv_id"] in broken,
                "title": entry["title"], "authors": entry["authors"], "abstract": entry["abstract"],
                "categories": entry["categories"], "primary_category": entry["categories"][0],
                "published": f"{day.isoformat()}T00:00:00Z", "updated": f"{day.isoformat()}T00:00:00Z",
            }

    def reset(self) -> None:
        """Forget recorded requests and pending faults, and release any stalled response."""
        with self._lock:
            self.requests.clear()
            self._faults.clear()
            self.papers = dict(self._catalog)
            self.listing, self.listing_day = [], None
        self._abort_stalls.set()  # wake handlers still stalling for an earlier test
        self._abort_stalls = threading.Event()

    def requests_to(self, kind: Literal["api", "pdf", "rss", "other"]) -> list[RecordedRequest]:
        """Recorded requests to one endpoint."""
        with self._lock:
            return [r for r in self.requests if r.kind == kind]

    def fixture_bytes(self, arxiv_id: str) -> bytes:
        """The PDF bytes the fake serves for a catalog id."""
        return (self.fixtures / str(self.papers[arxiv_id]["pdf"])).read_bytes()

    # fault injection: each call queues `times` faults, consumed in order by matching requests ------
    def fail(self, status: int, times: int = 1, *, retry_after: str | None = None,
             target: Target = "any") -> None:
        """Answer the next `times` requests with `status` (and a Retry-After header when given)."""
        self._queue("status", target, times, status=status, retry_after=retry_after)

    def rate_limit(self, times: int = 1, *, retry_after: str | None = "1", target: Target = "any") -> None:
        """Answer 429 Too Many Requests with Retry-After."""
        self.fail(429, times, retry_after=retry_after, target=target)

    def unavailable(self, times: int = 1, *, target: Target = "any") -> None:
        """Answer 503 Service Unavailable."""
        self.fail(503, times, target=target)

    def empty_feed(self, times: int = 1, *, total_results: int = 0) -> None:
        """Answer API queries with a feed that has no entry (arXiv does this intermittently)."""
        self._queue("empty_feed", "api", times, total_results=total_results)

    def error_feed(self, times: int = 1) -> None:
        """Answer API queries with arXiv's error entry for a malformed id (HTTP 400)."""
        self._queue("error_feed", "api", times)

    def truncate_pdf(self, times: int = 1, *, keep_bytes: int | None = None) -> None:
        """Serve only the first `keep_bytes` (default: half) of the PDF, with a matching Content-Length."""
        self._queue("truncate", "pdf", times, keep_bytes=keep_bytes)

    def html_as_pdf(self, times: int = 1, *, content_type: str = "text/html; charset=utf-8") -> None:
        """Serve an HTML page where the PDF should be (optionally labelled application/pdf)."""
        self._queue("html", "pdf", times, content_type=content_type)

    def serve_pdf(self, data: bytes, times: int = 1) -> None:
        """Serve these bytes (a hostile PDF, say) where the paper's PDF should be."""
        self._queue("bytes", "pdf", times, data=data)

    def omit_content_length(self, times: int = 1) -> None:
        """Serve the PDF without Content-Length, so only the streamed size tells how big it is."""
        self._queue("no_length", "pdf", times)

    def stall(self, seconds: float, times: int = 1, *, target: Target = "any") -> None:
        """Wait `seconds` before answering (the answer itself is then normal)."""
        self._queue("stall", target, times, seconds=seconds)

    def redirect(self, location: str, times: int = 1, *, status: int = 302, target: Target = "any") -> None:
        """Answer with a redirect to `location`."""
        self._queue("redirect", target, times, location=location, status=status)

    def _queue(self, kind: str, target: Target, times: int, **params: Any) -> None:
        with self._lock:
            self._faults.extend(Fault(kind, target, dict(params)) for _ in range(times))

    # serving ---------------------------------------------------------------------------------------
    def _record_and_take_fault(self, request: RecordedRequest) -> Fault | None:
        with self._lock:
            self.requests.append(request)
            for i, fault in enumerate(self._faults):
                if fault.target in ("any", request.kind):
                    return self._faults.pop(i)
        return None

    def _entry(self, paper: dict[str, Any], version: int) -> str:
        full = f"{paper['id']}v{version}"
        # like arXiv: <updated> is this version's date, <published> is v1's
        updated = paper["updated"] if version == paper["version"] else paper["published"]
        # arXiv hard-wraps long titles and indents abstracts; the client must normalise whitespace
        title = re.sub(r"(.{40,60}?) ", r"\1\n  ", paper["title"], count=1)
        authors = "".join(
            f"\n    <author>\n      <name>{escape(name)}</name>"
            + (f'\n      <arxiv:affiliation xmlns:arxiv="{ARXIV}">Somewhere</arxiv:affiliation>' if i == 0 else "")
            + "\n    </author>"
            for i, name in enumerate(paper["authors"])
        )
        optional = "".join(
            f'\n    <arxiv:{tag} xmlns:arxiv="{ARXIV}">{escape(paper[key])}</arxiv:{tag}>'
            for tag, key in (("doi", "doi"), ("comment", "comment"), ("journal_ref", "journal_ref"))
            if paper.get(key)
        )
        categories = "".join(f'\n    <category term="{c}" scheme="{ARXIV}"/>' for c in paper["categories"])
        return f"""
  <entry>
    <id>http://arxiv.org/abs/{full}</id>
    <updated>{updated}</updated>
    <published>{paper['published']}</published>
    <title>{escape(title)}</title>
    <summary>  {escape(paper['abstract'])}
</summary>{authors}{optional}
    <link href="http://arxiv.org/abs/{full}" rel="alternate" type="text/html"/>
    <link title="pdf" href="http://arxiv.org/pdf/{full}" rel="related" type="application/pdf"/>
    <arxiv:primary_category xmlns:arxiv="{ARXIV}" term="{paper['primary_category']}" scheme="{ARXIV}"/>{categories}
  </entry>"""

    def feed(self, id_list: str, entries: list[str], total: int | None = None) -> str:
        """An arXiv Atom feed around `entries`."""
        query = f"search_query=&id_list={id_list}&start=0&max_results=1"
        total = len(entries) if total is None else total
        return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="{ATOM}">
  <link href={quoteattr("http://arxiv.org/api/query?" + query)} rel="self" type="application/atom+xml"/>
  <title type="html">ArXiv Query: {escape(query)}</title>
  <id>http://arxiv.org/api/fakeFeedId</id>
  <updated>2026-01-01T00:00:00-05:00</updated>
  <opensearch:totalResults xmlns:opensearch="{OPENSEARCH}">{total}</opensearch:totalResults>
  <opensearch:startIndex xmlns:opensearch="{OPENSEARCH}">0</opensearch:startIndex>
  <opensearch:itemsPerPage xmlns:opensearch="{OPENSEARCH}">1</opensearch:itemsPerPage>{"".join(entries)}
</feed>
"""

    def error_feed_xml(self, id_list: str) -> str:
        """arXiv's answer to a malformed id: a feed whose one entry is titled Error."""
        anchor = f"http://arxiv.org/api/errors#incorrect_id_format_for_{id_list}"
        entry = f"""
  <entry>
    <id>{escape(anchor)}</id>
    <title>Error</title>
    <summary>incorrect id format for {escape(id_list)}</summary>
    <updated>2026-01-01T00:00:00-05:00</updated>
    <link href={quoteattr(anchor)} rel="alternate" type="text/html"/>
    <author>
      <name>arXiv api core</name>
    </author>
  </entry>"""
        return self.feed(id_list, [entry])

    def answer_api(self, query: dict[str, list[str]], fault: Fault | None) -> tuple[int, str]:
        """Status and Atom body for an /api/query request."""
        id_list = query.get("id_list", [""])[0]
        if fault is not None and fault.kind == "error_feed":
            return 400, self.error_feed_xml(id_list)
        if fault is not None and fault.kind == "empty_feed":
            return 200, self.feed(id_list, [], fault.params["total_results"])
        entries = []
        for ident in filter(None, id_list.split(",")):
            match = _ID.fullmatch(ident)
            if match is None:
                return 400, self.error_feed_xml(ident)
            paper = self._lookup(match["base"])
            version = int(match["version"]) if match["version"] else None
            if paper is None or (version is not None and not 1 <= version <= paper["version"]):
                continue  # arXiv answers an unknown but well-formed id with an empty feed
            entries.append(self._entry(paper, version or paper["version"]))
        return 200, self.feed(id_list, entries)

    def pdf_for(self, path: str) -> bytes | None:
        """PDF bytes for /pdf/<id>[vN][.pdf], or None when the catalog has no such paper/version."""
        ident = path[len("/pdf/"):].removesuffix(".pdf")
        match = _ID.fullmatch(ident)
        paper = self._lookup(match["base"]) if match else None
        if match is None or paper is None:
            return None
        if match["version"] and not 1 <= int(match["version"]) <= paper["version"]:
            return None
        if paper.get("broken"):
            return b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage, no pages, no xref\n%%EOF\n"
        return (self.fixtures / str(paper["pdf"])).read_bytes()

    def rss_for(self, path: str) -> bytes:
        """The day's feed of /rss/<category>[+<category>...]: empty (as on a weekend) before `announce`."""
        categories = path[len("/rss/"):].split("+")
        day = self.listing_day or date(2026, 5, 16)  # a Saturday
        return listing.rss(self.listing, categories, day)

    def _lookup(self, base: str) -> dict[str, Any] | None:
        # arXiv resolves math.GT/0309136 and math/0309136 alike: the subject class is not part of the key
        return self.papers.get(base) or self.papers.get(re.sub(r"^([a-z-]+)\.[A-Za-z-]+/", r"\1/", base))

    def wait_stall(self, seconds: float) -> None:
        """Sleep, but wake early when the test resets the fake."""
        self._abort_stalls.wait(seconds)


_HTML = b"<!DOCTYPE html><html><head><title>arXiv</title></head><body><p>PDF unavailable</p></body></html>\n"


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakeArxiv/1.0"
    protocol_version = "HTTP/1.0"  # one request per connection; a body without Content-Length ends at close

    def do_GET(self) -> None:
        fake: FakeArxiv = self.server.fake  # type: ignore[attr-defined]  # set by FakeArxiv.start
        parts = urlsplit(self.path)
        request = RecordedRequest(
            method="GET", path=parts.path, query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()}, at=time.monotonic(),
        )
        fault = fake._record_and_take_fault(request)
        try:
            self._answer(fake, request, fault)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test); nothing to tell it

    def _answer(self, fake: FakeArxiv, request: RecordedRequest, fault: Fault | None) -> None:
        if fault is not None and fault.kind == "stall":
            fake.wait_stall(fault.params["seconds"])
            fault = None
        if fault is not None and fault.kind == "status":
            headers = {"Retry-After": fault.params["retry_after"]} if fault.params["retry_after"] else {}
            self._send(fault.params["status"], b"<html><body>error</body></html>", "text/html", headers)
            return
        if fault is not None and fault.kind == "redirect":
            self._send(fault.params["status"], b"", "text/html", {"Location": fault.params["location"]})
            return
        if request.kind == "api":
            status, body = fake.answer_api(request.query, fault)
            self._send(status, body.encode("utf-8"), "application/atom+xml; charset=utf-8")
        elif request.kind == "pdf":
            self._answer_pdf(fake, request, fault)
        elif request.kind == "rss":
            self._send(200, fake.rss_for(request.path), "application/rss+xml")
        else:
            self._send(404, _HTML, "text/html")

    def _answer_pdf(self, fake: FakeArxiv, request: RecordedRequest, fault: Fault | None) -> None:
        if fault is not None and fault.kind == "html":
            self._send(200, _HTML, fault.params["content_type"])
            return
        pdf = fake.pdf_for(request.path)
        if pdf is None:
            self._send(404, _HTML, "text/html")
            return
        if fault is not None and fault.kind == "bytes":
            pdf = fault.params["data"]
        if fault is not None and fault.kind == "truncate":
            keep = fault.params["keep_bytes"]
            pdf = pdf[: len(pdf) // 2 if keep is None else keep]
        self._send(200, pdf, "application/pdf", length=not (fault is not None and fault.kind == "no_length"))

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None,
              *, length: bool = True) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if length:
            self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # the stdlib names it `format`
        pass  # tests read `FakeArxiv.requests`, not stderr
