"""chunking.split: chunks stay inside one section, know their pages, and get deterministic ids."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from summarizer.document import Chunk, Document, PageText, Section
from summarizer.ingest import pdf
from summarizer.retrieval import chunking
from summarizer.settings import ChunkSettings, PdfSettings

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures"
NAMES = sorted(p.name for p in FIXTURES.glob("*.pdf"))
SETTINGS = ChunkSettings()


@cache
def parsed(name: str) -> Document:
    return pdf.parse((FIXTURES / name).read_bytes(), settings=PdfSettings(), name=name)


@cache
def chunks(name: str) -> list[Chunk]:
    return chunking.split(parsed(name), SETTINGS)


def document(*sections: Section) -> Document:
    pages = sorted({p.page for s in sections for p in s.parts})
    from summarizer.document import Page

    texts = {n: "\n".join(p.text for s in sections for p in s.parts if p.page == n) for n in pages}
    return Document(
        sha256="ab" * 32, pages=[Page(number=n, text=texts[n]) for n in pages], sections=list(sections)
    )


def sentence(n: int) -> str:
    return f"Sentence number {n} says something about the method and its results."


@pytest.mark.parametrize("name", NAMES)
def test_chunks_have_sequential_deterministic_ids(name: str) -> None:
    doc = parsed(name)
    found = chunks(name)
    assert found
    assert [c.index for c in found] == list(range(len(found)))
    assert all(c.id == f"{doc.sha256[:16]}:{c.index}" for c in found)
    assert chunking.split(doc, SETTINGS) == found


@pytest.mark.parametrize("name", NAMES)
def test_chunk_text_comes_from_its_section_and_its_pages(name: str) -> None:
    doc = parsed(name)
    for chunk in chunks(name):
        assert chunk.text and len(chunk.text) <= SETTINGS.size_chars
        assert chunk.pages and chunk.pages == sorted(set(chunk.pages))
        assert all(1 <= page <= len(doc.pages) for page in chunk.pages)
        same_kind = "\n".join(s.text for s in doc.sections if s.kind == chunk.section)
        on_pages = "\n".join(doc.page_text(page) for page in chunk.pages)
        for line in chunk.text.split("\n"):
            assert line in same_kind and line in on_pages


def test_chunks_never_mix_sections() -> None:
    doc = document(
        Section(
            kind="abstract", heading="Abstract", parts=[PageText(page=1, text="Abstract\nShort abstract.")]
        ),
        Section(
            kind="introduction",
            heading="1 Introduction",
            parts=[PageText(page=1, text="1 Introduction\nShort introduction.")],
        ),
    )
    found = chunking.split(doc, SETTINGS)
    assert [(c.section, c.text) for c in found] == [
        ("abstract", "Abstract\nShort abstract."),
        ("introduction", "1 Introduction\nShort introduction."),
    ]


def test_a_chunk_spanning_a_page_break_carries_both_pages() -> None:
    # a sentence runs over the page break, as most do in a paper
    page1 = "\n".join(sentence(n) for n in range(12)) + "\nThis sentence runs over the"
    page2 = "page break and ends here.\n" + "\n".join(sentence(n) for n in range(12, 24))
    doc = document(
        Section(kind="method", heading="", parts=[PageText(page=1, text=page1), PageText(page=2, text=page2)])
    )
    found = chunking.split(doc, ChunkSettings(size_chars=300, overlap_chars=60))
    assert found[0].pages == [1] and found[-1].pages == [2]
    assert any(c.pages == [1, 2] and "over the\npage break" in c.text for c in found)
    for c in found:
        assert all(
            (line in page1 and 1 in c.pages) or (line in page2 and 2 in c.pages)
            for line in c.text.split("\n")
        )


def test_a_heading_only_section_joins_its_first_subsection() -> None:
    doc = document(
        Section(kind="experiments", heading="3 Experiments", parts=[PageText(page=1, text="3 Experiments")]),
        Section(
            kind="experiments", heading="3.1 Setup", parts=[PageText(page=1, text="3.1 Setup\nWe train.")]
        ),
    )
    (chunk,) = chunking.split(doc, SETTINGS)
    assert chunk.text == "3 Experiments\n3.1 Setup\nWe train." and chunk.section == "experiments"


def test_toolllm_results_table_lands_in_an_experiments_chunk_on_page_8() -> None:
    hits = [c for c in chunks("toolllm_iclr2024.pdf") if "DFSDT 54.10 47.35 44.80 48.75" in c.text]
    assert hits and all(c.section == "experiments" and 8 in c.pages for c in hits)


def test_references_and_appendix_chunks_are_labelled_for_retrieval_to_skip() -> None:
    kinds = {c.section for c in chunks("toolllm_iclr2024.pdf")}
    assert {"references", "appendix", "abstract", "introduction", "method", "experiments"} <= kinds
