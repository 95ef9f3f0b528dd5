"""Benchmark (not a test): seconds per stage, tokens and grounding rate for fixture papers.

    python eval/bench_pipeline.py [--preset local-default] [PDF ...]

Defaults to ../shared/fixtures/toolllm_iclr2024.pdf and gpjax_joss.pdf with the default model.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from summarizer import pipeline
from summarizer.model import connection, packaged
from summarizer.settings import load

FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures"


def paper_tokens(gguf: Path, text: str) -> int:
    """Exact token count of the paper's text with the model's own tokenizer."""
    from llama_cpp import Llama

    vocab = Llama(model_path=str(gguf), vocab_only=True, verbose=False)
    return len(vocab.tokenize(text.encode("utf-8"), add_bos=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pdfs", nargs="*", type=Path)
    parser.add_argument("--preset", default="local-default")
    parser.add_argument("--out", type=Path, help="write the cards (JSON) into this folder")
    args = parser.parse_args()
    pdfs = args.pdfs or [FIXTURES / "toolllm_iclr2024.pdf", FIXTURES / "gpjax_joss.pdf"]
    data_dir = Path(tempfile.mkdtemp(prefix="bench-"))  # cold index per run
    settings = load(args.preset, data_dir=data_dir)
    cache = load(args.preset).cache_dir  # reuse the assembled model from the user's cache
    rows = []
    started = time.perf_counter()
    with connection.connect(settings.llm, cache) as model:
        print(f"model server up in {time.perf_counter() - started:.1f} s: {model.model}", file=sys.stderr)
        for path in pdfs:
            t0 = time.perf_counter()
            card = pipeline.summarize(str(path), settings, model=model,
                                      progress=lambda s, d: print(f"  [{s}] {d}", file=sys.stderr))
            wall = time.perf_counter() - t0
            doc, _ = pipeline.parse(pipeline.fetch(str(path), settings), settings)
            gguf = packaged.resolve(settings.llm.gguf, cache)
            tokens = paper_tokens(gguf, doc.text)
            p = card.provenance
            rows.append({
                "paper": path.name, "pages": len(doc.pages), "wall_s": round(wall, 1),
                **{f"{k}_s": v for k, v in p.stage_seconds.items()},
                "calls": len(p.calls), "prompt_tokens": p.prompt_tokens, "completion_tokens": p.completion_tokens,
                "paper_tokens": tokens, "prompt_share": round(p.prompt_tokens / tokens, 3),
                "numbers_checked": card.grounding.checked, "numbers_held": card.grounding.held,
                "grounding_rate": round(card.grounding.rate, 3), "key_numbers": len(card.key_numbers),
            })
            if args.out:
                args.out.mkdir(parents=True, exist_ok=True)
                (args.out / f"{path.stem}.json").write_text(card.model_dump_json(indent=2))
    print(json.dumps(rows, indent=2))
    keys = list(rows[0])
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for row in rows:
        print("| " + " | ".join(str(row.get(k, "")) for k in keys) + " |")


if __name__ == "__main__":
    main()
