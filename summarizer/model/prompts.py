"""Prompts are files in prompts/: YAML front matter (version, variables, max_tokens) and a Jinja body."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, StrictUndefined, meta

from summarizer.errors import ConfigError

_FRONT = re.compile(r"\A---\n(.*?)\n---\n(.*)\Z", re.DOTALL)
# Rendered text is a prompt, not HTML: autoescape would mangle the paper's "<" and "&".
_ENV = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)


# 48 bits: a paper cannot guess the marker that closes its own text, and it costs the prompt few tokens
FENCE_BYTES = 6


def new_fence(key: str, seed: int | None = None) -> str:
    """The marker around paper text in a prompt: fresh and random for each paper, so the paper cannot
    close its own fence; with a seed, derived from it and `key` (the paper), for reproducible eval runs."""
    if seed is None:
        return secrets.token_hex(FENCE_BYTES)
    return hashlib.sha256(f"{seed}:{key}".encode()).hexdigest()[: FENCE_BYTES * 2]


@dataclass(frozen=True)
class Template:
    name: str
    version: int
    variables: frozenset[str]
    max_tokens: int
    body: str


@dataclass(frozen=True)
class RenderedPrompt:
    name: str
    version: int
    text: str
    max_tokens: int


@lru_cache(maxsize=64)
def load(prompts_dir: Path, name: str) -> Template:
    """Load and check one template: its declared variables must be exactly the ones the body uses."""
    path = prompts_dir / f"{name}.md"
    try:
        raw = path.read_text("utf-8")
    except FileNotFoundError:
        raise ConfigError(f"prompt {name!r} not found in {prompts_dir}") from None
    match = _FRONT.match(raw)
    if not match:
        raise ConfigError(f"prompt {path} has no front matter (--- version: N ... ---)")
    front = yaml.safe_load(match.group(1)) or {}
    body = match.group(2)
    declared = frozenset(front.get("variables") or [])
    used = frozenset(meta.find_undeclared_variables(_ENV.parse(body)))
    if declared != used:
        raise ConfigError(
            f"prompt {path}: front matter declares {sorted(declared)} but the body uses {sorted(used)}"
        )
    if not isinstance(front.get("version"), int):
        raise ConfigError(f"prompt {path}: 'version' must be an integer")
    return Template(name, front["version"], declared, int(front.get("max_tokens", 256)), body)


def render(prompts_dir: Path, name: str, **variables: Any) -> RenderedPrompt:
    """Render a prompt by name; paper text arrives only as variables, never as template source."""
    template = load(prompts_dir, name)
    missing = template.variables - variables.keys()
    if missing:
        raise ConfigError(f"prompt {name!r} needs variables {sorted(missing)}")
    text = _ENV.from_string(template.body).render(**variables).strip()
    return RenderedPrompt(name, template.version, text, template.max_tokens)


def versions(prompts_dir: Path) -> dict[str, int]:
    """Versions of every prompt file, for provenance and the job key."""
    return {p.stem: load(prompts_dir, p.stem).version for p in sorted(prompts_dir.glob("*.md"))}
