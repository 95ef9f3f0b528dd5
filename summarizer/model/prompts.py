"""Prompts are files in prompts/: YAML front matter (version, variables, max_tokens) and a Jinja body.

Untrusted text (the paper's, arXiv's, an earlier answer's) is declared `data:` in the front matter and
printed only through the `data` filter, which cleans it and sets it between fence markers; the loader
refuses a body that prints it any other way, so the text can never sit among the instructions.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, StrictUndefined, meta, nodes, pass_context
from jinja2.runtime import Context

from summarizer.errors import ConfigError
from summarizer.text import HIDDEN

_FRONT = re.compile(r"\A---\n(.*?)\n---\n(.*)\Z", re.DOTALL)
DATA_FILTER = "data"

# 48 bits: a paper cannot guess the marker that closes its own text, and it costs the prompt few tokens
FENCE_BYTES = 6
# a shorter marker is no secret, and removing it from the data would eat ordinary words
_FENCE = re.compile(r"[0-9A-Za-z]{8,64}")
# every kind of line break becomes "\n", so the data keeps its lines but nothing else breaks one
_LINE_BREAKS = re.compile(r"\r\n?|[\x0b\x0c\x85\u2028\u2029]")
# Nodes that bind names in ways the data check does not follow: a prompt with data may not use them.
_UNFOLLOWED = (nodes.Macro, nodes.CallBlock, nodes.With, nodes.Include, nodes.Import, nodes.FromImport,
               nodes.Extends, nodes.Block)


def clean(text: str, fence: str) -> str:
    """Untrusted text as it may enter a prompt: hidden characters out, then every trace of the fence
    marker, in any case, so the text cannot close its own fence (removing one may form another: repeat)."""
    text = _LINE_BREAKS.sub("\n", text).translate(HIDDEN)
    marker = re.compile(re.escape(fence), re.IGNORECASE)
    while marker.search(text):
        text = marker.sub("", text)
    return text


@pass_context
def _data(context: Context, value: Any, label: str = "") -> str:
    """The `data` filter: the value, cleaned, between two lines that start with the fence marker."""
    fence = str(context.resolve("fence"))  # render() has checked it
    head = f"{fence} {label}".rstrip()
    return f"{head}\n{clean(str(value), fence).strip()}\n{fence}"


# Rendered text is a prompt, not HTML: autoescape would mangle the paper's "<" and "&".
_ENV = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
_ENV.filters[DATA_FILTER] = _data


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
    data: frozenset[str] = frozenset()  # untrusted: printed only through the data filter
    fenced: frozenset[str] = frozenset()  # another prompt, rendered from data alone (see `data_only`)
    data_only: bool = False  # the body prints nothing outside fences but whitespace


@dataclass(frozen=True)
class RenderedPrompt:
    name: str
    version: int
    text: str
    max_tokens: int
    fence: str | None = None
    data_only: bool = False


@lru_cache(maxsize=64)
def load(prompts_dir: Path, name: str) -> Template:
    """Load and check one template: its declared variables must be exactly the ones the body uses, and
    those declared as data must be printed only through the data filter."""
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
    data, fenced = frozenset(front.get("data") or []), frozenset(front.get("fenced") or [])
    tree = _ENV.parse(body)
    used = frozenset(meta.find_undeclared_variables(tree))
    if any(f.name == DATA_FILTER for f in tree.find_all(nodes.Filter)):
        used |= {"fence"}  # the data filter reads it
    if declared != used:
        raise ConfigError(
            f"prompt {path}: front matter declares {sorted(declared)} but the body uses {sorted(used)}"
        )
    if not (data | fenced) <= declared or data & fenced:
        raise ConfigError(f"prompt {path}: 'data' and 'fenced' must be distinct names among its variables")
    if not isinstance(front.get("version"), int):
        raise ConfigError(f"prompt {path}: 'version' must be an integer")
    data_only = _check_data(path, tree, data)
    return Template(name, front["version"], declared, int(front.get("max_tokens", 256)), body, data, fenced,
                    data_only)


def _names(node: nodes.Node) -> set[str]:
    found = {n.name for n in node.find_all(nodes.Name)}
    return found | {node.name} if isinstance(node, nodes.Name) else found


def _tainted(tree: nodes.Template, data: frozenset[str]) -> set[str]:
    """The data variables and every name bound from them (loop variables, {% set %}), to a fixed point."""
    tainted, grew = set(data), True
    while grew:
        grew = False
        for node in tree.find_all((nodes.For, nodes.Assign, nodes.AssignBlock)):
            if isinstance(node, nodes.For):
                sources, targets = _names(node.iter), _names(node.target)
            elif isinstance(node, nodes.Assign):
                sources, targets = _names(node.node), _names(node.target)
            elif isinstance(node, nodes.AssignBlock):
                sources, targets = set().union(*map(_names, node.body)), _names(node.target)
            if sources & tainted and not targets <= tainted:
                tainted |= targets
                grew = True
    return tainted


def _check_data(path: Path, tree: nodes.Template, data: frozenset[str]) -> bool:
    """Refuse a body that prints a data variable outside the data filter (or labels a fence with data);
    True when it prints nothing but whitespace outside fences, so another prompt may embed it whole."""
    if data and any(True for _ in tree.find_all(_UNFOLLOWED)):
        raise ConfigError(f"prompt {path}: macros, blocks, includes and with are not allowed beside data")
    tainted = _tainted(tree, data)
    for node in tree.find_all(nodes.Filter):
        if node.name == DATA_FILTER and (node.kwargs or node.dyn_args or node.dyn_kwargs
                                         or not all(isinstance(a, nodes.Const) for a in node.args)):
            raise ConfigError(f"prompt {path}: a data fence's label must be a literal string")
    outside = list(_outside_fences(path, tree, inside=False))
    for expr in outside:
        if isinstance(expr, nodes.Expr) and _names(expr) & tainted:
            raise ConfigError(f"prompt {path}: {sorted(_names(expr) & tainted)} printed outside the "
                              f"'{DATA_FILTER}' filter: paper text would become instructions")
    return all(isinstance(e, nodes.TemplateData) and not e.data.strip() for e in outside)


def _outside_fences(path: Path, node: nodes.Node, *, inside: bool) -> Iterator[nodes.Node]:
    """What the body prints outside data fences: template text and expressions (a fenced expression is
    not yielded); raises on a fence inside a fence, whose markers the outer one would erase."""
    if isinstance(node, nodes.FilterBlock) and node.filter.name == DATA_FILTER:
        if inside:
            raise ConfigError(f"prompt {path}: a data fence inside another")
        for child in node.body:
            yield from _outside_fences(path, child, inside=True)
        return
    if isinstance(node, nodes.Output):
        for expr in node.nodes:
            is_fence = isinstance(expr, nodes.Filter) and expr.name == DATA_FILTER
            if is_fence and inside:
                raise ConfigError(f"prompt {path}: a data fence inside another")
            if not inside and not is_fence:
                yield expr
        return
    for child in node.iter_child_nodes():
        yield from _outside_fences(path, child, inside=inside)


def render(prompts_dir: Path, name: str, **variables: Any) -> RenderedPrompt:
    """Render a prompt by name; paper text arrives only as variables, never as template source."""
    template = load(prompts_dir, name)
    missing = template.variables - variables.keys()
    if missing:
        raise ConfigError(f"prompt {name!r} needs variables {sorted(missing)}")
    fence = variables["fence"] if "fence" in template.variables else None
    if "fence" in template.variables and not (isinstance(fence, str) and _FENCE.fullmatch(fence)):
        raise ConfigError(f"prompt {name!r}: the fence must be 8-64 letters and digits (prompts.new_fence)")
    for key, value in variables.items():
        if isinstance(value, RenderedPrompt) != (key in template.fenced):
            raise ConfigError(f"prompt {name!r}: {key!r} is a rendered prompt exactly when declared 'fenced'")
        if isinstance(value, RenderedPrompt):
            if not value.data_only or (fence and value.fence != fence):
                raise ConfigError(f"prompt {name!r}: {key!r} must be a prompt of data alone, with this fence")
            variables[key] = value.text
    text = _ENV.from_string(template.body).render(**variables).strip()
    return RenderedPrompt(name, template.version, text, template.max_tokens, fence, template.data_only)


def versions(prompts_dir: Path) -> dict[str, int]:
    """Versions of every prompt file, for provenance and the job key."""
    return {p.stem: load(prompts_dir, p.stem).version for p in sorted(prompts_dir.glob("*.md"))}
