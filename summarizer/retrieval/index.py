"""Chunk vectors in Chroma (embedded on disk or a server), one collection, filtered per paper."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import chromadb
import httpx
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings as ChromaSettings

from summarizer.document import SKIPPED_SECTIONS, Chunk
from summarizer.errors import ConfigError, UpstreamUnavailable
from summarizer.model.embeddings import DIM, MODEL_ID, MiniLMEmbedder, get_embedder
from summarizer.retrieval.chunking import CHUNK_ID_HASH_CHARS
from summarizer.settings import IndexSettings, masked_url

__all__ = ["Index", "RetrievedChunk"]

logger = logging.getLogger(__name__)

CHROMA_DEFAULT_PORT = 8000


class RetrievedChunk(Chunk):
    """A chunk returned by a query, with its cosine distance to the query (0 = same direction)."""

    distance: float


class Index:
    """One Chroma collection of chunk vectors; every call names the paper (its PDF's sha256)."""

    def __init__(
        self, settings: IndexSettings, path: Path, *, embedder: MiniLMEmbedder | None = None
    ) -> None:
        self._settings = settings
        self._embedder = embedder  # None: the process-wide model, loaded on the first embed only
        self._client = _client(settings, path)
        with _upstream(settings):
            # embedding_function=None: Chroma's default function downloads a model at first use (fails
            # offline, MODELS.md §4); every vector here is computed by us and passed in explicitly
            self._collection: Collection = self._client.get_or_create_collection(
                settings.collection,
                embedding_function=None,
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"embedding_model": MODEL_ID, "dim": DIM},
            )
        stored_model = (self._collection.metadata or {}).get("embedding_model")
        if stored_model != MODEL_ID:
            # vectors of two models are not comparable: nearest neighbours would be noise
            raise ConfigError(
                f"Chroma collection {settings.collection!r} holds vectors of {stored_model!r}, not "
                f"{MODEL_ID!r}; set index.collection to another name or delete that collection"
            )

    @property
    def embedder(self) -> MiniLMEmbedder:
        """The embedding model, loaded on first use so lookups and no-op adds never load it."""
        if self._embedder is None:
            self._embedder = get_embedder()
        return self._embedder

    def has(self, doc_sha256: str) -> bool:
        """Tell whether any chunk of this paper is indexed."""
        with _upstream(self._settings):
            found = self._collection.get(where={"doc": doc_sha256}, limit=1, include=[])
        return bool(found["ids"])

    def count(self, doc_sha256: str | None = None) -> int:
        """Count the chunks of one paper, or of the whole collection."""
        with _upstream(self._settings):
            if doc_sha256 is None:
                return self._collection.count()
            return len(self._collection.get(where={"doc": doc_sha256}, include=[])["ids"])

    def add(self, doc_sha256: str, chunks: Sequence[Chunk]) -> int:
        """Embed and store a paper's chunks unless they are already there; return how many were added."""
        prefix = doc_sha256[:CHUNK_ID_HASH_CHARS]
        strangers = [c.id for c in chunks if not c.id.startswith(prefix + ":")]
        if strangers:
            raise ValueError(f"chunks {strangers[:3]} do not belong to document {doc_sha256}")
        with _upstream(self._settings):
            # all ids rather than `limit=1`: same cost for one paper, and a paper that was only partly
            # stored (a crash between two upsert batches) is completed instead of staying short forever
            stored = set(self._collection.get(where={"doc": doc_sha256}, include=[])["ids"])
        missing = [c for c in chunks if c.id not in stored]
        if not missing:
            logger.info("document %s already indexed (%d chunks)", prefix, len(stored))
            return 0
        if stored:
            logger.warning("document %s was partly indexed (%d of %d chunks); adding the rest",
                           prefix, len(stored), len(chunks))
        start = time.perf_counter()
        vectors = self.embedder.embed([c.text for c in missing], batch_size=self._settings.batch_size)
        embedded = time.perf_counter()
        with _upstream(self._settings):
            limit = self._client.get_max_batch_size()
            for offset in range(0, len(missing), limit):
                part = missing[offset:offset + limit]
                # upsert with ids derived from the content hash: a retried or concurrent add of the same
                # paper overwrites identical records instead of duplicating them
                # the ignore: Chroma's Embeddings alias is an invariant list of Sequence, not list[list]
                self._collection.upsert(
                    ids=[c.id for c in part],
                    embeddings=vectors[offset:offset + limit],  # type: ignore[arg-type]  # see above
                    documents=[c.text for c in part],
                    metadatas=[_metadata(doc_sha256, c) for c in part],
                )
        logger.info("indexed %d chunks of %s: embed %.2f s, store %.2f s",
                    len(missing), prefix, embedded - start, time.perf_counter() - embedded)
        return len(missing)

    def query(
        self,
        doc_sha256: str,
        text: str,
        k: int,
        sections: AbstractSet[str] | None = None,
        exclude_sections: AbstractSet[str] = SKIPPED_SECTIONS,
    ) -> list[RetrievedChunk]:
        """Return up to k chunks of this paper nearest to text, best first."""
        return self.query_many(doc_sha256, [text], k, sections=sections, exclude_sections=exclude_sections)[0]

    def query_many(
        self,
        doc_sha256: str,
        texts: Sequence[str],
        k: int,
        sections: AbstractSet[str] | None = None,
        exclude_sections: AbstractSet[str] = SKIPPED_SECTIONS,
    ) -> list[list[RetrievedChunk]]:
        """Answer several queries on one paper with one embedding batch and one Chroma call."""
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        if not texts:
            return []
        if sections is not None and not sections:
            return [[] for _ in texts]  # Chroma rejects an empty $in; nothing can match anyway
        start = time.perf_counter()
        vectors = self.embedder.embed(list(texts), batch_size=self._settings.batch_size)
        embedded = time.perf_counter()
        with _upstream(self._settings):
            found = self._collection.query(
                query_embeddings=vectors,  # type: ignore[arg-type]  # invariant list alias, as in add()
                n_results=k,
                where=_where(doc_sha256, sections, exclude_sections),
                include=["documents", "metadatas", "distances"],
            )
        ids, documents = found["ids"], found["documents"] or []
        metadatas, distances = found["metadatas"] or [], found["distances"] or []
        results = [
            [
                _retrieved(chunk_id, document or "", dict(metadata), distance)
                for chunk_id, document, metadata, distance in zip(
                    ids[q], documents[q], metadatas[q], distances[q], strict=True
                )
            ]
            for q in range(len(texts))
        ]
        logger.info("%d queries on %s: embed %.3f s, search %.3f s", len(texts), doc_sha256[:CHUNK_ID_HASH_CHARS],
                    embedded - start, time.perf_counter() - embedded)
        if not any(results):
            logger.warning("no chunks of %s matched; is the document indexed?", doc_sha256[:CHUNK_ID_HASH_CHARS])
        return results

    def delete(self, doc_sha256: str) -> int:
        """Remove every chunk of this paper; return how many there were."""
        with _upstream(self._settings):
            ids = self._collection.get(where={"doc": doc_sha256}, include=[])["ids"]
            if ids:
                self._collection.delete(ids=ids)
        logger.info("deleted %d chunks of %s", len(ids), doc_sha256[:CHUNK_ID_HASH_CHARS])
        return len(ids)


