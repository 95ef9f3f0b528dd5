"""The arXiv edge: metadata from the Atom export API and the PDF, politely, with retries and a disk cache."""

from __future__ import annotations

import email.utils
import logging
import re
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, Self, TypeVar
from xml.etree.ElementTree import Element

import httpx
import redis
import tenacity
from defusedxml import DefusedXmlException, ElementTree
from pydantic import ValidationError

from summarizer.document import ArxivRecord
from summarizer.errors import (
    BadInput,
    InvalidArxivId,
    NotAPdf,
    PaperNotFound,
    PdfTooLarge,
    UpstreamUnavailable,
)
from summarizer.files import write_atomic
from summarizer.ingest import tex
from summarizer.ingest.ids import ArxivId, parse
from summarizer.settings import ArxivSettings

logger = logging.getLogger(__name__)

_NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "arxiv": "http://arxiv.org/schemas/atom",
    "opensearch": "http://a9.com/-/spec/opensearch/1.1/",
}
# arXiv intermittently answers a valid id with an empty feed (RELIABILITY.md §3): ask this many times
# before believing the paper does not exist
_EMPTY_FEED_TRIES = 3
_MAX_FEED_BYTES = 2 * 1024 * 1024  # one entry is a few kB; anything bigger is not an answer to our query
# a day's RSS listing of a busy category (cs.LG: about 1,000 items of 2 kB) with room to spare
_MAX_LISTING_BYTES = 32 * 1024 * 1024
# redirects followed per request: enough for http -> https and a moved host, few enough to stop a loop
_MAX_REDIRECTS = 3
_PDF_TYPES = ("application/pdf", "application/x-pdf")
# every PDF starts with this; a download that does not is an error page, not the paper
_PDF_MAGIC = b"%PDF-"
# a complete PDF ends with %%EOF, maybe followed by a little whitespace or garbage: look this far from its end
_EOF_TAIL_BYTES = 1024
# connecting takes well under this when arXiv is up: fail fast rather than wait the whole read budget
_CONNECT_TIMEOUT_S = 10.0
# the length of an Atom timestamp's date part, YYYY-MM-DD
_DATE_CHARS = 10
# the id of an entry in the API's feed: the abs URL of one version
_ENTRY_ID = re.compile(
    r"""
    https?://(?:www\.|export\.)?arxiv\.org/abs/   # the abs page on any arXiv host
    (?P<base>.+?)                                 # the id without its version
    (?:v(?P<version>\d+))?                        # the version, when there is one
    $
    """,
    re.VERBOSE,
)

T = TypeVar("T")

# One request per min_interval_s for the whole process, whichever client makes it (arXiv's terms of use).
_turn_lock = threading.Lock()
_last_request_at: float | None = None


class Turns(Protocol):
    """Who may ask arXiv next: `wait` blocks until it is this caller's turn."""

    def wait(self, min_interval_s: float) -> None: ...


class ProcessTurns:
    """One request per interval for this process (the CLI, the API, a single worker)."""

    def wait(self, min_interval_s: float) -> None:
        _wait_turn(min_interval_s)


class RedisTurns:
    """One request per interval for every process sharing this Redis (all workers of a deployment).

    Each caller reserves the next free slot atomically (a Lua script on the server's clock), then sleeps
    until it: N workers together still make one request per interval, never N.
    """

    _RESERVE = """
    local now = redis.call('TIME')
    now = tonumber(now[1]) + tonumber(now[2]) / 1000000
    local free = tonumber(redis.call('GET', KEYS[1]) or '0')
    local at = math.max(now, free)
    local interval = tonumber(ARGV[1])
    local ttl = math.ceil((at - now + interval) * 1000) + 1000
    redis.call('SET', KEYS[1], string.format('%.6f', at + interval), 'PX', ttl)
    return string.format('%.6f', at - now)
    """

    def __init__(self, client: redis.Redis, key: str = "summarizer:arxiv:next-request") -> None:
        self._client = client
        self._key = key
        self._reserve = client.register_script(self._RESERVE)

    def wait(self, min_interval_s: float) -> None:
        try:
            delay = float(self._reserve(keys=[self._key], args=[min_interval_s]))
        except redis.RedisError as exc:
            raise UpstreamUnavailable(f"Redis (arXiv rate limit): {exc}") from exc
        if delay > 0:
            time.sleep(delay)


