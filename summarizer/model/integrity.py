"""Pinned sha256 digests for the model files we load: a file that is not the pinned one is never loaded."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from summarizer.errors import ModelFileCorrupt

__all__ = ["sha256_of", "verify"]

logger = logging.getLogger(__name__)

# Digests already computed in this process, keyed by what changes when a file is edited or replaced
# (the change time cannot be set back by hand, unlike the modification time): hashing the 1.1 GB default
# model takes seconds, so each file is hashed once per process and again only if it changed.
_digests: dict[tuple[str, int, int, int], str] = {}
_lock = threading.Lock()


def sha256_of(path: Path) -> str:
    """The file's sha256 as hex, computed once per process for as long as the file is unchanged."""
    with path.open("rb") as handle:
        # the key comes from the open file itself, so the bytes hashed are the bytes the key describes
        st = os.fstat(handle.fileno())
        key = (str(path.resolve()), st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        with _lock:
            digest = _digests.get(key)
        if digest is None:
            start = time.perf_counter()
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
            logger.debug("sha256 of %s (%d bytes) in %.2f s", path, st.st_size, time.perf_counter() - start)
            with _lock:
                _digests[key] = digest
    return digest


def verify(path: Path, sha256: str, *, remedy: str | Callable[[], str]) -> Path:
    """Return path when its sha256 is the pinned one; else raise ModelFileCorrupt saying what to do
    (remedy: the advice, or a function making it when it costs something to find out)."""
    actual = sha256_of(path)
    if actual != sha256.lower():
        advice = remedy() if callable(remedy) else remedy
        raise ModelFileCorrupt(str(path), expected=sha256.lower(), actual=actual, remedy=advice)
    return path
