"""The eval harness: generate cards (pipeline, whole-paper baseline, abstract tier) and score them.

References are found by content, so any folder in the formats of shared/eval/SCHEMA.md works:
a reference card has "source_pdf", a digest has "papers" and "digest_date", an abstract has "abstract".
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from summarizer import pipeline
from summarizer.card import Card
from summarizer.drafting import abstract, provenance
from summarizer.errors import SummarizerError
from summarizer.evaluation import baseline, scoring
from summarizer.ingest import tex
from summarizer.model import connection, llm, prompts
from summarizer.settings import Settings

logger = logging.getLogger(__name__)
Progress = Callable[[str], None]
SYSTEMS = ("pipeline", "baseline")
PROSE = ("core_problem", "method", "verdict")
# the card scores a digest's entries are judged by (the abstract tier's, averaged over the picked entries)
ENTRY_METRICS = ("title_exact", "author_f1", "key_numbers_recall_at_k", "key_numbers_precision_at_k",
                 "grounding_precision", "rouge_l_method", "cosine_core_problem", "cosine_method")


@dataclass
class References:
    papers: dict[str, dict[str, Any]] = field(default_factory=dict)  # pdf stem -> reference card
    digest_cards: dict[str, dict[str, Any]] = field(default_factory=dict)  # arxiv id -> digest card
    abstracts: dict[str, dict[str, Any]] = field(default_factory=dict)  # arxiv id -> metadata + abstract
    digests: list[str] = field(default_factory=list)  # the digests' file names (an abstract's "digest")


def load_references(folder: Path) -> References:
    """Every JSON file under the folder, sorted into reference cards, digests and abstracts by its fields."""
    refs = References()
    if not folder.is_dir():
        raise SummarizerError(f"no reference folder at {folder}")
    for path in sorted(folder.rglob("*.json")):
        try:
            data = json.loads(path.read_text("utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            logger.warning("skipping %s: not JSON (%s)", path, exc)
            continue
        if not isinstance(data, dict):
            continue
        if "source_pdf" in data:
            refs.papers[Path(data["source_pdf"]).stem] = data
        elif "papers" in data and "digest_date" in data:
            refs.digests.append(path.name)
            for card in data["papers"]:
                if card.get("arxiv_id"):
                    refs.digest_cards[card["arxiv_id"]] = card
        elif "abstract" in data and data.get("arxiv_id"):  # as the arXiv API gives it: TeX, read as ingest reads it
            refs.abstracts[data["arxiv_id"]] = {**data, "title": tex.plain(data.get("title") or ""),
                                                "abstract": tex.plain(data["abstract"])}
    return refs


def _rows(paper: str, system: str, tier: str, values: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"paper": paper, "system": system, "tier": tier, "metric": k, "value": v} for k, v in values.items()]


def _cost(card: Card, seconds: float) -> dict[str, Any]:
    p = card.provenance
    cost: dict[str, Any] = {"prompt_tokens": p.prompt_tokens, "completion_tokens": p.completion_tokens,
                            "seconds_total": round(seconds, 2)}
    cost.update({f"seconds_{k}": v for k, v in p.stage_seconds.items()})
    return cost


def _cosines(card: Card, reference: dict[str, Any]) -> dict[str, float | None]:
    """Embedding cosine of prose fields to the reference's, with the packaged MiniLM (reported, not trusted)."""
    from summarizer.model.embeddings import get_embedder

    pairs = [(f, getattr(card, f) or "", reference.get(f) or "") for f in PROSE]
    wanted = [(f, a, b) for f, a, b in pairs if a and b]
    out: dict[str, float | None] = {f"cosine_{f}": None for f in PROSE}
    if wanted:
        vectors = get_embedder().embed([t for _, a, b in wanted for t in (a, b)])
        for i, (name, _, _) in enumerate(wanted):
            a, b = vectors[2 * i], vectors[2 * i + 1]
            out[f"cosine_{name}"] = round(sum(x * y for x, y in zip(a, b, strict=True)) / (
                math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)) or 1.0), 4)
    return out


def score(card: Card, reference: dict[str, Any], pages: list[str]) -> dict[str, Any]:
    """Every quality metric of one card against one reference."""
    values = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in scoring.score_card(card, reference, pages).items()}
    values.update(_cosines(card, reference))
    return values


