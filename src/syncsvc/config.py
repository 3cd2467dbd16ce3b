"""Service settings from the environment (`SYNCSVC_*`), one class per concern."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from syncsvc.kit.cipher import TokenCipher

log = logging.getLogger(__name__)

SECRET_KEY_FILE = "secret.key"  # noqa: S105 - a file name, not a secret


class ConfigurationError(Exception):
    """The settings cannot run the service; the message says which variable to set."""


def _env(prefix: str = "SYNCSVC_") -> SettingsConfigDict:
    return SettingsConfigDict(env_prefix=prefix, extra="ignore", case_sensitive=False)


class RuntimeSettings(BaseSettings):
    model_config = _env()

    env: Literal["development", "production", "test"] = "development"
    data_dir: Path = Path("data")
    log_level: str = "INFO"
    log_format: Literal["json", "text"] = "json"


class DatabaseSettings(BaseSettings):
    model_config = _env()

    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default: an SQLite file in the data directory.",
    )
    database_pool_size: int = 10
    database_echo: bool = False


class SecuritySettings(BaseSettings):
    model_config = _env()

    admin_token: SecretStr | None = None
    secret_key: SecretStr | None = Field(
        default=None,
        description="Fernet key(s), comma-separated; the first encrypts, any decrypts.",
    )
    api_key_cache_seconds: float = 30.0


class ApiSettings(BaseSettings):
    model_config = _env()

    max_body_bytes: int = 5 * 1024 * 1024
    public_url: str = "http://127.0.0.1:8000"


class ProviderSettings(BaseSettings):
    model_config = _env()

    sandbox_url: str | None = None
    xero_client_id: str | None = None
    xero_client_secret: SecretStr | None = None
    xero_webhook_key: SecretStr | None = None
    quickbooks_client_id: str | None = None
    quickbooks_client_secret: SecretStr | None = None
    quickbooks_webhook_key: SecretStr | None = None  # the app's webhook verifier token
    myob_client_id: str | None = None
    myob_client_secret: SecretStr | None = None
    http_timeout_seconds: float = 30.0
    lookup_cache_seconds: float = 300.0
    oauth_state_minutes: float = 15.0


class WorkerSettings(BaseSettings):
    model_config = _env()

    worker_enabled: bool = True
    # This replica's name on connection leases: a restarted replica with the same name takes
    # its connections straight back instead of waiting for its old leases to expire.
    worker_id: str | None = None
    push_interval_seconds: float = 30.0
    # Connections one process pushes at once, each within its own call budget.
    worker_concurrency: int = Field(default=64, ge=1, le=1000)
    poll_interval_seconds: float = 300.0
    delivery_interval_seconds: float = 5.0
    token_refresh_interval_seconds: float = 3600.0
    event_retention_days: int = 30
    report_retention_days: int = 90


@dataclass(frozen=True)
class Settings:
    runtime: RuntimeSettings
    database: DatabaseSettings
    security: SecuritySettings
    api: ApiSettings
    providers: ProviderSettings
    worker: WorkerSettings

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            runtime=RuntimeSettings(),
            database=DatabaseSettings(),
            security=SecuritySettings(),
            api=ApiSettings(),
            providers=ProviderSettings(),
            worker=WorkerSettings(),
        )

    @property
    def is_production(self) -> bool:
        return self.runtime.env == "production"

    @property
    def database_url(self) -> str:
        if self.database.database_url:
            return self.database.database_url
        return f"sqlite+aiosqlite:///{(self.runtime.data_dir / 'syncsvc.db').resolve()}"

    @property
    def uses_embedded_database(self) -> bool:
        return self.database_url.startswith("sqlite")

    def secret_keys(self) -> list[str]:
        """The token-encryption keys; on a non-production install one is made and kept once."""
        if self.security.secret_key is not None:
            keys = [k.strip() for k in self.security.secret_key.get_secret_value().split(",")]
            return [k for k in keys if k]
        if self.is_production:
            raise ConfigurationError(
                "SYNCSVC_SECRET_KEY is required when SYNCSVC_ENV=production "
                "(generate one with: syncsvc keygen)"
            )
        return [_load_or_create_key(self.runtime.data_dir / SECRET_KEY_FILE)]


def _load_or_create_key(path: Path) -> str:
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = TokenCipher.generate_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    log.warning(
        "generated a token-encryption key and kept it at %s; back it up, "
        "or set SYNCSVC_SECRET_KEY (required in production)",
        path,
    )
    return key
