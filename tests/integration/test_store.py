"""The job and card store on SQLite and on a real PostgreSQL: idempotent jobs, poison guard, revisioned cards.

PostgreSQL comes from SUMMARIZER_TEST_POSTGRES_URL (default: trust auth as `postgres` on loopback, database
`test`). The session works in fresh schemas named test_store_<random>_<n>, dropped at the end.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, make_url, text
from sqlalchemy.exc import IntegrityError, OperationalError

from summarizer.card import Card
from summarizer.digest import compose
from summarizer.digest.compose import Digest
from summarizer.errors import BadInput, InvalidArxivId, PoisonJob, RevisionConflict
from summarizer.jobs import Delivery, JobState, ReviewState, Stage
from summarizer.service.store import PIPELINE_AUTHOR, Store, migrate
from summarizer.service.store.migrate import upgrade
from summarizer.service.store.models import Base

pytestmark = pytest.mark.integration

POSTGRES_URL = os.environ.get(
    "SUMMARIZER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TABLES = {"papers", "jobs", "cards", "card_revisions", "users", "credentials", "digests", "digest_revisions"}
PIPELINE = "pv1"
T = TypeVar("T")


class PostgresSchemas:
    """Creates fresh schemas for this test session and drops them all at the end."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url, isolation_level="AUTOCOMMIT")
        self.prefix = f"test_store_{secrets.token_hex(4)}"
        self.created: list[str] = []

    def new(self) -> str:
        """A URL whose connections see only a new, empty schema."""
        schema = f"{self.prefix}_{len(self.created)}"
        with self.engine.connect() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        self.created.append(schema)
        url = make_url(self.url).update_query_dict({"options": f"-csearch_path={schema}"})
        return url.render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with self.engine.connect() as connection:
            for schema in self.created:
                connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        self.engine.dispose()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresSchemas]:
    """The session's PostgreSQL; an unreachable server fails the tests (integration needs the real one)."""
    schemas = PostgresSchemas(POSTGRES_URL)
    try:
        with schemas.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        pytest.fail(f"PostgreSQL at {POSTGRES_URL} is unreachable (set SUMMARIZER_TEST_POSTGRES_URL): {error}")
    yield schemas
    schemas.drop_all()


