"""`syncsvc serve` refuses a configuration it cannot run with one line and its own exit code;
a database that stops answering while serving is a 503 problem, not a 500."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from syncsvc.app import create_app
from syncsvc.cli import main
from syncsvc.startup import (
    EXIT_BAD_DATABASE_URL,
    EXIT_BAD_SECRET_KEY,
    EXIT_DATABASE_UNREACHABLE,
    EXIT_NOT_MIGRATED,
    EXIT_SECRET_KEY_REQUIRED,
)
from tests.conftest import ADMIN_TOKEN, make_settings


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # nothing listens on it once the probe is closed


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for name in ("SYNCSVC_DATABASE_URL", "SYNCSVC_SECRET_KEY", "SYNCSVC_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SYNCSVC_DATA_DIR", str(tmp_path))
    root = logging.getLogger()
    handlers = root.handlers[:]
    yield monkeypatch
    root.handlers[:] = handlers  # main() logs to this test's captured stderr, closed after it


@pytest.mark.parametrize(
    ("variables", "code", "words"),
    [
        ({"SYNCSVC_DATABASE_URL": "postgres://u@127.0.0.1/db"}, EXIT_BAD_DATABASE_URL, "driver"),
        ({"SYNCSVC_DATABASE_URL": "not a url"}, EXIT_BAD_DATABASE_URL, "cannot be read"),
        (
            {"SYNCSVC_DATABASE_URL": "postgresql+psycopg://u@127.0.0.1:{closed}/db"},
            EXIT_DATABASE_UNREACHABLE,
            "does not answer",
        ),
        ({"SYNCSVC_SECRET_KEY": "not-a-fernet-key"}, EXIT_BAD_SECRET_KEY, "syncsvc keygen"),
        ({"SYNCSVC_ENV": "production"}, EXIT_SECRET_KEY_REQUIRED, "SYNCSVC_SECRET_KEY"),
    ],
)
def test_a_config_mistake_is_one_line_and_its_own_exit_code(
    env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variables: dict[str, str],
    code: int,
    words: str,
) -> None:
    for name, value in variables.items():
        env.setenv(name, value.format(closed=closed_port()))
    assert main(["serve"]) == code
    err = capsys.readouterr().err
    said = [line for line in err.splitlines() if line.startswith("syncsvc: ")]
    assert len(said) == 1, err
    assert words in said[0]
    assert "Traceback" not in err


def test_an_unmigrated_database_is_refused_with_run_migrate(
    env: pytest.MonkeyPatch, fresh_database: Callable[[], str], capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("SYNCSVC_DATABASE_URL", fresh_database())
    assert main(["serve", "--no-migrate"]) == EXIT_NOT_MIGRATED
    assert "run `syncsvc migrate`" in capsys.readouterr().err


async def test_a_database_that_stops_answering_is_a_503_problem(tmp_path: Path) -> None:
    gone = f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/postgres"
    app = create_app(make_settings(gone, tmp_path), migrate=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://syncsvc.test") as c:
            admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
            answers = [
                await c.get("/metrics", headers=admin),
                await c.post("/v1/tenants", json={"name": "Acme"}, headers=admin),
                await c.get("/v1/invoices/INV-1", headers={"Authorization": "Bearer sk_x"}),
            ]
    for answer in answers:
        assert answer.status_code == 503, (answer.request.url, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.headers["retry-after"] == "5"
        assert answer.json()["type"] == "/problems/database-unavailable"
