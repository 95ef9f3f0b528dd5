"""Serve the packaged (or your own) GGUF model over HTTP for a whole stack: `python -m summarizer.serve_model`."""

from __future__ import annotations

import argparse
import os
import sys

from summarizer.llm import LocalServer
from summarizer.settings import load


def main(argv: list[str] | None = None) -> None:
    """Resolve the model from settings, then hand over to llama.cpp's OpenAI-compatible server."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args(argv)
    settings = load()
    server = LocalServer(settings.llm, settings.cache_dir, host=args.host, port=args.port)
    os.execv(sys.executable, server.command())


if __name__ == "__main__":
    main()
