"""The packaged (or your own) GGUF model behind llama.cpp's OpenAI-compatible server on loopback.

`python -m summarizer.model.server` serves it for a whole stack (compose.yaml); the CLI and workers start
one per process with `LocalServer` when no endpoint is configured.
"""

from __future__ import annotations

import argparse
import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Self

import httpx

from summarizer.errors import ModelUnavailable
from summarizer.model import packaged
from summarizer.settings import LLMSettings, load

logger = logging.getLogger(__name__)


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# libc, loaded in the parent: the child between fork and exec only makes the one prctl call below
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform == "linux" else None
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Linux: the model server gets SIGTERM when the process that started it dies, even by SIGKILL,
    so a killed worker or CLI never leaves a 2 GB server running (prctl PR_SET_PDEATHSIG)."""
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class LocalServer:
    """llama-cpp-python's OpenAI-compatible server on loopback, for as long as the context lasts."""

    def __init__(self, settings: LLMSettings, cache_dir: Path, *, host: str = "127.0.0.1",
                 port: int | None = None) -> None:
        self.settings = settings
        self.gguf = packaged.resolve(settings.gguf, cache_dir)
        self.alias = settings.model_name
        self.host = host
        self.port = port or free_port()
        self.log_path = cache_dir / "logs" / f"llama-server-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def command(self) -> list[str]:
        """The llama.cpp server command line for this model and these settings."""
        s = self.settings
        return [
            sys.executable, "-m", "llama_cpp.server", "--model", str(self.gguf),
            "--model_alias", self.alias, "--host", self.host, "--port", str(self.port),
            "--n_ctx", str(s.n_ctx), "--n_threads", str(s.n_threads), "--seed", str(s.seed),
            "--verbose", "False",
        ]

    def start(self) -> None:
        s = self.settings
        cmd = self.command()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        logger.info("starting llama.cpp server on port %s with %s", self.port, self.gguf.name)
        with self.log_path.open("ab") as log:
            # preexec_fn is unsafe only for code that takes locks after a fork; one prctl call takes none,
            # and Python 3.11 has no other way to set the parent-death signal
            self.process = subprocess.Popen(
                cmd, stdout=log, stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent if _LIBC is not None else None,  # noqa: PLW1509
            )
        deadline = time.monotonic() + s.server_start_timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = self.log_path.read_text("utf-8", "replace")[-800:]
                raise ModelUnavailable(f"the llama.cpp server exited at start ({self.log_path}):\n{tail}")
            try:
                if httpx.get(f"{self.base_url}/models", timeout=2.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        self.stop()
        raise ModelUnavailable(f"the llama.cpp server did not start within {s.server_start_timeout_s} s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()



def main(argv: list[str] | None = None) -> None:
    """Resolve the model from settings, then hand over to llama.cpp's OpenAI-compatible server."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--preset", default=None, help="settings preset (as every summarizer command takes)")
    args = parser.parse_args(argv)
    settings = load(args.preset)
    server = LocalServer(settings.llm, settings.cache_dir, host=args.host, port=args.port)
    os.execv(sys.executable, server.command())


if __name__ == "__main__":
    main()
