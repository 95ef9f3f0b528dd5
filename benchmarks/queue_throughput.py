"""Queue throughput: how many jobs a minute the Celery workers finish, against the model-latency bound.

    python benchmarks/queue_throughput.py [--ids 200] [--slots 1,2,4] [--latency 2.0]

Not a test: it prints a table. For each llm slot count S it builds a fresh world - a Redis database of its
own (5-15, an empty one), a fresh job store (a PostgreSQL schema, or a SQLite file with --database sqlite),
a fresh data dir and Chroma collection - starts one io worker (`--queues io --concurrency 2`, prefork) and
one llm worker (`--queues llm --concurrency S --pool threads`), submits N synthetic new-style ids
(2601.00001 ...) in one bulk call through the intake, and measures the wall time from the submit to the
last job's finish.

Shared by every configuration: a fake arXiv (tests.fakes.fake_arxiv) whose catalog is extended with the
N synthetic ids, each serving a small fixture PDF with its id appended after %%EOF (distinct bytes, so
every job really parses and embeds: the index is keyed by the PDF's sha256 and would skip a repeat); a
FakeLLM (tests.fakes.fake_llm, a ThreadingHTTPServer, so concurrent calls overlap) answering every schema
minimally after `--latency` seconds; and a `chroma run` server (the embedded store is single-process,
and the io and llm workers are two processes).

Columns:
  jobs/min   measured: done jobs / (last finished_at - submit time) * 60
  calls/job  model calls per job, from the FakeLLM's request log (repairs included)
  bound/min  S / (calls/job * latency) * 60: S slots doing nothing but waiting on the model
  eff        measured / bound
  llm busy   sum of extract seconds / (S x wall): the share of the run the llm slots had work
  io wait, llm wait   mean seconds a job sat in a queue before its io stages (fetch, parse, store) and
             before its llm stage (extract), from the job rows: fetch starts at started_at, each later
             stage's start is read from polled rows (updated_at is set when a stage starts and when it
             finishes; a finished stage's start is its finish minus its recorded seconds)
  io work, llm work   mean seconds of stage work (the job's timings): fetch+parse+store, and extract
  latency    mean submit-to-done seconds per job

Run from the repository root with the dev venv; needs Redis on 127.0.0.1:6379 and, by default,
PostgreSQL (SUMMARIZER_TEST_POSTGRES_URL, as the integration tests).
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx
import redis
from sqlalchemy import create_engine, make_url

from summarizer.jobs import FINISHED, JobState, Stage
from summarizer.service.intake import Intake
from summarizer.service.store import JobView, Store
from summarizer.settings import Settings, load
from tests.fakes.fake_arxiv import FakeArxiv
from tests.fakes.fake_llm import FakeLLM, schema_answer

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
POSTGRES_URL = os.environ.get(
    "SUMMARIZER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IO_STAGES = (Stage.FETCH, Stage.PARSE, Stage.STORE)


# --- the fakes -------------------------------------------------------------------------------------------


class BenchArxiv(FakeArxiv):
    """The fake arXiv plus N synthetic papers; every PDF served carries its id after %%EOF."""

    def add_synthetic(self, ids: list[str], pdfs: list[str]) -> None:
        template = self.papers["hep-th/9901001"]  # the GPJax JOSS entry: short, complete metadata
        for i, ident in enumerate(ids):
            self.papers[ident] = {
                **template, "id": ident, "version": 1, "pdf": pdfs[i % len(pdfs)],
                "title": f"Synthetic benchmark paper {ident}", "categories": ["cs.LG"],
                "primary_category": "cs.LG", "published": "2026-01-05T12:00:00Z",
                "updated": "2026-01-05T12:00:00Z", "doi": None, "journal_ref": None,
            }

    def pdf_for(self, path: str) -> bytes | None:
        data = super().pdf_for(path)
        if data is None:
            return None
        ident = path[len("/pdf/"):].removesuffix(".pdf")
        # a PDF comment after %%EOF: still inside the last 1024 bytes the client checks, other bytes
        return data + f"\n%bench {ident}\n".encode()


def fake_llm(latency: float) -> FakeLLM:
    server = FakeLLM(default=schema_answer, latency_s=latency)
    server.server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
    return server.start()


# --- services --------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def pick_redis_db() -> int:
    """An empty Redis database among 5-15 (the tests' range), chosen at random."""
    candidates = list(range(5, 16))
    random.shuffle(candidates)
    for db in candidates:
        with redis.Redis(REDIS_HOST, REDIS_PORT, db=db) as client:
            if client.dbsize() == 0:
                return db
    raise SystemExit("no empty Redis database among 5-15: is a test session running?")


class Chroma:
    """`chroma run` on a free port, in its own session."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.port = free_port()
        self.log = home / "chroma.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [str(Path(sys.executable).parent / "chroma"), "run", "--path", str(home / "data"),
                 "--port", str(self.port), "--host", "127.0.0.1"],
                stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "HOME": str(home)},
                start_new_session=True,
            )
        deadline = time.monotonic() + 90
        while True:
            if self.process.poll() is not None:
                raise SystemExit(f"chroma run exited:\n{self.log.read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(f"{self.url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise SystemExit("chroma run did not answer its heartbeat in 90 s")
            time.sleep(0.3)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        stop_group(self.process, 20)


def stop_group(process: subprocess.Popen[bytes], timeout: float) -> None:
    """SIGTERM the process's session (it was started in its own), then SIGKILL if it lingers."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # stragglers in the group (pool processes) too
    except ProcessLookupError:
        pass
    process.wait(timeout=10)


class Database:
    """A fresh job store per configuration: a PostgreSQL schema (dropped at the end) or a SQLite file."""

    def __init__(self, kind: str, directory: Path) -> None:
        self.kind = kind
        self.directory = directory
        self.schemas: list[str] = []
        self.prefix = f"bench_queue_{secrets.token_hex(4)}"
        self.engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT") if kind == "postgresql" else None

    def new(self, name: str) -> str:
        if self.engine is None:
            return f"sqlite:///{self.directory / f'{name}.db'}"
        schema = f"{self.prefix}_{name}"
        with self.engine.connect() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        self.schemas.append(schema)
        url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
        return url.render_as_string(hide_password=False)

    def close(self) -> None:
        if self.engine is None:
            return
        with self.engine.connect() as connection:
            for schema in self.schemas:
                connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        self.engine.dispose()


class Worker:
    """`summarizer worker` in its own session (so stopping it takes its pool processes too)."""

    def __init__(self, env: dict[str, str], log: Path, *args: str) -> None:
        self.log = log
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "summarizer.cli", "worker", "--loglevel", "INFO", *args],
                env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )

    def text(self) -> str:
        return self.log.read_text("utf-8", "replace") if self.log.exists() else ""

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while " ready." not in self.text():
            if self.process.poll() is not None:
                raise SystemExit(f"worker exited ({self.process.returncode}):\n{self.text()[-3000:]}")
            if time.monotonic() > deadline:
                raise SystemExit(f"worker not ready in {timeout} s:\n{self.text()[-3000:]}")
            time.sleep(0.2)

    def stop(self) -> None:
        stop_group(self.process, 30)


