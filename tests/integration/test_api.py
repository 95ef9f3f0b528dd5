"""The JSON API and the queue commands on a real store (SQLite and PostgreSQL), with a recording enqueue.

PostgreSQL as in test_store.py: SUMMARIZER_TEST_POSTGRES_URL, one fresh schema for the session, tables
emptied after each test. The CLI runs as a subprocess on a SQLite file; `submit` sends to the real queue
(workers.tasks.enqueue) on a Redis database index of its own, flushed at the end.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from summarizer.card import Card
from summarizer.jobs import JobState, ReviewState, Stage
from summarizer.service.accounts import CredentialKind, Role, digest, hash_password, new_token
from summarizer.service.api import MAX_IDS, create_app
from summarizer.service.intake import Intake, read_ids
from summarizer.service.store import JobView, Store, migrate
from summarizer.settings import Settings, load
from tests.integration.test_store import POSTGRES_URL, PostgresSchemas

pytestmark = pytest.mark.integration

HOSTILE = "<script>alert(1)</script>"
REDIS_SERVER = "redis://127.0.0.1:6379"


class RecordingQueue:
    """An enqueue that records each batch and whether every job was already committed when it was sent."""

    def __init__(self, observer: Store) -> None:
        self.observer = observer  # its own connections: it sees only committed rows
        self.batches: list[list[int]] = []
        self.unseen: list[int] = []
        self.broken = False

    def __call__(self, job_ids: list[int]) -> None:
        if self.broken:
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        self.batches.append(list(job_ids))
        self.unseen += [job_id for job_id in job_ids if self.observer.get_job(job_id) is None]

    @property
    def sent(self) -> list[int]:
        return [job_id for batch in self.batches for job_id in batch]


# --- fixtures -------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """One migrated PostgreSQL schema for this module's tests, dropped at the end of the session."""
    schemas = PostgresSchemas(POSTGRES_URL)
    schemas.prefix = f"test_api_{secrets.token_hex(4)}"
    try:
        url = schemas.new()
    except OperationalError as error:
        pytest.fail(f"PostgreSQL at {POSTGRES_URL} is unreachable (set SUMMARIZER_TEST_POSTGRES_URL): {error}")
    migrate(url)
    yield url
    schemas.drop_all()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database: a new SQLite file, or the session's PostgreSQL schema (emptied after)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'api.db'}"
        migrate(url)
        yield url
        return
    url = str(request.getfixturevalue("postgres_url"))
    yield url
    with Store(url) as store, store.engine.begin() as connection:
        connection.execute(text("TRUNCATE jobs, card_revisions, cards, papers, credentials, users RESTART IDENTITY CASCADE"))


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return load(env={}, database_url=database_url, data_dir=tmp_path / "data")


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    with Store(settings.database_url) as store:
        yield store


@pytest.fixture
def queue(settings: Settings) -> Iterator[RecordingQueue]:
    with Store(settings.database_url) as observer:
        yield RecordingQueue(observer)


@pytest.fixture
def client(settings: Settings, store: Store, queue: RecordingQueue) -> Iterator[TestClient]:
    """A client with an admin's API token (the access rules have their own tests in test_auth.py)."""
    store.add_user("admin", hash_password("a long test password"), Role.ADMIN)
    token = new_token()
    store.add_credential("admin", CredentialKind.API, digest(token))
    with TestClient(create_app(settings, store, enqueue=queue)) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


def submit(client: TestClient, *ids: str, force: bool = False) -> dict[str, Any]:
    response = client.post("/api/jobs", json={"ids": list(ids), "force": force})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def card(arxiv_id: str = "2501.12948", **changes: object) -> Card:
    return Card.model_validate({
        "arxiv_id": arxiv_id, "title": "DeepSeek-R1", "core_problem": "reasoning without labels",
        "method": "reinforcement learning", "verdict": "worth reading", **changes,
    })


# --- submitting -----------------------------------------------------------------------------------------


