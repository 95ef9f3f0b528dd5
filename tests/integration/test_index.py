"""The Chroma index on fixture papers (parsed and chunked by the real stages): on disk and on a server."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Sequence
from pathlib import Path

import chromadb
import pytest
from chromadb.config import Settings as ChromaSettings

from summarizer.document import SKIPPED_SECTIONS, Chunk
from summarizer.errors import ConfigError, UpstreamUnavailable
from summarizer.ingest import pdf
from summarizer.model.embeddings import MiniLMEmbedder, get_embedder
from summarizer.retrieval import chunking
from summarizer.retrieval.index import Index, RetrievedChunk
from summarizer.settings import ChunkSettings, IndexSettings, PdfSettings
from tests.fakes.chroma_server import running_chroma

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures"


def paper_chunks(name: str) -> tuple[str, list[Chunk]]:
    """A fixture paper through the real pure stages: pdf.parse, then chunking.split."""
    doc = pdf.parse((FIXTURES / name).read_bytes(), settings=PdfSettings(), name=name)
    return doc.sha256, chunking.split(doc, ChunkSettings())


class RefusingEmbedder(MiniLMEmbedder):
    """An embedder that fails the test if anything asks it for vectors."""

    def __init__(self) -> None:  # no model: it must never be needed
        pass

    def embed(self, texts: Sequence[str], *, batch_size: int | None = None) -> list[list[float]]:
        raise AssertionError(f"asked to embed {len(texts)} texts")


@pytest.fixture(scope="module")
def toolllm() -> tuple[str, list[Chunk]]:
    return paper_chunks("toolllm_iclr2024.pdf")


@pytest.fixture(scope="module")
def gpjax() -> tuple[str, list[Chunk]]:
    return paper_chunks("gpjax_joss.pdf")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("chroma")


@pytest.fixture(scope="module")
def index(store: Path, toolllm: tuple[str, list[Chunk]], gpjax: tuple[str, list[Chunk]]) -> Index:
    """One embedded store holding both papers, shared by the read-only tests."""
    built = Index(IndexSettings(), store)
    assert built.add(*toolllm) == len(toolllm[1])
    assert built.add(*gpjax) == len(gpjax[1])
    return built


def test_a_results_question_finds_the_page_with_the_results(
    index: Index, toolllm: tuple[str, list[Chunk]]
) -> None:
    sha, chunks = toolllm
    hits = index.query(sha, "What is the pass rate of DFSDT compared with ReACT?", k=3)
    assert 8 in hits[0].pages
    assert all(isinstance(h, RetrievedChunk) for h in hits)
    assert [h.distance for h in hits] == sorted(h.distance for h in hits)
    by_id = {c.id: c for c in chunks}
    for hit in hits:  # rebuilt from Chroma exactly as it was added
        assert hit.model_dump(exclude={"distance"}) == by_id[hit.id].model_dump()
    assert 8 in index.query(sha, "pass rate of DFSDT", k=3)[0].pages


def test_adding_the_same_paper_again_changes_nothing_and_embeds_nothing(
    store: Path, index: Index, toolllm: tuple[str, list[Chunk]]
) -> None:
    sha, chunks = toolllm
    before = index.count()
    again = Index(IndexSettings(), store, embedder=RefusingEmbedder())
    assert again.add(sha, chunks) == 0
    assert again.count() == before
    assert again.count(sha) == len(chunks)
    assert again.has(sha)


def test_a_reopened_store_still_has_the_chunks(store: Path, index: Index,
                                               toolllm: tuple[str, list[Chunk]]) -> None:
    sha, chunks = toolllm
    # a new process, so nothing can come from this process's cached Chroma client
    script = textwrap.dedent(f"""
        from pathlib import Path
        from summarizer.retrieval.index import Index
        from summarizer.settings import ChunkSettings, IndexSettings, PdfSettings
        index = Index(IndexSettings(), Path({str(store)!r}))
        print(index.count({sha!r}), index.has({sha!r}))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(len(chunks)), "True"]


def test_references_and_appendix_are_skipped_unless_asked_for(
    index: Index, toolllm: tuple[str, list[Chunk]]
) -> None:
    sha, chunks = toolllm
    assert {c.section for c in chunks} >= SKIPPED_SECTIONS
    question = "Reimers and Gurevych. Sentence-BERT: sentence embeddings using siamese BERT networks"
    assert not {h.section for h in index.query(sha, question, k=8)} & SKIPPED_SECTIONS
    assert "references" in {h.section for h in index.query(sha, question, k=8, exclude_sections=set())}
    assert {h.section for h in index.query(sha, question, k=8, sections={"references"})} == {"references"}
    assert {h.section for h in index.query(sha, question, k=8, sections={"appendix"})} == {"appendix"}
    assert index.query(sha, question, k=8, sections=set()) == []


def test_another_papers_chunks_never_answer(
    index: Index, toolllm: tuple[str, list[Chunk]], gpjax: tuple[str, list[Chunk]]
) -> None:
    for (sha, _), question in ((toolllm, "Gaussian processes in JAX"), (gpjax, "DFSDT pass rate")):
        hits = index.query(sha, question, k=10, exclude_sections=set())
        assert len(hits) == 10
        assert all(h.id.startswith(sha[:16] + ":") for h in hits)


