"""The one way to get a model: the configured endpoint, or the packaged GGUF behind a local server."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from summarizer.model.llm import LLM
from summarizer.model.server import LocalServer
from summarizer.settings import LLMSettings


def open_model(settings: LLMSettings, cache_dir: Path) -> tuple[LLM, LocalServer | None]:
    """The model to call, and the local server started for it (None for a configured endpoint).

    The caller owns the server: stop it when done (`connect` does that for a `with` block; a worker
    keeps it for the life of its process).
    """
    if settings.base_url:
        return LLM(settings, settings.base_url, settings.model_name, local=False), None
    server = LocalServer(settings, cache_dir)
    server.start()
    return LLM(settings, server.base_url, server.alias, local=True), server


@contextmanager
def connect(settings: LLMSettings, cache_dir: Path) -> Iterator[LLM]:
    """Yield the model for the length of a `with` block; a server started for it stops at its end."""
    model, server = open_model(settings, cache_dir)
    try:
        yield model
    finally:
        if server is not None:
            server.stop()