class _Transient(Exception):
    """A failure worth retrying (429, 5xx, timeout, dropped connection), with the server's Retry-After."""

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class ArxivClient:
    """Fetches records and PDFs from the configured arXiv hosts, caching them under cache_dir/arxiv."""

    def __init__(self, settings: ArxivSettings, cache_dir: Path, turns: Turns | None = None) -> None:
        self._settings = settings
        self._turns = turns or ProcessTurns()
        self._cache = Path(cache_dir) / "arxiv"
        self._allowed = {_origin(settings.api_url), _origin(settings.pdf_url), _origin(settings.rss_url)}
        # connect fails fast; read/write/pool get the configured budget per operation
        timeout = httpx.Timeout(settings.timeout_s, connect=min(settings.timeout_s, _CONNECT_TIMEOUT_S))
        self._http = httpx.Client(
            timeout=timeout, follow_redirects=False, headers={"User-Agent": settings.user_agent},
        )
        self._backoff = tenacity.wait_exponential_jitter(
            multiplier=settings.backoff_base_s, max=settings.backoff_max_s, jitter=settings.backoff_base_s,
        )

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def fetch(self, arxiv_id: ArxivId) -> tuple[ArxivRecord, bytes]:
        """The record and the PDF of one version (the latest when the id has none)."""
        record = self.fetch_record(arxiv_id)
        return record, self.fetch_pdf(arxiv_id.with_version(record.version))

    def fetch_record(self, arxiv_id: ArxivId) -> ArxivRecord:
        """The API's record for the id (cached per version; an unversioned id resolves to the latest seen)."""
        version = arxiv_id.version or self._latest_version(arxiv_id)
        if version is not None:
            cached = self._cached_record(arxiv_id.with_version(version))
            if cached is not None:
                logger.debug("arXiv record %s from cache", cached.full_id)
                return cached
        record = self._query(arxiv_id)
        write_atomic(self._path(arxiv_id.with_version(record.version), _RECORD_SUFFIX),
                    record.model_dump_json(indent=2).encode("utf-8"))
        if arxiv_id.version is None:
            write_atomic(self._latest_path(arxiv_id), str(record.version).encode("ascii"))
        return record

    def fetch_pdf(self, arxiv_id: ArxivId) -> bytes:
        """The PDF bytes of the id's version (looked up first when the id has none)."""
        if arxiv_id.version is None:
            arxiv_id = arxiv_id.with_version(self._latest_version(arxiv_id) or self.fetch_record(arxiv_id).version)
        path = self._path(arxiv_id, ".pdf")
        if path.is_file():
            logger.debug("arXiv PDF %s from cache", arxiv_id)
            return path.read_bytes()
        url = f"{self._settings.pdf_url.rstrip('/')}/{arxiv_id.full}"
        logger.info("downloading PDF %s", arxiv_id)
        pdf = self._get(url, None, lambda r: self._read_pdf(arxiv_id, r), f"the PDF of {arxiv_id}")
        if b"%%EOF" in pdf[-_EOF_TAIL_BYTES:]:
            write_atomic(path, pdf)
        else:
            # a cut-off download would otherwise be served from the cache forever; let the parser judge it
            logger.warning("PDF %s has no %%%%EOF marker (truncated?); returned but not cached", arxiv_id)
        logger.info("PDF %s: %s bytes", arxiv_id, len(pdf))
        return pdf

    def fetch_listing(self, category: str) -> bytes:
        """Today's RSS listing of one category (never cached: it changes every day)."""
        url = f"{self._settings.rss_url.rstrip('/')}/{category}"
        logger.info("reading the arXiv listing of %s", category)
        return self._get(url, None, lambda r: _read_listing(category, r), f"the listing of {category}")

    # the API ---------------------------------------------------------------------------------------
    def _query(self, arxiv_id: ArxivId) -> ArxivRecord:
        params = {"id_list": arxiv_id.full, "max_results": "1"}
        for attempt in range(1, _EMPTY_FEED_TRIES + 1):
            logger.info("querying arXiv API for %s", arxiv_id)
            status, body = self._get(self._settings.api_url, params, _read_feed, f"the record of {arxiv_id}")
            record = _parse_feed(arxiv_id, status, body)
            if record is not None:
                logger.info("arXiv record %s: %s", record.full_id, record.title)
                return record
            if attempt < _EMPTY_FEED_TRIES:
                delay = min(self._settings.backoff_base_s * 2 ** (attempt - 1), self._settings.backoff_max_s)
                logger.warning("arXiv returned no entry for %s (try %s of %s); asking again in %.1f s",
                               arxiv_id, attempt, _EMPTY_FEED_TRIES, delay)
                time.sleep(delay)
        raise PaperNotFound(arxiv_id.full)

    # HTTP ------------------------------------------------------------------------------------------
    def _get(self, url: str, params: dict[str, str] | None, read: Callable[[httpx.Response], T],
             what: str) -> T:
        """GET with politeness, same-host redirects and retries; `read` turns a final response into T."""
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(_Transient),
            stop=tenacity.stop_after_attempt(self._settings.max_retries + 1),
            wait=self._wait,
            before_sleep=self._log_retry,
        )
        try:
            result: T = retrying(self._attempt, url, params, read)
        except tenacity.RetryError as exc:
            last = exc.last_attempt.exception()
            raise UpstreamUnavailable(
                f"arXiv did not deliver {what} after {exc.last_attempt.attempt_number} attempts: {last}"
            ) from last
        return result

    def _attempt(self, url: str, params: dict[str, str] | None, read: Callable[[httpx.Response], T]) -> T:
        for _ in range(_MAX_REDIRECTS + 1):
            self._turns.wait(self._settings.min_interval_s)
            try:
                with self._http.stream("GET", url, params=params) as response:
                    if response.is_redirect:
                        url, params = self._redirect_target(response), None
                        continue
                    if response.status_code == 429 or response.status_code >= 500:
                        raise _Transient(f"HTTP {response.status_code} from {response.url.host}",
                                         _retry_after_s(response.headers.get("Retry-After")))
                    return read(response)
            except httpx.TransportError as exc:  # timeouts, refused or dropped connections
                raise _Transient(f"{type(exc).__name__} talking to {httpx.URL(url).host}: {exc}") from exc
        raise UpstreamUnavailable(f"arXiv redirected more than {_MAX_REDIRECTS} times for {url}")

    def _redirect_target(self, response: httpx.Response) -> str:
        location = response.headers.get("Location", "")
        target = response.url.join(location)
        if _origin(str(target)) not in self._allowed:
            # only the configured hosts are ever contacted: a redirect elsewhere is not followed
            raise UpstreamUnavailable(f"arXiv redirected {response.url} to another host ({target}); not followed")
        logger.info("following redirect %s -> %s", response.url, target)
        return str(target)

    def _log_retry(self, state: tenacity.RetryCallState) -> None:
        logger.warning("arXiv: %s (attempt %s of %s); retrying in %.1f s",
                       state.outcome.exception() if state.outcome else "?", state.attempt_number,
                       self._settings.max_retries + 1, state.next_action.sleep if state.next_action else 0.0)

    def _wait(self, state: tenacity.RetryCallState) -> float:
        """Exponential backoff with jitter, but at least Retry-After; never more than backoff_max_s."""
        delay = self._backoff(state)
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Transient) and exc.retry_after_s is not None:
            delay = max(delay, exc.retry_after_s)
        return min(delay, self._settings.backoff_max_s)

    def _read_pdf(self, arxiv_id: ArxivId, response: httpx.Response) -> bytes:
        limit = self._settings.max_pdf_bytes
        if response.status_code == 404:
            raise PaperNotFound(arxiv_id.full)
        if response.status_code != 200:
            raise UpstreamUnavailable(f"arXiv answered HTTP {response.status_code} for the PDF of {arxiv_id}")
        content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type not in _PDF_TYPES:
            raise NotAPdf(f"arXiv served {content_type or 'no Content-Type'} for {arxiv_id}, not application/pdf")
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise PdfTooLarge(int(declared), limit)
        data = bytearray()
        for chunk in response.iter_bytes():
            data += chunk
            if len(data) >= len(_PDF_MAGIC) and not data.startswith(_PDF_MAGIC):
                raise NotAPdf(f"the download of {arxiv_id} does not start with %PDF-")
            if len(data) > limit:  # Content-Length may be absent or wrong: count what arrives
                raise PdfTooLarge(len(data), limit)
        if not data.startswith(_PDF_MAGIC):
            raise NotAPdf(f"the download of {arxiv_id} does not start with %PDF- ({len(data)} bytes)")
        return bytes(data)

    # cache -----------------------------------------------------------------------------------------
    def _path(self, arxiv_id: ArxivId, suffix: str) -> Path:
        return _cache_path(self._cache, arxiv_id, suffix)

    def _latest_path(self, arxiv_id: ArxivId) -> Path:
        return self._path(arxiv_id.with_version(None), ".latest")

    def _latest_version(self, arxiv_id: ArxivId) -> int | None:
        # the latest version seen is trusted for lookups: a newer version appears only when asked by number
        try:
            text = self._latest_path(arxiv_id).read_text("ascii").strip()
        except OSError:
            return None
        return int(text) if text.isdigit() and int(text) >= 1 else None

    def _cached_record(self, arxiv_id: ArxivId) -> ArxivRecord | None:
        path = self._path(arxiv_id, _RECORD_SUFFIX)
        try:
            return ArxivRecord.model_validate_json(path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValidationError) as exc:
            logger.warning("ignoring unreadable cached record %s: %s", path, exc)
            return None



