"""One local Chroma server per data directory, shared by every worker process on the machine.

Chroma's embedded store is not safe across processes (two processes opening it fail with "Error finding
id"), so workers never use it: with no `SUMMARIZER_CHROMA_URL`, a worker joins the server that serves its
data directory, or starts one, the way the llm worker starts the local model. The server outlives the
worker that started it, so the other workers (and the next start) keep using it; `summarizer chroma stop`
ends it. The CLI's one-off `summarize` keeps the embedded store: one process, and its own folder.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from pydantic import BaseModel, ValidationError

from summarizer.errors import ConfigError, UpstreamUnavailable
from summarizer.files import pid_alive
from summarizer.model.server import free_port

logger = logging.getLogger(__name__)

# `chroma run` opens its store and answers its heartbeat in a few seconds; a cold disk can take longer
START_TIMEOUT_S = 60.0
# a heartbeat that takes longer than this is a server that is not there
HEARTBEAT_TIMEOUT_S = 2.0
# the server's files beside the embedded store's, never the same folder: the two must not share a store
SERVER_DIR = "chroma-server"


class ServerRecord(BaseModel):
    """Which server serves a data directory: written by the worker that started it."""

    pid: int
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def ensure(data_dir: Path) -> str:
    """The URL of the data directory's Chroma server: the running one, or one started now."""
    home = data_dir / SERVER_DIR
    home.mkdir(parents=True, exist_ok=True)
    with _exclusive(home / "server.lock"):  # two workers starting together start one server
        record = running(data_dir)
        if record is not None:
            logger.info("joining the local Chroma server at %s (pid %d)", record.url, record.pid)
            return record.url
        record = _start(home)
        (home / "server.json").write_text(record.model_dump_json(), "utf-8")
        logger.info("started a local Chroma server at %s (pid %d) on %s", record.url, record.pid, home)
        return record.url


def running(data_dir: Path) -> ServerRecord | None:
    """The data directory's Chroma server if it is up and answering, else None."""
    try:
        record = ServerRecord.model_validate_json((data_dir / SERVER_DIR / "server.json").read_bytes())
    except (OSError, ValidationError):
        return None
    return record if _alive(record) else None


def stop(data_dir: Path) -> ServerRecord | None:
    """Stop the data directory's Chroma server; the record of the one stopped, or None if none ran."""
    home = data_dir / SERVER_DIR
    home.mkdir(parents=True, exist_ok=True)
    with _exclusive(home / "server.lock"):
        record = running(data_dir)
        if record is None:
            return None
        os.kill(record.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        while pid_alive(record.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if pid_alive(record.pid):
            os.kill(record.pid, signal.SIGKILL)
        (home / "server.json").unlink(missing_ok=True)
        return record


def _start(home: Path) -> ServerRecord:
    executable = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    if executable is None:
        raise ConfigError("the `chroma` command (installed with chromadb) is missing; reinstall summarizer")
    port = free_port()
    with (home / "server.log").open("ab") as log:
        process = subprocess.Popen(
            [executable, "run", "--path", str(home / "data"), "--host", "127.0.0.1", "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own session: it serves the other workers after this one exits
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},  # nothing leaves the machine
        )
    record = ServerRecord(pid=process.pid, port=port)
    deadline = time.monotonic() + START_TIMEOUT_S
    while not _alive(record):
        if process.poll() is not None or time.monotonic() > deadline:
            if process.poll() is None:
                process.kill()
            tail = (home / "server.log").read_text("utf-8", "replace")[-600:]
            raise UpstreamUnavailable(f"the local Chroma server did not start ({home / 'server.log'}):\n{tail}")
        time.sleep(0.2)
    return record


def _alive(record: ServerRecord) -> bool:
    if not pid_alive(record.pid):
        return False
    try:
        return httpx.get(f"{record.url}/api/v2/heartbeat", timeout=HEARTBEAT_TIMEOUT_S).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
