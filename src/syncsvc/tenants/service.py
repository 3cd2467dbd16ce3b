"""Creating tenants and recognising their API keys."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from syncsvc.kit.clock import Clock
from syncsvc.models import Connection, Tenant
from syncsvc.problems import FieldError, ProblemError
from syncsvc.tenants.repository import TenantRepository

KEY_PREFIX = "sk_"


@dataclass(frozen=True)
class NewTenant:
    tenant: Tenant
    api_key: str


def hash_key(api_key: str) -> str:
    # Keys are 256 random bits, so a plain SHA-256 is as strong as a slow hash here.
    return hashlib.sha256(api_key.encode()).hexdigest()


def new_api_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


async def create_tenant(session: AsyncSession, name: str, clock: Clock) -> NewTenant:
    repository = TenantRepository(session)
    now = clock()
    tenant = await repository.add(name, now)
    api_key = new_api_key()
    await repository.add_key(tenant.id, hash_key(api_key), api_key[:11], now)
    return NewTenant(tenant=tenant, api_key=api_key)


async def tenant_for_key(session: AsyncSession, api_key: str) -> uuid.UUID | None:
    if not api_key.startswith(KEY_PREFIX):
        return None
    return await TenantRepository(session).tenant_for_key(hash_key(api_key))


async def list_tenants(
    session: AsyncSession, after: uuid.UUID | None, limit: int
) -> list[tuple[Tenant, Connection | None]]:
    """One page of tenants, oldest first. 422 naming `after` when it is no tenant's id."""
    repository = TenantRepository(session)
    anchor = None
    if after is not None:
        anchor = await repository.get(after)
        if anchor is None:
            raise ProblemError(
                422,
                "Request is not valid",
                "`after` must be the id of a tenant from an earlier page.",
                slug="validation",
                errors=[
                    FieldError(
                        field="after",
                        location="query",
                        message="no tenant has this id",
                        code="unknown_cursor",
                    )
                ],
            )
    return await repository.page(anchor, limit)
