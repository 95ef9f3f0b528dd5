"""Health checks for the compose stack (`summarizer healthcheck`): is a URL answering, is a file fresh."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from summarizer.settings import masked_url


def check_url(url: str, timeout_s: float) -> str | None:
    """None when a GET of the URL answers below 400 within the timeout, else why not."""
    try:
        status = httpx.get(url, timeout=timeout_s).status_code
    except httpx.HTTPError as exc:
        return f"{masked_url(url)}: {type(exc).__name__}: {exc}"
    return None if status < 400 else f"{masked_url(url)}: HTTP {status}"


def check_file(path: Path, max_age_s: float) -> str | None:
    """None when the file (or a shelve spelling of it, PATH.db or PATH.dat) changed within max_age_s."""
    candidates = [p for p in (path, *path.parent.glob(path.name + ".*")) if p.is_file()]
    if not candidates:
        return f"{path}: missing"
    age = time.time() - max(p.stat().st_mtime for p in candidates)
    return None if age <= max_age_s else f"{path}: last written {age:.0f} s ago (more than {max_age_s:g} s)"
