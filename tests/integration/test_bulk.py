"""1,000 ids through the HTTP API with the fake model: all finish, none runs twice, memory stays bounded.

About 2.5 minutes on 2 cores (`python -m pytest tests/integration/test_bulk.py -s` prints its figures). Real
worker processes with the production queue settings, PostgreSQL, a Chroma server, the API served by
`summarizer api` in its own process; every id is its own paper (the fake arXiv serves the small fixture
PDF under each), so every job runs all four stages and stores its own card.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from summarizer.jobs import Stage
from summarizer.service.api import MAX_IDS
from tests.integration.queue_harness import PAPER, ROOT, Harness, children, free_port

pytestmark = pytest.mark.integration

JOBS = 1000
SAMPLE_EVERY_S = 10.0


def _rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (the worker's pool), in MB."""
    total = 0
    for each in [pid, *children(pid)]:
        try:
            status = Path(f"/proc/{each}/status").read_text()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    return total / 1024


@pytest.mark.timeout(1200)
def test_a_thousand_ids_through_the_api_all_finish_once_with_bounded_memory(world: Callable[..., Harness]) -> None:
    h = world("postgresql", chroma=True, production=True)
    ids = [f"2609.{n:05d}" for n in range(1, JOBS + 1)]
    for ident in ids:
        h.fake_arxiv.papers[ident] = {**h.fake_arxiv.papers[PAPER], "id": ident, "version": 1}
    # an editor's API token, made the way the README says
    cli = [sys.executable, "-m", "summarizer.cli", "users"]
    subprocess.run([*cli, "add", "bulk", "--password-stdin"], input="a long test password\n", env=h.env,
                   cwd=ROOT, check=True, capture_output=True, text=True)
    token = subprocess.run([*cli, "token", "bulk"], env=h.env, cwd=ROOT, check=True, capture_output=True,
                           text=True).stdout.strip()
    port = free_port()
    api = subprocess.Popen([sys.executable, "-m", "summarizer.cli", "api", "--port", str(port)], env=h.env,
                           cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the API did not come up"
            time.sleep(0.5)
        io = h.start_worker("--queues", "io", "--concurrency", "2")
        llm = h.start_worker("--queues", "llm", "--concurrency", "2")
        started = time.monotonic()
        for at in range(0, JOBS, MAX_IDS):
            response = httpx.post(f"{base}/api/jobs", json={"ids": ids[at:at + MAX_IDS]}, timeout=120,
                                  headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 200, response.text
        print(f"submitted {JOBS} ids in {time.monotonic() - started:.1f} s", file=sys.stderr)

        samples: list[tuple[int, float]] = []  # (jobs finished, MB of both workers)
        engine = create_engine(h.env["SUMMARIZER_DATABASE_URL"])
        try:
            while True:
                with engine.connect() as connection:
                    done = connection.execute(text("SELECT count(*) FROM jobs WHERE state IN ('done', 'failed')")).scalar_one()
                samples.append((done, _rss_mb(io.process.pid) + _rss_mb(llm.process.pid)))
                if done == JOBS:
                    break
                assert time.monotonic() - started < 1100, f"{done} of {JOBS} finished"
                assert io.process.poll() is None and llm.process.poll() is None, "a worker died"
                time.sleep(SAMPLE_EVERY_S)
            elapsed = time.monotonic() - started
            with engine.connect() as connection:
                cards = connection.execute(text("SELECT count(*) FROM cards")).scalar_one()
                revisions = connection.execute(text("SELECT count(*) FROM card_revisions")).scalar_one()
        finally:
            engine.dispose()
    finally:
        api.terminate()
        api.wait(timeout=30)
    early = max(mb for finished, mb in samples if finished <= JOBS // 4)
    late = max(mb for finished, mb in samples if finished >= JOBS // 2)
    print(f"{JOBS} jobs in {elapsed:.0f} s ({JOBS / elapsed * 60:.0f} per minute); workers' memory: "
          f"{early:.0f} MB at most in the first quarter, {late:.0f} MB at most in the second half", file=sys.stderr)
    assert h.store is not None
    jobs = h.store.list_jobs(limit=JOBS + 1)
    assert len(jobs) == JOBS and {job.state for job in jobs} == {"done"}, [j.error for j in jobs if j.error][:5]
    ran_twice = [job.id for job in jobs if job.stage_attempts != dict.fromkeys(Stage, 1) or any(job.stage_crashes.values())]
    assert ran_twice == []  # every stage of every job started once
    assert (cards, revisions) == (JOBS, JOBS)
    assert late <= early * 1.25 + 100, (early, late)