@pytest.fixture(scope="session")
def postgres_session_url(postgres: PostgresSchemas) -> str:
    """One migrated schema for the session; tests empty its tables when they finish."""
    url = postgres.new()
    migrate(url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def empty_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A database with no tables at all: a new SQLite file, or a new PostgreSQL schema."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    schemas: PostgresSchemas = request.getfixturevalue("postgres")
    return schemas.new()


@pytest.fixture
def store(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Store]:
    """A migrated, empty store on the backend under test."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
        migrate(url)
    else:
        url = request.getfixturevalue("postgres_session_url")
    store = Store(url)
    yield store
    if backend == "postgresql":
        with store.engine.begin() as connection:
            connection.execute(text("TRUNCATE jobs, card_revisions, cards, papers, credentials, users RESTART IDENTITY CASCADE"))
    store.close()


def card(**changes: object) -> Card:
    return Card.model_validate({"title": "T", "core_problem": "a problem", "method": "a method", **changes})


def run_together(workers: int, task: Callable[[int], T]) -> list[T | BaseException]:
    """Run task(i) in `workers` threads released at once; each result or the exception it raised."""
    barrier = threading.Barrier(workers)

    def call(i: int) -> T | BaseException:
        barrier.wait()
        try:
            return task(i)
        except Exception as error:  # noqa: BLE001 - collected: the test asserts which errors happened
            return error

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(call, range(workers)))


def finish(store: Store, arxiv_id: str, data: Card) -> int:
    """Submit a paper and run it to done with `data` as its card; the job id."""
    job, _ = store.submit(arxiv_id, None, PIPELINE)
    store.start_stage(job.id, Stage.STORE, chain="c1", max_crashes=3)
    store.store_card(job.id, data)
    return job.id


# --- migrations -----------------------------------------------------------------------------------------


def test_migrating_an_empty_database_creates_the_tables_and_twice_is_a_no_op(empty_url: str) -> None:
    engine = create_engine(empty_url)
    try:
        assert not TABLES & set(inspect(engine).get_table_names())
        migrate(empty_url)
        assert TABLES | {"alembic_version"} <= set(inspect(engine).get_table_names())
        with Store(empty_url) as store:
            job, _ = store.submit("2501.00001", None, PIPELINE)
        migrate(empty_url)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == ["0005"]
        with Store(empty_url) as store:
            assert store.get_job(job.id) == job
    finally:
        engine.dispose()


def test_upgrading_from_the_first_schema_keeps_jobs_and_adds_the_delivery_bookkeeping(empty_url: str) -> None:
    engine = create_engine(empty_url)
    try:
        upgrade(engine, "0001")
        with engine.begin() as connection:  # a job as 0001 stored it
            connection.execute(text(
                "INSERT INTO jobs (key, arxiv_id, pipeline_version, state, stage, attempts, stage_attempts,"
                " error_permanent, timings, created_at, updated_at) VALUES ('k', '2501.00001', 'pv1',"
                " 'running', 'parse', 2, '{\"fetch\": 1, \"parse\": 1}', false, '{}', :now, :now)"
            ), {"now": datetime.now(UTC)})
        migrate(empty_url)
        with Store(empty_url) as store:
            job = store.list_jobs()[0]
            assert (job.state, job.stage, job.stage_attempts) == ("running", "parse", {"fetch": 1, "parse": 1})
            assert (job.chain, job.stage_status, job.stage_crashes) == (None, None, {})
        with pytest.raises(IntegrityError), engine.begin() as connection:  # the new CHECK constraint holds
            connection.execute(text("UPDATE jobs SET stage_status = 'sleeping'"))
    finally:
        engine.dispose()


def test_the_migration_creates_exactly_what_the_models_declare(empty_url: str) -> None:
    migrate(empty_url)
    engine = create_engine(empty_url)
    try:
        with engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    finally:
        engine.dispose()


# --- jobs -----------------------------------------------------------------------------------------------


def test_resubmitting_an_id_returns_the_same_job(store: Store) -> None:
    first, created = store.submit("2501.12948", None, PIPELINE)
    again, created_again = store.submit("2501.12948", None, PIPELINE)
    assert (created, created_again) == (True, False)
    assert again.id == first.id and again.key == "2501.12948:latest:pv1" and again.state == "queued"
    assert store.submit("2501.12948", 2, PIPELINE)[0].id != first.id  # a version is another job
    assert store.submit("2501.12948", None, "pv2")[0].id != first.id  # so is another pipeline
    assert first.created_at.tzinfo == UTC


def test_force_requeues_a_done_job_as_a_fresh_attempt(store: Store) -> None:
    job_id = finish(store, "2501.12948", card())
    assert store.submit("2501.12948", None, PIPELINE) == (store.get_job(job_id), False)
    job, created = store.submit("2501.12948", None, PIPELINE, force=True)
    assert created and job.id == job_id
    assert (job.state, job.attempts, job.card_id, job.result, job.finished_at) == ("queued", 0, None, None, None)


def test_a_failed_job_is_requeued_on_resubmit(store: Store) -> None:
    job, _ = store.submit("2501.12948", None, PIPELINE)
    store.start_stage(job.id, Stage.PARSE, chain="c1", max_crashes=3)
    store.fail(job.id, "NotAPdf: not a PDF", permanent=True)
    failed = store.get_job(job.id)
    assert failed is not None and (failed.state, failed.error_permanent) == ("failed", True)
    again, created = store.submit("2501.12948", None, PIPELINE)
    assert created and again.id == job.id
    assert (again.state, again.error, again.attempts, again.error_permanent) == ("queued", None, 0, False)


def test_a_transient_failure_leaves_the_job_queued_for_retry(store: Store) -> None:
    job, _ = store.submit("2501.12948", None, PIPELINE)
    store.start_stage(job.id, Stage.FETCH, chain="c1", max_crashes=3)
    store.fail(job.id, "arXiv answered 503", permanent=False)
    after = store.get_job(job.id)
    assert after is not None and (after.state, after.error, after.error_permanent) == (
        "queued", "arXiv answered 503", False
    )
    assert store.submit("2501.12948", None, PIPELINE) == (after, False)


def test_submit_many_makes_100_jobs_in_one_call_and_resubmitting_creates_none(store: Store) -> None:
    ids = [(f"2501.{n:05d}", None) for n in range(1, 101)]
    results = store.submit_many(ids, PIPELINE)
    assert [job.arxiv_id for job, _ in results] == [arxiv_id for arxiv_id, _ in ids]
    assert all(created for _, created in results)
    assert len(store.list_jobs(limit=1000)) == 100
    again = store.submit_many(ids, PIPELINE)
    assert not any(created for _, created in again)
    assert [job.id for job, _ in again] == [job.id for job, _ in results]
    # one id twice in a batch is one job, reported created once
    twice = store.submit_many([("2502.00001", 1), ("2502.00001", 1)], PIPELINE)
    assert twice[0][0].id == twice[1][0].id and [created for _, created in twice] == [True, False]


def test_a_malformed_id_is_refused_before_it_becomes_a_key(store: Store) -> None:
    with pytest.raises(InvalidArxivId):
        store.submit("2501.12948v2", None, PIPELINE)  # versions go in `version`, not the id
    assert store.list_jobs() == []


def test_concurrent_submits_of_one_key_create_exactly_one_job(store: Store) -> None:
    results = run_together(8, lambda _: store.submit("2501.12948", None, PIPELINE))
    submitted = [result for result in results if not isinstance(result, BaseException)]
    assert len(submitted) == 8, results
    assert len({job.id for job, _ in submitted}) == 1
    assert sum(created for _, created in submitted) == 1
    assert len(store.list_jobs()) == 1


def test_list_jobs_is_newest_first_and_filters_by_state(store: Store) -> None:
    first, _ = store.submit("2501.00001", None, PIPELINE)
    second, _ = store.submit("2501.00002", None, PIPELINE)
    store.start_stage(second.id, Stage.FETCH, chain="c1", max_crashes=3)
    assert [job.id for job in store.list_jobs()] == [second.id, first.id]
    assert [job.id for job in store.list_jobs(state=JobState.RUNNING)] == [second.id]
    assert [job.id for job in store.list_jobs(limit=1, offset=1)] == [first.id]
    assert store.get_job(9999) is None


def test_stages_record_running_state_timings_and_result(store: Store) -> None:
    job, _ = store.submit("2501.12948", None, PIPELINE)
    running = store.start_stage(job.id, Stage.FETCH, chain="c1", max_crashes=3)[0]
    assert (running.state, running.stage, running.attempts) == ("running", "fetch", 1)
    assert running.started_at is not None and running.started_at.tzinfo == UTC
    store.finish_stage(job.id, Stage.FETCH, 1.25)
    store.start_stage(job.id, Stage.EXTRACT, chain="c1", max_crashes=3)
    store.finish_stage(job.id, Stage.EXTRACT, 30.5, result=card().model_dump(mode="json"))
    after = store.get_job(job.id)
    assert after is not None and after.timings == {"fetch": 1.25, "extract": 30.5}
    assert after.result is not None and Card.model_validate(after.result) == card()
    assert after.started_at == running.started_at and after.attempts == 2


def test_a_stage_whose_worker_keeps_dying_fails_the_job_as_poison(store: Store) -> None:
    job, _ = store.submit("2501.12948", None, PIPELINE)
    store.start_stage(job.id, Stage.FETCH, chain="c1", max_crashes=2)
    store.finish_stage(job.id, Stage.FETCH, 0.5)
    # a parse that kills its worker: redelivered, started again, never ended
    assert store.start_stage(job.id, Stage.PARSE, chain="c1", max_crashes=2)[1] is Delivery.RUN
    assert store.start_stage(job.id, Stage.PARSE, chain="c1", max_crashes=2)[1] is Delivery.RUN  # crash 1
    with pytest.raises(PoisonJob) as raised:
        store.start_stage(job.id, Stage.PARSE, chain="c1", max_crashes=2)  # crash 2
    assert raised.value.transient is False and raised.value.exit_code == 1
    after = store.get_job(job.id)
    assert after is not None and (after.state, after.error_permanent) == ("failed", True)
    assert after.error == "poison: its worker died 2 times at stage parse"
    assert after.attempts == 4 and after.stage_crashes == {"fetch": 0, "parse": 2}


def test_retries_of_a_stage_that_reported_its_failure_never_count_as_crashes(store: Store) -> None:
    job, _ = store.submit("2501.12948", None, PIPELINE)
    for _ in range(10):  # an outage waited out: ten retries, each ended by the task itself
        assert store.start_stage(job.id, Stage.EXTRACT, chain="c1", max_crashes=2)[1] is Delivery.RUN
        store.fail(job.id, "endpoint down", permanent=False)
    after = store.get_job(job.id)
    assert after is not None and after.state == "queued" and after.stage_crashes == {"extract": 0}
    assert after.stage_attempts == {"extract": 10}


def test_duplicate_deliveries_are_skipped_or_dropped_and_never_counted(store: Store) -> None:
    job, _ = store.submit("2501.12948", None, PIPELINE)
    assert store.start_stage(job.id, Stage.FETCH, chain="c1", max_crashes=1)[1] is Delivery.RUN
    store.finish_stage(job.id, Stage.FETCH, 0.5)
    # the same message again after fetch finished: nothing to do, the chain goes on
    assert store.start_stage(job.id, Stage.FETCH, chain="c1", max_crashes=1)[1] is Delivery.SKIP
    # a second chain for the job (sent twice): it does not own the job
    assert store.start_stage(job.id, Stage.FETCH, chain="c2", max_crashes=1)[1] is Delivery.STALE
    assert store.start_stage(job.id, Stage.PARSE, chain="c1", max_crashes=1)[1] is Delivery.RUN
    # a stage the chain has passed
    assert store.start_stage(job.id, Stage.FETCH, chain="c1", max_crashes=1)[1] is Delivery.STALE
    after = store.get_job(job.id)
    assert after is not None and after.state == "running"  # max_crashes=1 and no crash counted
    assert after.stage_attempts == {"fetch": 1, "parse": 1} and after.attempts == 2
    store.finish_stage(job.id, Stage.PARSE, 0.5)
    store.store_card(job.id, card())
    assert store.start_stage(job.id, Stage.STORE, chain="c1", max_crashes=1)[1] is Delivery.FINISHED


def test_a_recovered_job_is_owned_by_the_next_chain_and_the_old_one_is_dropped(store: Store) -> None:
    job, _ = store.submit("2501.12948", None, PIPELINE)
    store.start_stage(job.id, Stage.FETCH, chain="old", max_crashes=3)
    assert store.rechain([job.id, 9999]) == [job.id]
    released = store.get_job(job.id)
    assert released is not None and (released.state, released.chain, released.stage) == ("queued", None, None)
    assert store.start_stage(job.id, Stage.FETCH, chain="new", max_crashes=3)[1] is Delivery.RUN
    assert store.start_stage(job.id, Stage.PARSE, chain="old", max_crashes=3)[1] is Delivery.STALE
    finish(store, "2501.00001", card())
    assert store.rechain([j.id for j in store.list_jobs(JobState.DONE)]) == []  # finished jobs stay as they are


# --- cards ----------------------------------------------------------------------------------------------


def test_storing_the_same_card_twice_gives_one_card_and_one_revision(store: Store) -> None:
    job, _ = store.submit("2501.12948", None, PIPELINE)
    first = store.store_card(job.id, card())
    again = store.store_card(job.id, card())  # a re-run after a crash between store and ack
    assert first == again and first.revision == 1 and not first.approved
    assert len(store.revisions("2501.12948")) == 1
    done = store.get_job(job.id)
    assert done is not None and (done.state, done.card_id) == ("done", first.id)
    assert done.finished_at is not None


def test_storing_a_changed_card_adds_a_revision_listing_the_changed_fields(store: Store) -> None:
    job, _ = store.submit("2501.12948", None, PIPELINE)
    store.store_card(job.id, card())
    rerun, _ = store.submit("2501.12948", None, PIPELINE, force=True)
    changed = store.store_card(rerun.id, card(method="a better method", verdict="read it"))
    assert changed.revision == 2 and changed.card.method == "a better method"
    revisions = store.revisions("2501.12948")
    assert [r.number for r in revisions] == [1, 2]
    assert revisions[1].changed_fields == ["method", "verdict"]
    assert "title" in revisions[0].changed_fields  # a first revision changes everything
    current = store.get_card("2501.12948")
    assert current is not None and current.card == card(method="a better method", verdict="read it")
    assert store.get_card("2501.99999") is None and store.revisions("2501.99999") == []


def test_saving_from_a_stale_revision_raises_revision_conflict(store: Store) -> None:
    finish(store, "2501.12948", card())
    saved = store.save_revision("2501.12948", card(verdict="solid"), "ada", expected_revision=1, note="tone")
    assert (saved.revision, saved.author) == (2, "ada")
    with pytest.raises(RevisionConflict) as raised:
        store.save_revision("2501.12948", card(verdict="weak"), "bob", expected_revision=1)
    assert (raised.value.expected, raised.value.current) == (1, 2)
    current = store.get_card("2501.12948")
    assert current is not None and current.card.verdict == "solid"
    assert [(r.author, r.note, r.changed_fields) for r in store.revisions("2501.12948")][1:] == [
        ("ada", "tone", ["verdict"])
    ]


def test_a_model_rerun_never_replaces_an_editors_revision_or_an_approval(store: Store) -> None:
    finish(store, "2501.12948", card(method="model draft"))
    edited = store.save_revision("2501.12948", card(method="editor's text"), "ada", expected_revision=1)
    rerun, _ = store.submit("2501.12948", None, PIPELINE, force=True)
    kept = store.store_card(rerun.id, card(method="model again"))
    assert (kept.revision, kept.card.method, kept.author) == (edited.revision, "editor's text", "ada")
    aside = store.revisions("2501.12948")[-1]
    assert (aside.number, aside.author, aside.card.method) == (3, "pipeline", "model again")
    assert aside.note and "restore" in aside.note
    # restoring it is an editor's act: a new revision on top of the current one
    restored = store.save_revision("2501.12948", aside.card, "ada", expected_revision=2, note="restored revision 3")
    assert (restored.revision, restored.card.method) == (4, "model again")
    approved = store.review("2501.12948", ReviewState.APPROVED, "bob", expected_revision=4)
    assert approved.approved and approved.review.approved_revision == 4 and approved.review.by == "bob"
    again, _ = store.submit("2501.12948", None, PIPELINE, force=True)
    after = store.store_card(again.id, card(method="a third model draft"))
    assert after.approved and after.revision == 4  # the approval stands; the re-run waits in the history
    assert [arxiv_id for arxiv_id, revision in store.approved_cards()] == ["2501.12948"]


def test_approving_publishes_that_revision_and_a_later_edit_waits_for_a_new_approval(store: Store) -> None:
    finish(store, "2501.12948", card())
    with pytest.raises(RevisionConflict):  # nobody approves a revision they have not seen
        store.review("2501.12948", ReviewState.APPROVED, "bob", expected_revision=2)
    store.review("2501.12948", ReviewState.APPROVED, "bob", expected_revision=1)
    edited = store.save_revision("2501.12948", card(verdict="sharper"), "ada", expected_revision=1)
    assert edited.review.state is ReviewState.DRAFT and edited.review.approved_revision == 1
    [(_, published)] = store.approved_cards()
    assert published.number == 1 and published.card.verdict is None
    with pytest.raises(BadInput, match="comment"):
        store.review("2501.12948", ReviewState.RETURNED, "bob", expected_revision=2, comment="  ")
    returned = store.review("2501.12948", ReviewState.RETURNED, "bob", expected_revision=2, comment="check table 2")
    assert (returned.review.state, returned.review.comment) == (ReviewState.RETURNED, "check table 2")


def test_the_inbox_filters_by_job_and_review_state_and_searches_ids_and_titles(store: Store) -> None:
    finish(store, "2501.00001", card(title="Flow matching for small images"))
    finish(store, "2501.00002", card(title="A survey of 100% sure things"))
    store.review("2501.00002", ReviewState.APPROVED, "bob", expected_revision=1)
    failed, _ = store.submit("2501.00003", None, PIPELINE)
    store.fail(failed.id, "no such paper", permanent=True)
    assert [row.job.arxiv_id for row in store.inbox()] == ["2501.00003", "2501.00002", "2501.00001"]
    assert [row.status for row in store.inbox()] == ["failed", "approved", "draft"]
    assert [row.job.arxiv_id for row in store.inbox("draft")] == ["2501.00001"]
    assert [row.job.arxiv_id for row in store.inbox("approved")] == ["2501.00002"]
    assert [row.job.arxiv_id for row in store.inbox("failed")] == ["2501.00003"]
    assert [row.job.arxiv_id for row in store.inbox(search="FLOW match")] == ["2501.00001"]
    assert [row.job.arxiv_id for row in store.inbox(search="00002")] == ["2501.00002"]
    assert [row.job.arxiv_id for row in store.inbox(search="100%")] == ["2501.00002"]  # % is a character
    assert store.inbox(search="1_0") == []  # and so is _
    assert [row.job.arxiv_id for row in store.inbox(limit=1, offset=1)] == ["2501.00002"]
    row = store.inbox("draft")[0]
    assert row.card is not None and row.card.card.title == "Flow matching for small images"


def test_the_inbox_finds_a_paper_by_its_id_as_shown_or_its_arxiv_url(store: Store) -> None:
    finish(store, "2501.00001", card(title="Flow matching for small images"))
    store.submit("2511.01234", 1, PIPELINE)
    store.submit("2511.01234", 2, PIPELINE)
    store.submit("hep-th/9901001", None, PIPELINE)
    # the id as the inbox shows it (with the job's version), another version, URLs, a reference
    for search in ("2511.01234v1", " 2511.01234v2 ", "https://arxiv.org/abs/2511.01234v1", "arxiv.org/pdf/2511.01234.pdf",
                   "arXiv:2511.01234"):
        assert [(row.job.arxiv_id, row.job.version) for row in store.inbox(search=search)] == [
            ("2511.01234", 2), ("2511.01234", 1)], search  # every version of the paper, newest first
    assert [row.job.arxiv_id for row in store.inbox(search="https://arxiv.org/abs/hep-th/9901001")] == ["hep-th/9901001"]
    assert [row.job.arxiv_id for row in store.inbox(search="2511.0123")] == ["2511.01234", "2511.01234"]  # a part
    assert [row.job.arxiv_id for row in store.inbox("draft", search="2501.00001v3")] == ["2501.00001"]
    assert store.inbox("failed", search="2501.00001") == []


def test_two_editors_saving_from_the_same_revision_have_exactly_one_winner(store: Store) -> None:
    finish(store, "2501.12948", card())
    editors = ["ada", "bob"]
    for round_ in range(5):  # several rounds: each race must have one winner, whoever it is
        base = store.get_card("2501.12948")
        assert base is not None

        def save(i: int, round_: int = round_, expected: int = base.revision) -> object:
            edit = card(verdict=f"{editors[i]} in round {round_}")
            return store.save_revision("2501.12948", edit, editors[i], expected_revision=expected)

        results = run_together(2, save)
        conflicts = [r for r in results if isinstance(r, RevisionConflict)]
        assert len(conflicts) == 1, results
        winner = next(r for r in results if not isinstance(r, BaseException))
        current = store.get_card("2501.12948")
        assert current is not None and current == winner and current.revision == base.revision + 1
    assert len(store.revisions("2501.12948")) == 6


# --- digests --------------------------------------------------------------------------------------------


def digest_data(day: str, title: str = "Two diffusion papers worth reading today") -> dict[str, object]:
    return Digest(date=day, title=title, dek="A dek.", intro="An intro.", entries=[]).model_dump(mode="json")


def test_one_digest_per_day_however_many_runs_open_it(store: Store) -> None:
    first, made = store.open_digest("2031-02-01", {"picks": ["3103.00001"]})
    second, made_again = store.open_digest("2031-02-01", {"picks": ["3103.00009"]})

    assert made and not made_again
    assert second.id == first.id and second.plan == {"picks": ["3103.00001"]}  # the first run's plan stands
    assert second.revision == 0 and second.digest is None  # still being drafted


def test_a_digest_is_saved_revised_approved_and_a_later_edit_waits_for_a_new_approval(store: Store) -> None:
    store.open_digest("2031-03-04", {"picks": ["3103.00001"]})
    with pytest.raises(BadInput, match="still being drafted"):
        store.review_digest("2031-03-04", ReviewState.APPROVED, "ed", 0)
    drafted = store.save_digest("2031-03-04", digest_data("2031-03-04"), PIPELINE_AUTHOR, 0)
    assert drafted.revision == 1 and drafted.digest is not None and drafted.author == PIPELINE_AUTHOR
    with pytest.raises(RevisionConflict):  # a second run of the day cannot change the plan of a drafted one
        store.set_digest_plan("2031-03-04", {"picks": ["3103.00009"]})

    with pytest.raises(RevisionConflict):
        store.save_digest("2031-03-04", digest_data("2031-03-04", "Edited"), "ed", 0)
    approved = store.review_digest("2031-03-04", ReviewState.APPROVED, "ed", 1)
    assert approved.review.state is ReviewState.APPROVED and approved.review.approved_revision == 1

    edited = store.save_digest("2031-03-04", digest_data("2031-03-04", "Edited"), "ed", 1)
    assert edited.revision == 2 and edited.review.state is ReviewState.DRAFT
    published = store.published_digests()
    assert [(p.day, p.revision, p.digest.title) for p in published] == [
        ("2031-03-04", 1, "Two diffusion papers worth reading today")]
    assert store.published_digest("2031-03-04") == published[0] and store.published_digest("2031-03-05") is None


def test_papers_featured_in_a_window_of_days_are_known(store: Store) -> None:
    for day, pick in (("2032-07-01", "3103.00001"), ("2032-07-03", "3103.00003"), ("2032-07-04", "3103.00004")):
        store.open_digest(day, {"picks": [pick]})
    assert store.featured("2032-07-02", "2032-07-05") == {"3103.00003", "3103.00004"}

    # once drafted, what counts is the entries as editors left them, not the run's picks
    entry = compose.Entry(arxiv_id="3103.00007", name="n", headline="h", title="t", byline="b", peer_review="p",
                          problem="p", method="m", results="r", resources="r", why="w")
    data = compose.Digest(date="2032-07-03", title="t", dek="d", intro="i", entries=[entry]).model_dump(mode="json")
    store.save_digest("2032-07-03", data, "ed", 0)
    assert store.featured("2032-07-02", "2032-07-05") == {"3103.00007", "3103.00004"}
