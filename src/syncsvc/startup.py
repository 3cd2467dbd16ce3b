"""Checks `syncsvc serve` makes before it listens: each mistake is one line and its own exit
code (listed in `syncsvc --help`), not a traceback and not a service answering 500s."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from syncsvc.config import ConfigurationError, Settings
from syncsvc.db import create_engine, current_revision, head_revision
from syncsvc.kit.cipher import TokenCipher

# Exit codes (2 is argparse's own for a bad command line).
EXIT_BAD_DATABASE_URL = 3
EXIT_DATABASE_UNREACHABLE = 4
EXIT_NOT_MIGRATED = 5
EXIT_BAD_SECRET_KEY = 6
EXIT_SECRET_KEY_REQUIRED = 7

EXIT_CODES = {
    EXIT_BAD_DATABASE_URL: "SYNCSVC_DATABASE_URL cannot be read",
    EXIT_DATABASE_UNREACHABLE: "the database does not answer",
    EXIT_NOT_MIGRATED: "the database schema is not current (run `syncsvc migrate`)",
    EXIT_BAD_SECRET_KEY: "SYNCSVC_SECRET_KEY is not a Fernet key",
    EXIT_SECRET_KEY_REQUIRED: "SYNCSVC_ENV=production without SYNCSVC_SECRET_KEY",
}

CONNECT_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class StartupError(Exception):
    message: str
    exit_code: int

    def __str__(self) -> str:
        return self.message


def check_database_url(url: str) -> None:
    if url.startswith(("postgres://", "postgresql://")):
        scheme = url.split("://", 1)[0]
        raise StartupError(
            f"SYNCSVC_DATABASE_URL starts with {scheme}://: name the driver, "
            "postgresql+psycopg://USER@HOST:PORT/DATABASE",
            EXIT_BAD_DATABASE_URL,
        )
    try:
        parsed = make_url(url)
        parsed.get_dialect()
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise StartupError(
            f"SYNCSVC_DATABASE_URL cannot be read ({type(exc).__name__}): expected "
            "postgresql+psycopg://USER@HOST:PORT/DATABASE or sqlite+aiosqlite:///PATH",
            EXIT_BAD_DATABASE_URL,
        ) from None
    if parsed.get_backend_name() not in ("postgresql", "sqlite"):
        raise StartupError(
            f"SYNCSVC_DATABASE_URL names {parsed.get_backend_name()}: only Postgres and SQLite "
            "are supported",
            EXIT_BAD_DATABASE_URL,
        )


def check_secret_key(settings: Settings) -> None:
    try:
        keys = settings.secret_keys()
    except ConfigurationError as exc:
        raise StartupError(str(exc), EXIT_SECRET_KEY_REQUIRED) from None
    try:
        TokenCipher(keys)
    except ValueError:
        raise StartupError(
            "SYNCSVC_SECRET_KEY is not a Fernet key (32 url-safe base64 bytes; "
            "generate one with: syncsvc keygen)",
            EXIT_BAD_SECRET_KEY,
        ) from None


async def check_database(url: str, *, migrations_run_at_start: bool) -> None:
    """The database answers, and (unless serve migrates it itself) its schema is current."""
    engine = create_engine(url, pool_size=1)
    try:
        try:
            revision = await asyncio.wait_for(current_revision(engine), CONNECT_TIMEOUT_SECONDS)
        except Exception as exc:  # the drivers' connection errors differ; all mean "no answer"
            raise _unreachable(url, exc) from None
    finally:
        await engine.dispose()
    expected = head_revision()
    if not migrations_run_at_start and revision != expected:
        raise StartupError(
            f"the database is at schema revision {revision or 'none'}, this release needs "
            f"{expected}: run `syncsvc migrate` first",
            EXIT_NOT_MIGRATED,
        )


def _unreachable(url: str, exc: BaseException) -> StartupError:
    where = make_url(url).render_as_string(hide_password=True)
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return StartupError(
        f"the database at {where} does not answer: {reason}", EXIT_DATABASE_UNREACHABLE
    )


def check_before_serving(settings: Settings, *, migrations_run_at_start: bool) -> None:
    check_database_url(settings.database_url)
    check_secret_key(settings)
    asyncio.run(
        check_database(settings.database_url, migrations_run_at_start=migrations_run_at_start)
    )
