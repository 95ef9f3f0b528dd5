"""Measure the MiniLM embedder here: load time, chunks/s, tokens per chunk and peak RSS.

Run: python eval/embed_bench.py [--source windows|chunks] [--chunks 200] [--size 1200] [--batch-size 32]
Peak RSS is the whole process's (resource.getrusage), so run it in a fresh process.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tokenizers import Tokenizer

FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures"


def _rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _windows(count: int, size: int) -> list[str]:
    """Cut full-size windows of fixture page text until there are count: every chunk is size long."""
    from pypdf import PdfReader

    texts: list[str] = []
    for path in sorted(FIXTURES.glob("*.pdf")):
        for page in PdfReader(path).pages:
            text = " ".join(page.extract_text().split())
            texts += [text[i:i + size] for i in range(0, len(text) - size + 1, size)]
        if len(texts) >= count:
            break
    return texts[:count]


def _chunks(count: int, size: int) -> list[str]:
    """Chunk the fixture papers with the real stages (pdf.parse, chunking.split) until count chunks."""
    from summarizer.ingest import pdf
    from summarizer.retrieval import chunking
    from summarizer.settings import ChunkSettings, PdfSettings

    texts: list[str] = []
    for path in sorted(FIXTURES.glob("*.pdf")):
        doc = pdf.parse(path.read_bytes(), settings=PdfSettings(), name=path.name)
        texts += [c.text for c in chunking.split(doc, ChunkSettings(size_chars=size))]
        if len(texts) >= count:
            break
    return texts[:count]


def main() -> None:
    """Run the benchmark and write one JSON report to stdout."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=200)
    parser.add_argument("--size", type=int, default=1200, help="characters per chunk")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=2, help="timed passes over all chunks")
    parser.add_argument("--source", choices=["windows", "chunks"], default="windows",
                        help="windows: full-size cuts of page text; chunks: the chunking stage's output")
    args = parser.parse_args()

    busy = os.getloadavg()[0]  # before our own work: other processes on the machine skew chunks/s
    texts = (_windows if args.source == "windows" else _chunks)(args.chunks, args.size)
    # python + pypdf + the summarizer's pure stages + chunk text; onnxruntime is not imported yet
    rss_before_model = _rss_mb()

    start = time.perf_counter()
    from summarizer.model.embeddings import MAX_TOKENS, MiniLMEmbedder

    imported = time.perf_counter()
    embedder = MiniLMEmbedder(threads=args.threads, batch_size=args.batch_size)
    loaded = time.perf_counter()
    rss_loaded = _rss_mb()

    tokenizer = embedder._tokenizer  # measuring the private tokenizer is this script's job
    full = _token_counts(tokenizer, texts)

    passes = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        embedder.embed(texts)
        passes.append(time.perf_counter() - t0)

    report = {
        "source": args.source,
        "chunks": len(texts),
        "chunk_size_setting": args.size,
        "chars_per_chunk_mean": round(statistics.mean(len(t) for t in texts)),
        "batch_size": args.batch_size,
        "threads": args.threads,
        "cpus": os.cpu_count(),
        "load_average_at_start": round(busy, 2),
        "import_s": round(imported - start, 3),
        "load_s": round(loaded - imported, 3),
        "pass_s": [round(p, 2) for p in passes],
        "chunks_per_s_first": round(len(texts) / passes[0], 1),
        "chunks_per_s_best": round(len(texts) / min(passes), 1),
        "tokens_per_chunk_median": statistics.median(full),
        "tokens_per_chunk_max": max(full),
        "chunks_truncated_at_max_tokens": sum(n > MAX_TOKENS for n in full),
        "max_tokens": MAX_TOKENS,
        "rss_mb_before_model": round(rss_before_model),
        "rss_mb_after_load": round(rss_loaded),
        "rss_mb_peak": round(_rss_mb()),
    }
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")


def _token_counts(tokenizer: Tokenizer, texts: list[str]) -> list[int]:
    """Count each text's tokens without truncation, on a copy of the embedder's tokenizer."""
    from tokenizers import Tokenizer

    copy = Tokenizer.from_str(tokenizer.to_str())
    copy.no_truncation()
    copy.no_padding()
    return [len(e.ids) for e in copy.encode_batch(texts)]


if __name__ == "__main__":
    main()
