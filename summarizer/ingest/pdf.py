"""PDF bytes into a Document: pages of normalised text, sections, links and parsed results tables."""

from __future__ import annotations

import hashlib
import io
import logging
import math
import re
import unicodedata
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, LimitReachedError, PyPdfError

from summarizer.document import Document, Page
from summarizer.errors import (
    CorruptPdf,
    EmptyPdf,
    EncryptedPdf,
    NotAPdf,
    NoTextLayer,
    PdfTooComplex,
    SummarizerError,
)
from summarizer.ingest import links, sections, tables
from summarizer.numbers.normalise import rejoin_numbers
from summarizer.settings import PdfSettings
from summarizer.text import HIDDEN, SPACES

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Acrobat accepts the header anywhere in the first 1024 bytes (some servers prepend junk), so do we.
HEADER_WINDOW = 1024
MAGIC_PREVIEW_BYTES = 16  # enough of a non-PDF's first bytes to recognise it, short enough for a message
REASON_CHARS = 160  # pypdf messages can quote whole objects; an error reason stays one readable line

# hidden characters and controls out (pypdf emits NULs for some math fonts; a paper may hide words in tag
# characters); newline is kept for the line logic, tab becomes a space
_TRANSLATE: dict[int, str | None] = {**HIDDEN, **SPACES}
# the stamp arXiv prints in the margin: "arXiv:2408.12528v1 [cs.CV] 22 Aug 2024" (old ids: hep-th/9901001);
# the category and date keep it apart from "arXiv:2401.02954" citations in the references
_ARXIV_STAMP = re.compile(
    r"""
    arXiv:\s?
    (                                       # the id, captured:
        \d{4}\.\d{4,5}                      #   new style "2408.12528"
      | [a-z\-]+(?:\.[A-Z]{2})?/\d{7}        #   old style "hep-th/9901001", "math.AG/0101001"
    )
    (?:v\d+)?                               # the version, not captured
    \s+\[[\w.\-]+\]                         # the category "[cs.CV]"
    \s+\d{1,2}\s+[A-Z][a-z]{2}\s+\d{4}       # the date "22 Aug 2024"
    """,
    re.VERBOSE,
)
ARXIV_STAMP_PAGES = 2  # the stamp is on page 1; a cover page may push it to page 2
LINE_NUMBER_MISSES = 40  # lines without a margin number (a table, a figure) before a chain counts as ended
CHAIN_WINDOW = 24  # a side box (JOSS: DOI, editor, licence) may sit between the first numbered lines
CHAIN_LENGTH = 5  # consecutive numbers needed to start a chain; fewer happen by chance at line ends
MIN_GLUED = 4  # of those, glued to the text: margins are, a column of ranks or a table of contents is not
# a line ending in a margin line number glued to the text ("Datasets.2", "represen-6") or after a space
_TRAILING_DIGITS = re.compile(r"(\d{1,4})$")
# metadata titles that are file names or producer defaults, not the paper's title
_BAD_TITLES = re.compile(
    r"""
      ^(untitled|microsoft\ word|document\d*|paper|main|arxiv|slides?)\b  # producer defaults and stub names
    | \.(pdf|tex|dvi|docx?)$                                            # a file name
    """,
    re.IGNORECASE | re.VERBOSE,
)
# a real title has a few words and letters, not "v2" or "A"
MIN_TITLE_WORDS = 2
MIN_TITLE_LETTERS = 8  # same, in letters
# titles sit in the top part of the page; figure labels and watermarks lower down are often larger
TITLE_REGION = 0.5
# a title's lines may be set a little smaller than its largest one (small caps, a subtitle)
TITLE_SIZE_TOLERANCE = 0.95
TITLE_SEARCH_LINES = 40  # the title is near the top of the extracted text, before the abstract's body
# a shorter line's letters (a symbol, an author mark) appear inside any title line by chance
MIN_TITLE_LINE_LETTERS = 4


def parse(pdf: bytes, *, settings: PdfSettings, name: str = "the PDF") -> Document:
    """Parse PDF bytes into a Document or raise a SummarizerError subclass; never any other exception."""
    _check_magic(pdf, name)
    reader = _guard(lambda: _open(pdf, name), name)
    count = _guard(lambda: len(reader.pages), name)
    if count == 0:
        raise EmptyPdf(name)
    if count > settings.max_pages:
        raise PdfTooComplex(name, f"{count} pages, over the limit of {settings.max_pages} (max_pages)")
    texts = strip_line_numbers([normalise(t) for t in _page_texts(reader, count, name)])
    chars = sum(len(t) for t in texts)
    if chars / count < settings.min_chars_per_page:
        raise NoTextLayer(name, pages=count)
    pages = [Page(number=i + 1, text=t) for i, t in enumerate(texts)]
    found_sections = sections.detect(pages)
    annotations = _guard(lambda: _annotation_links(reader, name), name)
    title = _title(reader, texts[0])
    return Document(
        sha256=hashlib.sha256(pdf).hexdigest(),
        pages=pages,
        sections=found_sections,
        links=links.collect(pages, found_sections, annotations, title),
        tables=tables.find_tables(pages),
        title=title,
        arxiv_id=find_arxiv_stamp(texts),
    )


