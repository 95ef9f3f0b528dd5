"""Serve the packaged (or your own) GGUF model over HTTP for a whole stack: `python -m summarizer.serve_model`."""

from __future__ import annotations

import argparse
import os
import sys

from summarizer import models
from summarizer.settings import load


def main(argv: list[str] | None = None) -> None:
    """Resolve the model from settings, then hand over to llama.cpp's OpenAI-compatible server."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args(argv)
    settings = load()
    gguf = models.resolve(settings.llm.gguf, settings.cache_dir)
    alias = settings.llm.model or settings.llm.gguf
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--model_alias", alias,
           "--host", args.host, "--port", str(args.port), "--n_ctx", str(settings.llm.n_ctx),
           "--n_threads", str(settings.llm.n_threads), "--seed", str(settings.llm.seed)]
    os.execv(sys.executable, cmd)


if __name__ == "__main__":
    main()
