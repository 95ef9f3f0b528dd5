"""Alembic environment: runs on the connection `summarizer.service.store.migrate` passes in, or on sqlalchemy.url."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from summarizer.service.store.migrate import engine_for
from summarizer.service.store.models import Base

target_metadata = Base.metadata


def run_on(connection: Connection) -> None:
    """Configure Alembic on an open connection and run the pending revisions."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place; batch mode copies the table (Alembic's documented way)
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Use the caller's connection when given (migrate()), else connect to sqlalchemy.url (alembic CLI)."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run_on(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("set sqlalchemy.url (alembic -x or alembic_config(database_url)) or pass a connection")
    engine = engine_for(url)
    try:
        with engine.begin() as connection:
            run_on(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    # offline SQL scripts would skip the search_path handling and SQLite batch copies; not supported
    raise RuntimeError("offline (--sql) migrations are not supported; run summarizer.service.store.migrate()")
run_online()
