"""Intuit's OAuth2 server: the consent page (appcenter.intuit.com), the token endpoint
(oauth.platform.intuit.com, client_secret_basic), revocation and the OpenID discovery
document (developer.api.intuit.com), each under its host's label."""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from syncsvc.sandbox.quickbooks.store import SCOPES, App, InvalidGrant, QuickBooksStore
from syncsvc.sandbox.xero.oauth import _form, _oauth_error, _redirect_with

ACCOUNTING_SCOPES = ("com.intuit.quickbooks.accounting", "com.intuit.quickbooks.payment")


def _app_from(request: Request, form: dict[str, str], store: QuickBooksStore) -> App | None:
    """client_secret_basic; client_secret_post too, as the discovery document offers both."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:]).decode()
        except (ValueError, UnicodeDecodeError):
            return None
        client_id, _, secret = decoded.partition(":")
        return store.authenticate(client_id, secret)
    return store.authenticate(form.get("client_id"), form.get("client_secret"))


def build_router(store: QuickBooksStore, auto_consent: Callable[[], bool]) -> APIRouter:
    router = APIRouter()

    @router.get("/appcenter/connect/oauth2", response_model=None)
    async def authorize(request: Request) -> Response:
        params = dict(request.query_params)
        app = store.apps.get(params.get("client_id", ""))
        redirect_uri = params.get("redirect_uri", "")
        if app is None or not redirect_uri:
            return HTMLResponse("<h1>Error: invalid client_id or redirect_uri</h1>", 400)
        if app.redirect_uris is not None and redirect_uri not in app.redirect_uris:
            return HTMLResponse("<h1>Error: redirect_uri is not registered</h1>", 400)
        state = params.get("state", "")
        if params.get("response_type") != "code":
            return _redirect_with(
                redirect_uri, {"error": "unsupported_response_type", "state": state}
            )
        scopes = params.get("scope", "").split()
        if not scopes or any(s not in SCOPES for s in scopes):
            return _redirect_with(redirect_uri, {"error": "invalid_scope", "state": state})
        if auto_consent():
            return _consented(redirect_uri, app, store.default_realm, params)
        return HTMLResponse(_consent_page(store, params))

    @router.post("/appcenter/connect/oauth2/consent", response_model=None)
    async def consent(request: Request) -> Response:
        field = _form(await request.body())
        app = store.apps.get(field.get("client_id", ""))
        redirect_uri = field.get("redirect_uri", "")
        if app is None or not redirect_uri:
            return HTMLResponse("<h1>Error: invalid client_id or redirect_uri</h1>", 400)
        if field.get("decision") != "connect":
            return _redirect_with(
                redirect_uri, {"error": "access_denied", "state": field.get("state", "")}
            )
        realm_id = field.get("realm_id", "")
        if realm_id not in store.companies:
            return HTMLResponse("<h1>Choose a company</h1>", status_code=400)
        return _consented(redirect_uri, app, realm_id, field)

    def _consented(
        redirect_uri: str, app: App, realm_id: str, params: dict[str, str]
    ) -> RedirectResponse:
        scopes = params.get("scope", "")
        code = store.issue_code(app.client_id, realm_id, redirect_uri, scopes)
        answer = {"code": code, "state": params.get("state", "")}
        if any(s in ACCOUNTING_SCOPES for s in scopes.split()):
            answer["realmId"] = realm_id  # for the Accounting and Payments scopes only
        return _redirect_with(redirect_uri, answer)

    @router.post("/oauth/oauth2/v1/tokens/bearer")
    async def token(request: Request) -> JSONResponse:
        form = _form(await request.body())
        app = _app_from(request, form, store)
        if app is None:
            return _oauth_error("invalid_client", "client authentication failed", 401)
        grant_type = form.get("grant_type")
        try:
            if grant_type == "authorization_code":
                answer = store.exchange_code(app, form.get("code", ""), form.get("redirect_uri"))
            elif grant_type == "refresh_token":
                answer = store.refresh(app, form.get("refresh_token", ""))
            else:
                return _oauth_error("unsupported_grant_type", str(grant_type))
        except InvalidGrant as exc:
            return _oauth_error("invalid_grant", str(exc))
        return JSONResponse(answer, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    @router.post("/developer/v2/oauth2/tokens/revoke")
    async def revoke(request: Request) -> Response:
        raw = await request.body()
        try:
            body = json.loads(raw) if raw.strip().startswith(b"{") else _form(raw)
        except ValueError:
            return _oauth_error("invalid_request", "the body is not JSON")
        app = _app_from(request, {}, store)
        if app is None:
            return _oauth_error("invalid_client", "client authentication failed", 401)
        value = str(body.get("token", "")) if isinstance(body, dict) else ""
        if not value:
            return _oauth_error("invalid_request", "token is required")
        store.revoke(app, value)
        return Response(status_code=200)

    @router.get("/developer/.well-known/openid_configuration")
    @router.get("/developer/.well-known/openid_sandbox_configuration")
    async def discovery(request: Request) -> JSONResponse:
        base = str(request.base_url).rstrip("/") + "/quickbooks"
        return JSONResponse(
            {
                "issuer": "https://oauth.platform.intuit.com/op/v1",
                "authorization_endpoint": f"{base}/appcenter/connect/oauth2",
                "token_endpoint": f"{base}/oauth/oauth2/v1/tokens/bearer",
                "revocation_endpoint": f"{base}/developer/v2/oauth2/tokens/revoke",
                "userinfo_endpoint": f"{base}/accounts/v1/openid_connect/userinfo",
                "jwks_uri": f"{base}/oauth/op/v1/jwks",
                "response_types_supported": ["code"],
                "scopes_supported": list(SCOPES),
                "token_endpoint_auth_methods_supported": [
                    "client_secret_post",
                    "client_secret_basic",
                ],
            }
        )

    return router


def _consent_page(store: QuickBooksStore, params: dict[str, str]) -> str:
    hidden = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in params.items()
        if k in {"client_id", "redirect_uri", "state", "scope"}
    )
    choices = "".join(
        f'<label><input type="radio" name="realm_id" value="{c.realm_id}"'
        f"{' checked' if c.realm_id == store.default_realm else ''}> "
        f"{html.escape(c.name)}</label><br>"
        for c in store.companies.values()
    )
    return (
        "<!doctype html><title>QuickBooks sandbox: connect</title>"
        "<h1>syncsvc wants to connect to your QuickBooks company</h1>"
        '<form method="post" action="oauth2/consent">'
        f"{hidden}{choices}"
        '<button name="decision" value="connect">Connect</button> '
        '<button name="decision" value="cancel">Cancel</button></form>'
    )
