"""The nightly digest on a 500-entry listing with the embedded defaults: how long each part takes.

    python benchmarks/nightly_digest.py [--entries 500] [--out benchmarks/results/FILE.txt]

Not a test: it prints a table. The listing is the test listing (the seed digests' 8 papers and the 56
distractors of eval/listing_distractors.json) padded to --entries with variants of the distractors (new
ids, their sentences rotated, so every abstract embeds differently), served as arXiv's RSS by the fake
arXiv on loopback with arXiv's politeness interval (3 s a request). Each listed paper serves one of the
fixture PDFs of ../shared/fixtures, so the picks' cards are real full-paper cards.

Runs in one process, as `summarizer digest` on a laptop would with one worker: the listing, the first
pass (MiniLM over every abstract), the model's judgement of the top `judged` abstracts (the packaged
qwen2.5-coder-1.5b behind llama.cpp), the five cards one after another (pipeline.summarize: what the
queue's stages run), and the framing. Embedded Chroma and a throwaway data dir.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from summarizer import pipeline
from summarizer.digest import compose
from summarizer.ingest.arxiv import ArxivClient
from summarizer.model.connection import connect
from summarizer.model.embeddings import get_embedder
from summarizer.service import nightly
from summarizer.service.intake import Intake
from summarizer.service.store import Store
from summarizer.settings import load
from tests.fakes.fake_arxiv import FakeArxiv
from tests.fakes.listing import day_listing, distractors

DAY = date(2026, 5, 15)
PDFS = ("toolllm_iclr2024.pdf", "show_o_tech_report.pdf", "janus_pro_tech_report.pdf",
        "latent_drift_eccv2026.pdf", "gpjax_joss.pdf", "multivae_joss_draft.pdf")


def padded(size: int) -> list[dict[str, object]]:
    """The test listing, then variants of its distractors until there are `size` entries."""
    entries = day_listing()
    base = distractors()
    n = 0
    while len(entries) < size:
        source = base[n % len(base)]
        sentences = str(source["abstract"]).split(". ")
        shift = 1 + n // len(base)
        entries.append({**source, "arxiv_id": f"2605.{40000 + n:05d}", "announce_type": "new",
                        "abstract": ". ".join(sentences[shift % len(sentences):] + sentences[:shift % len(sentences)]),
                        "title": f"{source['title']} ({shift})"})
        n += 1
    return entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=500)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    lines: list[str] = []

    def say(text: str) -> None:
        print(text, flush=True)
        lines.append(text)

    entries = padded(args.entries)
    with tempfile.TemporaryDirectory(prefix="digest-bench-") as tmp, FakeArxiv() as fake:
        fake.announce(entries, DAY)
        for i, entry in enumerate(entries):  # a different real paper behind each listed id
            fake.papers[str(entry["arxiv_id"])]["pdf"] = PDFS[i % len(PDFS)]
        settings = load(env={}, data_dir=Path(tmp) / "data", database_url=f"sqlite:///{tmp}/jobs.db",
                        arxiv={"api_url": fake.api_url, "pdf_url": fake.pdf_url, "rss_url": fake.rss_url})
        timings: dict[str, float] = {}
        with Store(settings.database_url) as store, ArxivClient(settings.arxiv, settings.cache_dir) as arxiv, \
                connect(settings.llm, settings.cache_dir) as llm:
            store.migrate()
            run = nightly.Run(settings=settings, store=store, arxiv=arxiv, embed=get_embedder().embed, llm=llm,
                              intake=Intake(store, settings, enqueue=lambda ids: None), progress=say)
            started = time.perf_counter()
            found = nightly.read_listing(run, DAY, None)
            timings["listing (3 feeds, 3 s apart)"] = time.perf_counter() - started

            started = time.perf_counter()
            nightly.choose(dataclasses.replace(run, llm=None), DAY, found)
            timings[f"first pass ({len(found.new)} abstracts)"] = time.perf_counter() - started

            started = time.perf_counter()
            selection = nightly.choose(run, DAY, found)
            timings[f"first pass + judgement of {settings.digest.judged}"] = time.perf_counter() - started
            picks = [c.entry.arxiv_id for c in selection.picks]
            kinds = {str(e["arxiv_id"]): str(e.get("kind", "")) for e in entries}
            say(f"picks: {', '.join(f'{p} ({kinds.get(p)})' for p in picks)}")

            cards = []
            for pick in picks:
                started = time.perf_counter()
                cards.append(pipeline.summarize(pick, settings, model=llm))
                timings[f"card {pick}"] = time.perf_counter() - started

            started = time.perf_counter()
            made = [compose.entry(card, revision=1, reason="") for card in cards]
            compose.framing(made, DAY, len(found.new), settings.digest.categories, llm, settings)
            timings["framing"] = time.perf_counter() - started

    judgement = timings[f"first pass + judgement of {settings.digest.judged}"] - timings[f"first pass ({len(found.new)} abstracts)"]
    card_total = sum(v for k, v in timings.items() if k.startswith("card "))
    say("")
    say(f"{'part':<44}{'seconds':>9}")
    for name, seconds in timings.items():
        say(f"{name:<44}{seconds:>9.1f}")
    say(f"{'judgement alone':<44}{judgement:>9.1f}")
    say(f"{'five cards':<44}{card_total:>9.1f}")
    total = timings["listing (3 feeds, 3 s apart)"] + timings[f"first pass + judgement of {settings.digest.judged}"] \
        + card_total + timings["framing"]
    say(f"{'whole run (listing, selection, cards, framing)':<44}{total:>9.1f}  (target: 1800)")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("\n".join(lines) + "\n", "utf-8")


if __name__ == "__main__":
    main()