def test_submitting_100_ids_creates_100_jobs_and_enqueues_them_after_commit(
    client: TestClient, queue: RecordingQueue
) -> None:
    ids = [f"2501.{n:05d}" for n in range(1, 101)]
    body = submit(client, *ids)
    assert (body["created"], body["existing"], body["invalid"]) == (100, 0, 0)
    assert [r["input"] for r in body["results"]] == ids
    job_ids = [r["job"]["id"] for r in body["results"]]
    assert len(set(job_ids)) == 100 and all(r["job"]["state"] == "queued" for r in body["results"])
    # one enqueue call for the whole request, made after the transaction committed
    assert len(queue.batches) == 1 and sorted(queue.sent) == sorted(job_ids)
    assert queue.unseen == []


def test_a_malformed_id_is_reported_and_the_others_are_created(client: TestClient, queue: RecordingQueue) -> None:
    body = submit(
        client, "2501.12948", "2501.1294x", "hep-th/9901001", "arxiv.org/abs/2307.16789v2",
        "https://arxiv.org/abs/2501.12948",
    )
    first, bad, old, versioned, duplicate = body["results"]
    assert (body["created"], body["existing"], body["invalid"]) == (3, 1, 1)
    assert bad["job"] is None and not bad["created"] and "not an arXiv id: '2501.1294x'" in bad["error"]
    assert old["arxiv_id"] == "hep-th/9901001" and old["created"]
    assert versioned["arxiv_id"] == "2307.16789v2" and versioned["job"]["version"] == 2
    # the abs URL names the same paper as the bare id: one job, reported as created once
    assert duplicate["job"]["id"] == first["job"]["id"] and first["created"] and not duplicate["created"]
    assert sorted(queue.sent) == sorted(r["job"]["id"] for r in (first, old, versioned))


def test_resubmitting_returns_the_existing_jobs_and_enqueues_nothing(
    client: TestClient, queue: RecordingQueue
) -> None:
    first = submit(client, "2501.12948", "2307.16789")
    again = submit(client, "2307.16789", "2501.12948")
    assert (again["created"], again["existing"]) == (0, 2)
    assert {r["job"]["id"] for r in again["results"]} == {r["job"]["id"] for r in first["results"]}
    assert len(queue.batches) == 1


def test_force_requeues_a_done_job(client: TestClient, store: Store, queue: RecordingQueue) -> None:
    job_id = submit(client, "2501.12948")["results"][0]["job"]["id"]
    store.store_card(job_id, card())
    assert submit(client, "2501.12948")["results"][0]["job"]["state"] == "done"
    forced = submit(client, "2501.12948", force=True)["results"][0]
    assert forced["created"] and forced["job"]["id"] == job_id and forced["job"]["state"] == "queued"
    assert queue.batches == [[job_id], [job_id]]


@pytest.mark.parametrize("body", [
    {"ids": "2501.12948"}, {"ids": []}, {"ids": [12948]}, {"ids": ["2501.12948"], "priority": 1},
    {"ids": ["2501.12948"] * (MAX_IDS + 1)}, {"ids": ["x" * 5000]}, {},
])
def test_a_malformed_body_is_422_and_queues_nothing(
    client: TestClient, queue: RecordingQueue, body: dict[str, Any]
) -> None:
    response = client.post("/api/jobs", json=body)
    assert response.status_code == 422, response.text
    assert queue.batches == []


def test_when_the_queue_is_down_jobs_are_failed_and_a_resubmit_sends_them(
    client: TestClient, store: Store, queue: RecordingQueue
) -> None:
    queue.broken = True
    response = client.post("/api/jobs", json={"ids": ["2501.12948"]})
    assert response.status_code == 503 and response.headers["retry-after"] == "30"
    assert "could not enqueue 1 job(s)" in response.json()["detail"]
    [job] = store.list_jobs()
    assert job.state == "failed" and job.error is not None and job.error.startswith("not enqueued: ConnectionError")
    queue.broken = False
    again = submit(client, "2501.12948")["results"][0]
    assert again["created"] and again["job"]["id"] == job.id and queue.sent == [job.id]


# --- reading and retrying jobs --------------------------------------------------------------------------


