"""Hostile PDFs through the parsing sandbox, with the production limits: a typed, readable error (or a
Document where pypdf recovers) in bounded time and memory, and the calling process untouched."""

from __future__ import annotations

import resource
import time
from pathlib import Path

import pytest

from summarizer.document import Document
from summarizer.errors import PdfError, PdfTooComplex
from summarizer.ingest import sandbox
from summarizer.settings import PdfSettings
from tests.fakes import bad_pdfs

PRODUCTION = PdfSettings()
# what a bad file may cost with the production limits, well inside them
SECONDS = 60.0
FIXTURE = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "gpjax_joss.pdf"


def outcome(data: bytes, settings: PdfSettings) -> Document | PdfError:
    try:
        return sandbox.parse(data, settings=settings, name="paper.pdf")
    except PdfError as exc:
        return exc


@pytest.mark.timeout(300)
@pytest.mark.parametrize("case", list(bad_pdfs.CASES))
def test_each_hostile_pdf_gets_a_typed_readable_error_in_bounded_time_and_memory(case: str) -> None:
    expected = bad_pdfs.CASES[case]
    data = expected.build()
    started = time.monotonic()
    result = outcome(data, PRODUCTION)
    seconds = time.monotonic() - started
    assert seconds < SECONDS, f"{case}: {seconds:.1f} s"
    # the children's peak resident memory (kilobytes on Linux), whichever child it was
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss < PRODUCTION.memory_mb * 1024
    if expected.errors is None:
        assert isinstance(result, (Document, PdfError)), result
    else:
        assert isinstance(result, expected.errors), f"{case}: {result!r}"
    if isinstance(result, PdfError):
        message = str(result)
        assert "Traceback" not in message and len(message) < 400 and message.strip()
        assert "paper.pdf" in message or "not a PDF" in message


def test_a_readable_paper_comes_back_whole_from_the_child() -> None:
    doc = sandbox.parse(bad_pdfs.text_pdf([[bad_pdfs.SENTENCE] * 20] * 2), settings=PRODUCTION)
    assert [p.number for p in doc.pages] == [1, 2] and "71.5" in doc.pages[0].text


def test_a_real_paper_parses_the_same_in_the_child_as_in_process() -> None:
    from summarizer.ingest import pdf

    data = FIXTURE.read_bytes()
    assert sandbox.parse(data, settings=PRODUCTION, name="x.pdf") == pdf.parse(data, settings=PRODUCTION, name="x.pdf")


def test_the_parsing_child_gets_none_of_the_workers_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUMMARIZER_LLM_API_KEY", "sk-secret")
    monkeypatch.setenv("SUMMARIZER_DATABASE_URL", "postgresql://editor:pw@db/summarizer")
    env = sandbox.child_env()
    assert "sk-secret" not in str(env) and "pw@db" not in str(env) and "PATH" in env
    # and the child still starts and parses with only that
    assert sandbox.parse(bad_pdfs.text_pdf([[bad_pdfs.SENTENCE] * 20]), settings=PRODUCTION).pages


# --- the mechanisms, each shown with one limit shortened ----------------------------------------------


@pytest.mark.timeout(120)
def test_a_parse_over_the_wall_time_limit_is_killed_and_reported() -> None:
    started = time.monotonic()
    with pytest.raises(PdfTooComplex, match=r"pdf\.timeout_s"):
        sandbox.parse(bad_pdfs.huge_single_page(), settings=PdfSettings(timeout_s=1.0), name="slow.pdf")
    assert time.monotonic() - started < 5


@pytest.mark.timeout(120)
def test_a_parse_over_the_cpu_limit_is_stopped_and_reported() -> None:
    with pytest.raises(PdfTooComplex, match=r"pdf\.cpu_s"):
        sandbox.parse(bad_pdfs.huge_single_page(), settings=PdfSettings(cpu_s=1), name="busy.pdf")


@pytest.mark.timeout(120)
def test_a_parse_over_the_memory_limit_is_stopped_and_reported() -> None:
    # 70 MB inflated: under pypdf's own 75 MB limit, over an address space cut to 100 MB
    bomb = bad_pdfs.decompression_bomb(70 * 1024**2)
    with pytest.raises(PdfTooComplex, match="MemoryError|memory"):
        sandbox.parse(bomb, settings=PdfSettings(memory_mb=100), name="big.pdf")
    assert not isinstance(outcome(bomb, PRODUCTION), PdfTooComplex)  # with the production limits
