"""Every input the fuzzer (benchmarks/fuzz.py) found crashing, replayed: it must now give a result or the
error the caller expects, never another exception."""

from __future__ import annotations

from pathlib import Path

import pytest

from summarizer.errors import InvalidArxivId, SummarizerError
from summarizer.ingest import ids, pdf
from summarizer.settings import PdfSettings

REGRESSIONS = Path(__file__).resolve().parents[1] / "regressions"
FOUND = sorted(p.relative_to(REGRESSIONS).as_posix() for p in REGRESSIONS.glob("*/*") if p.is_file())


def test_the_fuzzers_findings_are_kept() -> None:
    assert FOUND, "tests/regressions/ holds the crashing inputs of benchmarks/fuzz.py"


@pytest.mark.timeout(120)
@pytest.mark.parametrize("found", FOUND)
def test_a_crashing_input_found_by_fuzzing_now_gives_a_result_or_a_typed_error(found: str) -> None:
    target, _ = found.split("/", 1)
    data = (REGRESSIONS / found).read_bytes()
    if target == "ids":
        try:
            ids.parse(data.decode("utf-8", "replace"))
        except InvalidArxivId as exc:
            assert str(exc).startswith("not an arXiv id")
    else:
        try:
            pdf.parse(data, settings=PdfSettings(), name="found.pdf")
        except SummarizerError as exc:
            assert "found.pdf" in str(exc) or "not a PDF" in str(exc)