def test_a_job_is_read_by_id_and_listed_by_state(client: TestClient, store: Store) -> None:
    ids = [r["job"]["id"] for r in submit(client, "2501.00001", "2501.00002", "2501.00003")["results"]]
    store.start_stage(ids[0], Stage.FETCH, chain="c1", max_crashes=3)
    store.finish_stage(ids[0], Stage.FETCH, 1.25)
    store.fail(ids[0], "PaperNotFound: arXiv has no paper 2501.00001", permanent=True)
    job = client.get(f"/api/jobs/{ids[0]}").json()
    assert (job["state"], job["stage"], job["attempts"], job["timings"]) == ("failed", "fetch", 1, {"fetch": 1.25})
    assert job["error"].startswith("PaperNotFound")
    failed = client.get("/api/jobs", params={"state": "failed"}).json()
    assert [j["id"] for j in failed["jobs"]] == [ids[0]] and failed["state"] == "failed"
    queued = client.get("/api/jobs", params={"state": "queued"}).json()["jobs"]
    assert sorted(j["id"] for j in queued) == sorted(ids[1:])
    page = client.get("/api/jobs", params={"limit": 2, "offset": 1}).json()
    assert (len(page["jobs"]), page["limit"], page["offset"]) == (2, 2, 1)
    assert client.get("/api/jobs/999999").status_code == 404
    assert client.get("/api/jobs/999999").json() == {"detail": "no job 999999"}
    assert client.get("/api/jobs", params={"state": "lost"}).status_code == 422
    assert client.get("/api/jobs", params={"limit": 0}).status_code == 422


def test_the_api_and_the_database_take_the_job_states_from_one_enum(client: TestClient, store: Store) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert schemas["JobState"]["enum"] == [state.value for state in JobState]
    job_id = submit(client, "2501.12948")["results"][0]["job"]["id"]
    with pytest.raises(IntegrityError), store.engine.begin() as connection:
        connection.execute(text("UPDATE jobs SET state = 'lost' WHERE id = :id"), {"id": job_id})


def test_retrying_a_failed_job_requeues_and_enqueues_it(client: TestClient, store: Store, queue: RecordingQueue) -> None:
    job_id = submit(client, "2501.12948")["results"][0]["job"]["id"]
    store.start_stage(job_id, Stage.PARSE, chain="c1", max_crashes=3)
    store.fail(job_id, "NotAPdf: not a PDF", permanent=True)
    response = client.post(f"/api/jobs/{job_id}/retry")
    assert response.status_code == 202, response.text
    job = response.json()
    assert (job["id"], job["state"], job["error"], job["attempts"]) == (job_id, "queued", None, 0)
    assert queue.batches == [[job_id], [job_id]] and queue.unseen == []


def test_retrying_a_job_that_has_not_failed_is_409_and_a_missing_one_404(
    client: TestClient, queue: RecordingQueue
) -> None:
    job_id = submit(client, "2501.12948")["results"][0]["job"]["id"]
    response = client.post(f"/api/jobs/{job_id}/retry")
    assert response.status_code == 409 and "is queued, not failed" in response.json()["detail"]
    assert client.post("/api/jobs/999999/retry").status_code == 404
    assert len(queue.batches) == 1


def test_of_two_concurrent_retries_of_a_failed_job_exactly_one_requeues_it(
    settings: Settings, store: Store, queue: RecordingQueue
) -> None:
    class BothSeeFailed(Store):
        """A store whose get_job waits until both retries have read the job: both see it failed."""

        barrier = threading.Barrier(2)

        def get_job(self, job_id: int) -> JobView | None:
            job = super().get_job(job_id)
            self.barrier.wait(timeout=30)
            return job

    [submission] = Intake(store, settings, enqueue=queue).submit(["2501.12948"])
    assert submission.job is not None
    job_id = submission.job.id
    store.fail(job_id, "NotAPdf: not a PDF", permanent=True)
    with BothSeeFailed(settings.database_url) as racing, ThreadPoolExecutor(2) as pool:
        intake = Intake(racing, settings, enqueue=queue)
        outcomes = [future.exception() or future.result() for future in
                    [pool.submit(intake.retry, job_id) for _ in range(2)]]
    # the store re-checks "failed" under the row lock: the loser is told the job is queued, and only
    # the winner enqueues (force=True would have let both)
    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["JobNotRetryable", "JobView"]
    assert queue.sent == [job_id, job_id]


