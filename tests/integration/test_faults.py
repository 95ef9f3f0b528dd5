"""Faults with the production queue settings: killed workers, Redis and PostgreSQL going away, the model
endpoint down. Real worker processes, a real Redis (with its append-only file where it is restarted), the
real database. Each test ends with every job done once, one card and one revision per paper, in bounded
time. Nothing here shortens a timeout: the visibility timeout (180 s) and the backoff are the defaults.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, make_url

from summarizer.jobs import Stage
from summarizer.service.store import JobView
from summarizer.settings import QueueSettings
from tests.integration.queue_harness import PAPER, Harness, PostgresServer, RedisServer

pytestmark = pytest.mark.integration

QUEUE = QueueSettings()  # the production defaults the workers run with here
# a dead worker's message is back on its queue within the visibility timeout and one restore sweep
REDELIVERY_S = QUEUE.visibility_timeout_s + QUEUE.restore_interval_s
SLACK_S = 60  # for the rest of the job once it runs again, on a loaded 2-core machine


def _papers(h: Harness, count: int, prefix: str = "2601.1") -> list[str]:
    """`count` new arXiv ids the fake serves, all the smallest fixture PDF (each its own paper and card)."""
    ids = [f"{prefix}{n:04d}" for n in range(1, count + 1)]
    for ident in ids:
        h.fake_arxiv.papers[ident] = {**h.fake_arxiv.papers[PAPER], "id": ident, "version": 1}
    return ids


def _running(stage: Stage) -> Callable[[JobView], bool]:
    return lambda job: job.state == "running" and job.stage == stage


def _assert_each_done_once(h: Harness, jobs: list[JobView]) -> list[JobView]:
    """Every job done, its card stored once (one revision), no stage counted twice but a crashed one."""
    assert h.store is not None
    finished = [h.store.get_job(job.id) for job in jobs]
    assert all(job is not None and job.state == "done" for job in finished), finished
    for job in finished:
        assert job is not None
        assert len(h.store.revisions(job.arxiv_id)) == 1, job.arxiv_id
        card = h.store.get_card(job.arxiv_id)
        assert card is not None and card.id == job.card_id
        assert set(job.timings) == set(Stage)
    return [job for job in finished if job is not None]


@contextmanager
def _cards_locked(database_url: str) -> Iterator[None]:
    """Hold a SHARE lock on the cards table: readers go on, a store stage's INSERT waits (a busy database)."""
    engine = create_engine(make_url(database_url))
    try:
        with engine.connect() as connection, connection.begin():
            connection.exec_driver_sql("LOCK TABLE cards IN SHARE MODE")
            yield
    finally:
        engine.dispose()