# --- one configuration -----------------------------------------------------------------------------------


@dataclass
class Observed:
    """What polling saw of one job: each (stage, finished?) with the row's updated_at at the time."""

    events: dict[tuple[str, bool], datetime] = field(default_factory=dict)
    last: datetime | None = None

    def see(self, job: JobView) -> None:
        if job.updated_at == self.last or job.stage is None:
            return
        self.last = job.updated_at
        # start_stage sets stage and updated_at; finish_stage adds the stage's seconds and sets updated_at
        self.events.setdefault((job.stage, job.stage in job.timings), job.updated_at)


@dataclass
class Result:
    slots: int
    submitted: int
    done: int
    failed: int
    wall_s: float
    llm_calls: int
    latency_s: float
    io_wait: list[float]
    llm_wait: list[float]
    io_work: list[float]
    llm_work: list[float]
    job_latency: list[float]
    estimated: int  # jobs whose parse start was not seen by polling (its queue wait counted as io wait)
    retried: int  # jobs with a stage started more than once
    errors: list[str]

    @property
    def per_min(self) -> float:
        return self.done / self.wall_s * 60 if self.wall_s > 0 else 0.0

    @property
    def llm_busy(self) -> float:
        """Share of the run the llm slots spent in extract: below 100% they waited for the io queue."""
        return sum(self.llm_work) / (self.slots * self.wall_s) if self.wall_s > 0 else 0.0

    @property
    def calls_per_job(self) -> float:
        return self.llm_calls / self.done if self.done else 0.0

    @property
    def bound_per_min(self) -> float:
        per_job = self.calls_per_job * self.latency_s
        return self.slots / per_job * 60 if per_job > 0 else float("inf")


