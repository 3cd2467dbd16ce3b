"""Who is calling: a tenant by its API key, or the operator by the admin token."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Request

from syncsvc.kit.signatures import constant_time_equals
from syncsvc.problems import ProblemError
from syncsvc.state import AppStateDep
from syncsvc.tenants.service import hash_key, tenant_for_key

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="syncsvc"'}


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ProblemError(
            401,
            "Not authenticated",
            "Send `Authorization: Bearer <API key>`.",
            slug="unauthenticated",
            headers=_CHALLENGE,
        )
    return token.strip()


async def current_tenant(request: Request, state: AppStateDep) -> uuid.UUID:
    """The calling tenant's id; 401 for a missing, unknown or revoked key."""
    api_key = _bearer(request)
    key_hash = hash_key(api_key)
    tenant_id = state.api_keys.get(key_hash)
    if tenant_id is None:
        async with state.sessions() as session:
            tenant_id = await tenant_for_key(session, api_key)
        if tenant_id is None:
            raise ProblemError(
                401,
                "Not authenticated",
                "The API key is not valid.",
                slug="unauthenticated",
                headers=_CHALLENGE,
            )
        state.api_keys.put(key_hash, tenant_id)
    return tenant_id


def require_admin(request: Request, state: AppStateDep) -> None:
    configured = state.settings.security.admin_token
    if configured is None:
        raise ProblemError(
            401,
            "Not authenticated",
            "The admin API is off: set SYNCSVC_ADMIN_TOKEN, or use `syncsvc tenants create`.",
            slug="unauthenticated",
            headers=_CHALLENGE,
        )
    if not constant_time_equals(_bearer(request), configured.get_secret_value()):
        raise ProblemError(
            401,
            "Not authenticated",
            "The admin token is not valid.",
            slug="unauthenticated",
            headers=_CHALLENGE,
        )


TenantId = Annotated[uuid.UUID, Depends(current_tenant)]
AdminOnly = Depends(require_admin)
