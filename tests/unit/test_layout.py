"""The house rules that code review would otherwise have to remember."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import summarizer

PURE = ["ids", "pdf", "sections", "links", "tables", "scoring", "results", "chunking", "grounding", "card", "document", "render", "venue", "errors"]
EDGE = {"arxiv", "index", "llm", "embeddings", "models", "pipeline", "extract", "cli", "store"}
ROOT = Path(summarizer.__file__).parent


def test_pure_stages_import_no_edge_module() -> None:
    for name in PURE:
        path = ROOT / f"{name}.py"
        tree = ast.parse(path.read_text())
        imported = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("summarizer"):
                imported |= {node.module.split(".")[1]} if "." in node.module else {a.name for a in node.names}
            elif isinstance(node, ast.Import):
                imported |= {a.name.split(".")[1] for a in node.names if a.name.startswith("summarizer.")}
        assert not imported & EDGE, f"{name}.py imports edge modules {imported & EDGE}"


def test_public_names_exist() -> None:
    for name in summarizer.__all__:
        assert getattr(summarizer, name) is not None
    importlib.import_module("summarizer.cli")


def test_required_top_level_layout() -> None:
    top = ROOT.parent
    for part in ("pyproject.toml", "summarizer", "prompts", "workers", "eval", "tests", "README.md"):
        assert (top / part).exists(), part
