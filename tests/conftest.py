"""Shared fixtures: a fresh database per run (SQLite file, or a new Postgres database when
SYNCSVC_TEST_DATABASE_URL names a server), the app over an ASGI transport, tenants."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy.engine import make_url

from syncsvc.app import create_app
from syncsvc.config import (
    ApiSettings,
    DatabaseSettings,
    ProviderSettings,
    RuntimeSettings,
    SecuritySettings,
    Settings,
    WorkerSettings,
)
from syncsvc.db import upgrade_to_head
from syncsvc.kit.cipher import TokenCipher
from syncsvc.kit.clock import FrozenClock

ADMIN_TOKEN = "test-admin-token"
TEST_DATABASE_ENV = "SYNCSVC_TEST_DATABASE_URL"


def _server_url() -> str | None:
    url = os.environ.get(TEST_DATABASE_ENV, "").strip()
    return url or None


def create_postgres_database(server_url: str) -> str:
    """A new, empty database on the server; returns its SQLAlchemy URL."""
    url = make_url(server_url)
    name = f"syncsvc_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(
        _libpq(url.set(database=url.database or "postgres")), autocommit=True
    ) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(database_url: str) -> None:
    url = make_url(database_url)
    with psycopg.connect(_libpq(url.set(database="postgres")), autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')


def _libpq(url: object) -> str:
    rendered = make_url(str(url)).set(drivername="postgresql")
    return rendered.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def fresh_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[], str]]:
    """A callable that makes an empty database of the configured kind and drops it later."""
    made: list[str] = []
    server = _server_url()

    def make() -> str:
        if server and make_url(server).get_backend_name() == "postgresql":
            url = create_postgres_database(server)
        else:
            path = tmp_path_factory.mktemp("db") / "syncsvc.db"
            url = f"sqlite+aiosqlite:///{path}"
        made.append(url)
        return url

    yield make
    for url in made:
        if make_url(url).get_backend_name() == "postgresql":
            drop_postgres_database(url)


@pytest.fixture(scope="session")
def database_url(fresh_database: Callable[[], str]) -> str:
    """One migrated database for the run; tests isolate by using tenants of their own."""
    url = fresh_database()
    upgrade_to_head(url)
    return url


SANDBOX_URL = "http://sandbox.test"
SERVICE_URL = "http://syncsvc.test"


def make_settings(
    database_url: str, data_dir: Path, *, sandbox_url: str | None = None, **security: object
) -> Settings:
    return Settings(
        runtime=RuntimeSettings(env="test", data_dir=data_dir, log_format="text"),
        database=DatabaseSettings(database_url=database_url),
        security=SecuritySettings(
            admin_token=SecretStr(ADMIN_TOKEN),
            secret_key=SecretStr(TokenCipher.generate_key()),
            **security,  # type: ignore[arg-type]
        ),
        api=ApiSettings(max_body_bytes=256 * 1024, public_url=SERVICE_URL),
        providers=ProviderSettings(sandbox_url=sandbox_url),
        worker=WorkerSettings(worker_enabled=False),
    )


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path)


@pytest.fixture
async def app(settings: Settings, clock: FrozenClock) -> AsyncIterator[FastAPI]:
    application = create_app(settings, clock=clock, migrate=False)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://syncsvc.test") as c:
        yield c


@dataclass(frozen=True)
class TenantHandle:
    id: str
    api_key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


async def create_tenant(client: httpx.AsyncClient, name: str = "Acme Plumbing") -> TenantHandle:
    answer = await client.post(
        "/v1/tenants", json={"name": name}, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    return TenantHandle(id=body["id"], api_key=body["api_key"])


@pytest.fixture
async def tenant(client: httpx.AsyncClient) -> TenantHandle:
    return await create_tenant(client)


@pytest.fixture
async def api(client: httpx.AsyncClient, tenant: TenantHandle) -> httpx.AsyncClient:
    """The client, speaking as the tenant."""
    client.headers.update(tenant.headers)
    return client
