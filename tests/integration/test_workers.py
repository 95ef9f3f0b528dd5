"""The Celery workers for real: worker subprocesses configured by environment only, Redis, SQLite/PostgreSQL.

Each test gets its own database (a SQLite file or a fresh PostgreSQL schema) and data dir; the session
uses one Redis database (5-15, picked at random), flushed before each test. The fake arXiv and a fake
model endpoint run in this process on loopback: no real model runs here.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import redis

from summarizer.jobs import Stage
from summarizer.retrieval import chroma_server
from summarizer.service.store import JobView
from tests.fakes import bad_pdfs
from tests.integration.queue_harness import (
    PAPER,
    REDIS_HOST,
    REDIS_PORT,
    ROOT,
    Harness,
    RedisServer,
    children,
    cmdline,
    queued,
)
from workers import tasks
from workers.celery_app import make_app

pytestmark = pytest.mark.integration


# --- the scenarios -------------------------------------------------------------------------------------


@pytest.mark.parametrize("database", ["postgresql", "sqlite"])
def test_a_submitted_paper_becomes_a_stored_card_with_four_timed_stages(world: Callable[..., Harness],
                                                                       database: str) -> None:
    # production-like on PostgreSQL (Chroma server, two processes); the embedded defaults on SQLite
    h = world(database, chroma=database == "postgresql")
    h.start_worker(*(["--concurrency", "2"] if database == "postgresql" else []))
    job, created = h.submit()
    assert created and job.state == "queued"
    # the store stage marks the job done, then records its own seconds a moment later
    done = h.wait(job.id, lambda j: j.state == "failed" or "store" in j.timings)
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
        assert queued(client, "io") == 3
        client.close()
        server.kill()  # no persistence: the queue is gone
        server.start()
        client = redis.Redis.from_url(server.url)
        assert queued(client, "io") == 0
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


def test_a_hostile_pdf_fails_its_job_once_in_the_parsing_child_and_the_worker_lives_on(
    world: Callable[..., Harness],
) -> None:
    # production limits: a decompression bomb stops inside the parsing child, not in the worker
    h = world("sqlite")
    worker = h.start_worker("--concurrency", "1")
    h.fake_arxiv.serve_pdf(bad_pdfs.decompression_bomb())
    bomb, _ = h.submit(PAPER)
    failed = h.wait(bomb.id)
    assert failed.state == "failed" and failed.error_permanent and failed.card_id is None
    assert failed.error is not None and failed.error.startswith("parse:") and "parsing limit" in failed.error
    assert failed.stage_attempts == {"fetch": 1, "parse": 1}  # permanent: not retried
    # the mechanism, with the wall-time limit cut to show it: a slow page is killed at 1 s, once
    h.env["SUMMARIZER_PDF__TIMEOUT_S"] = "1"
    worker.stop()
    worker = h.start_worker("--concurrency", "1")
    h.fake_arxiv.serve_pdf(bad_pdfs.huge_single_page())
    slow, _ = h.submit("2307.16789")  # another paper: the bomb is in the cache under the first
    failed = h.wait(slow.id)
    assert failed.state == "failed" and failed.error_permanent
    assert failed.error is not None and "pdf.timeout_s" in failed.error
    assert failed.stage_attempts == {"fetch": 1, "parse": 1}
    assert worker.process.poll() is None  # the worker lived through both


def test_a_transient_error_is_retried_with_backoff_until_it_passes_or_retries_run_out(
    world: Callable[..., Harness],
) -> None:
    # the arXiv client's own retries off, so each 503 reaches the queue, which waits out outages of up to
    # 4 s here, retrying after 1, 2, 2 ... s (each jittered down to as little as half)
    h = world("sqlite", SUMMARIZER_ARXIV__MAX_RETRIES="0", SUMMARIZER_QUEUE__OUTAGE_S="4")
    h.start_worker()
    h.fake_arxiv.unavailable(times=2, target="pdf")
    job, _ = h.submit(PAPER)
    done = h.wait(job.id)
    assert done.state == "done", done.error
    assert done.stage_attempts["fetch"] == 3  # two 503s, two retries, then the PDF
    # the last transient error stays visible, with how long the job has waited so far
    assert done.error is not None and "HTTP 503" in done.error and "of 4 s; next try in" in done.error
    assert len(h.fake_arxiv.requests_to("pdf")) == 3

    h.fake_arxiv.unavailable(times=10, target="pdf")  # longer than the outage the queue waits out
    doomed, _ = h.submit("2408.12528")
    failed = h.wait(doomed.id)
    assert failed.state == "failed" and failed.error_permanent
    assert failed.error is not None and failed.error.startswith("fetch: gave up after waiting")
    assert 3 <= failed.stage_attempts["fetch"] <= 9 and failed.stage_crashes == {"fetch": 0}
    assert len(h.fake_arxiv.requests_to("pdf")) == 3 + failed.stage_attempts["fetch"]  # one request a try


def test_a_duplicate_submission_returns_the_same_job_and_makes_one_card(
    world: Callable[..., Harness],
) -> None:
    h = world("postgresql", chroma=True)
    h.model.latency_s = 0.3
    first, created = h.submit(PAPER)
    again, created_again = h.submit(PAPER)
    assert created and not created_again and again.id == first.id
    # and a second chain for the job (as a sweeper that misjudged could send) is dropped, not counted
    tasks.enqueue([first.id], make_app(h.settings()))
    h.start_worker("--concurrency", "2")
    done = h.wait(first.id)
    assert done.state == "done", done.error
    time.sleep(2)  # let the second chain run out
    assert h.store is not None
    after = h.store.get_job(first.id)
    assert after is not None and after.stage_attempts == dict.fromkeys(Stage, 1), after
    assert len(h.store.revisions(PAPER)) == 1
    assert h.store.get_card(PAPER) is not None and len(h.store.list_jobs()) == 1
    resubmitted, requeued = h.submit(PAPER)
    assert resubmitted.id == first.id and not requeued and resubmitted.state == "done"


def _at_extract_start(n: int) -> Callable[[JobView], bool]:
    """A wait condition: the job is in its n-th start of the extract stage."""
    return lambda job: job.stage == Stage.EXTRACT and job.stage_attempts.get(Stage.EXTRACT) == n

def test_a_task_that_keeps_killing_its_pool_process_is_failed_as_poison(world: Callable[..., Harness]) -> None:
    # a pool process killed mid-task (OOM, segfault) has its message requeued at once
    # (task_reject_on_worker_lost); the store's count of starts that never ended is what ends the loop.
    # The next delivery takes the dead process's job lock over at once (same host, process gone)
    h = world("sqlite", SUMMARIZER_QUEUE__MAX_CRASHES="2")
    h.model.latency_s = 1.0
    worker = h.start_worker("--concurrency", "1")
    job, _ = h.submit()
    for start in (1, 2):
        h.wait(job.id, _at_extract_start(start))
        deadline = time.monotonic() + 10
        while len(h.model.requests) < start and time.monotonic() < deadline:  # inside a model call
            time.sleep(0.05)
        # the worker's one pool process (the local Chroma server it started is a child too)
        pool = [pid for pid in children(worker.process.pid) if b"chroma" not in cmdline(pid)]
        assert len(pool) == 1, pool
        os.kill(pool[0], signal.SIGKILL)  # the pool process only: the worker itself lives on
    failed = h.wait(job.id)
    assert failed.state == "failed" and failed.error_permanent and failed.card_id is None
    assert failed.error == "poison: its worker died 2 times at stage extract"
    assert failed.stage_attempts["extract"] == 3 and failed.stage_crashes["extract"] == 2
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
    h.store.start_stage(job.id, Stage.EXTRACT, chain="c1", max_crashes=6)
    tasks.record_hard_time_limit(h.store, "summarizer.extract", job.id, 1800)
    failed = h.store.get_job(job.id)
    assert failed is not None and failed.state == "failed" and failed.error_permanent
    assert failed.error == "extract: killed at the hard time limit of 1800 s"


def test_a_task_longer_than_the_visibility_timeout_is_not_handed_out_twice_while_its_worker_lives(
    world: Callable[..., Harness],
) -> None:
    # the mechanism, with the visibility timeout shortened to 6 s (the fault tests run the real 180 s):
    # the worker marks the messages it holds as alive every second, so Redis never gives the running
    # extract (well over 6 s) to anyone else
    h = world("sqlite", SUMMARIZER_QUEUE__VISIBILITY_TIMEOUT_S="6", SUMMARIZER_QUEUE__HEARTBEAT_S="1",
              SUMMARIZER_QUEUE__JOB_LOCK_TTL_S="2")
    h.model.latency_s = 5.0  # three or more calls: an extract of over 15 s
    h.start_worker("--concurrency", "2")
    job, _ = h.submit()
    done = h.wait(job.id, lambda j: j.state == "failed" or "store" in j.timings, timeout=180)
    assert done.state == "done", done.error
    assert done.timings["extract"] > 12  # twice the visibility timeout
    assert done.stage_attempts == dict.fromkeys(Stage, 1)
    assert "another live delivery" not in h.log() and "skipped" not in h.log()


def test_a_hung_model_endpoint_costs_one_call_per_try_and_the_soft_time_limit_still_ends_the_job(
    world: Callable[..., Harness],
) -> None:
    # the mechanism with short limits: extract has 15 s (soft) and the endpoint never answers. The worker's
    # client does not retry on its own, and no retry loop swallows the soft time limit
    h = world("sqlite", SUMMARIZER_QUEUE__EXTRACT_TIME_LIMIT_S="20", SUMMARIZER_QUEUE__SOFT_TIME_LIMIT_MARGIN_S="5")
    h.model.latency_s = 600
    h.start_worker("--concurrency", "1")
    job, _ = h.submit()
    started = time.monotonic()
    failed = h.wait(job.id, timeout=120)
    assert failed.state == "failed" and failed.error == "extract: took longer than 15 s (soft time limit)"
    assert time.monotonic() - started < 60
    assert len(h.model.requests) == 1  # one call, not the client's three


def test_a_model_endpoint_that_times_out_costs_one_call_per_try_until_the_outage_is_waited_out(
    world: Callable[..., Harness],
) -> None:
    # a per-call timeout of 2 s and an endpoint that never answers: each try costs one call and one
    # timeout (no retries stacked inside the client), retried by the queue until its wait (8 s here) is over
    h = world("sqlite", SUMMARIZER_LLM__TIMEOUT_S="2", SUMMARIZER_QUEUE__MODEL_OUTAGE_S="8")
    h.model.latency_s = 600
    h.start_worker("--concurrency", "1")
    job, _ = h.submit()
    failed = h.wait(job.id, timeout=120)
    assert failed.state == "failed" and failed.error is not None
    assert failed.error.startswith("extract: gave up after waiting"), failed.error
    assert 1 <= len(h.model.requests) <= failed.stage_attempts["extract"]
    assert not any(failed.stage_crashes.values())


def _cli(h: Harness, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "summarizer.cli", *args], env=h.env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)


def test_failed_jobs_are_retried_in_bulk_and_lost_messages_re_sent_from_the_command_line(
    world: Callable[..., Harness], redis_db: int,
) -> None:
    h = world("sqlite")
    h.start_worker()
    unknown = ["2501.99998", "2501.99999"]  # the fake arXiv has no such papers, yet
    failed = [h.wait(h.submit(ident)[0].id) for ident in unknown]
    assert [job.state for job in failed] == ["failed", "failed"]
    for ident in unknown:  # published since
        h.fake_arxiv.papers[ident] = {**h.fake_arxiv.papers[PAPER], "id": ident, "version": 1}
    retried = _cli(h, "retry", "--failed", "--matching", "no paper")
    assert retried.returncode == 0, retried.stderr
    assert len(retried.stdout.splitlines()) == 2 and "[done] 2 queued again, 0 refused" in retried.stderr
    assert [h.wait(job.id).state for job in failed] == ["done", "done"]
    refused = _cli(h, "retry", str(failed[0].id), "9999")
    assert refused.returncode == 1 and "[done] 0 queued again, 2 refused" in refused.stderr
    assert f"job {failed[0].id} is done, not failed" in refused.stdout and "9999" in refused.stdout, refused.stdout

    # a queued job whose message Redis lost is sent again by `summarizer recover`
    for worker in h.workers:
        worker.stop()
    lost, _ = h.submit(PAPER)
    redis.Redis(REDIS_HOST, REDIS_PORT, db=redis_db).flushdb()
    recovered = _cli(h, "recover", "--older-than", "0")
    assert recovered.returncode == 0 and f"{lost.id:>7}  re-sent" in recovered.stdout, recovered.stderr
    h.start_worker()
    assert h.wait(lost.id).state == "done"