def test_several_questions_in_one_call_match_asking_one_by_one(
    index: Index, toolllm: tuple[str, list[Chunk]]
) -> None:
    sha, _ = toolllm
    questions = ["pass rate of DFSDT", "How many real-world APIs were collected from RapidAPI?",
                 "Which model is used as the API retriever?"]
    together = index.query_many(sha, questions, k=4)
    assert [[h.id for h in hits] for hits in together] == [
        [h.id for h in index.query(sha, q, k=4)] for q in questions
    ]
    assert index.query_many(sha, [], k=4) == []


def test_an_unknown_paper_finds_nothing(index: Index) -> None:
    assert not index.has("0" * 64)
    assert index.query("0" * 64, "pass rate", k=3) == []


def test_deleting_a_paper_removes_only_its_chunks(tmp_path: Path, toolllm: tuple[str, list[Chunk]],
                                                  gpjax: tuple[str, list[Chunk]]) -> None:
    fresh = Index(IndexSettings(), tmp_path)
    (tool_sha, tool_chunks), (gp_sha, gp_chunks) = toolllm, gpjax
    fresh.add(tool_sha, tool_chunks[:5])
    fresh.add(gp_sha, gp_chunks[:5])
    assert fresh.delete(tool_sha) == 5
    assert not fresh.has(tool_sha)
    assert fresh.count() == 5 and fresh.count(gp_sha) == 5
    assert fresh.delete(tool_sha) == 0
    assert fresh.add(tool_sha, tool_chunks[:5]) == 5  # a deleted paper can be indexed again


def test_chunks_of_another_paper_are_refused(tmp_path: Path, toolllm: tuple[str, list[Chunk]],
                                             gpjax: tuple[str, list[Chunk]]) -> None:
    with pytest.raises(ValueError, match="do not belong"):
        Index(IndexSettings(), tmp_path).add(toolllm[0], gpjax[1][:2])


def test_a_collection_of_another_model_is_refused(tmp_path: Path) -> None:
    client = chromadb.PersistentClient(path=str(tmp_path), settings=ChromaSettings(anonymized_telemetry=False))
    client.create_collection("summarizer_chunks", embedding_function=None,
                             metadata={"embedding_model": "text-embedding-3-small"})
    with pytest.raises(ConfigError, match="text-embedding-3-small"):
        Index(IndexSettings(), tmp_path)


@pytest.mark.parametrize("url", ["ftp://127.0.0.1:8000", "http://127.0.0.1:8000/chroma", "http://host:port",
                                 "http://admin:hunter2@host:port"])
def test_a_malformed_chroma_url_is_a_config_error_that_shows_no_password(tmp_path: Path, url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Index(IndexSettings(chroma_url=url), tmp_path)
    assert "hunter2" not in str(caught.value)


def test_an_unreachable_chroma_server_is_transient(tmp_path: Path) -> None:
    with pytest.raises(UpstreamUnavailable) as caught:
        Index(IndexSettings(chroma_url=f"http://admin:hunter2@127.0.0.1:{_free_port()}"), tmp_path)
    assert caught.value.transient
    assert "admin:***@127.0.0.1" in str(caught.value) and "hunter2" not in str(caught.value)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Run `chroma run` (the server chromadb ships) on a free loopback port until the test ends."""
    with running_chroma(tmp_path) as server:
        yield server


def test_a_chroma_server_stores_and_answers_like_the_embedded_store(
    chroma_server: tuple[str, subprocess.Popen[bytes]], tmp_path: Path,
    toolllm: tuple[str, list[Chunk]], gpjax: tuple[str, list[Chunk]],
) -> None:
    settings = IndexSettings(chroma_url=chroma_server[0])
    remote = Index(settings, tmp_path / "unused", embedder=get_embedder())
    (tool_sha, tool_chunks), (gp_sha, gp_chunks) = toolllm, gpjax
    main_text = [c for c in tool_chunks if c.section not in SKIPPED_SECTIONS]
    assert remote.add(tool_sha, main_text) == len(main_text)
    assert remote.add(gp_sha, gp_chunks) == len(gp_chunks)
    assert remote.add(tool_sha, main_text) == 0
    assert remote.count() == len(main_text) + len(gp_chunks)
    hits = remote.query(tool_sha, "What is the pass rate of DFSDT compared with ReACT?", k=3)
    assert 8 in hits[0].pages
    assert all(h.id.startswith(tool_sha[:16]) for h in hits)
    # a second client sees what the first stored: the data is on the server, not in this process
    assert Index(settings, tmp_path / "unused", embedder=RefusingEmbedder()).count(tool_sha) == len(main_text)
    assert not (tmp_path / "unused").exists()


def test_a_chroma_server_that_goes_away_is_a_transient_error(
    chroma_server: tuple[str, subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    url, server = chroma_server
    remote = Index(IndexSettings(chroma_url=url), tmp_path, embedder=RefusingEmbedder())
    assert not remote.has("0" * 64)
    server.terminate()
    server.wait(timeout=20)
    with pytest.raises(UpstreamUnavailable) as caught:
        remote.has("0" * 64)
    assert caught.value.transient
