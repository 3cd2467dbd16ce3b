"""Xero's OAuth2 server: the consent page (login.xero.com), the token and revocation
endpoints (identity.xero.com), and the connections list (api.xero.com/connections)."""

from __future__ import annotations

import base64
import html
from collections.abc import Callable
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from syncsvc.sandbox.xero.store import Client, InvalidGrant, XeroStore
from syncsvc.sandbox.xero.traffic import Traffic


def _form(body: bytes) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(body.decode()).items()}


def _oauth_error(error: str, description: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def _client_from(request: Request, form: dict[str, str], store: XeroStore) -> Client | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:]).decode()
        except (ValueError, UnicodeDecodeError):
            return None
        client_id, _, secret = decoded.partition(":")
        return store.authenticate_client(client_id, secret)
    return store.authenticate_client(form.get("client_id"), form.get("client_secret"))


def _redirect_with(redirect_uri: str, params: dict[str, str]) -> RedirectResponse:
    separator = "&" if "?" in redirect_uri else "?"
    return RedirectResponse(f"{redirect_uri}{separator}{urlencode(params)}", status_code=302)


def build_router(store: XeroStore, traffic: Traffic, auto_consent: Callable[[], bool]) -> APIRouter:
    """`auto_consent()` says whether authorize redirects at once (tests, demos)."""
    router = APIRouter()

    @router.get("/login/identity/connect/authorize", response_model=None)
    async def authorize(request: Request) -> Response:
        params = dict(request.query_params)
        client = store.clients.get(params.get("client_id", ""))
        redirect_uri = params.get("redirect_uri", "")
        if client is None or not redirect_uri:
            return HTMLResponse("<h1>Error: unauthorized_client</h1>", status_code=400)
        if client.redirect_uris is not None and redirect_uri not in client.redirect_uris:
            return HTMLResponse("<h1>Error: invalid redirect_uri</h1>", status_code=400)
        if params.get("response_type") != "code":
            return _redirect_with(redirect_uri, {"error": "unsupported_response_type"})
        if "offline_access" not in params.get("scope", "").split():
            return _redirect_with(redirect_uri, {"error": "invalid_scope"})
        challenge = params.get("code_challenge")
        if challenge and params.get("code_challenge_method", "plain") != "S256":
            return _redirect_with(redirect_uri, {"error": "invalid_request"})
        if auto_consent():
            code = store.issue_code(
                client.client_id, redirect_uri, list(store.consent_organisations), challenge
            )
            return _redirect_with(redirect_uri, {"code": code, "state": params.get("state", "")})
        return HTMLResponse(_consent_page(store, params))

    @router.post("/login/identity/connect/authorize/consent", response_model=None)
    async def consent(request: Request) -> Response:
        form = parse_qs((await request.body()).decode())
        field = {key: values[0] for key, values in form.items()}
        client = store.clients.get(field.get("client_id", ""))
        redirect_uri = field.get("redirect_uri", "")
        if client is None or not redirect_uri:
            return HTMLResponse("<h1>Error: unauthorized_client</h1>", status_code=400)
        if field.get("decision") != "allow":
            return _redirect_with(
                redirect_uri, {"error": "access_denied", "state": field.get("state", "")}
            )
        chosen = [t for t in form.get("tenant", []) if t in store.organisations]
        if not chosen:
            return HTMLResponse("<h1>Choose at least one organisation</h1>", status_code=400)
        code = store.issue_code(
            client.client_id, redirect_uri, chosen, field.get("code_challenge") or None
        )
        return _redirect_with(redirect_uri, {"code": code, "state": field.get("state", "")})

    @router.post("/identity/connect/token")
    async def token(request: Request) -> JSONResponse:
        form = _form(await request.body())
        client = _client_from(request, form, store)
        if client is None:
            return _oauth_error("invalid_client", "client authentication failed", 401)
        grant_type = form.get("grant_type")
        try:
            if grant_type == "authorization_code":
                token_set = store.exchange_code(
                    client,
                    form.get("code", ""),
                    form.get("redirect_uri"),
                    form.get("code_verifier"),
                )
            elif grant_type == "refresh_token":
                token_set = store.refresh(client, form.get("refresh_token", ""))
                if traffic.faults.token_lost_answers > 0:
                    traffic.faults.token_lost_answers -= 1
                    # Applied, then lost: the caller must recover with its old token.
                    return JSONResponse({"Title": "Bad Gateway", "Status": 502}, status_code=502)
            else:
                return _oauth_error("unsupported_grant_type", str(grant_type))
        except InvalidGrant as exc:
            return _oauth_error("invalid_grant", str(exc))
        return JSONResponse(
            token_set.answer(store.clock()),
            headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
        )

    @router.post("/identity/connect/revocation")
    async def revocation(request: Request) -> Response:
        form = _form(await request.body())
        client = _client_from(request, form, store)
        if client is None:
            return _oauth_error("invalid_client", "client authentication failed", 401)
        store.revoke(client, form.get("token", ""))
        return Response(status_code=200)

    @router.get("/api/connections")
    async def connections(request: Request) -> JSONResponse:
        grant, reason = store.grant_for_access(_bearer(request))
        if grant is None:
            return _unauthorised(reason)
        created = grant.created_at.strftime("%Y-%m-%dT%H:%M:%S.%f0")
        return JSONResponse(
            [
                {
                    "id": connection_id,
                    "authEventId": grant.auth_event_id,
                    "tenantId": tenant_id,
                    "tenantType": "ORGANISATION",
                    "tenantName": store.organisations[tenant_id].name,
                    "createdDateUtc": created,
                    "updatedDateUtc": created,
                }
                for tenant_id, connection_id in grant.connections.items()
                if tenant_id in store.organisations
            ]
        )

    @router.delete("/api/connections/{connection_id}")
    async def delete_connection(connection_id: str, request: Request) -> Response:
        grant, reason = store.grant_for_access(_bearer(request))
        if grant is None:
            return _unauthorised(reason)
        for tenant_id, known in list(grant.connections.items()):
            if known == connection_id:
                del grant.connections[tenant_id]
                return Response(status_code=204)
        return Response(status_code=404)

    return router


def _bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token if scheme.lower() == "bearer" else ""


def _unauthorised(reason: str) -> JSONResponse:
    return JSONResponse(
        {
            "Type": None,
            "Title": "Unauthorized",
            "Status": 401,
            "Detail": reason,
            "Instance": XeroStore.new_id(),
        },
        status_code=401,
    )


def _consent_page(store: XeroStore, params: dict[str, str]) -> str:
    hidden = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in params.items()
        if k in {"client_id", "redirect_uri", "state", "code_challenge", "scope"}
    )
    choices = "".join(
        f'<label><input type="checkbox" name="tenant" value="{o.tenant_id}"'
        f"{' checked' if o.tenant_id in store.consent_organisations else ''}> "
        f"{html.escape(o.name)}</label><br>"
        for o in store.organisations.values()
    )
    return (
        "<!doctype html><title>Xero sandbox: allow access</title>"
        "<h1>syncsvc wants to access your organisations</h1>"
        '<form method="post" action="authorize/consent">'
        f"{hidden}{choices}"
        '<button name="decision" value="allow">Allow access</button> '
        '<button name="decision" value="deny">Cancel</button></form>'
    )