def test_workers_killed_at_each_stage_are_replaced_and_each_job_runs_again_within_minutes(
    world: Callable[..., Harness],
) -> None:
    # the README's two worker roles on PostgreSQL and a Chroma server; every worker is SIGKILLed (the
    # whole process group: no ack, no requeue, no cleanup) while it runs one job's stage, and replaced
    h = world("postgresql", chroma=True, production=True)
    assert h.store is not None
    fetched, stored, drafted, spare = _papers(h, 4)
    io = h.start_worker("--queues", "io", "--concurrency", "1")
    llm = h.start_worker("--queues", "llm", "--concurrency", "1")
    killed: dict[int, tuple[Stage, float]] = {}

    def kill_at(stage: Stage, job: JobView, worker: Callable[[], None]) -> None:
        h.wait(job.id, _running(stage), timeout=120)
        time.sleep(0.5)  # inside the stage's work
        worker()
        killed[job.id] = (stage, time.monotonic())

    # fetch: the PDF download stalls for a minute
    h.fake_arxiv.stall(60, target="pdf")
    first, _ = h.submit(fetched)
    kill_at(Stage.FETCH, first, io.kill)
    io = h.start_worker("--queues", "io", "--concurrency", "1")
    # parse: the longest fixture paper takes several seconds to parse and embed
    second, _ = h.submit("2307.16789")
    kill_at(Stage.PARSE, second, io.kill)
    io = h.start_worker("--queues", "io", "--concurrency", "1")
    # extract: the model hangs
    h.model.latency_s = 600
    third, _ = h.submit(drafted)
    deadline = time.monotonic() + 120
    h.wait(third.id, _running(Stage.EXTRACT), timeout=120)
    while not h.model.requests and time.monotonic() < deadline:
        time.sleep(0.1)
    kill_at(Stage.EXTRACT, third, llm.kill)
    h.model.latency_s = 0.2
    llm = h.start_worker("--queues", "llm", "--concurrency", "1")
    # store: the database keeps the cards table locked
    fourth, _ = h.submit(stored)
    h.wait(fourth.id, _running(Stage.EXTRACT), timeout=120)
    with _cards_locked(h.env["SUMMARIZER_DATABASE_URL"]):
        kill_at(Stage.STORE, fourth, io.kill)
    io = h.start_worker("--queues", "io", "--concurrency", "1")

    # other jobs run on the replacements meanwhile, long before the killed ones come back
    other, _ = h.submit(spare)
    assert h.wait(other.id, timeout=120).state == "done"
    for job in (first, second, third, fourth):
        assert h.store.get_job(job.id).state == "running"  # type: ignore[union-attr]  # waiting for redelivery

    jobs = [first, second, third, fourth, other]
    for job in jobs:
        h.wait(job.id, lambda j: j.state == "failed" or "store" in j.timings, timeout=REDELIVERY_S + SLACK_S + 120)
    finished = _assert_each_done_once(h, jobs)
    for job in finished:
        if job.id not in killed:
            assert job.stage_attempts == dict.fromkeys(Stage, 1) and not any(job.stage_crashes.values())
            continue
        stage, _ = killed[job.id]
        # the killed stage started twice and the guard counted one crash; nothing else ran twice
        assert job.stage_attempts == {**dict.fromkeys(Stage, 1), stage: 2}, (stage, job.stage_attempts)
        assert job.stage_crashes[stage] == 1 and sum(job.stage_crashes.values()) == 1
    # bounded: each killed job ran again within the visibility timeout and a restore sweep
    elapsed = time.monotonic() - min(at for _, at in killed.values())
    assert elapsed < REDELIVERY_S + SLACK_S + 60, elapsed
    assert "another live delivery" not in h.log()