def stage_starts(job: JobView, seen: Observed) -> dict[str, float] | None:
    """Start times (epoch s) of the four stages, from the final row and what polling saw."""
    if job.started_at is None or job.finished_at is None or set(job.timings) < set(Stage):
        return None
    starts = {"fetch": job.started_at.timestamp(),
              "store": job.finished_at.timestamp() - job.timings["store"]}
    for stage in ("parse", "extract"):
        if (stage, False) in seen.events:
            starts[stage] = seen.events[(stage, False)].timestamp()
        elif (stage, True) in seen.events:
            starts[stage] = seen.events[(stage, True)].timestamp() - job.timings[stage]
    return starts


def run_config(slots: int, ids: list[str], args: argparse.Namespace, arxiv: BenchArxiv, model: FakeLLM,
               chroma: Chroma, database: Database, work: Path) -> Result:
    arxiv.reset()
    with model.lock:
        model.requests.clear()
        model.queue.clear()
    db = pick_redis_db()
    here = work / f"slots{slots}"
    here.mkdir()
    base = {k: v for k, v in os.environ.items() if not k.startswith("SUMMARIZER_")}
    env = {
        **base,
        "SUMMARIZER_REDIS_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{db}",
        "SUMMARIZER_DATABASE_URL": database.new(f"s{slots}"),
        "SUMMARIZER_DATA_DIR": str(here / "data"),
        "SUMMARIZER_ARXIV_API_URL": arxiv.api_url,
        "SUMMARIZER_ARXIV_PDF_URL": arxiv.pdf_url,
        "SUMMARIZER_ARXIV__MIN_INTERVAL_S": str(args.arxiv_interval),
        "SUMMARIZER_LLM_BASE_URL": model.url,
        "SUMMARIZER_LLM_MODEL": "fake",
        "SUMMARIZER_CHROMA_URL": chroma.url,
        "SUMMARIZER_INDEX__COLLECTION": f"bench_{secrets.token_hex(4)}_s{slots}",
        "SUMMARIZER_QUEUE__IO_CONCURRENCY": str(args.io_concurrency),
        "SUMMARIZER_QUEUE__LLM_CONCURRENCY": str(slots),
    }
    if args.preset:
        env["SUMMARIZER_PRESET"] = args.preset
    settings: Settings = load(env=env)
    store = Store(env["SUMMARIZER_DATABASE_URL"])
    store.migrate()
    client = redis.Redis(REDIS_HOST, REDIS_PORT, db=db)
    client.flushdb()
    token = secrets.token_hex(3)
    workers: list[Worker] = []
    try:
        workers.append(Worker(env, here / "io.log", "--queues", settings.queue.io_queue, "--concurrency",
                              str(args.io_concurrency), "--hostname", f"io-{token}@%h"))
        llm_args = ["--queues", settings.queue.llm_queue, "--concurrency", str(slots),
                    "--pool", args.llm_pool, "--hostname", f"llm-{token}@%h"]
        workers.append(Worker(env, here / "llm.log", *llm_args))
        for worker in workers:
            worker.wait_ready()

        from workers import tasks  # the sender; the app it builds from os.environ is not used
        from workers.celery_app import make_app

        sender = make_app(settings)
        intake = Intake(store, settings, enqueue=lambda job_ids: tasks.enqueue(job_ids, sender))
        submitted_at = time.time()
        submissions = intake.submit(ids)
        errors = [s.error for s in submissions if s.error]
        job_ids = [s.job.id for s in submissions if s.job is not None and s.created]
        print(f"  slots={slots}: submitted {len(job_ids)} jobs in {time.time() - submitted_at:.2f} s "
              f"(redis db {db})", file=sys.stderr, flush=True)

        seen = {job_id: Observed() for job_id in job_ids}
        bound_s = len(job_ids) * 6 * args.latency / slots  # a rough guess at the run's length
        deadline = time.monotonic() + (args.timeout or max(600.0, 4 * bound_s + 120))
        last_report = time.monotonic()
        finished: dict[int, JobView] = {}
        while True:
            for job in store.list_jobs(limit=len(job_ids) + 50):
                if job.id in seen:
                    seen[job.id].see(job)
                    if job.state in FINISHED:
                        finished[job.id] = job
            if len(finished) == len(job_ids):
                break
            for worker in workers:
                if worker.process.poll() is not None:
                    raise SystemExit(f"a worker died:\n{worker.text()[-3000:]}")
            if time.monotonic() > deadline:
                errors.append(f"timeout: {len(job_ids) - len(finished)} job(s) unfinished")
                break
            if time.monotonic() - last_report > 30:
                print(f"  slots={slots}: {len(finished)}/{len(job_ids)} finished after "
                      f"{time.time() - submitted_at:.0f} s", file=sys.stderr, flush=True)
                last_report = time.monotonic()
            time.sleep(args.poll)
        time.sleep(1.0)  # store_card marks a job done just before finish_stage records its seconds
        for job in store.list_jobs(limit=len(job_ids) + 50):
            if job.id in seen and job.state in FINISHED:
                finished[job.id] = job
        with model.lock:
            calls = len(model.requests)
    finally:
        for worker in workers:
            worker.stop()
        client.flushdb()
        client.close()
        store.close()

    done = [job for job in finished.values() if job.state == JobState.DONE]
    failed = [job for job in finished.values() if job.state == JobState.FAILED]
    errors += sorted({f"job {job.id}: {job.error}" for job in failed})[:5]
    last_finish = max((job.finished_at.timestamp() for job in done if job.finished_at), default=submitted_at)
    io_wait, llm_wait, io_work, llm_work, job_latency = [], [], [], [], []
    estimated = 0
    for job in done:
        starts = stage_starts(job, seen[job.id])
        if starts is None:
            continue
        t = job.timings
        if "extract" not in starts:  # cannot happen: extract lasts many poll intervals
            starts["extract"] = starts["store"] - t["extract"]
        if "parse" not in starts:  # parse and the llm queue wait both fell between two polls
            starts["parse"] = starts["extract"] - t["parse"]
            estimated += 1
        created = job.created_at.timestamp()
        io_wait.append(max(0.0, starts["fetch"] - created)
                       + max(0.0, starts["parse"] - (starts["fetch"] + t["fetch"]))
                       + max(0.0, starts["store"] - (starts["extract"] + t["extract"])))
        llm_wait.append(max(0.0, starts["extract"] - (starts["parse"] + t["parse"])))
        io_work.append(t["fetch"] + t["parse"] + t["store"])
        llm_work.append(t["extract"])
        job_latency.append(job.finished_at.timestamp() - created)  # type: ignore[union-attr]
    retried = sum(1 for job in finished.values() if any(n > 1 for n in job.stage_attempts.values()))
    return Result(
        slots=slots, submitted=len(job_ids), done=len(done), failed=len(failed),
        wall_s=last_finish - submitted_at, llm_calls=calls, latency_s=args.latency, io_wait=io_wait,
        llm_wait=llm_wait, io_work=io_work, llm_work=llm_work, job_latency=job_latency,
        estimated=estimated, retried=retried, errors=errors,
    )


