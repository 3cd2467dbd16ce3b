"""Alembic environment: runs the revisions on the URL it is given, SQLite or Postgres."""

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from syncsvc.db import create_engine
from syncsvc.models import Base

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("sqlalchemy.url is not set")
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    asyncio.run(_run_online(url))


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported; run `syncsvc migrate`")
run_migrations_online()
