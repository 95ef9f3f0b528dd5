"""Chunk-size measurement: chunk counts, embedding truncation and a retrieval-free key-number proxy.

For each chunk size (overlap = size / 8), over the fixture PDFs that have a reference card:
- chunks per paper and mean chunk length (characters, ~tokens as chars/4);
- word pieces per chunk with the all-MiniLM-L6-v2 tokenizer when --tokenizer points at its
  tokenizer.json (else chars/4), and the share of chunks longer than the 256 word pieces it embeds;
- key numbers (shared/eval/papers/*.json, with their pages) held by a single chunk whose pages include the
  key number's page and whose text contains the value ("value"); the same with all its baselines too
  ("value+base"); and the value (with its baselines: "emb. v+b") within the embedded first 256 word
  pieces of such a chunk ("embedded"), which is what retrieval can match on; "emb. prose" is "embedded"
  for the key numbers outside tables (table numbers are read from parsed tables, not retrieved).

    python eval/chunk_size.py [--tokenizer PATH/tokenizer.json] [--sizes 600 900 1200 1600 2400]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from summarizer.document import Chunk, Document
from summarizer.ingest import pdf
from summarizer.retrieval import chunking
from summarizer.settings import ChunkSettings, PdfSettings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from table_recall import SHARED, load_checker  # a sibling eval script

EMBED_PIECES = 256  # all-MiniLM-L6-v2 max_seq_length; longer input is truncated before pooling


def piece_counter(path: Path | None) -> Callable[[str], list[int]]:
    """Return text -> end offsets of its word pieces (the real tokenizer when given, else 4 chars each)."""
    if path is None:
        return lambda text: list(range(4, len(text) + 4, 4))
    from tokenizers import Tokenizer  # only for this measurement

    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_truncation()
    tokenizer.no_padding()

    def ends(text: str) -> list[int]:
        encoding = tokenizer.encode(text, add_special_tokens=False)
        return [end for _, end in encoding.offsets]

    return ends


def holds(chunk: Chunk, page: int, values: list[str], checker: ModuleType, limit: int | None = None) -> bool:
    text = chunk.text if limit is None else chunk.text[:limit]
    norm = checker.norm(text)
    return page in chunk.pages and all(checker.occurs(v, norm) for v in values)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--papers", type=Path, default=SHARED / "eval" / "papers")
    ap.add_argument("--fixtures", type=Path, default=SHARED / "fixtures")
    ap.add_argument("--tokenizer", type=Path, default=None)
    ap.add_argument("--sizes", type=int, nargs="+", default=[600, 900, 1200, 1600, 2400])
    args = ap.parse_args()
    checker = load_checker(args.papers)
    pieces = piece_counter(args.tokenizer)
    papers: list[tuple[dict[str, Any], Document]] = []
    for path in sorted(args.papers.glob("*.json")):
        card = json.loads(path.read_text("utf-8"))
        papers.append(
            (card, pdf.parse((args.fixtures / card["source_pdf"]).read_bytes(), settings=PdfSettings()))
        )
    numbers = sum(len(card["key_numbers"]) for card, _ in papers)
    print(
        f"{len(papers)} papers, {numbers} key numbers; word pieces: "
        f"{'MiniLM tokenizer' if args.tokenizer else 'chars/4 estimate'}"
    )
    print(
        f"{'size':>5} {'overlap':>7} {'chunks/paper':>12} {'chars':>6} {'~tokens':>7} {'pieces':>6} "
        f"{'>256 pcs':>8} {'value':>6} {'value+base':>10} {'embedded':>8} {'emb. v+b':>8} {'emb. prose':>10}"
    )
    for size in args.sizes:
        settings = ChunkSettings(size_chars=size, overlap_chars=size // 8)
        counts, lengths, piece_counts = [], [], []
        over = value_hits = base_hits = embedded_hits = embedded_base_hits = prose_hits = prose = 0
        for card, doc in papers:
            chunks = chunking.split(doc, settings)
            counts.append(len(chunks))
            embedded_limit: dict[int, int] = {}
            for chunk in chunks:
                ends = pieces(chunk.text)
                lengths.append(len(chunk.text))
                piece_counts.append(len(ends))
                over += len(ends) > EMBED_PIECES
                embedded_limit[chunk.index] = (
                    ends[EMBED_PIECES - 1] if len(ends) > EMBED_PIECES else len(chunk.text)
                )
            for kn in card["key_numbers"]:
                value = [kn["value"]]
                base = value + [b.strip() for b in (kn["baseline"] or "").split(";") if b.strip()]
                value_hits += any(holds(c, kn["page"], value, checker) for c in chunks)
                base_hits += any(holds(c, kn["page"], base, checker) for c in chunks)
                embedded_hits += any(
                    holds(c, kn["page"], value, checker, embedded_limit[c.index]) for c in chunks
                )
                embedded_base_hits += any(
                    holds(c, kn["page"], base, checker, embedded_limit[c.index]) for c in chunks
                )
                if (
                    kn["section"] != "table"
                ):  # table numbers come from parsed tables, prose ones via retrieval
                    prose += 1
                    prose_hits += any(
                        holds(c, kn["page"], value, checker, embedded_limit[c.index]) for c in chunks
                    )
        print(
            f"{size:5d} {size // 8:7d} {statistics.mean(counts):12.1f} {statistics.mean(lengths):6.0f} "
            f"{statistics.mean(lengths) / 4:7.0f} {statistics.mean(piece_counts):6.0f} "
            f"{over / len(lengths):8.0%} {value_hits / numbers:6.0%} {base_hits / numbers:10.0%} "
            f"{embedded_hits / numbers:8.0%} {embedded_base_hits / numbers:8.0%} {prose_hits / prose:10.0%}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
