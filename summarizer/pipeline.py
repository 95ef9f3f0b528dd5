"""The one place that knows the order of the stages: source -> PDF -> Document -> chunks -> index -> card."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from summarizer import __version__, chunking, extract, grounding, ids, llm, pdf, prompts
from summarizer.arxiv import ArxivClient, ArxivRecord
from summarizer.card import Card, Provenance
from summarizer.document import Chunk, Document
from summarizer.errors import NotAPdf
from summarizer.files import write_atomic
from summarizer.index import Index
from summarizer.settings import Settings

logger = logging.getLogger(__name__)
Progress = Callable[[str, str], None]


@dataclass
class Fetched:
    pdf: bytes
    record: ArxivRecord | None
    name: str


class Timer:
    """Seconds per stage, reported in the card's provenance."""

    def __init__(self, progress: Progress | None) -> None:
        self.seconds: dict[str, float] = {}
        self.progress = progress

    @contextmanager
    def stage(self, name: str, detail: str = "") -> Iterator[None]:
        if self.progress:
            self.progress(name, detail)
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = round(self.seconds.get(name, 0.0) + time.perf_counter() - started, 3)


def fetch(source: str, settings: Settings) -> Fetched:
    """An arXiv id (or URL) through the arXiv client, or a local PDF file."""
    path = Path(source).expanduser()
    if path.suffix.lower() == ".pdf" or path.is_file():
        if not path.is_file():
            raise NotAPdf(f"{source}: no such file")
        return Fetched(path.read_bytes(), None, path.name)
    arxiv_id = ids.parse(source)
    with ArxivClient(settings.arxiv, settings.cache_dir) as client:
        record, data = client.fetch(arxiv_id)
    return Fetched(data, record, f"arXiv:{record.arxiv_id}v{record.version}")


def parse(fetched: Fetched, settings: Settings) -> tuple[Document, list[Chunk]]:
    doc = pdf.parse(fetched.pdf, settings=settings.pdf, name=fetched.name)
    return doc, chunking.split(doc, settings.chunk)


def parse_cached(fetched: Fetched, settings: Settings) -> tuple[Document, list[Chunk]]:
    """parse(), keeping the Document under cache_dir/documents (by PDF sha256 and package version).

    The parse stage writes it; extract, a redelivered task or a forced re-run reads it back instead of
    parsing the PDF again. A missing or unreadable file is parsed anew.
    """
    sha256 = hashlib.sha256(fetched.pdf).hexdigest()
    path = settings.cache_dir / "documents" / f"{sha256}-{__version__}.json"
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


def pipeline_version(settings: Settings, model: str) -> str:
    """Hash of prompt versions and model: part of a job's key, so a prompt change makes a new card."""
    versions = prompts.versions(settings.prompts_dir)
    text = model + ";" + ";".join(f"{k}={v}" for k, v in sorted(versions.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def job_version(settings: Settings) -> str:
    """The pipeline version a job run with these settings will record (intake and workers agree)."""
    return pipeline_version(settings, llm.model_name(settings.llm))


def extract_card(
    doc: Document, chunks: list[Chunk], record: ArxivRecord | None, retriever: Index, model: llm.LLM,
    settings: Settings,
) -> Card:
    """Model-filled draft, grounded against the paper, with provenance."""
    draft = extract.fill(doc, chunks, record, retriever, model, settings)
    card = grounding.check(draft.card, [p.text for p in doc.pages])
    versions = {c.prompt: c.prompt_version for c in draft.calls}
    versions["system"] = prompts.load(settings.prompts_dir, "system").version
    versions["paper_context"] = prompts.load(settings.prompts_dir, "paper_context").version
    card.provenance = Provenance(
        model=model.model, endpoint=model.base_url, prompt_versions=versions, calls=draft.calls,
        paper_tokens=sum(len(p.text) for p in doc.pages) // 4,  # estimate: ~4 characters a token
        grounding_rate=round(card.grounding.rate, 4),
        pdf_sha256=doc.sha256, pipeline_version=pipeline_version(settings, model.model),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    return card


def summarize(source: str, settings: Settings, *, progress: Progress | None = None,
              model: llm.LLM | None = None) -> Card:
    """One arXiv id or PDF to a grounded card."""
    timer = Timer(progress)
    with timer.stage("fetch", source):
        fetched = fetch(source, settings)
    with timer.stage("parse", fetched.name):
        doc, chunks = parse(fetched, settings)
    with timer.stage("index", f"{len(chunks)} chunks"):
        retriever = index(doc, chunks, settings)
    if model is None:
        with timer.stage("model", "starting the local model" if not settings.llm.base_url else settings.llm.base_url):
            with llm.connect(settings.llm, settings.cache_dir) as connected:
                with timer.stage("extract", connected.model):
                    card = extract_card(doc, chunks, fetched.record, retriever, connected, settings)
        timer.seconds["model"] = round(timer.seconds["model"] - timer.seconds["extract"], 3)
    else:
        with timer.stage("extract", model.model):
            card = extract_card(doc, chunks, fetched.record, retriever, model, settings)
    card.provenance.stage_seconds = timer.seconds
    logger.info("card for %s: %d/%d numbers held", fetched.name, card.grounding.held, card.grounding.checked)
    return card