def run(
    refs: References, settings: Settings, *, pdfs: Path | None, cards: Path | None = None,
    systems: Iterable[str] = SYSTEMS, tiers: Iterable[str] = ("full", "abstract"),
    only: set[str] | None = None, progress: Progress | None = None, note: str | None = None,
    save_cards: Path | None = None, distractors: Path | None = None,
) -> dict[str, Any]:
    """Generate (or load) cards and score them; returns the result dict the reports are made from."""
    say = progress or (lambda message: None)
    rows: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    systems, tiers = list(systems), list(tiers)
    model_name = settings.llm.model_name
    papers = {k: v for k, v in refs.papers.items() if not only or k in only}
    abstracts = {k: v for k, v in refs.abstracts.items()
                 if k in refs.digest_cards and (not only or k in only)}

    if cards is not None:  # score existing cards: no model needed
        for stem, ref in papers.items():
            path = cards / f"{stem}.json"
            if not path.is_file():
                errors.append({"paper": stem, "system": "cards", "tier": "full", "error": f"no card at {path}"})
                continue
            card = Card.model_validate_json(path.read_text("utf-8"))
            rows += _rows(stem, "cards", "full", score(card, ref, _pages(pdfs, ref, settings)))
        return _result(rows, errors, settings, model_name, note=note, pdfs=pdfs)

    with connection.connect(settings.llm, settings.cache_dir) as model:
        model_name = model.model
        if "full" in tiers:
            if pdfs is None:
                raise SummarizerError("the full tier needs --pdfs (the folder with the reference cards' PDFs)")
            for stem, ref in papers.items():
                path = pdfs / ref["source_pdf"]
                if not path.is_file():
                    errors.append({"paper": stem, "system": "all", "tier": "full", "error": f"no PDF at {path}"})
                    continue
                try:  # parsed once per paper: the baseline's input and every system's grounding text
                    doc, _ = pipeline.parse(pipeline.fetch(str(path), settings), settings)
                except SummarizerError as exc:
                    errors.append({"paper": stem, "system": "all", "tier": "full", "error": str(exc)})
                    continue
                pages = [p.text for p in doc.pages]
                for system in systems:
                    say(f"{system}: {stem}")
                    started = time.perf_counter()
                    try:
                        if system == "pipeline":
                            card = pipeline.summarize(str(path), settings, model=model)
                        else:
                            card = baseline.summarize(doc, model, settings)
                    except SummarizerError as exc:
                        errors.append({"paper": stem, "system": system, "tier": "full", "error": str(exc)})
                        continue
                    seconds = time.perf_counter() - started
                    _save(save_cards, system, stem, card)
                    rows += _rows(stem, system, "full", {**score(card, ref, pages), **_cost(card, seconds)})
        entry_scores: dict[str, dict[str, Any]] = {}  # the abstract tier's scores: the digest's entries
        if "abstract" in tiers:
            for arxiv_id, meta in abstracts.items():
                say(f"abstract: {arxiv_id}")
                started = time.perf_counter()
                listing = abstract.Listing(
                    arxiv_id=arxiv_id, title=meta["title"], abstract=meta["abstract"],
                    authors=meta.get("authors") or [], categories=meta.get("categories") or [],
                    submitted=meta.get("date"))
                try:
                    card = abstract.summarize(listing, model, settings)
                except SummarizerError as exc:
                    errors.append({"paper": arxiv_id, "system": "pipeline", "tier": "abstract", "error": str(exc)})
                    continue
                _save(save_cards, "abstract", arxiv_id.replace("/", "_"), card)
                values = score(card, refs.digest_cards[arxiv_id], [meta["abstract"]])
                entry_scores[arxiv_id] = values
                rows += _rows(arxiv_id, "pipeline", "abstract",
                              {**values, **_cost(card, time.perf_counter() - started)})
        if "digest" in tiers:
            if distractors is None:
                raise SummarizerError("the digest tier needs --distractors (a JSON list of listing entries)")
            pool = _distractors(distractors)
            for name in refs.digests:
                if only and name not in only:
                    continue
                say(f"digest: {name}")
                rows += _rows(name, "pipeline", "digest", _digest_tier(name, refs, pool, model, settings,
                                                                        save_cards, entry_scores))
    return _result(rows, errors, settings, model_name, note=note, pdfs=pdfs)


