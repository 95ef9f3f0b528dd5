"""Fuzz the two doors untrusted bytes come through: the PDF parser and the arXiv id parser (atheris).

    pip install -e '.[fuzz]'
    python benchmarks/fuzz.py [--seconds 300] [--targets pdf ids] [--out benchmarks/results/FILE.txt]

Not a test: it runs each target under libFuzzer for a bounded time and prints what it did. The contract
fuzzed is the one callers rely on: `pdf.parse` returns a Document or raises a SummarizerError, and
`ids.parse` returns an ArxivId or raises InvalidArxivId; anything else (another exception, a hang past
--input-timeout, memory past --rss-mb) is a crash. libFuzzer writes each crashing input to
tests/regressions/<target>/, where tests/unit/test_regressions.py replays it on every test run; commit
it with the fix.

The PDF target starts from the generated corpus of tests/fakes/bad_pdfs.py (the small cases) and a
plain text PDF, and runs in-process (the sandbox's limits are libFuzzer's here: -timeout and
-rss_limit_mb), so the parser's own code is what is exercised.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

REGRESSIONS = ROOT / "tests" / "regressions"
SEED_CASES = ("truncated", "encrypted", "no text layer", "broken xref", "page-tree loop", "broken font encoding")
# libFuzzer's closing line: "Done 12345 runs in 300 second(s)"
_DONE = re.compile(r"Done (\d+) runs in (\d+) second")
_COVERAGE = re.compile(r"cov: (\d+) ft: (\d+)")


def pdf_target(data: bytes) -> None:
    from summarizer.errors import SummarizerError
    from summarizer.ingest import pdf
    from summarizer.settings import PdfSettings

    try:
        pdf.parse(data, settings=PdfSettings(), name="fuzz.pdf")
    except SummarizerError:
        pass


def ids_target(data: bytes) -> None:
    from summarizer.errors import InvalidArxivId
    from summarizer.ingest import ids

    text = data.decode("utf-8", "replace")  # as tests/unit/test_regressions.py reads a crash file back
    try:
        ids.parse(text)
    except InvalidArxivId:
        pass


TARGETS = {"pdf": pdf_target, "ids": ids_target}


def seeds(target: str, folder: Path) -> None:
    from tests.fakes import bad_pdfs

    if target == "pdf":
        for name in SEED_CASES:
            (folder / name.replace(" ", "-")).write_bytes(bad_pdfs.CASES[name].build())
        (folder / "plain").write_bytes(bad_pdfs.text_pdf([[bad_pdfs.SENTENCE] * 10] * 2))
    else:
        for i, text in enumerate(["2501.12948", "2501.12948v2", "hep-th/9901001", "math.GT/0309136v1",
                                  "https://arxiv.org/abs/2501.12948v3", "arXiv:2501.12948", " 2501.1294 "]):
            (folder / f"id{i}").write_text(text)


def child(target: str, argv: list[str]) -> None:
    """Run one target under libFuzzer (in this process); libFuzzer exits when its time is up."""
    import atheris

    with atheris.instrument_imports():
        import pypdf  # noqa: F401  (instrumented: its branches guide the fuzzer)

        from summarizer.ingest import ids, pdf  # noqa: F401
    atheris.Setup([sys.argv[0], *argv], TARGETS[target])
    atheris.Fuzz()


def run(target: str, seconds: int, input_timeout: int, rss_mb: int) -> str:
    artifacts = REGRESSIONS / target
    artifacts.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as corpus:
        seeds(target, Path(corpus))
        flags = [f"-max_total_time={seconds}", f"-timeout={input_timeout}", f"-rss_limit_mb={rss_mb}",
                 f"-artifact_prefix={artifacts}/", "-print_final_stats=1", corpus]
        done = subprocess.run([sys.executable, __file__, "--child", target, *flags],
                              capture_output=True, text=True, check=False, cwd=ROOT)
    log = done.stderr
    runs = _DONE.search(log)
    coverage = _COVERAGE.findall(log)
    crashes = sorted(p.name for p in artifacts.iterdir() if p.is_file())
    return (f"{target:4}  runs {runs.group(1) if runs else '?':>8}  in {runs.group(2) if runs else '?':>4} s  "
            f"coverage {coverage[-1][0] if coverage else '?':>6}  exit {done.returncode}  "
            f"crash files {len(crashes)}" + "".join(f"\n      {name}" for name in crashes)
            + ("" if done.returncode == 0 else "\n" + "\n".join(log.splitlines()[-15:])))


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3:])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=300, help="fuzzing time per target")
    parser.add_argument("--targets", nargs="+", choices=sorted(TARGETS), default=sorted(TARGETS))
    parser.add_argument("--input-timeout", type=int, default=30, help="seconds one input may take")
    parser.add_argument("--rss-mb", type=int, default=2048, help="memory one run may use")
    parser.add_argument("--out", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    lines = [f"fuzz: {args.seconds} s per target, input timeout {args.input_timeout} s, rss {args.rss_mb} MB"]
    for target in args.targets:
        lines.append(run(target, args.seconds, args.input_timeout, args.rss_mb))
        print(lines[-1], flush=True)
    if args.out:
        args.out.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