def test_redis_killed_and_restarted_loses_no_job_and_runs_none_twice(
    world: Callable[..., Harness], tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # Redis with its append-only file (fsync on every write), SIGKILLed while jobs are in every stage,
    # and restarted 10 s later on the same port and directory; the deployment of the README: the io worker
    # with --recover, and beat's sweeper for a message that Redis popped as it died, before the worker
    # could hold it (kombu's BRPOP gap, celery/kombu#1733)
    server = RedisServer(tmp_path_factory.mktemp("redis-aof"), aof=True)
    server.start()
    try:
        h = world("postgresql", chroma=True, production=True, redis_url=server.url)
        h.model.latency_s = 1.0
        h.start_worker("--queues", "io", "--concurrency", "2", "--recover")
        h.start_worker("--queues", "llm", "--concurrency", "1")
        h.start_beat()
        jobs = [h.submit(ident)[0] for ident in _papers(h, 4)]
        h.wait(jobs[0].id, _running(Stage.EXTRACT), timeout=120)
        server.kill()
        killed_at = time.monotonic()
        time.sleep(10)
        server.start()
        # a worker may exit on the lost connection (kombu restores its unacknowledged messages on close,
        # through a connection that is gone: "Unrecoverable error"); its supervisor starts it again
        restarted = 0
        deadline = time.monotonic() + REDELIVERY_S + SLACK_S + 120
        while time.monotonic() < deadline:
            restarted += h.restart_exited_workers()
            assert h.store is not None
            states = [h.store.get_job(job.id) for job in jobs]
            if all(job is not None and (job.state == "failed" or "store" in job.timings) for job in states):
                break
            time.sleep(1)
        elapsed = time.monotonic() - killed_at
        finished = _assert_each_done_once(h, jobs)
        # a stage whose worker exited with the connection counts one crash; nothing else does
        assert all(sum(job.stage_crashes.values()) <= (1 if restarted else 0) for job in finished), \
            [j.stage_crashes for j in finished]
        assert elapsed < REDELIVERY_S + SLACK_S + 60, elapsed
    finally:
        server.kill()


def test_postgresql_restarted_under_load_loses_no_job_and_runs_none_twice(world: Callable[..., Harness]) -> None:
    # a PostgreSQL cluster of the test's own, crashed (immediate stop) while jobs run and started again
    # 15 s later: stages that cannot reach it wait with backoff and go on
    database = PostgresServer()
    try:
        database.start()
        h = world("postgresql", chroma=True, production=True, SUMMARIZER_DATABASE_URL=database.url)
        h.model.latency_s = 1.0
        h.start_worker("--queues", "io", "--concurrency", "2")
        h.start_worker("--queues", "llm", "--concurrency", "1")
        jobs = [h.submit(ident)[0] for ident in _papers(h, 4, prefix="2602.1")]
        h.wait(jobs[0].id, _running(Stage.EXTRACT), timeout=120)
        database.stop("immediate")
        stopped_at = time.monotonic()
        time.sleep(15)
        database.start()
        for job in jobs:
            h.wait(job.id, lambda j: j.state == "failed" or "store" in j.timings, timeout=QUEUE.retry_backoff_max_s + 120)
        assert time.monotonic() - stopped_at < QUEUE.retry_backoff_max_s + 120
        _assert_each_done_once(h, jobs)
    finally:
        database.close()


def test_a_model_endpoint_down_for_two_minutes_pauses_the_llm_queue_and_every_job_finishes(
    world: Callable[..., Harness],
) -> None:
    h = world("postgresql", chroma=True, production=True)
    assert h.store is not None
    h.model.latency_s = 0.5
    h.start_worker("--queues", "io", "--concurrency", "2")
    h.start_worker("--queues", "llm", "--concurrency", "1")
    jobs = [h.submit(ident)[0] for ident in _papers(h, 4, prefix="2603.1")]
    h.wait(jobs[0].id, _running(Stage.EXTRACT), timeout=120)
    h.model.go_down()
    down_at = time.monotonic()
    # within seconds the llm worker stops taking work: the tries it had taken fail fast ("still down"), and
    # their retries wait in the llm queue, untouched, for as long as the endpoint is away
    time.sleep(20)
    assert "stopped taking work from the llm queue" in h.log()

    def extract_starts() -> dict[int, int]:
        assert h.store is not None
        return {job.id: job.stage_attempts.get(Stage.EXTRACT, 0)
                for job in (h.store.get_job(j.id) for j in jobs) if job is not None}

    parked = extract_starts()
    time.sleep(40)
    assert extract_starts() == parked  # nothing ran from the llm queue for 40 s
    pending = [h.store.get_job(job.id) for job in jobs]
    assert all(job is not None and job.state != "failed" for job in pending), pending
    time.sleep(max(0.0, 120 - (time.monotonic() - down_at)))
    requests_while_down = len(h.model.requests)
    h.model.come_back()
    back_at = time.monotonic()
    for job in jobs:
        h.wait(job.id, lambda j: j.state == "failed" or "store" in j.timings, timeout=180)
    recovered = time.monotonic() - back_at
    finished = _assert_each_done_once(h, jobs)
    assert all(not any(job.stage_crashes.values()) for job in finished)
    assert "taking work from the llm queue again" in h.log()
    assert len(h.model.requests) > requests_while_down
    # back to work within a probe interval and the longest countdown a retry holds while it is down
    assert recovered < 2 * QUEUE.endpoint_probe_s + 60, recovered