# --- cards ----------------------------------------------------------------------------------------------


def test_a_card_is_404_until_stored_then_served_as_json_and_markdown(client: TestClient, store: Store) -> None:
    assert client.get("/api/cards/2501.12948").status_code == 404
    job_id = submit(client, "2501.12948")["results"][0]["job"]["id"]
    store.store_card(job_id, card(verdict=f"read it {HOSTILE}"))
    response = client.get("/api/cards/2501.12948")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    view = response.json()
    assert (view["arxiv_id"], view["revision"], view["review"]["state"]) == ("2501.12948", 1, "draft")
    assert view["card"]["title"] == "DeepSeek-R1" and view["card"]["verdict"] == f"read it {HOSTILE}"
    for markdown in (
        client.get("/api/cards/2501.12948", params={"format": "md"}),
        client.get("/api/cards/arxiv.org/abs/2501.12948", headers={"Accept": "text/markdown"}),
    ):
        assert markdown.status_code == 200 and markdown.headers["content-type"].startswith("text/markdown")
        assert markdown.headers["x-content-type-options"] == "nosniff"
        assert "Core problem: reasoning without labels" in markdown.text
        # card text is untrusted: the script tag arrives as text, never as markup
        assert "<script>" not in markdown.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in markdown.text


@pytest.mark.parametrize(("accept", "markdown"), [
    ("text/markdown", True), ("application/json", False), ("", False), ("*/*", False),
    ("text/markdown;q=0.5, application/json", False), ("application/json;q=0.1, text/markdown", True),
    ("text/markdown, application/json", True), ("text/html,application/xhtml+xml,*/*;q=0.8", False),
])
def test_the_accept_header_chooses_markdown_or_json(
    client: TestClient, store: Store, accept: str, markdown: bool
) -> None:
    job_id = submit(client, "2501.12948")["results"][0]["job"]["id"]
    store.store_card(job_id, card())
    response = client.get("/api/cards/2501.12948", headers={"Accept": accept})
    assert response.headers["content-type"].startswith("text/markdown" if markdown else "application/json")
    assert response.headers["vary"] == "Accept"


def test_old_style_ids_with_a_slash_are_served_and_malformed_ids_are_400(client: TestClient, store: Store) -> None:
    job_id = submit(client, "hep-th/9901001")["results"][0]["job"]["id"]
    store.store_card(job_id, card("hep-th/9901001", version="v2"))
    assert client.get("/api/cards/hep-th/9901001").json()["arxiv_id"] == "hep-th/9901001"
    assert client.get("/api/cards/hep-th/9901001v2").status_code == 200
    other = client.get("/api/cards/hep-th/9901001v1")
    assert other.status_code == 404 and "is of v2, not v1" in other.json()["detail"]
    bad = client.get("/api/cards/hep-xx/9901001")
    assert bad.status_code == 400 and "not an arXiv archive" in bad.json()["detail"]


