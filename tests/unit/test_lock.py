"""The lock files install what pyproject.toml asks for, every file pinned by version and hash."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
# each lock and the extras it is made with (pyproject.toml's [tool.pip-tools] and the files' headers)
LOCKS = {"requirements.lock": ["model"], "requirements-dev.lock": ["dev"]}


def _direct(extras: list[str]) -> list[Requirement]:
    """pyproject.toml's requirements with these extras, the project's own extras (summarizer[test]) expanded."""
    requirements = [Requirement(r) for r in PROJECT["dependencies"]]
    todo, seen = list(extras), set()
    while todo:
        extra = todo.pop()
        if extra in seen:
            continue
        seen.add(extra)
        for requirement in map(Requirement, PROJECT["optional-dependencies"][extra]):
            if requirement.name == PROJECT["name"]:
                todo += requirement.extras
            else:
                requirements.append(requirement)
    return requirements


def _pins(lock: str) -> dict[str, tuple[str, list[str]]]:
    """Name -> (version, hashes) of every requirement in a lock file; fails on any line not pinned."""
    text = (ROOT / lock).read_text("utf-8").replace("\\\n", " ")
    pins: dict[str, tuple[str, list[str]]] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Za-z0-9._-]+)==(\S+)((?:\s+--hash=sha256:[0-9a-f]{64})+)", line)
        assert match, f"{lock}: not pinned with == and --hash=sha256: {line[:120]}"
        name, version, hashes = match.groups()
        pins[canonicalize_name(name)] = (version, hashes.split())
    return pins


@pytest.mark.parametrize("lock", LOCKS)
def test_every_direct_dependency_is_locked_within_its_floor(lock: str) -> None:
    pins = _pins(lock)
    for requirement in _direct(LOCKS[lock]):
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{lock} lacks {requirement}: regenerate it (command in its header)"
        assert requirement.specifier.contains(pins[name][0], prereleases=True), (
            f"{lock} pins {name}=={pins[name][0]}, outside pyproject's {requirement}: regenerate it"
        )


def test_no_torch_and_the_dev_lock_agrees_with_the_runtime_lock() -> None:
    runtime, dev = _pins("requirements.lock"), _pins("requirements-dev.lock")
    assert "torch" not in runtime and "torch" not in dev  # 800 MB that nothing here uses
    differ = {n: (runtime[n][0], dev[n][0]) for n in runtime.keys() & dev.keys() if runtime[n][0] != dev[n][0]}
    assert not differ, f"the dev lock must be made with -c requirements.lock: {differ}"