# --- output ----------------------------------------------------------------------------------------------


def mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else float("nan")


def table(results: list[Result], args: argparse.Namespace) -> str:
    head = ("slots", "jobs", "done", "failed", "wall s", "jobs/min", "calls/job", "bound/min", "eff",
            "llm busy", "io wait", "llm wait", "io work", "llm work", "latency")
    rows = [head]
    for r in results:
        rows.append((
            str(r.slots), str(r.submitted), str(r.done), str(r.failed), f"{r.wall_s:.1f}",
            f"{r.per_min:.2f}", f"{r.calls_per_job:.2f}", f"{r.bound_per_min:.2f}",
            f"{r.per_min / r.bound_per_min:.0%}" if r.bound_per_min not in (0, float("inf")) else "-",
            f"{r.llm_busy:.0%}", f"{mean(r.io_wait):.1f}", f"{mean(r.llm_wait):.1f}", f"{mean(r.io_work):.2f}",
            f"{mean(r.llm_work):.2f}", f"{mean(r.job_latency):.1f}",
        ))
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = [(f"queue throughput: {args.ids} ids, FakeLLM latency {args.latency} s, io worker prefork "
             f"x{args.io_concurrency}, llm worker {args.llm_pool} x slots, {args.database}, PDFs "
             f"{','.join(args.pdfs)}")]
    for i, row in enumerate(rows):
        lines.append("  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)))
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines.append("means per job in seconds; io = fetch+parse+store, llm = extract; "
                 "bound = slots / (calls/job x latency)")
    for r in results:
        notes = []
        if r.estimated:
            notes.append(f"{r.estimated} job(s) with parse start estimated (llm wait < poll interval)")
        if r.retried:
            notes.append(f"{r.retried} job(s) with a stage started more than once")
        notes += r.errors
        for note in notes:
            lines.append(f"  slots={r.slots}: {note}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ids", type=int, default=200, help="synthetic arXiv ids to submit (default 200)")
    parser.add_argument("--slots", default="1,2,4", help="llm worker concurrencies to try (default 1,2,4)")
    parser.add_argument("--latency", type=float, default=2.0, help="FakeLLM seconds per call (default 2.0)")
    parser.add_argument("--io-concurrency", type=int, default=2, help="io worker processes (default 2)")
    parser.add_argument("--llm-pool", choices=("threads", "prefork"), default="threads",
                        help="pool of the llm worker (default threads)")
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--pdfs", default="gpjax_joss.pdf",
                        help="fixture PDFs the synthetic ids rotate among (default gpjax_joss.pdf)")
    parser.add_argument("--preset", default=None, help="SUMMARIZER_PRESET for the workers (default none)")
    parser.add_argument("--arxiv-interval", type=float, default=0.0,
                        help="the arXiv client's politeness interval in s (default 0: not what we measure)")
    parser.add_argument("--poll", type=float, default=0.5, help="seconds between polls of the job rows")
    parser.add_argument("--timeout", type=float, default=None, help="give up a configuration after this")
    parser.add_argument("--keep", action="store_true", help="keep the work dir (worker logs)")
    args = parser.parse_args(argv)
    args.pdfs = [p.strip() for p in args.pdfs.split(",") if p.strip()]
    slot_counts = [int(s) for s in args.slots.split(",") if s.strip()]
    if args.ids < 1 or not slot_counts or min(slot_counts) < 1:
        parser.error("--ids and every --slots value must be at least 1")

    ids = [f"2601.{i:05d}" for i in range(1, args.ids + 1)]
    work = Path(tempfile.mkdtemp(prefix="bench-queue-"))
    print(f"work dir {work}", file=sys.stderr)
    arxiv = BenchArxiv()
    missing = [p for p in args.pdfs if not (arxiv.fixtures / p).is_file()]
    if missing:
        parser.error(f"no such fixture PDF in {arxiv.fixtures}: {missing}")
    arxiv.add_synthetic(ids, args.pdfs)
    results: list[Result] = []
    chroma: Chroma | None = None
    model: FakeLLM | None = None
    database = Database(args.database, work)
    arxiv.start()
    try:
        model = fake_llm(args.latency)
        (work / "chroma").mkdir()
        chroma = Chroma(work / "chroma")
        for slots in slot_counts:
            results.append(run_config(slots, ids, args, arxiv, model, chroma, database, work))
            lines = table(results[-1:], args).splitlines()
            print("\n".join(lines[1:4]), file=sys.stderr, flush=True)  # header and this row
    finally:
        if chroma is not None:
            chroma.stop()
        if model is not None:
            model.stop()
        arxiv.stop()
        database.close()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(table(results, args))
    return 0 if all(r.done == r.submitted for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