# a cached record's file; its format's version in the name: records cached before titles and abstracts were read
# from TeX (".json") are fetched again rather than served with their markup
_RECORD_SUFFIX = ".v2.json"


def _cache_path(cache: Path, arxiv_id: ArxivId, suffix: str) -> Path:
    # old-style ids contain a slash: hep-th/9901001v1 is stored as hep-th_9901001v1
    return cache / (arxiv_id.full.replace("/", "_") + suffix)


def cached_pdf(cache_dir: Path, arxiv_id: str, version: str | None) -> Path | None:
    """The cached PDF of the paper's version ("v2"; None: the latest cached), or None when it is not cached."""
    wanted = parse(arxiv_id)
    cache = Path(cache_dir) / "arxiv"
    if version is not None and version.removeprefix("v").isdigit():
        path = _cache_path(cache, wanted.with_version(int(version.removeprefix("v"))), ".pdf")
        return path if path.is_file() else None
    stem = _cache_path(cache, wanted.with_version(None), "v").name
    versions = [int(v) for path in cache.glob(stem + "*.pdf") if (v := path.name[len(stem):-4]).isdigit()]
    return _cache_path(cache, wanted.with_version(max(versions)), ".pdf") if versions else None


def _wait_turn(min_interval_s: float) -> None:
    """Block until min_interval_s has passed since this process's previous request to arXiv."""
    global _last_request_at
    with _turn_lock:  # held while sleeping on purpose: callers queue up, one request at a time
        now = time.monotonic()
        if _last_request_at is not None and now < _last_request_at + min_interval_s:
            time.sleep(_last_request_at + min_interval_s - now)
        _last_request_at = time.monotonic()


