"""Migrations build, from empty, exactly the schema the models describe; and run both ways."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from syncsvc.db import alembic_config, create_engine, head_revision, upgrade_to_head
from syncsvc.models import Base


def _inspect(url: str, probe: Callable[[Connection], Any]) -> Any:
    async def run() -> Any:
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(probe)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def test_upgrade_from_empty_matches_the_models(fresh_database: Callable[[], str]) -> None:
    url = fresh_database()
    upgrade_to_head(url)
    assert _inspect(url, _revision) == head_revision()
    assert _inspect(url, _differences) == []


def test_downgrade_to_base_and_up_again(fresh_database: Callable[[], str]) -> None:
    url = fresh_database()
    config = alembic_config(url)
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    tables = _inspect(url, lambda c: set(inspect(c).get_table_names()))
    assert tables <= {"alembic_version"}
    command.upgrade(config, "head")
    assert _inspect(url, _differences) == []


def test_upgrade_twice_is_harmless(fresh_database: Callable[[], str]) -> None:
    url = fresh_database()
    upgrade_to_head(url)
    upgrade_to_head(url)
    assert _inspect(url, _revision) == head_revision()
