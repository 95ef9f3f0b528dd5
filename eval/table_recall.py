"""Table recall: how many reference results-table cells summarizer.ingest.tables finds on the right page.

For each reference card in shared/eval/papers, every numeric cell of its `results_tables` ("-", empty
and prose cells are skipped) is looked for among the cells of the tables parsed from the
fixture PDF. The "right page" is the page whose text holds most of that reference table's cells. Two
figures per card: the cell is a parsed cell on that page ("cell"), and it is in a parsed row whose label
matches the reference row's label ("row"). Numbers are compared with the eval checker's normaliser.

    python eval/table_recall.py [--papers DIR] [--fixtures DIR]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from summarizer.document import Document
from summarizer.ingest import pdf
from summarizer.settings import PdfSettings

SHARED = Path(__file__).resolve().parents[2] / "shared"
# a numeric cell ("61.0", "1.3B", "75.8%", "61.0±0.2"); prose cells that merely contain a year are not
NUMERIC = re.compile(r"(?=.*\d)[\d.,%±×+\-−~≈<>BMKT ]+")


def load_checker(papers: Path) -> ModuleType:
    """Import shared/eval/papers/check_cards.py for its `norm` and `occurs`, so matching is the eval's."""
    spec = importlib.util.spec_from_file_location("check_cards", papers / "check_cards.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def label_key(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum())


def recall(card: dict[str, Any], doc: Document, checker: ModuleType) -> tuple[int, int, int]:
    """Return (reference cells, found as a cell on the page, found in the matching row)."""
    total = cell_hits = row_hits = 0
    pages = [checker.norm(p.text) for p in doc.pages]
    for ref in card["results_tables"]:
        cells = [(row[0], c) for row in ref["rows"] for c in row[1:] if NUMERIC.fullmatch(c)]
        if not cells:
            continue
        scores = [sum(checker.occurs(c, text) for _, c in cells) for text in pages]
        page = scores.index(max(scores)) + 1
        parsed = [
            (label_key(r.label), {checker.norm(c) for c in r.cells})
            for t in doc.tables
            if t.page == page
            for r in t.rows
        ]
        on_page = set().union(*(cs for _, cs in parsed)) if parsed else set()
        for label, cell in cells:
            total += 1
            value = checker.norm(cell)
            cell_hits += value in on_page
            key = label_key(label)
            row_hits += any(value in cs and key and (key in lab or lab in key) for lab, cs in parsed if lab)
    return total, cell_hits, row_hits


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--papers", type=Path, default=SHARED / "eval" / "papers")
    ap.add_argument("--fixtures", type=Path, default=SHARED / "fixtures")
    args = ap.parse_args()
    checker = load_checker(args.papers)
    all_total = all_cells = all_rows = 0
    print(f"{'card':32} {'cells':>5} {'cell recall':>12} {'row recall':>11} tables")
    for path in sorted(args.papers.glob("*.json")):
        card = json.loads(path.read_text("utf-8"))
        doc = pdf.parse((args.fixtures / card["source_pdf"]).read_bytes(), settings=PdfSettings())
        total, cells, rows = recall(card, doc, checker)
        all_total, all_cells, all_rows = all_total + total, all_cells + cells, all_rows + rows
        if total:
            print(f"{path.stem:32} {total:5d} {cells / total:11.0%} {rows / total:11.0%} {len(doc.tables)}")
        else:
            print(f"{path.stem:32} {total:5d} {'n/a':>12} {'n/a':>11} {len(doc.tables)}")
    print(f"{'all':32} {all_total:5d} {all_cells / all_total:11.0%} {all_rows / all_total:11.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