def _read_feed(response: httpx.Response) -> tuple[int, bytes]:
    # arXiv answers a malformed id with HTTP 400 and an Atom error entry, so 400 is parsed, not raised
    if response.status_code not in (200, 400):
        raise UpstreamUnavailable(f"arXiv API answered HTTP {response.status_code}")
    return response.status_code, _read_at_most(response, _MAX_FEED_BYTES, "arXiv API answer")


def _read_listing(category: str, response: httpx.Response) -> bytes:
    if response.status_code == 404:
        raise BadInput(f"arXiv has no listing for the category {category!r}")
    if response.status_code != 200:
        raise UpstreamUnavailable(f"arXiv's listing of {category} answered HTTP {response.status_code}")
    return _read_at_most(response, _MAX_LISTING_BYTES, f"arXiv's listing of {category}")


def _read_at_most(response: httpx.Response, limit: int, what: str) -> bytes:
    """The body, read as it arrives; UpstreamUnavailable once it is longer than `limit` bytes."""
    data = bytearray()
    for chunk in response.iter_bytes():
        data += chunk
        if len(data) > limit:
            raise UpstreamUnavailable(f"{what} is larger than {limit} bytes")
    return bytes(data)


def _parse_feed(arxiv_id: ArxivId, status: int, body: bytes) -> ArxivRecord | None:
    """The record in an API answer; None for an empty feed; InvalidArxivId for arXiv's error entry."""
    try:
        root = ElementTree.fromstring(body)
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        raise UpstreamUnavailable(f"arXiv API answered HTTP {status} with unparseable XML: {exc}") from exc
    entries = root.findall("atom:entry", _NS)
    for entry in entries:
        entry_id = _text(entry, "atom:id") or ""
        if "arxiv.org/api/errors" in entry_id:  # arXiv reports errors as an entry titled "Error"
            raise InvalidArxivId(arxiv_id.full, f"arXiv says: {_text(entry, 'atom:summary') or entry_id}")
    if status != 200:
        raise UpstreamUnavailable(f"arXiv API answered HTTP {status} without an error entry")
    for entry in entries:
        record = _record(entry)
        if _same_paper(record.arxiv_id, arxiv_id.base):
            if arxiv_id.version is not None and record.version != arxiv_id.version:
                raise UpstreamUnavailable(f"arXiv answered {record.full_id} when asked for {arxiv_id}")
            return record
        logger.warning("arXiv answered %s when asked for %s; ignored", record.full_id, arxiv_id)
    # totalResults is only logged: arXiv has claimed 1 result for an unknown id and sent no entry
    logger.debug("no entry for %s (opensearch:totalResults=%s)", arxiv_id,
                 _text(root, "opensearch:totalResults"))
    return None