def normalise(text: str) -> str:
    """Clean pypdf page text for matching: NFC, no invisibles, rejoined numbers, single spaces, lines kept."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_TRANSLATE)
    text = rejoin_numbers(unicodedata.normalize("NFC", text))
    lines = (" ".join(line.split()) for line in text.split("\n"))
    # empty lines carry no layout information in pypdf output, and the line logic is simpler without them
    return "\n".join(line for line in lines if line)


def strip_line_numbers(texts: list[str]) -> list[str]:
    """Remove margin line numbers (JOSS and review drafts) that pypdf glues to the ends of lines."""
    expected: int | None = None
    out: list[str] = []
    for text in texts:
        lines = text.split("\n")
        misses = 0
        for i, line in enumerate(lines):
            if expected is not None:
                if _ends_with(line, expected):
                    lines[i] = _cut(line, expected)
                    expected, misses = expected + 1, 0
                    continue
                misses += 1
                if misses > LINE_NUMBER_MISSES:
                    expected = None  # the chain ended; a later run must prove itself again
            if expected is None:
                start = _chain_start(lines, i)
                if start is not None:
                    lines[i] = _cut(line, start)
                    expected, misses = start + 1, 0
        out.append("\n".join(line for line in lines if line))
    return out


def _ends_with(line: str, number: int) -> bool:
    digits = _TRAILING_DIGITS.search(line)
    return digits is not None and digits.group(1).endswith(str(number)) and len(line) > len(str(number))


def _cut(line: str, number: int) -> str:
    return line[: -len(str(number))].rstrip()


def _glued(line: str, number: int) -> bool:
    """True when the number follows a letter or punctuation directly ("Datasets.2"), as margins produce."""
    before = line[: -len(str(number))][-1:]
    return bool(before) and not before.isspace() and not before.isdigit()


def _chain_start(lines: list[str], i: int) -> int | None:
    """Return the number line i ends with if CHAIN_LENGTH in a row follow within CHAIN_WINDOW lines."""
    digits = _TRAILING_DIGITS.search(lines[i])
    if not digits:
        return None
    run = digits.group(1)
    for size in range(1, len(run) + 1):
        if run[-size] == "0":
            continue
        start = int(run[-size:])
        found, glued = 1, int(_glued(lines[i], start))
        for line in lines[i + 1 : i + CHAIN_WINDOW]:
            if _ends_with(line, start + found):
                glued += _glued(line, start + found)
                found += 1
                if found == CHAIN_LENGTH:
                    # a table column of ranks or a table of contents is space-separated, margins are not
                    return start if glued >= MIN_GLUED else None
    return None


def find_arxiv_stamp(texts: list[str]) -> str | None:
    """Return the arXiv id (without version) of the stamp arXiv prints in the margin of page 1."""
    for text in texts[:ARXIV_STAMP_PAGES]:
        match = _ARXIV_STAMP.search(text)
        if match:
            return match.group(1)
    return None


def _check_magic(pdf: bytes, name: str) -> None:
    """Refuse bytes that are not a PDF before pypdf sees them, saying what they look like instead."""
    if b"%PDF-" in pdf[:HEADER_WINDOW]:
        return
    if not pdf:
        raise NotAPdf(f"{name} is empty (0 bytes)")
    head = pdf[:HEADER_WINDOW].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body")):
        raise NotAPdf(f"{name} is an HTML or XML page, not a PDF (an error or login page?)")
    raise NotAPdf(f"{name} does not start with %PDF- (starts with {pdf[:MAGIC_PREVIEW_BYTES]!r})")


def _guard(call: Callable[[], T], name: str) -> T:
    """Run a pypdf call and map whatever it raises onto our error tree."""
    try:
        return call()
    except SummarizerError:
        raise
    except (LimitReachedError, RecursionError, MemoryError) as exc:
        raise PdfTooComplex(name, _reason(exc)) from exc
    except (FileNotDecryptedError, DependencyError) as exc:
        # DependencyError: AES encryption needs the optional `cryptography` package to decrypt
        raise EncryptedPdf(name) from exc
    except PyPdfError as exc:
        raise CorruptPdf(name, _reason(exc)) from exc
    except Exception as exc:  # pypdf raises KeyError, ValueError, ... on broken files
        raise CorruptPdf(name, _reason(exc)) from exc


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:REASON_CHARS]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _open(pdf: bytes, name: str) -> PdfReader:
    reader = PdfReader(io.BytesIO(pdf), strict=False)
    # many PDFs are "encrypted" with an empty user password only to set permissions; those still open
    if reader.is_encrypted and not reader.decrypt(""):
        raise EncryptedPdf(name)
    return reader


def _extract(reader: PdfReader, index: int) -> str:
    return reader.pages[index].extract_text() or ""


def _page_texts(reader: PdfReader, count: int, name: str) -> list[str]:
    """Extract every page's text; one broken page is logged and left empty, all broken is CorruptPdf."""
    texts: list[str] = []
    failure: CorruptPdf | None = None
    for index in range(count):
        try:
            texts.append(_guard(partial(_extract, reader, index), name))
        except CorruptPdf as exc:
            logger.warning("%s: page %d has no readable text: %s", name, index + 1, exc)
            failure = failure or exc
            texts.append("")
    if failure is not None and not any(texts):
        raise failure
    return texts


