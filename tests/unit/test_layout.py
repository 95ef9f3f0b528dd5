"""The house rules that code review would otherwise have to remember: the tree reads as the flow."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import summarizer

ROOT = Path(summarizer.__file__).parent
TOP = ROOT.parent

# Each part may import only parts of a lower layer (or itself): imports run one way, from the edge
# (cli) down to the contracts every stage shares.
LAYERS: list[set[str]] = [
    {"errors", "jobs", "files", "text"},  # contracts: errors, job states and stages, atomic files, hidden characters
    {"settings", "card", "document"},  # contracts: one Settings, the Card, the parsed Document
    {"numbers", "model", "render"},
    {"ingest", "retrieval"},
    {"drafting"},
    {"pipeline", "digest"},  # a card from a paper; a digest from a listing and cards
    {"evaluation", "service"},
    {"cli"},
]
# Pure stages: data in, data out. They import no module that reaches the network, the disk, a database
# or a model.
PURE = [
    "summarizer.numbers", "summarizer.ingest.ids", "summarizer.ingest.pdf", "summarizer.ingest.sections",
    "summarizer.ingest.links", "summarizer.ingest.tables", "summarizer.retrieval.chunking",
    "summarizer.drafting.assemble", "summarizer.drafting.venue", "summarizer.card", "summarizer.document",
    "summarizer.render", "summarizer.jobs", "summarizer.errors", "summarizer.text",
]
EDGES = [
    "summarizer.ingest.arxiv", "summarizer.retrieval.index", "summarizer.retrieval.chroma_server", "summarizer.model", "summarizer.service",
    "summarizer.pipeline", "summarizer.files", "summarizer.cli", "summarizer.evaluation",
]


def _modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        name = ".".join(path.relative_to(TOP).with_suffix("").parts).removesuffix(".__init__")
        found[name] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> Iterator[str]:
    """The summarizer modules a file imports, wherever the import stands (lazy imports count too)."""
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("summarizer"):
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                yield full if full in MODULES else node.module
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.startswith("summarizer"))


def _part(module: str) -> str:
    return module.split(".")[1] if "." in module else "summarizer"


def _under(module: str, prefixes: list[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def test_pure_stages_import_no_edge_module() -> None:
    for name, path in MODULES.items():
        if _under(name, PURE):
            edges = {m for m in _imports(path) if _under(m, EDGES)}
            assert not edges, f"{name} is pure but imports {sorted(edges)}"


def test_imports_run_one_way_between_parts() -> None:
    layer = {part: i for i, parts in enumerate(LAYERS) for part in parts}
    for name, path in MODULES.items():
        if name == "summarizer":
            continue
        mine = _part(name)
        assert mine in layer, f"{name}: the part {mine!r} is in no layer of this test"
        for imported in _imports(path):
            theirs = _part(imported)
            if theirs in ("summarizer", mine):
                continue
            assert layer[theirs] < layer[mine], f"{name} ({mine}) imports {imported} ({theirs}): upward or sideways"


def test_no_import_cycles() -> None:
    graph = {name: {m for m in _imports(path) if m in MODULES and m != name} for name, path in MODULES.items()}
    done: set[str] = set()

    def visit(node: str, trail: list[str]) -> None:
        assert node not in trail, f"import cycle: {' -> '.join([*trail[trail.index(node):], node])}"
        if node in done:
            return
        for child in graph[node]:
            visit(child, [*trail, node])
        done.add(node)

    for name in graph:
        visit(name, [])


def test_every_package_says_what_lives_there() -> None:
    for init in ROOT.rglob("__init__.py"):
        if "migrations" in init.parts:
            continue
        doc = ast.get_docstring(ast.parse(init.read_text("utf-8")))
        assert doc and len(doc.split()) >= 8, f"{init.relative_to(TOP)} needs a docstring saying what lives there"


def test_public_names_exist() -> None:
    for name in summarizer.__all__:
        assert getattr(summarizer, name) is not None
    importlib.import_module("summarizer.cli")


def test_required_top_level_layout() -> None:
    for part in ("pyproject.toml", "summarizer", "prompts", "workers", "eval", "tests", "README.md", "compose.yaml"):
        assert (TOP / part).exists(), part


def test_the_command_line_loads_the_model_client_and_the_vector_store_only_for_commands_that_use_them() -> None:
    # importing the command line (what `summarizer --help` does) loads neither openai nor chromadb: each costs
    # seconds at start; only `summarize` and the workers need them
    probe = "import sys, summarizer.cli; print(sorted({'openai', 'chromadb'} & set(sys.modules)))"
    loaded = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True, cwd=TOP)
    assert loaded.stdout.strip() == "[]"
