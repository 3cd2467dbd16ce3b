"""Who is calling: a tenant by its API key, or the operator by the admin token.

Both are bearer tokens, declared as two security schemes so the OpenAPI document says which
routes take which (and Swagger UI's "Authorize" sends it).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from syncsvc.kit.signatures import constant_time_equals
from syncsvc.problems import ProblemError
from syncsvc.state import AppStateDep
from syncsvc.tenants.service import hash_key, tenant_for_key

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="syncsvc"'}


# auto_error off: a missing or malformed header is answered below, as a problem document.
tenant_key_scheme = HTTPBearer(
    scheme_name="TenantApiKey",
    description="The tenant's API key (`sk_...`), shown once by `syncsvc tenants create` or "
    "`POST /v1/tenants`.",
    auto_error=False,
)
admin_token_scheme = HTTPBearer(
    scheme_name="AdminToken",
    description="The operator's token, `SYNCSVC_ADMIN_TOKEN`.",
    auto_error=False,
)
Credentials = HTTPAuthorizationCredentials | None


def _bearer(credentials: Credentials) -> str:
    token = credentials.credentials.strip() if credentials is not None else ""
    if not token:
        raise ProblemError(
            401,
            "Not authenticated",
            "Send `Authorization: Bearer <API key>`.",
            slug="unauthenticated",
            headers=_CHALLENGE,
        )
    return token.strip()


async def current_tenant(
    state: AppStateDep, credentials: Annotated[Credentials, Depends(tenant_key_scheme)]
) -> uuid.UUID:
    """The calling tenant's id; 401 for a missing, unknown or revoked key."""
    api_key = _bearer(credentials)
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


def require_admin(
    state: AppStateDep, credentials: Annotated[Credentials, Depends(admin_token_scheme)]
) -> None:
    configured = state.settings.security.admin_token
    if configured is None:
        raise ProblemError(
            401,
            "Not authenticated",
            "The admin API is off: set SYNCSVC_ADMIN_TOKEN, or use `syncsvc tenants create`.",
            slug="unauthenticated",
            headers=_CHALLENGE,
        )
    if not constant_time_equals(_bearer(credentials), configured.get_secret_value()):
        raise ProblemError(
            401,
            "Not authenticated",
            "The admin token is not valid.",
            slug="unauthenticated",
            headers=_CHALLENGE,
        )


TenantId = Annotated[uuid.UUID, Depends(current_tenant)]
AdminOnly = Depends(require_admin)
