"""The queue's test world: worker subprocesses configured by environment only, a throwaway Redis, the
harness that submits and waits. Fixtures that build it are in conftest.py."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import redis

from summarizer.drafting import provenance
from summarizer.retrieval import chroma_server
from summarizer.service.store import JobView, Store
from summarizer.settings import Settings, load
from tests.fakes.fake_arxiv import FakeArxiv
from tests.fakes.fake_llm import FakeLLM
from workers import tasks
from workers.celery_app import make_app

ROOT = Path(__file__).resolve().parents[2]
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
POSTGRES_URL = os.environ.get(
    "SUMMARIZER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PAPER = "hep-th/9901001"  # the smallest fixture PDF (4 pages): parse and index take a second
# short retries for the tests of single behaviours; the fault tests run with the production queue settings
QUICK = {
    "SUMMARIZER_PRESET": "local-tiny",
    "SUMMARIZER_ARXIV__MIN_INTERVAL_S": "0",
    "SUMMARIZER_ARXIV__BACKOFF_BASE_S": "0.05",
    "SUMMARIZER_ARXIV__BACKOFF_MAX_S": "0.2",
    "SUMMARIZER_QUEUE__RETRY_BACKOFF_S": "1",
    "SUMMARIZER_QUEUE__RETRY_BACKOFF_MAX_S": "2",
    "SUMMARIZER_QUEUE__RESTORE_INTERVAL_S": "1",
}


WORKER = ("summarizer.cli", "worker", "--loglevel", "INFO")
BEAT = ("celery", "-A", "workers.celery_app", "beat", "--loglevel", "INFO")


class Worker:
    """`summarizer worker` (or another module's command, such as beat) in its own process group, so SIGKILL
    takes its pool processes too."""

    def __init__(self, env: dict[str, str], log: Path, *args: str, program: tuple[str, ...] = WORKER) -> None:
        self.log = log
        self.args = args
        self.program = program
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", *program, *args],
                env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )

    def kill(self) -> None:
        """SIGKILL the worker and its pool: no chance to ack, requeue or clean up."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM (warm shutdown), then SIGKILL if it takes too long."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        else:
            self.process.wait()


class Harness:
    """One test's world: environment, settings, store, sender app, and the workers it started."""

    def __init__(self, env: dict[str, str], tmp_path: Path, fake_arxiv: FakeArxiv, model: FakeLLM) -> None:
        self.env = env
        self.tmp_path = tmp_path
        self.fake_arxiv = fake_arxiv
        self.model = model
        self.workers: list[Worker] = []
        self.store: Store | None = None

    def settings(self) -> Settings:
        return load(env=self.env)

    def open_store(self) -> Store:
        self.store = Store(self.env["SUMMARIZER_DATABASE_URL"])
        self.store.migrate()
        return self.store

    def submit(self, arxiv_id: str = PAPER, version: int | None = None, *, pipeline: str | None = None,
               send: bool = True) -> tuple[JobView, bool]:
        """Submit like the intake does: commit the job, then enqueue it if it was (re)queued."""
        assert self.store is not None
        settings = self.settings()
        job, created = self.store.submit(arxiv_id, version, pipeline or provenance.pipeline_version(settings))
        if created and send:
            tasks.enqueue([job.id], make_app(settings))
        return job, created

    def start_worker(self, *args: str, program: tuple[str, ...] = WORKER) -> Worker:
        worker = Worker(self.env, self.tmp_path / "worker.log", *args, program=program)
        self.workers.append(worker)
        return worker

    def start_beat(self) -> Worker:
        """`celery -A workers.celery_app beat`, as the README deploys it: the sweeper every minute."""
        return self.start_worker("--schedule", str(self.tmp_path / "beat-schedule"), program=BEAT)

    def restart_exited_workers(self) -> int:
        """Start again every worker (or beat) whose process has exited, as a supervisor does (compose's restart
        policy, systemd); how many workers (beat not counted) were restarted."""
        exited = [w for w in self.workers if w.process.poll() is not None]
        for worker in exited:
            self.workers.remove(worker)
            self.start_worker(*worker.args, program=worker.program)
        return sum(worker.program == WORKER for worker in exited)

    def wait(self, job_id: int, until: Callable[[JobView], bool] = lambda j: j.state in ("done", "failed"),
             timeout: float = 60.0) -> JobView:
        """Poll the job until `until` holds; fail with the job and the worker log's tail otherwise."""
        assert self.store is not None
        deadline = time.monotonic() + timeout
        job = None
        while time.monotonic() < deadline:
            job = self.store.get_job(job_id)
            if job is not None and until(job):
                return job
            time.sleep(0.2)
        pytest.fail(f"job {job_id} did not get there in {timeout} s: {job}\n--- worker log ---\n"
                    + self.log()[-4000:])

    def log(self) -> str:
        path = self.tmp_path / "worker.log"
        return path.read_text("utf-8", "replace") if path.exists() else ""

    def close(self) -> None:
        for worker in self.workers:
            worker.kill()
        chroma_server.stop(Path(self.env["SUMMARIZER_DATA_DIR"]))  # it outlives workers by design
        if self.store is not None:
            self.store.close()


def environment(tmp_path: Path, redis_url: str, database_url: str, fake_arxiv: FakeArxiv, model: FakeLLM,
                production: bool = False, **extra: str) -> dict[str, str]:
    """The workers' environment; `production`: the queue keeps its production settings."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("SUMMARIZER_")}
    quick = {k: v for k, v in QUICK.items() if not (production and k.startswith("SUMMARIZER_QUEUE__"))}
    return {
        **base, **quick,
        "SUMMARIZER_REDIS_URL": redis_url,
        "SUMMARIZER_DATABASE_URL": database_url,
        "SUMMARIZER_DATA_DIR": str(tmp_path / "data"),
        "SUMMARIZER_ARXIV_API_URL": fake_arxiv.api_url,
        "SUMMARIZER_ARXIV_PDF_URL": fake_arxiv.pdf_url,
        "SUMMARIZER_ARXIV_RSS_URL": fake_arxiv.rss_url,
        "SUMMARIZER_LLM_BASE_URL": model.url,
        "SUMMARIZER_LLM_MODEL": "fake",
        **extra,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class RedisServer:
    """A throwaway redis-server on a free port; with `aof=True` it keeps every write (appendfsync always)."""

    def __init__(self, directory: Path, *, aof: bool = False) -> None:
        self.port = free_port()
        self.directory = directory
        self.aof = aof
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes" if self.aof else "no", "--appendfsync", "always", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
            finally:
                client.close()

    def kill(self) -> None:
        """SIGKILL: no chance to save anything beyond what the append-only file already holds."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


class PostgresServer:
    """A throwaway PostgreSQL cluster of its own (initdb as the postgres user, trust auth, loopback), so a
    test can stop and start it without touching the machine's server."""

    def __init__(self) -> None:
        self.port = free_port()
        bindir = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
        if not bindir:
            pytest.fail("PostgreSQL's server binaries are not in /usr/lib/postgresql/*/bin")
        self.bin = bindir[-1]
        # not under pytest's tmp_path: the postgres user could not reach it through root's private parents
        self.root = Path(tempfile.mkdtemp(prefix="summarizer-test-pg-"))
        self.directory = self.root / "data"
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")  # the server refuses to run as root; its files are postgres's
        self._as_postgres(self.bin / "initdb", "-D", self.directory, "-A", "trust", "-U", "postgres")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *command: str | Path) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *map(str, command)], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory}"
        self._as_postgres(self.bin / "pg_ctl", "-D", self.directory, "-o", options, "-w", "-l",
                          self.directory / "server.log", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop it: "immediate" is a crash (no checkpoint, clients cut off at once)."""
        self._as_postgres(self.bin / "pg_ctl", "-D", self.directory, "-m", mode, "-w", "stop")

    def close(self) -> None:
        """Stop it if it runs, and delete its files."""
        if (self.directory / "postmaster.pid").exists():
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def queued(client: redis.Redis, queue: str) -> int:
    """Messages waiting in a queue: kombu keeps one Redis list per priority step ("io", "io\x06\x163", ...)."""
    return sum(int(client.llen(key)) for key in client.scan_iter(f"{queue}*") if client.type(key) == b"list")


def cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
    return [int(line) for line in found.stdout.split()]