def _client(settings: IndexSettings, path: Path) -> ClientAPI:
    """Open a Chroma server client when chroma_url is set, else the embedded store at path."""
    # telemetry off: the service runs offline and must not phone home
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if not settings.chroma_url:
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    url = urlsplit(settings.chroma_url)
    try:
        port = url.port
    except ValueError as exc:
        raise ConfigError(f"index.chroma_url {masked_url(settings.chroma_url)!r} has a bad port") from exc
    if url.scheme not in ("http", "https") or not url.hostname or url.path not in ("", "/"):
        # HttpClient takes host/port/ssl only, so a path prefix would be silently dropped
        raise ConfigError(f"index.chroma_url must look like http://host:8000, got {masked_url(settings.chroma_url)!r}")
    ssl = url.scheme == "https"
    try:
        return chromadb.HttpClient(
            host=url.hostname, port=port or (443 if ssl else CHROMA_DEFAULT_PORT), ssl=ssl,
            settings=chroma_settings,
        )
    except ValueError as exc:  # chromadb's "Could not connect to a Chroma server"
        raise UpstreamUnavailable(f"Chroma server at {masked_url(settings.chroma_url)} is unreachable: {exc}") from exc


@contextmanager
def _upstream(settings: IndexSettings) -> Iterator[None]:
    """Turn a Chroma server's network failures into UpstreamUnavailable, which workers retry."""
    try:
        yield
    except httpx.TransportError as exc:
        raise UpstreamUnavailable(f"Chroma server at {masked_url(settings.chroma_url or '')} failed: {exc!r}") from exc


def _metadata(doc_sha256: str, chunk: Chunk) -> dict[str, str | int]:
    """Flatten a chunk's fields into Chroma metadata, which holds scalars only."""
    return {
        "doc": doc_sha256,
        "index": chunk.index,
        "section": chunk.section,
        "pages": ",".join(str(p) for p in chunk.pages),
        "first_page": chunk.pages[0] if chunk.pages else 0,
    }


def _where(doc_sha256: str, sections: AbstractSet[str] | None, exclude: AbstractSet[str]) -> dict[str, Any]:
    """Build the filter: this paper, then either the sections asked for or all but the excluded."""
    clauses: list[dict[str, Any]] = [{"doc": doc_sha256}]
    if sections is not None:
        # sections named explicitly are wanted even if they are normally skipped (e.g. "appendix")
        clauses.append({"section": {"$in": sorted(sections)}})
    elif exclude:
        clauses.append({"section": {"$nin": sorted(exclude)}})
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _retrieved(chunk_id: str, text: str, metadata: dict[str, Any], distance: float) -> RetrievedChunk:
    """Rebuild a chunk from what Chroma stored for it."""
    pages = str(metadata.get("pages", ""))
    return RetrievedChunk(
        id=chunk_id,
        index=int(metadata["index"]),
        text=text,
        pages=[int(p) for p in pages.split(",") if p],
        section=metadata["section"],
        distance=float(distance),
    )
