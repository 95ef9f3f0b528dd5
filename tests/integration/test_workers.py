"""The Celery workers for real: worker subprocesses configured by environment only, Redis, SQLite/PostgreSQL.

Each test gets its own database (a SQLite file or a fresh PostgreSQL schema) and data dir; the session
uses one Redis database (5-15, picked at random), flushed before each test. The fake arXiv and a fake
model endpoint run in this process on loopback: no real model runs here.
"""

from __future__ import annotations

import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import OperationalError

from summarizer.drafting import provenance
from summarizer.jobs import Stage
from summarizer.retrieval import chroma_server
from summarizer.service.store import JobView, Store
from summarizer.settings import Settings, load
from tests.fakes.chroma_server import running_chroma
from tests.fakes.fake_arxiv import FakeArxiv
from tests.fakes.fake_llm import FakeLLM, schema_answer
from workers import tasks
from workers.celery_app import TASKS, make_app

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
POSTGRES_URL = os.environ.get(
    "SUMMARIZER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PAPER = "hep-th/9901001"  # the smallest fixture PDF (4 pages): parse and index take a second
# short retries for every test; each test adds what it needs
QUICK = {
    "SUMMARIZER_PRESET": "local-tiny",
    "SUMMARIZER_ARXIV__MIN_INTERVAL_S": "0",
    "SUMMARIZER_ARXIV__BACKOFF_BASE_S": "0.05",
    "SUMMARIZER_ARXIV__BACKOFF_MAX_S": "0.2",
    "SUMMARIZER_QUEUE__RETRY_BACKOFF_S": "1",
    "SUMMARIZER_QUEUE__RETRY_BACKOFF_MAX_S": "2",
    "SUMMARIZER_QUEUE__RESTORE_INTERVAL_S": "1",
}


# --- services ------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_db() -> Iterator[int]:
    """A Redis database of its own for this session (5-15), emptied at the start and the end."""
    db = random.randint(5, 15)
    client = redis.Redis(REDIS_HOST, REDIS_PORT, db=db)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis at {REDIS_HOST}:{REDIS_PORT} is unreachable: {error}")
    client.flushdb()
    yield db
    client.flushdb()
    client.close()


@pytest.fixture(scope="session")
def pg_schemas() -> Iterator[Callable[[], str]]:
    """Makes fresh PostgreSQL schemas (a URL each) and drops them all at the end of the session."""
    engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    prefix, created = f"test_workers_{secrets.token_hex(4)}", list[str]()
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        pytest.fail(f"PostgreSQL at {POSTGRES_URL} is unreachable (SUMMARIZER_TEST_POSTGRES_URL): {error}")

    def new() -> str:
        schema = f"{prefix}_{len(created)}"
        with engine.connect() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        created.append(schema)
        url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
        return url.render_as_string(hide_password=False)

    yield new
    with engine.connect() as connection:
        for schema in created:
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    engine.dispose()


@pytest.fixture(scope="session")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Chroma server (`chroma run`) for multi-process workers: the embedded store is single-process."""
    with running_chroma(tmp_path_factory.mktemp("chroma")) as (url, _):
        yield url


@pytest.fixture()
def model() -> Iterator[FakeLLM]:
    """A fake OpenAI-compatible endpoint answering every schema minimally (tests set its latency)."""
    server = FakeLLM(default=schema_answer).start()
    # workers killed mid-call leave broken pipes: expected here, so not printed as server errors
    server.server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]  # quiet, on purpose
    yield server
    server.stop()


class Worker:
    """`summarizer worker` in its own process group, so SIGKILL takes its pool processes too."""

    def __init__(self, env: dict[str, str], log: Path, *args: str) -> None:
        self.log = log
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "summarizer.cli", "worker", "--loglevel", "INFO", *args],
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

    def start_worker(self, *args: str) -> Worker:
        worker = Worker(self.env, self.tmp_path / "worker.log", *args)
        self.workers.append(worker)
        return worker

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


def _environment(tmp_path: Path, redis_url: str, database_url: str, fake_arxiv: FakeArxiv, model: FakeLLM,
                 **extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SUMMARIZER_")}
    return {
        **base, **QUICK,
        "SUMMARIZER_REDIS_URL": redis_url,
        "SUMMARIZER_DATABASE_URL": database_url,
        "SUMMARIZER_DATA_DIR": str(tmp_path / "data"),
        "SUMMARIZER_ARXIV_API_URL": fake_arxiv.api_url,
        "SUMMARIZER_ARXIV_PDF_URL": fake_arxiv.pdf_url,
        "SUMMARIZER_LLM_BASE_URL": model.url,
        "SUMMARIZER_LLM_MODEL": "fake",
        **extra,
    }


@pytest.fixture()
def world(request: pytest.FixtureRequest, tmp_path: Path, redis_db: int, fake_arxiv: FakeArxiv,
          model: FakeLLM) -> Iterator[Callable[..., Harness]]:
    """Builds a Harness (database: "sqlite" or "postgresql"); kills its workers when the test ends."""
    made: list[Harness] = []
    fake_arxiv.reset()
    redis.Redis(REDIS_HOST, REDIS_PORT, db=redis_db).flushdb()  # no message of an earlier test survives

    def build(database: str = "sqlite", redis_url: str | None = None, chroma: bool = False,
              **extra: str) -> Harness:
        """chroma=True: the session's Chroma server (a collection per test), needed for --concurrency > 1."""
        if chroma:
            extra = {"SUMMARIZER_CHROMA_URL": request.getfixturevalue("chroma_url"),
                     "SUMMARIZER_INDEX__COLLECTION": f"test_{secrets.token_hex(4)}", **extra}
        if database == "postgresql":
            url = request.getfixturevalue("pg_schemas")()
        else:
            url = f"sqlite:///{tmp_path / 'jobs.db'}"
        env = _environment(tmp_path, redis_url or f"redis://{REDIS_HOST}:{REDIS_PORT}/{redis_db}", url,
                           fake_arxiv, model, **extra)
        harness = Harness(env, tmp_path, fake_arxiv, model)
        harness.open_store()
        made.append(harness)
        return harness

    yield build
    for harness in made:
        harness.close()


# --- the scenarios -------------------------------------------------------------------------------------


@pytest.mark.parametrize("database", ["postgresql", "sqlite"])
def test_a_submitted_paper_becomes_a_stored_card_with_four_timed_stages(world: Callable[..., Harness],
                                                                       database: str) -> None:
    # production-like on PostgreSQL (Chroma server, two processes); the embedded defaults on SQLite
    h = world(database, chroma=database == "postgresql")
    h.start_worker(*(["--concurrency", "2"] if database == "postgresql" else []))
    job, created = h.submit()
    assert created and job.state == "queued"
    done = h.wait(job.id)
    assert done.state == "done", done.error
    assert set(done.timings) == {"fetch", "parse", "extract", "store"}
    assert all(seconds >= 0 for seconds in done.timings.values())
    assert done.stage_attempts == {"fetch": 1, "parse": 1, "extract": 1, "store": 1}
    assert h.store is not None
    card = h.store.get_card(PAPER)
    assert card is not None and card.id == done.card_id and card.revision == 1
    assert card.card.arxiv_id == PAPER and card.card.title  # metadata from the (fake) arXiv API
    provenance = card.card.provenance
    assert provenance.model == "fake" and provenance.pipeline_version == done.pipeline_version
    assert set(provenance.stage_seconds) >= {"fetch", "parse", "extract"}
    assert len(h.model.requests) >= 2  # the model was asked through the real seam
    # the later stages read the PDF from the disk cache: arXiv was asked once for each
    assert len(h.fake_arxiv.requests_to("pdf")) == 1 and len(h.fake_arxiv.requests_to("api")) == 1
    assert f"job={job.id}" in h.log()  # structured logs name the job
    assert "Logging error" not in h.log()
    if database == "sqlite":
        assert "local Chroma server at http://127.0.0.1:" in h.log()


def test_the_readmes_worker_commands_share_one_local_chroma_server_on_the_embedded_defaults(
    world: Callable[..., Harness],
) -> None:
    # SQLite and no Chroma URL: the two README commands, three worker processes on one data directory.
    # Each used to open the embedded Chroma store, and jobs failed with "Error finding id"
    h = world("sqlite")
    assert "SUMMARIZER_CHROMA_URL" not in h.env
    h.model.latency_s = 0.2
    h.start_worker("--queues", "io", "--concurrency", "2", "--recover")
    h.start_worker("--queues", "llm", "--concurrency", "1")
    # four jobs (four keys) on the smallest paper, so both io processes and the llm one work at once
    jobs = [h.submit(PAPER)[0], h.submit(PAPER, 1)[0], h.submit(PAPER, pipeline="second")[0],
            h.submit(PAPER, pipeline="third")[0]]
    finished = [h.wait(job.id, timeout=120) for job in jobs]
    assert [job.state for job in finished] == ["done"] * len(jobs), [job.error for job in finished]
    assert all(job.card_id is not None for job in finished)
    record = chroma_server.running(Path(h.env["SUMMARIZER_DATA_DIR"]))
    assert record is not None  # one server, started by one worker and joined by the other
    assert h.log().count(f"local Chroma server at {record.url}") == 2  # both workers use that one
    assert "Error finding id" not in h.log()


def test_a_worker_started_with_a_preset_runs_its_jobs_with_that_preset(world: Callable[..., Harness]) -> None:
    # the preset reaches the worker's tasks only through the command line: the environment names none.
    # local-tiny retrieves one chunk per question within 1,200 characters; the defaults take 4 within 4,800
    h = world("sqlite")
    del h.env["SUMMARIZER_PRESET"]
    h.start_worker("--preset", "local-tiny")
    job, _ = h.submit()
    done = h.wait(job.id)
    assert done.state == "done", done.error
    assert h.store is not None
    stored = h.store.get_card(PAPER)
    assert stored is not None
    evidence = stored.card.evidence_for("core_problem")
    assert evidence is not None and 1 <= len(evidence.chunk_ids) <= 2


def test_a_worker_killed_during_extract_is_replaced_and_the_job_finishes_once(
    world: Callable[..., Harness],
) -> None:
    # Redis redelivers an unacked message only after the visibility timeout: keep it short here, and
    # every time limit (plus the longest retry countdown) below it, as the settings insist
    limits = {f"SUMMARIZER_QUEUE__{stage.upper()}_TIME_LIMIT_S": "10" for stage in TASKS.values()}
    h = world("postgresql", chroma=True, SUMMARIZER_QUEUE__VISIBILITY_TIMEOUT_S="15",
              SUMMARIZER_QUEUE__SOFT_TIME_LIMIT_MARGIN_S="2", **limits)
    h.model.latency_s = 1.0
    first = h.start_worker("--concurrency", "2")
    job, _ = h.submit()
    h.wait(job.id, lambda j: j.stage == "extract" and j.state == "running", timeout=60)
    deadline = time.monotonic() + 10
    while not h.model.requests and time.monotonic() < deadline:  # be inside a model call
        time.sleep(0.05)
    first.kill()
    assert h.store is not None
    killed = h.store.get_job(job.id)
    assert killed is not None and killed.state == "running" and killed.stage == "extract"
    h.start_worker("--concurrency", "2")
    done = h.wait(job.id, timeout=90)
    assert done.state == "done", done.error
    assert done.stage_attempts["extract"] == 2  # started, killed, redelivered, started again
    assert set(done.timings) == {"fetch", "parse", "extract", "store"}
    assert len(h.store.revisions(PAPER)) == 1
    card = h.store.get_card(PAPER)
    assert card is not None and card.id == done.card_id and card.revision == 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class RedisServer:
    """A throwaway redis-server with no persistence: a restart loses every message."""

    def __init__(self, directory: Path) -> None:
        self.port = _free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
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
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def _queued(client: redis.Redis, queue: str) -> int:
    """Messages waiting in a queue: kombu keeps one Redis list per priority step ("io", "io\x06\x163", ...)."""
    return sum(int(client.llen(key)) for key in client.scan_iter(f"{queue}*") if client.type(key) == b"list")


def test_recover_at_start_resends_only_the_jobs_whose_message_is_gone(world: Callable[..., Harness],
                                                                      redis_db: int) -> None:
    # the README's io worker starts with --recover: jobs the submission queued must not be sent twice
    h = world("sqlite")
    kept, lost = h.submit(PAPER)[0], h.submit(PAPER, 1)[0]
    client = redis.Redis(REDIS_HOST, REDIS_PORT, db=redis_db)
    waiting = [(key, raw) for key in client.scan_iter("io*") if client.type(key) == b"list"
               for raw in client.lrange(key, 0, -1)]
    assert len(waiting) == 2
    key, raw = next((key, raw) for key, raw in waiting if tasks._job_of(raw) == lost.id)
    # gone, as after a Redis restart without persistence
    client.lrem(key, 1, raw if isinstance(raw, str) else raw.decode())
    client.close()
    h.start_worker("--recover")
    finished = [h.wait(job.id) for job in (kept, lost)]
    assert [job.state for job in finished] == ["done", "done"], [job.error for job in finished]
    assert "[recover] re-sent 1 job(s)" in h.log()
    # each stage ran once: no duplicate chain for the job whose message was still there
    assert [job.stage_attempts for job in finished] == [dict.fromkeys(Stage, 1)] * 2


def test_jobs_queued_when_redis_lost_its_messages_are_recovered(world: Callable[..., Harness],
                                                                tmp_path: Path) -> None:
    server = RedisServer(tmp_path)
    server.start()
    try:
        h = world("sqlite", redis_url=server.url)
        # three jobs (three keys) for one small paper, no worker running yet
        jobs = [h.submit(PAPER)[0], h.submit(PAPER, 1)[0], h.submit(PAPER, pipeline="another")[0]]
        client = redis.Redis.from_url(server.url)
        assert _queued(client, "io") == 3
        client.close()
        server.kill()  # no persistence: the queue is gone
        server.start()
        client = redis.Redis.from_url(server.url)
        assert _queued(client, "io") == 0
        client.close()
        assert h.store is not None
        assert {j.state for j in h.store.list_jobs()} == {"queued"}
        assert tasks.recover(make_app(h.settings()), 3600) == []  # young queued jobs are left alone
        h.start_worker("--recover")
        finished = [h.wait(job.id) for job in jobs]
        assert [j.state for j in finished] == ["done", "done", "done"], [j.error for j in finished]
        assert "[recover] re-sent 3 job(s)" in h.log()
    finally:
        server.kill()


def test_a_permanent_error_fails_the_job_with_its_reason_and_is_not_retried(
    world: Callable[..., Harness],
) -> None:
    h = world("sqlite")
    h.start_worker()
    unknown, _ = h.submit("2501.99999")  # the fake arXiv has no such paper
    failed = h.wait(unknown.id)
    assert failed.state == "failed" and failed.error_permanent
    assert failed.error is not None and "no paper" in failed.error and failed.error.startswith("fetch:")
    assert failed.attempts == 1 and failed.stage_attempts == {"fetch": 1}

    h.fake_arxiv.html_as_pdf()  # a login page where the PDF should be
    html, _ = h.submit(PAPER)
    failed = h.wait(html.id)
    assert failed.state == "failed" and failed.error_permanent
    assert failed.error is not None and "not a PDF" in failed.error
    assert failed.stage_attempts == {"fetch": 1} and failed.card_id is None
    pdf_requests = len(h.fake_arxiv.requests_to("pdf"))
    time.sleep(3)  # longer than any retry countdown here: nothing comes back
    assert len(h.fake_arxiv.requests_to("pdf")) == pdf_requests == 1
    assert h.store is not None and h.store.get_card(PAPER) is None


def test_a_transient_error_is_retried_with_backoff_until_it_passes_or_retries_run_out(
    world: Callable[..., Harness],
) -> None:
    # the arXiv client's own retries off, so each 503 reaches Celery
    h = world("sqlite", SUMMARIZER_ARXIV__MAX_RETRIES="0")
    h.start_worker()
    h.fake_arxiv.unavailable(times=2, target="pdf")
    job, _ = h.submit(PAPER)
    done = h.wait(job.id)
    assert done.state == "done", done.error
    assert done.stage_attempts["fetch"] == 3  # two 503s, two retries, then the PDF
    assert done.error is not None and "retry 2 of 3" in done.error  # the last transient error stays visible
    assert len(h.fake_arxiv.requests_to("pdf")) == 3

    h.fake_arxiv.unavailable(times=10, target="pdf")  # more than max_retries (3) can absorb
    doomed, _ = h.submit("2408.12528")
    failed = h.wait(doomed.id)
    assert failed.state == "failed" and failed.error_permanent
    assert failed.error is not None and "gave up after 3 retries" in failed.error
    assert failed.stage_attempts == {"fetch": 4}


def test_a_duplicate_submission_returns_the_same_job_and_makes_one_card(
    world: Callable[..., Harness],
) -> None:
    h = world("postgresql", chroma=True)
    h.model.latency_s = 0.3
    first, created = h.submit(PAPER)
    again, created_again = h.submit(PAPER)
    assert created and not created_again and again.id == first.id
    # and a duplicate message (as recover may send) is harmless too
    tasks.enqueue([first.id], make_app(h.settings()))
    h.start_worker("--concurrency", "2")
    done = h.wait(first.id)
    assert done.state == "done", done.error
    time.sleep(2)  # let the second chain run out
    assert h.store is not None
    assert len(h.store.revisions(PAPER)) == 1
    assert h.store.get_card(PAPER) is not None and len(h.store.list_jobs()) == 1
    resubmitted, requeued = h.submit(PAPER)
    assert resubmitted.id == first.id and not requeued and resubmitted.state == "done"


def _at_extract_start(n: int) -> Callable[[JobView], bool]:
    """A wait condition: the job is in its n-th start of the extract stage."""
    return lambda job: job.stage == Stage.EXTRACT and job.stage_attempts.get(Stage.EXTRACT) == n


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
    return [int(line) for line in found.stdout.split()]


def test_a_task_that_keeps_killing_its_pool_process_is_failed_as_poison(world: Callable[..., Harness]) -> None:
    # a pool process killed mid-task (OOM, segfault) has its message requeued at once
    # (task_reject_on_worker_lost); the store's count of stage starts is what ends the loop
    h = world("sqlite", SUMMARIZER_QUEUE__MAX_ATTEMPTS="2", SUMMARIZER_QUEUE__MAX_RETRIES="1")
    h.model.latency_s = 1.0
    worker = h.start_worker("--concurrency", "1")
    job, _ = h.submit()
    for start in (1, 2):
        h.wait(job.id, _at_extract_start(start))
        deadline = time.monotonic() + 10
        while len(h.model.requests) < start and time.monotonic() < deadline:  # inside a model call
            time.sleep(0.05)
        # the worker's one pool process (the local Chroma server it started is a child too)
        children = [pid for pid in _children(worker.process.pid) if b"chroma" not in _cmdline(pid)]
        assert len(children) == 1, children
        os.kill(children[0], signal.SIGKILL)  # the pool process only: the worker itself lives on
    failed = h.wait(job.id)
    assert failed.state == "failed" and failed.error_permanent and failed.card_id is None
    assert failed.error is not None and failed.error.startswith("poison: gave up after 2 attempts at stage extract")
    assert failed.stage_attempts["extract"] == 3
    assert worker.process.poll() is None  # the worker survived to serve other jobs


def test_a_bulk_submission_finishes_its_first_jobs_before_downloading_the_last(
    world: Callable[..., Harness],
) -> None:
    # FIFO order would download all N papers before parsing the first: nothing reaches the model until
    # then. The io queue serves later stages first, so one worker finishes job 1 before fetching job N
    h = world("sqlite")
    ids = [f"2601.0{n:04d}" for n in range(1, 6)]
    for ident in ids:  # the small fixture under new ids (the fake serves any catalog entry)
        h.fake_arxiv.papers[ident] = {**h.fake_arxiv.papers[PAPER], "id": ident, "version": 1}
    try:
        jobs = [h.submit(ident)[0] for ident in ids]  # all queued before any worker runs
        h.start_worker("--concurrency", "1")  # one process, both queues
        done = [h.wait(job.id, timeout=120) for job in jobs]
    finally:
        for ident in ids:
            h.fake_arxiv.papers.pop(ident, None)
    assert all(job.state == "done" for job in done), [job.error for job in done]
    first_done = min(job.finished_at for job in done if job.finished_at)
    last_fetch = max(job.started_at for job in done if job.started_at)
    assert first_done < last_fetch, "every paper was downloaded before the first card was stored"


def test_a_task_killed_at_its_hard_time_limit_fails_its_job_with_the_reason(world: Callable[..., Harness]) -> None:
    # the worker's main process reports the kill (task_failure with TimeLimitExceeded); the message is
    # acknowledged and never redelivered, so the job must not be left "running"
    h = world("sqlite")
    job, _ = h.submit(send=False)
    assert h.store is not None
    h.store.start_stage(job.id, Stage.EXTRACT, max_attempts=6)
    tasks.record_hard_time_limit(h.store, "summarizer.extract", job.id, 1800)
    failed = h.store.get_job(job.id)
    assert failed is not None and failed.state == "failed" and failed.error_permanent
    assert failed.error == "extract: killed at the hard time limit of 1800 s"