def _distractors(path: Path) -> list[abstract.Listing]:
    """The other papers of a day (eval/listing_distractors.json's format): new and cross-listed only."""
    try:
        entries = json.loads(path.read_text("utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SummarizerError(f"cannot read the distractors {path}: {exc}") from exc
    return [abstract.Listing(arxiv_id=e["arxiv_id"], title=tex.plain(e["title"]), abstract=tex.plain(e["abstract"]),
                             categories=e.get("categories") or [], announce_type=e.get("announce_type", "new"))
            for e in entries if e.get("announce_type", "new") in ("new", "cross")]


def _digest_tier(name: str, refs: References, pool: list[abstract.Listing], model: llm.LLM, settings: Settings,
                 save: Path | None, entry_scores: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The selection on a day made of the digest's papers (those with an abstract) among the distractors,
    scored against what the editors featured (scoring.pick_scores); and, when the abstract tier ran in the
    same run, the mean card scores of the picked entries the editors featured (`entry_<metric>`)."""
    from summarizer.digest import selection
    from summarizer.model.embeddings import get_embedder

    featured = {arxiv_id: meta for arxiv_id, meta in refs.abstracts.items() if meta.get("digest") == name}
    day = [abstract.Listing(arxiv_id=a, title=m["title"], abstract=m["abstract"], categories=m.get("categories") or [])
           for a, m in featured.items()] + pool
    started = time.perf_counter()
    chosen = selection.select(day, settings, get_embedder().embed, model)
    ranked = [c.entry.arxiv_id for c in chosen.ranked]
    picks = [c.entry.arxiv_id for c in chosen.picks]
    if save is not None:
        (save / "digest").mkdir(parents=True, exist_ok=True)
        (save / "digest" / f"{Path(name).stem}.json").write_text(json.dumps({
            "featured": sorted(featured), "picks": picks, "mentions": [c.entry.arxiv_id for c in chosen.mentions],
            "ranked": [{"arxiv_id": c.entry.arxiv_id, "score": round(c.first_pass, 4), "merit": c.merit,
                        "reason": c.reason} for c in chosen.ranked[:20]],
        }, indent=2) + "\n", "utf-8")
    entries = [entry_scores[p] for p in picks if p in featured and p in entry_scores]
    means: dict[str, Any] = {}
    for metric in ENTRY_METRICS:
        values = [float(e[metric]) for e in entries if e.get(metric) is not None]
        means[f"entry_{metric}"] = round(sum(values) / len(values), 4) if values else None
    return {**scoring.pick_scores(ranked, picks, set(featured)), **means, "entries_scored": len(entries),
            "pool": len(day), "seconds_total": round(time.perf_counter() - started, 2)}


def _save(folder: Path | None, system: str, name: str, card: Card) -> None:
    """Keep generated cards beside the report: editors read them, and `--cards` can re-score them."""
    if folder is not None:
        (folder / system).mkdir(parents=True, exist_ok=True)
        (folder / system / f"{name}.json").write_text(card.model_dump_json(indent=2) + "\n", "utf-8")


def _pages(pdfs: Path | None, ref: dict[str, Any], settings: Settings) -> list[str]:
    if pdfs is None:
        raise SummarizerError("scoring needs --pdfs: grounding precision is measured on the paper's text")
    doc, _ = pipeline.parse(pipeline.fetch(str(pdfs / ref["source_pdf"]), settings), settings)
    return [p.text for p in doc.pages]


def _result(rows: list[dict[str, Any]], errors: list[dict[str, Any]], settings: Settings, model: str,
            note: str | None, pdfs: Path | None) -> dict[str, Any]:
    try:
        version = provenance.pipeline_version(settings)
    except SummarizerError:
        version = None
    return {
        "meta": {"date": datetime.now(UTC).isoformat(timespec="seconds"), "model": model,
                 "prompt_versions": prompts.versions(settings.prompts_dir), "pipeline_version": version,
                 "pdfs": str(pdfs) if pdfs else None, "preset": settings.preset, "note": note},
        "rows": rows, "errors": errors,
    }
