"""MYOB's OAuth2 server on `secure.myob.com`: authorize at `/oauth2/account/authorize` (one
company file chosen per consent; the redirect names it in `businessId` and `businessName`),
the token endpoint `/oauth2/v1/authorize` (client_secret_post, form body)."""

from __future__ import annotations

import html
from collections.abc import Callable
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from syncsvc.sandbox.myob.store import InvalidGrant, MyobStore
from syncsvc.sandbox.myob.traffic import MyobTraffic

AUTHORIZE = "/secure/oauth2/account/authorize"
TOKEN = "/secure/oauth2/v1/authorize"  # noqa: S105 - an address


def _form(body: bytes) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(body.decode()).items()}


def _oauth_error(error: str, description: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def _redirect_with(redirect_uri: str, params: dict[str, str]) -> RedirectResponse:
    separator = "&" if "?" in redirect_uri else "?"
    return RedirectResponse(f"{redirect_uri}{separator}{urlencode(params)}", status_code=302)


def build_router(
    store: MyobStore, traffic: MyobTraffic, auto_consent: Callable[[], bool]
) -> APIRouter:
    """`auto_consent()` says whether authorize redirects at once, consenting to the store's
    `consent_business` (tests, demos)."""
    router = APIRouter()

    def granted(
        redirect_uri: str, client_id: str, business_id: str, scopes: list[str], state: str
    ) -> Response:
        company_file = store.company_files[business_id]
        code = store.issue_code(client_id, redirect_uri, business_id, tuple(scopes))
        return _redirect_with(
            redirect_uri,
            {
                "code": code,
                "state": state,
                "businessId": company_file.uid,
                "businessName": company_file.name,
            },
        )

    @router.get(AUTHORIZE, response_model=None)
    @router.get(AUTHORIZE + "/", response_model=None)
    async def authorize(request: Request) -> Response:
        params = dict(request.query_params)
        app = store.apps.get(params.get("client_id", ""))
        redirect_uri = params.get("redirect_uri", "")
        if app is None or not redirect_uri:
            return HTMLResponse("<h1>Error: invalid client_id</h1>", status_code=400)
        if app.redirect_uris is not None and redirect_uri not in app.redirect_uris:
            # Matched exactly, a trailing / included (FACTS.md 1.1).
            return HTMLResponse("<h1>Error: invalid redirect_uri</h1>", status_code=400)
        state = params.get("state", "")
        if params.get("response_type") != "code":
            return _redirect_with(
                redirect_uri, {"error": "unsupported_response_type", "state": state}
            )
        scopes = params.get("scope", "").split()
        refused = store.scopes_refused(app, scopes)
        if not scopes or refused:
            return _redirect_with(
                redirect_uri,
                {
                    "error": "invalid_scope",
                    "error_description": " ".join(refused) or "no scope",
                    "state": state,
                },
            )
        if auto_consent():
            return granted(redirect_uri, app.client_id, store.consent_business, scopes, state)
        return HTMLResponse(_consent_page(store, params, request.url.path.rstrip("/") + "/consent"))

    @router.post(AUTHORIZE + "/consent", response_model=None)
    async def consent(request: Request) -> Response:
        field = _form(await request.body())
        app = store.apps.get(field.get("client_id", ""))
        redirect_uri = field.get("redirect_uri", "")
        if app is None or not redirect_uri:
            return HTMLResponse("<h1>Error: invalid client_id</h1>", status_code=400)
        if app.redirect_uris is not None and redirect_uri not in app.redirect_uris:
            return HTMLResponse("<h1>Error: invalid redirect_uri</h1>", status_code=400)
        state = field.get("state", "")
        if field.get("decision") != "allow":
            return _redirect_with(redirect_uri, {"error": "access_denied", "state": state})
        business_id = field.get("business", "")
        scopes = field.get("scope", "").split()
        if business_id not in store.company_files:
            return HTMLResponse("<h1>Choose a business</h1>", status_code=400)
        if not scopes or store.scopes_refused(app, scopes):
            return HTMLResponse("<h1>Error: invalid scope</h1>", status_code=400)
        return granted(redirect_uri, app.client_id, business_id, scopes, state)

    @router.post(TOKEN)
    @router.post(TOKEN + "/")
    async def token(request: Request) -> JSONResponse:
        form = _form(await request.body())
        app = store.authenticate(form.get("client_id"), form.get("client_secret"))
        if app is None:
            return _oauth_error("invalid_client", "client authentication failed", 401)
        grant_type = form.get("grant_type")
        try:
            if grant_type == "authorization_code":
                answer = store.exchange_code(app, form.get("code", ""), form.get("redirect_uri"))
            elif grant_type == "refresh_token":
                answer = store.refresh(app, form.get("refresh_token", ""))
                if traffic.faults.token_lost_answers > 0:
                    traffic.faults.token_lost_answers -= 1
                    # Applied, then lost: the old refresh token is already dead.
                    return JSONResponse({"error": "server_error"}, status_code=502)
            else:
                return _oauth_error("unsupported_grant_type", str(grant_type))
        except InvalidGrant as exc:
            return _oauth_error("invalid_grant", str(exc))
        return JSONResponse(answer.body(), headers={"Cache-Control": "no-store"})

    return router


def _consent_page(store: MyobStore, params: dict[str, str], action: str) -> str:
    hidden = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in params.items()
        if k in {"client_id", "redirect_uri", "state", "scope"}
    )
    choices = "".join(
        f'<label><input type="radio" name="business" value="{f.uid}"'
        f"{' checked' if f.uid == store.consent_business else ''}> "
        f"{html.escape(f.name)} ({f.product})</label><br>"
        for f in store.company_files.values()
    )
    scopes = html.escape(params.get("scope", ""))
    return (
        "<!doctype html><title>MYOB sandbox: allow access</title>"
        "<h1>syncsvc wants to access one of your businesses</h1>"
        f"<p>Access asked for: {scopes}</p>"
        f'<form method="post" action="{html.escape(action)}">'
        f"{hidden}{choices}"
        '<button name="decision" value="allow">Allow access</button> '
        '<button name="decision" value="deny">Cancel</button></form>'
    )
