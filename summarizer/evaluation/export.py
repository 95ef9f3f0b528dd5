"""Editors' approved cards as reference cards (../shared/eval/papers/README.md), so the eval harness scores
new drafts against what editors actually published."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from summarizer.card import Card, code_url_from
from summarizer.files import write_atomic

__all__ = ["reference_card", "write_references"]

# the card fields a reference card keeps, as the reference format names them
FIELDS = (
    "arxiv_id", "name", "title", "authors", "institutions", "venue", "peer_review_status", "peer_review_text",
    "core_problem", "method", "results_text", "verdict", "code_url", "code_urls", "project_page", "code_status",
)
NUMBER_FIELDS = ("metric", "setting", "value", "baseline", "context", "section", "page")


def reference_card(arxiv_id: str, card: Card) -> dict[str, Any]:
    """The approved card in the reference format: its PDF (as cached) and sha256, fields, tables, numbers."""
    version = card.version or ""
    reference: dict[str, Any] = {
        "source_pdf": f"{arxiv_id.replace('/', '_')}{version}.pdf",
        "sha256": card.provenance.pdf_sha256,
    }
    reference.update({name: getattr(card, name) for name in FIELDS})
    reference["arxiv_id"] = arxiv_id
    # the code links are what editors see and correct (code_url follows them only from a save on)
    reference["code_url"] = code_url_from(card.code_urls, otherwise=card.code_url)
    reference["results_tables"] = [
        {"caption": t.caption, "columns": t.columns, "rows": t.rows} for t in card.results_tables
    ]
    reference["key_numbers"] = [
        {name: getattr(number, name) for name in NUMBER_FIELDS}
        for number in card.key_numbers if number.section != "metadata"
    ]
    reference["must_mention"] = []  # editors write cards, not the phrase lists of the hand-made references
    return reference


def write_references(cards: list[tuple[str, Card]], folder: Path) -> list[Path]:
    """One `<arxiv id>.json` per approved card in `folder`; the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for arxiv_id, card in cards:
        path = folder / f"{arxiv_id.replace('/', '_')}.json"
        text = json.dumps(reference_card(arxiv_id, card), indent=1, ensure_ascii=False) + "\n"
        write_atomic(path, text.encode("utf-8"))
        written.append(path)
    return written