def _record(entry: Element) -> ArxivRecord:
    entry_id = _text(entry, "atom:id") or ""
    match = _ENTRY_ID.match(entry_id)
    if match is None:
        raise UpstreamUnavailable(f"arXiv API entry has an unexpected id {entry_id!r}")
    base, version = match["base"], int(match["version"] or 1)
    links = entry.findall("atom:link", _NS)
    abs_url = next((link.get("href") for link in links if link.get("rel") == "alternate"), None)
    pdf_url = next((link.get("href") for link in links if link.get("title") == "pdf"), None)
    primary = entry.find("arxiv:primary_category", _NS)
    categories = [c.get("term", "") for c in entry.findall("atom:category", _NS) if c.get("term")]
    names = [_text(author, "atom:name") for author in entry.findall("atom:author", _NS)]
    try:
        return ArxivRecord(
            arxiv_id=base, version=version,
            title=tex.plain(_text(entry, "atom:title") or ""),  # written in TeX: "$\pi$-Flow", "90\%"
            authors=[" ".join(name.split()) for name in names if name],
            abstract=tex.plain(_text(entry, "atom:summary") or ""),
            categories=categories,
            primary_category=(primary.get("term") if primary is not None else None) or
            (categories[0] if categories else ""),
            published=_date(_text(entry, "atom:published")),
            updated=_date(_text(entry, "atom:updated") or _text(entry, "atom:published")),
            comment=_text(entry, "arxiv:comment"), journal_ref=_text(entry, "arxiv:journal_ref"),
            doi=_text(entry, "arxiv:doi"),
            abs_url=abs_url or f"https://arxiv.org/abs/{base}v{version}",
            pdf_url=pdf_url or f"https://arxiv.org/pdf/{base}v{version}",
        )
    except ValidationError as exc:
        raise UpstreamUnavailable(f"arXiv API entry {entry_id} is incomplete: {exc}") from exc


def _text(element: Element, path: str) -> str | None:
    found = element.find(path, _NS)
    if found is None or found.text is None or not found.text.strip():
        return None
    return found.text.strip()


def _date(value: str | None) -> str:
    """YYYY-MM-DD from an Atom timestamp such as 2023-07-31T17:56:17Z (the date arXiv shows)."""
    # anything else fails ArxivRecord's pattern: reported as an incomplete entry
    return (value or "")[:_DATE_CHARS]


def _same_paper(answered: str, asked: str) -> bool:
    # arXiv's canonical old-style id drops the subject class: math.GT/0309136 comes back as math/0309136
    def canonical(base: str) -> str:
        # the ".SUBJECT-CLASS" after an old-style archive name
        return re.sub(r"^([a-z-]+)\.[A-Za-z-]+/", r"\1/", base)
    return canonical(answered) == canonical(asked)


def _retry_after_s(value: str | None) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date), None when absent or unreadable."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _origin(url: str) -> tuple[str, str, int]:
    parsed = httpx.URL(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    return parsed.scheme, parsed.host, port