def _annotation_links(reader: PdfReader, name: str) -> list[tuple[int, str]]:
    """Return (page, uri) of every URI link annotation, in page order; a broken one is skipped."""
    found: list[tuple[int, str]] = []
    for number, page in enumerate(reader.pages, start=1):
        try:
            found.extend((number, uri) for uri in _page_uris(page))
        except Exception:  # links are extras: a damaged annotation must not fail an otherwise readable PDF
            logger.warning("%s: unreadable link annotations on page %d", name, number, exc_info=True)
    return found


def _page_uris(page: Any) -> list[str]:
    uris: list[str] = []
    annots = page.get("/Annots")
    for ref in (annots.get_object() if annots is not None else None) or []:
        annot = ref.get_object()
        action = annot.get("/A") if hasattr(annot, "get") else None
        action = action.get_object() if action is not None else None
        if action is None or not hasattr(action, "get") or action.get("/S") != "/URI":
            continue
        uri = action.get("/URI")
        if isinstance(uri, bytes):
            uri = uri.decode("latin-1")
        if isinstance(uri, str) and uri.strip():
            uris.append(uri)
    return uris


def _title(reader: PdfReader, first_page: str) -> str | None:
    """Return the title from the PDF metadata if it looks like one, else the largest text on page 1."""
    try:
        meta = reader.metadata
        raw: Any = meta.get("/Title") if meta else None
        title = " ".join(str(raw).split()) if raw else ""
        if _sensible_title(title):
            return title
        return _largest_line(reader, first_page)
    except Exception:  # the title is best effort and must never fail a parse
        logger.debug("no title found", exc_info=True)
        return None


def _sensible_title(title: str) -> bool:
    letters = sum(c.isalpha() for c in title)
    return (
        len(title.split()) >= MIN_TITLE_WORDS
        and letters >= MIN_TITLE_LETTERS
        and not _BAD_TITLES.search(title)
    )


def _largest_line(reader: PdfReader, first_page: str) -> str | None:
    """Return the page-1 lines set in the largest font near the top (the visitor gives sizes, not lines)."""
    rows: dict[int, list[tuple[float, str]]] = {}

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if text.strip():
            scale = math.hypot(tm[2], tm[3]) * math.hypot(cm[2], cm[3])
            y = round(tm[4] * cm[1] + tm[5] * cm[3] + cm[5])
            rows.setdefault(y, []).append((size * scale, text))

    page = reader.pages[0]
    page.extract_text(visitor_text=visit)
    box = page.mediabox
    top_region = float(box.bottom) + TITLE_REGION * float(box.height)
    visual = [
        (max(s for s, _ in frags), "".join(t for _, t in frags))
        for y, frags in rows.items()
        if y >= top_region
    ]
    wordy = [
        (s, t)
        for s, t in visual
        if len(t.split()) >= MIN_TITLE_WORDS and sum(c.isalpha() for c in t) >= MIN_TITLE_LETTERS
    ]
    if not wordy:
        return None
    top = max(s for s, _ in wordy)
    keys = [_letters(t) for s, t in wordy if s >= TITLE_SIZE_TOLERANCE * top]
    picked: list[str] = []
    for line in first_page.split("\n")[:TITLE_SEARCH_LINES]:
        letters = _letters(line)
        if len(letters) >= MIN_TITLE_LINE_LETTERS and any(k and (letters in k or k in letters) for k in keys):
            picked.append(line)
        elif picked:
            break  # the title is the first run of such lines
    title = " ".join(picked).strip()
    return title if _sensible_title(title) else None


def _letters(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalpha())