def test_the_published_card_is_the_approved_revision_whatever_was_saved_after_it(
    client: TestClient, store: Store
) -> None:
    missing = client.get("/api/cards/2501.12948/published")
    assert missing.status_code == 404 and missing.json()["detail"] == "no card for 2501.12948"
    job_id = submit(client, "2501.12948")["results"][0]["job"]["id"]
    store.store_card(job_id, card())
    draft = client.get("/api/cards/2501.12948/published")
    assert draft.status_code == 404 and "has no approved revision" in draft.json()["detail"]
    store.save_revision("2501.12948", card(verdict="the approved verdict"), "admin", expected_revision=1)
    store.review("2501.12948", ReviewState.APPROVED, "admin", expected_revision=2)
    store.save_revision("2501.12948", card(verdict="a later draft"), "admin", expected_revision=2)
    published = client.get("/api/cards/2501.12948/published")
    assert published.status_code == 200 and published.headers["content-type"] == "application/json"
    body = published.json()
    assert (body["number"], body["author"], body["card"]["verdict"]) == (2, "admin", "the approved verdict")
    assert client.get("/api/cards/2501.12948").json()["card"]["verdict"] == "a later draft"  # the current one
    markdown = client.get("/api/cards/2501.12948/published", params={"format": "md"})
    assert markdown.status_code == 200 and markdown.headers["content-type"].startswith("text/markdown")
    assert "the approved verdict" in markdown.text and "a later draft" not in markdown.text
    assert client.get("/api/cards/arxiv.org/abs/2501.12948v1/published").status_code == 200  # the card has no version
    spec = client.get("/openapi.json").json()
    assert "text/markdown" in spec["paths"]["/api/cards/{arxiv_id}/published"]["get"]["responses"]["200"]["content"]
    del client.headers["Authorization"]
    refused = client.get("/api/cards/2501.12948/published")
    assert refused.status_code == 401 and "Bearer" in refused.json()["detail"]


def test_an_old_style_id_has_its_published_card_too(client: TestClient, store: Store) -> None:
    job_id = submit(client, "hep-th/9901001")["results"][0]["job"]["id"]
    store.store_card(job_id, card("hep-th/9901001", version="v2"))
    store.review("hep-th/9901001", ReviewState.APPROVED, "admin", expected_revision=1)
    published = client.get("/api/cards/hep-th/9901001/published")
    assert published.status_code == 200 and published.json()["card"]["arxiv_id"] == "hep-th/9901001"
    other = client.get("/api/cards/hep-th/9901001v1/published")
    assert other.status_code == 404 and "is of v2, not v1" in other.json()["detail"]
    assert client.get("/api/cards/hep-xx/9901001/published").status_code == 400


# --- docs and health ------------------------------------------------------------------------------------


def test_the_openapi_schema_and_docs_are_served(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/api/jobs", "/api/jobs/{job_id}", "/api/jobs/{job_id}/retry", "/api/cards/{arxiv_id}", "/healthz"} <= set(
        spec["paths"]
    )
    submit_op = spec["paths"]["/api/jobs"]["post"]
    assert submit_op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("SubmitResponse")
    assert {"SubmitRequest", "Submission", "JobView", "CardView", "Card", "Problem"} <= set(spec["components"]["schemas"])
    assert "text/markdown" in spec["paths"]["/api/cards/{arxiv_id}"]["get"]["responses"]["200"]["content"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_health_says_whether_the_database_answers(client: TestClient, settings: Settings, tmp_path: Path) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}
    unreachable = Store(f"sqlite:///{tmp_path / 'missing' / 'dir' / 'x.db'}")
    with unreachable, TestClient(create_app(settings, unreachable, enqueue=lambda ids: None)) as down:
        response = down.get("/healthz")
    assert response.status_code == 503 and response.json()["status"] == "unavailable"


# --- reading ids ----------------------------------------------------------------------------------------


def test_ids_are_read_from_lists_files_and_comments() -> None:
    listed = "2501.12948, 2307.16789\n# a comment line\nhep-th/9901001  # trailing comment\n\n" \
             "https://arxiv.org/abs/2501.00001#section\t2501.00002,,"
    assert read_ids(listed) == [
        "2501.12948", "2307.16789", "hep-th/9901001", "https://arxiv.org/abs/2501.00001#section", "2501.00002",
    ]


# --- the CLI: submit and jobs ---------------------------------------------------------------------------


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "summarizer.cli", *args], env=env, capture_output=True,
                          text=True, timeout=120, check=False)


@pytest.fixture
def cli_env(tmp_path: Path, redis_db: int) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SUMMARIZER_")}
    return {**base, "SUMMARIZER_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
            "SUMMARIZER_REDIS_URL": f"{REDIS_SERVER}/{redis_db}", "SUMMARIZER_DATA_DIR": str(tmp_path / "data")}


