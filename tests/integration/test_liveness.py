"""The job lock on a real Redis (a database of the session's own): who may run a job, and when."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest
import redis

from summarizer.files import pid_alive
from tests.integration.queue_harness import REDIS_HOST, REDIS_PORT
from workers.liveness import HOST, JobLock, backoff

pytestmark = pytest.mark.integration


@pytest.fixture()
def client(redis_db: int) -> Iterator[redis.Redis]:
    connection = redis.Redis(REDIS_HOST, REDIS_PORT, db=redis_db)
    connection.flushdb()
    yield connection
    connection.close()


def _lock(client: redis.Redis, job_id: int = 1) -> JobLock:
    return JobLock(client, job_id, ttl_s=2, heartbeat_s=0.5)


def test_one_live_delivery_holds_a_job_and_a_second_drops_out_within_a_heartbeat(client: redis.Redis) -> None:
    with _lock(client) as first:
        assert first.acquire()
        time.sleep(2.5)  # longer than the ttl: the refresher keeps it
        second = _lock(client)
        started = time.monotonic()
        assert not second.acquire()
        assert time.monotonic() - started < 2.0  # saw it refreshed, well before it could lapse
        assert _lock(client, job_id=2).acquire()  # another job is free
    assert client.get(first.key) is None  # released on exit
    assert _lock(client).acquire()


def test_a_lock_whose_process_is_gone_is_taken_over_at_once(client: redis.Redis) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    pid = int(dead.stdout)
    assert not pid_alive(pid)
    client.set("summarizer:job-lock:1", f"{HOST}:{pid}:0123", px=60_000)  # as a SIGKILLed process left it
    started = time.monotonic()
    lock = _lock(client)
    assert lock.acquire()
    assert time.monotonic() - started < 0.5
    assert client.get(lock.key) == lock.owner.encode()
    lock.release()


def test_a_lock_of_another_host_that_stops_being_refreshed_lapses_and_is_taken(client: redis.Redis) -> None:
    client.set("summarizer:job-lock:1", "elsewhere:123:0123", px=1500)  # its worker died over there
    started = time.monotonic()
    lock = _lock(client)
    assert lock.acquire()
    assert 1.0 < time.monotonic() - started < 3.0
    lock.release()


def test_a_delivery_never_frees_or_extends_a_lock_that_passed_to_another(client: redis.Redis) -> None:
    lock = _lock(client)
    assert lock.acquire()
    client.set(lock.key, "someone-else", px=60_000)  # e.g. it lapsed while Redis was away and was taken
    time.sleep(1.2)  # the refresher's turn: it must notice and stop
    assert client.pttl(lock.key) > 55_000
    lock.release()
    assert client.get(lock.key) == b"someone-else"


def test_concurrent_deliveries_of_one_job_let_exactly_one_run(client: redis.Redis) -> None:
    results: list[bool] = []
    barrier = threading.Barrier(4)
    locks = [_lock(client) for _ in range(4)]

    def take(lock: JobLock) -> None:
        barrier.wait()
        results.append(lock.acquire())

    threads = [threading.Thread(target=take, args=(lock,)) for lock in locks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]
    for lock in locks:
        lock.release()


def test_pid_alive_tells_this_process_from_a_finished_one() -> None:
    assert pid_alive(os.getpid())
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    assert not pid_alive(finished.pid)


def test_backoff_doubles_from_the_base_up_to_the_cap_jittered_down_to_half() -> None:
    for retries, full in [(0, 5), (1, 10), (2, 20), (6, 300), (60, 300)]:
        for _ in range(50):
            assert full / 2 <= backoff(retries, 5, 300) <= full
