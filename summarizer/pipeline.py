"""The one place that knows the order of the stages: source -> PDF -> Document -> chunks -> index -> card.

The CLI runs `summarize`; the queue's tasks (workers/tasks.py) call the same stage functions one by one,
so each stage can be retried on its own.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from summarizer.card import Card
from summarizer.document import ArxivRecord, Chunk, Document
from summarizer.drafting import extract, provenance
from summarizer.errors import NotAPdf
from summarizer.files import document_path, write_atomic
from summarizer.ingest import ids, sandbox
from summarizer.ingest.arxiv import ArxivClient
from summarizer.jobs import Stage
from summarizer.model import connection
from summarizer.model.llm import LLM
from summarizer.numbers import grounding
from summarizer.retrieval import chunking
from summarizer.retrieval.index import Index
from summarizer.settings import Settings

logger = logging.getLogger(__name__)
Progress = Callable[[str, str], None]


@dataclass
class Fetched:
    pdf: bytes
    record: ArxivRecord | None
    name: str


class Timer:
    """Seconds per stage, reported in the card's provenance; each stage announced to `progress`."""

    def __init__(self, progress: Progress | None) -> None:
        self.seconds: dict[str, float] = {}
        self.progress = progress

    def note(self, stage: Stage, detail: str) -> None:
        if self.progress:
            self.progress(stage, detail)

    @contextmanager
    def stage(self, stage: Stage, detail: str = "") -> Iterator[None]:
        self.note(stage, detail)
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage.value] = round(self.seconds.get(stage.value, 0.0) + time.perf_counter() - started, 3)


def fetch_arxiv(arxiv_id: ids.ArxivId, client: ArxivClient) -> Fetched:
    """The record and PDF of an arXiv paper: from arXiv the first time, from the client's disk cache after."""
    record, data = client.fetch(arxiv_id)
    return Fetched(data, record, f"arXiv:{record.arxiv_id}v{record.version}")


def fetch(source: str, settings: Settings) -> Fetched:
    """An arXiv id (or URL) through the arXiv client, or a local PDF file."""
    path = Path(source).expanduser()
    if path.suffix.lower() == ".pdf" or path.is_file():
        if not path.is_file():
            raise NotAPdf(f"{source}: no such file")
        return Fetched(path.read_bytes(), None, path.name)
    arxiv_id = ids.parse(source)
    with ArxivClient(settings.arxiv, settings.cache_dir) as client:
        return fetch_arxiv(arxiv_id, client)


def parse(fetched: Fetched, settings: Settings) -> tuple[Document, list[Chunk]]:
    """The PDF parsed in a child process with its own memory, CPU and wall-time limits (ingest/sandbox.py)."""
    doc = sandbox.parse(fetched.pdf, settings=settings.pdf, name=fetched.name)
    return doc, chunking.split(doc, settings.chunk)


def parse_cached(fetched: Fetched, settings: Settings) -> tuple[Document, list[Chunk]]:
    """parse(), keeping the Document under cache_dir/documents (by PDF sha256 and parsing code).

    The parse stage writes it; extract, a redelivered task or a forced re-run reads it back instead of
    parsing the PDF again. A missing or unreadable file is parsed anew; so is one from other parsing code.
    """
    sha256 = hashlib.sha256(fetched.pdf).hexdigest()
    path = document_path(settings.cache_dir, sha256)
    try:
        doc = Document.model_validate_json(path.read_bytes())
    except (OSError, ValidationError):
        doc, chunks = parse(fetched, settings)
        write_atomic(path, doc.model_dump_json().encode())
        return doc, chunks
    return doc, chunking.split(doc, settings.chunk)


def index(doc: Document, chunks: list[Chunk], settings: Settings, store: Index | None = None) -> Index:
    """Add the paper's chunks (a no-op when they are there); `store`: an Index the caller keeps open."""
    store = store or Index(settings.index, settings.chroma_path)
    store.add(doc.sha256, chunks)
    return store


def extract_card(
    doc: Document, chunks: list[Chunk], record: ArxivRecord | None, retriever: Index, model: LLM,
    settings: Settings,
) -> Card:
    """Model-filled draft, grounded against the paper, with provenance."""
    draft = extract.fill(doc, chunks, record, retriever, model, settings)
    card = grounding.check(draft.card, [p.text for p in doc.pages])
    card.provenance = provenance.build(
        draft.calls, model.model, settings, endpoint=model.base_url, grounding=card.grounding,
        paper_texts=(p.text for p in doc.pages), pdf_sha256=doc.sha256,
    )
    return card


def summarize(source: str, settings: Settings, *, progress: Progress | None = None,
              model: LLM | None = None) -> Card:
    """One arXiv id or PDF to a grounded card."""
    timer = Timer(progress)
    with timer.stage(Stage.FETCH, source):
        fetched = fetch(source, settings)
    with timer.stage(Stage.PARSE, fetched.name):
        doc, chunks = parse(fetched, settings)
        retriever = index(doc, chunks, settings)
    timer.note(Stage.PARSE, f"{len(chunks)} chunks indexed")
    if model is None:
        # starting the local model is not part of any card's time: it is paid once per process
        timer.note(Stage.EXTRACT, settings.llm.base_url or "starting the local model")
        with (connection.connect(settings.llm, settings.cache_dir) as connected,
              timer.stage(Stage.EXTRACT, connected.model)):
            card = extract_card(doc, chunks, fetched.record, retriever, connected, settings)
    else:
        with timer.stage(Stage.EXTRACT, model.model):
            card = extract_card(doc, chunks, fetched.record, retriever, model, settings)
    card.provenance.stage_seconds = timer.seconds
    logger.info("card for %s: %d/%d numbers held", fetched.name, card.grounding.held, card.grounding.checked)
    return card