def queued_messages(redis_db: int) -> int:
    """Messages waiting in any queue (kombu keeps each queue as a Redis list) of the test's database."""
    import redis

    with redis.Redis.from_url(f"{REDIS_SERVER}/{redis_db}") as connection:
        return sum(connection.llen(key) for key in connection.scan_iter() if connection.type(key) == b"list")


def test_submit_reads_a_file_reports_a_bad_id_and_queues_the_rest(
    cli_env: dict[str, str], tmp_path: Path, redis_db: int
) -> None:
    pytest.importorskip("workers.tasks", reason="workers/tasks.py (the real enqueue) is not written yet")
    ids = tmp_path / "ids.txt"
    ids.write_text("# papers for Tuesday\n2501.12948\nhttps://arxiv.org/abs/2307.16789v2\n2501.1294x\n")
    before = queued_messages(redis_db)
    result = run(["submit", "hep-th/9901001", "--file", str(ids)], cli_env)
    assert result.returncode == 2, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 4
    assert lines[0].split()[1:] == ["queued", "created", "hep-th/9901001"]
    assert lines[2].split()[1:] == ["queued", "created", "2307.16789v2"]
    assert "error: not an arXiv id: '2501.1294x'" in lines[3]
    assert "3 queued, 0 existing, 1 invalid" in result.stderr
    assert queued_messages(redis_db) - before == 3  # one chain per created job
    again = run(["submit", "2501.12948"], cli_env)
    assert again.returncode == 0 and again.stdout.split()[1:] == ["queued", "existing", "2501.12948"]
    assert queued_messages(redis_db) - before == 3


def test_submit_with_only_bad_ids_exits_2_and_creates_nothing(cli_env: dict[str, str]) -> None:
    result = run(["submit", "2501.1294x", "not-an-id"], cli_env)
    assert result.returncode == 2
    assert [line.split()[:2] for line in result.stdout.splitlines()] == [["-", "-"], ["-", "-"]]
    assert run(["jobs"], cli_env).stderr.strip() == "no jobs"
    assert run(["submit"], cli_env).returncode == 2


def test_jobs_shows_state_attempts_error_and_seconds_per_stage(cli_env: dict[str, str], tmp_path: Path) -> None:
    url = cli_env["SUMMARIZER_DATABASE_URL"]
    migrate(url)
    with Store(url) as store:
        done, _ = store.submit("2501.12948", None, "pv1")
        failed, _ = store.submit("2307.16789", 2, "pv1")
        for stage, seconds in ((Stage.FETCH, 1.5), (Stage.PARSE, 2.0)):
            store.start_stage(done.id, stage, chain="c1", max_crashes=3)
            store.finish_stage(done.id, stage, seconds)
        store.store_card(done.id, card())
        store.start_stage(failed.id, Stage.FETCH, chain="c1", max_crashes=3)
        store.fail(failed.id, "UpstreamUnavailable: arXiv answered 503 " + "again " * 30, permanent=True)
    table = run(["jobs"], cli_env)
    assert table.returncode == 0, table.stderr
    header, first, second = table.stdout.splitlines()
    assert header.split() == ["ID", "ARXIV", "STATE", "STAGE", "ATTEMPTS", "FETCH", "PARSE", "EXTRACT", "STORE",
                              "TOTAL", "LAST", "ERROR"]
    assert first.split()[:5] == [str(failed.id), "2307.16789v2", "failed", "fetch", "1"]
    assert first.endswith("…") and len(first) < 200  # the long error is cut to one short cell
    assert second.split() == [str(done.id), "2501.12948", "done", "parse", "2", "1.5s", "2.0s", "-", "-", "3.5s"]
    only_failed = run(["jobs", "--state", "failed"], cli_env).stdout.splitlines()
    assert len(only_failed) == 2 and only_failed[1].split()[0] == str(failed.id)
    one = run(["jobs", str(failed.id)], cli_env)
    assert "error (permanent): UpstreamUnavailable: arXiv answered 503 again" in one.stdout
    assert one.stdout.rstrip().endswith("again")
    missing = run(["jobs", "999"], cli_env)
    assert missing.returncode == 1 and "no job 999" in missing.stderr
