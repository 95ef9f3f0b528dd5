"""Files and processes of this machine: files written atomically for other processes to read (the arXiv
cache, parsed documents), the hash of the source files whose behaviour keys a cache or a card's pipeline
version, and whether a process named in a record or a lock is still alive."""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.util
import os
import tempfile
from pathlib import Path

# The code a parsed Document depends on: a change to any of it makes the document cache miss.
PARSING_CODE = (
    "summarizer.document", "summarizer.ingest.pdf", "summarizer.ingest.sections", "summarizer.ingest.links",
    "summarizer.ingest.tables", "summarizer.numbers.normalise", "summarizer.text",
)


def document_path(cache_dir: Path, sha256: str) -> Path:
    """Where a paper's parsed Document is kept: by its PDF's sha256 and the parsing code's hash, so a
    document other parsing code made is not read (the parse stage writes it; extract and the editor's
    re-check of edited numbers read it)."""
    return cache_dir / "documents" / f"{sha256}-{_parsing_code()}.json"


@functools.cache
def _parsing_code() -> str:
    return source_hash(PARSING_CODE)  # the code does not change while a process runs


def write_atomic(path: Path, data: bytes) -> None:
    """Write atomically: readers see the old file or the whole new one, never a partial one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@functools.lru_cache(maxsize=8)
def source_hash(modules: tuple[str, ...]) -> str:
    """A short sha256 of what these modules do (a package: every .py file under it).

    The hash is of each file's syntax tree without docstrings, so an edit to comments, docstrings or
    layout leaves it alone, while any change to the code changes it.
    """
    digest = hashlib.sha256()
    for name in modules:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise ImportError(f"no module {name} to hash")
        origin = Path(spec.origin)
        files = sorted(origin.parent.rglob("*.py")) if origin.name == "__init__.py" else [origin]
        for path in files:
            digest.update(path.relative_to(origin.parent.parent).as_posix().encode())
            digest.update(ast.dump(_without_docstrings(ast.parse(path.read_bytes()))).encode())
    return digest.hexdigest()[:12]


def _without_docstrings(tree: ast.Module) -> ast.Module:
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                node.body = body[1:] or [ast.Pass()]
    return tree


def pid_alive(pid: int) -> bool:
    """Whether a process of this machine is alive; a zombie (exited, not yet reaped) is not."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    try:
        # /proc/<pid>/stat is "pid (comm) state ...", and comm may hold spaces and parentheses
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except (OSError, IndexError):
        return True
