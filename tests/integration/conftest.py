"""Fixtures for integration tests: the real llama.cpp server on the packaged test model, a fake endpoint."""

from __future__ import annotations

import os
import random
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import OperationalError

from summarizer.model import llm, server
from summarizer.service.store import migrate
from summarizer.settings import LLMSettings, Settings, load
from tests.fakes.chroma_server import running_chroma
from tests.fakes.fake_arxiv import FakeArxiv
from tests.fakes.fake_llm import FakeLLM, schema_answer
from tests.integration.queue_harness import POSTGRES_URL, REDIS_HOST, REDIS_PORT, Harness, environment

TINY = LLMSettings(gguf="smollm2-135m", n_ctx=4096, max_tokens_scale=0.5)


@pytest.fixture(scope="session")
def local_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[server.LocalServer]:
    """One llama.cpp server on SmolLM2-135M for the whole session (loading it costs ~1 s, but cache matters)."""
    with server.LocalServer(TINY, tmp_path_factory.mktemp("models")) as running:
        yield running


@pytest.fixture()
def tiny_llm(local_server: server.LocalServer) -> llm.LLM:
    return llm.LLM(TINY, local_server.base_url, local_server.alias, local=True)


@pytest.fixture()
def fake_llm() -> Iterator[FakeLLM]:
    server = FakeLLM(default=schema_answer).start()
    yield server
    server.stop()


@pytest.fixture()
def tiny_settings(tmp_path: Path) -> Settings:
    """Settings for a test: own data dir (cache, Chroma), the tiny preset."""
    return load("local-tiny", env={}, data_dir=tmp_path / "data")


# --- the queue's world (tests/integration/queue_harness.py) ----------------------------------------


@pytest.fixture(scope="session")
def redis_db() -> Iterator[int]:
    """A Redis database of this session's own (5-15), emptied at the start and the end. Claimed in db 0,
    which no test empties, so that test sessions running at the same time never share one."""
    token = f"{os.getpid()}-{secrets.token_hex(4)}"
    claims = redis.Redis(REDIS_HOST, REDIS_PORT, db=0)
    try:
        db = next((db for db in random.sample(range(5, 16), 11)
                   if claims.set(f"summarizer-test-claim:{db}", token, nx=True, ex=6 * 3600)), None)
    except redis.RedisError as error:
        pytest.fail(f"Redis at {REDIS_HOST}:{REDIS_PORT} is unreachable: {error}")
    if db is None:
        pytest.fail("every Redis database 5-15 is claimed by another test session")
    client = redis.Redis(REDIS_HOST, REDIS_PORT, db=db)
    client.flushdb()
    yield db
    client.flushdb()
    client.close()
    if claims.get(f"summarizer-test-claim:{db}") == token.encode():
        claims.delete(f"summarizer-test-claim:{db}")
    claims.close()


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


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database: a SQLite file, or a PostgreSQL schema of its own (dropped at the end)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
    else:
        url = request.getfixturevalue("pg_schemas")()
    migrate(url)
    return url


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


@pytest.fixture()
def world(request: pytest.FixtureRequest, tmp_path: Path, redis_db: int, fake_arxiv: FakeArxiv,
          model: FakeLLM) -> Iterator[Callable[..., Harness]]:
    """Builds a Harness (database: "sqlite" or "postgresql"); kills its workers when the test ends."""
    made: list[Harness] = []
    fake_arxiv.reset()
    redis.Redis(REDIS_HOST, REDIS_PORT, db=redis_db).flushdb()  # no message of an earlier test survives

    def build(database: str = "sqlite", redis_url: str | None = None, chroma: bool = False,
              production: bool = False, **extra: str) -> Harness:
        """chroma=True: the session's Chroma server (a collection per test), needed for --concurrency > 1;
        production=True: the queue's production settings (no shortened retries or restore interval)."""
        if chroma:
            extra = {"SUMMARIZER_CHROMA_URL": request.getfixturevalue("chroma_url"),
                     "SUMMARIZER_INDEX__COLLECTION": f"test_{secrets.token_hex(4)}", **extra}
        if database == "postgresql":
            url = request.getfixturevalue("pg_schemas")()
        else:
            url = f"sqlite:///{tmp_path / 'jobs.db'}"
        env = environment(tmp_path, redis_url or f"redis://{REDIS_HOST}:{REDIS_PORT}/{redis_db}", url,
                          fake_arxiv, model, production, **extra)
        harness = Harness(env, tmp_path, fake_arxiv, model)
        harness.open_store()
        made.append(harness)
        return harness

    yield build
    for harness in made:
        harness.close()


