"""Engines and schema migrations: the Alembic revisions in ./migrations are the only way tables are created."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.engine import Connection

from summarizer.errors import ConfigError

MIGRATIONS = Path(__file__).parent / "migrations"
SUPPORTED = ("sqlite", "postgresql")
# `options=-csearch_path=a,b` (libpq's way to set a session parameter at connect time)
_SEARCH_PATH = re.compile(r"-c\s*search_path\s*=\s*(?P<value>\S+)")
# several worker processes share one SQLite file: a writer waits this long for another's transaction (each
# is a few milliseconds) instead of failing at once with "database is locked"
SQLITE_BUSY_TIMEOUT_S = 30.0


def engine_for(database_url: str) -> Engine:
    """An engine for the store: pre-pinged pool; SQLite with foreign keys and write-locking transactions."""
    url = make_url(database_url)
    if url.get_backend_name() not in SUPPORTED:
        raise ConfigError(f"database_url {url.render_as_string()!r}: the store supports SQLite and PostgreSQL")
    sqlite = url.get_backend_name() == "sqlite"
    engine = create_engine(url, pool_pre_ping=True,
                           connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S} if sqlite else {})
    if sqlite:
        _sqlite_immediate_transactions(engine)
    return engine


def _sqlite_immediate_transactions(engine: Engine) -> None:
    """Make every SQLite transaction BEGIN IMMEDIATE, SQLite's stand-in for SELECT ... FOR UPDATE; WAL."""

    # pysqlite opens transactions lazily and as DEFERRED, so two read-then-write transactions can both
    # read and then deadlock on the upgrade to a write lock; taking the write lock at BEGIN serializes
    # them instead (the recipe in SQLAlchemy's "Serializable isolation / Savepoints / Transactional DDL")
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy's BEGIN below be the only one
        dbapi_connection.execute("PRAGMA foreign_keys = ON")  # off by default in SQLite
        # write-ahead log: readers in other processes never wait for a writer, nor block one
        dbapi_connection.execute("PRAGMA journal_mode = WAL")

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def search_path_schema(database_url: str) -> str | None:
    """The first schema of a PostgreSQL URL's `options=-csearch_path=...`, or None."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        return None
    options = url.query.get("options")
    values = options if isinstance(options, tuple) else (options,) if options else ()
    for value in values:
        found = _SEARCH_PATH.search(value)
        if found:
            first = found["value"].split(",")[0].strip().strip('"')
            return None if first in ("", "$user") else first
    return None


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run Alembic's upgrade on an engine, creating the search_path's schema first if it is missing."""
    schema = search_path_schema(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        if schema is not None:
            _ensure_schema(connection, schema)
        config = alembic_config()
        # env.py runs the migrations on this connection, inside this transaction: on PostgreSQL DDL is
        # transactional, so a failed migration leaves the database as it was
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def migrate(database_url: str) -> None:
    """Bring the database at `database_url` to the newest schema (alembic upgrade head); a no-op when current."""
    engine = engine_for(database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


def alembic_config(database_url: str | None = None) -> Config:
    """An Alembic Config pointing at the packaged migrations (no alembic.ini needed)."""
    config = Config()
    # ConfigParser interpolates "%", so a path or URL containing one must be escaped
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    if database_url is not None:
        config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def _ensure_schema(connection: Connection, schema: str) -> None:
    exists = connection.execute(
        text("SELECT 1 FROM pg_namespace WHERE nspname = :name"), {"name": schema}
    ).first()
    # checked first because CREATE SCHEMA IF NOT EXISTS still needs CREATE rights on the database
    if exists is None:
        quoted = connection.dialect.identifier_preparer.quote_identifier(schema)
        connection.exec_driver_sql(f"CREATE SCHEMA {quoted}")
