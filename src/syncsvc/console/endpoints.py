"""The console's pages and forms under /console (left out of the OpenAPI document).

Signed in with the admin token through a form; the session is a signed cookie and every form
carries its CSRF token. Reads go through the features' repositories (`service.py`); retrying
goes through the same record service and worker wake-up as `POST /v1/{kind}/{id}/retry`.
"""

from __future__ import annotations

import math
import uuid
from datetime import timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from syncsvc.console import session as cookie
from syncsvc.console.csrf import accepted, form_fields
from syncsvc.console.pages import render
from syncsvc.console.service import DETAIL, find_tenant, overview_page, tenant_view
from syncsvc.console.session import ConsoleSession
from syncsvc.kit.signatures import constant_time_equals
from syncsvc.models import Tenant
from syncsvc.models.enums import RecordKind
from syncsvc.problems import ProblemError
from syncsvc.push.wakeup import announce
from syncsvc.reconciliation.repository import ReconciliationRepository
from syncsvc.reconciliation.sheets import as_csv, package_name
from syncsvc.records.service import RecordService
from syncsvc.state import AppState, AppStateDep, SessionDep

router = APIRouter(prefix="/console", include_in_schema=False)
PAGE_SIZE = 50


def _key(state: AppState) -> bytes | None:
    """The cookie signing key; None while no admin token is configured (console off)."""
    token = state.settings.security.admin_token
    if token is None:
        return None
    return cookie.signing_key(state.settings.secret_keys()[0], token.get_secret_value())


def _secure(state: AppState) -> bool:
    return state.settings.api.public_url.lower().startswith("https://")


def _signed_in(request: Request, state: AppState) -> ConsoleSession | None:
    key = _key(state)
    found = None if key is None else cookie.read(request, key, state.clock())
    return found if found is not None and found.signed_in else None


def _to(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _refused() -> Response:
    return render(
        "message.html",
        403,
        heading="Form refused",
        text="The form did not carry this session's security token (it may have expired, or "
        "come from another site). Nothing was changed: reload the page and try again.",
        signed_in=False,
    )


def _too_many(wait: timedelta) -> Response:
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    response = render(
        "message.html",
        429,
        heading="Too many sign-in attempts",
        text=f"Sign-in is paused after several wrong admin tokens. Try again in {minutes} "
        f"minute{'s' if minutes != 1 else ''}.",
        signed_in=False,
    )
    response.headers["Retry-After"] = str(max(1, math.ceil(wait.total_seconds())))
    return response


def _not_found(what: str, viewer: ConsoleSession) -> Response:
    return render(
        "message.html",
        404,
        heading="Not found",
        text=f"There is no {what}.",
        signed_in=True,
        csrf=viewer.csrf,
    )


def _login_form(state: AppState, request: Request, error: str | None = None) -> Response:
    key = _key(state)
    if key is None:
        return render("login.html", configured=False, signed_in=False, error=None, csrf="")
    now = state.clock()
    visitor = cookie.read(request, key, now)
    if visitor is None or visitor.signed_in:
        visitor = cookie.new_session(now, signed_in=False)
    response = render(
        "login.html", configured=True, signed_in=False, error=error, csrf=visitor.csrf
    )
    cookie.attach(response, visitor, key, now, secure=_secure(state))
    return response


@router.get("/login")
async def login_page(request: Request, state: AppStateDep) -> Response:
    if _signed_in(request, state) is not None:
        return _to("/console")
    return _login_form(state, request)


@router.post("/login")
async def login(request: Request, state: AppStateDep) -> Response:
    key = _key(state)
    configured = state.settings.security.admin_token
    if key is None or configured is None:
        return _login_form(state, request)
    now = state.clock()
    fields = await form_fields(request)
    if not accepted(cookie.read(request, key, now), fields):
        return _refused()
    address = request.client.host if request.client else "unknown"
    wait = state.sign_in_attempts.wait(address, now)
    if wait is not None:
        return _too_many(wait)
    if not constant_time_equals(fields.get("token", ""), configured.get_secret_value()):
        state.sign_in_attempts.failed(address, now)
        return _login_form(state, request, "That is not the admin token. Try again.")
    state.sign_in_attempts.succeeded(address)
    # A new session, with a new CSRF token, once signed in: nothing from before carries over.
    signed_in = cookie.new_session(now, signed_in=True)
    response = _to("/console")
    cookie.attach(response, signed_in, key, now, secure=_secure(state))
    return response


@router.post("/logout")
async def logout(request: Request, state: AppStateDep) -> Response:
    viewer = _signed_in(request, state)
    if viewer is None:
        return _to("/console/login")
    if not accepted(viewer, await form_fields(request)):
        return _refused()
    response = _to("/console/login")
    cookie.clear(response, secure=_secure(state))
    return response


@router.get("")
async def overview(
    request: Request,
    state: AppStateDep,
    session: SessionDep,
    after: Annotated[str | None, Query()] = None,
    notice: Annotated[str | None, Query()] = None,
    count: Annotated[str | None, Query()] = None,
) -> Response:
    viewer = _signed_in(request, state)
    if viewer is None:
        return _to("/console/login")
    anchor: Tenant | None = None
    if after:
        anchor = await find_tenant(session, after)
        if anchor is None:
            return _not_found("such page of tenants", viewer)
    page = await overview_page(session, state.clock(), anchor, PAGE_SIZE)
    return render(
        "overview.html",
        page=page,
        signed_in=True,
        csrf=viewer.csrf,
        notice=_notice(notice, count),
    )


@router.get("/tenants/{tenant_id}")
async def tenant_page(
    tenant_id: str,
    request: Request,
    state: AppStateDep,
    session: SessionDep,
    notice: Annotated[str | None, Query()] = None,
    count: Annotated[str | None, Query()] = None,
    kind: Annotated[str | None, Query()] = None,
    id: Annotated[str | None, Query()] = None,
) -> Response:
    viewer = _signed_in(request, state)
    if viewer is None:
        return _to("/console/login")
    tenant = await find_tenant(session, tenant_id)
    if tenant is None:
        return _not_found("such tenant", viewer)
    view = await tenant_view(session, tenant, state.clock(), DETAIL)
    retried = None
    if notice == "retried" and kind and id:
        retried = await _record_state(session, tenant, state, kind, id)
    return render(
        "tenant.html",
        view=view,
        signed_in=True,
        csrf=viewer.csrf,
        notice=retried or _notice(notice, count),
    )


async def _tenant_form(
    request: Request, state: AppState, session: AsyncSession, tenant_id: str
) -> tuple[ConsoleSession, dict[str, str], Tenant] | Response:
    """A form posted on a tenant's page: signed in, carrying this session's CSRF token, for
    a tenant that exists; else the answer to give instead."""
    viewer = _signed_in(request, state)
    if viewer is None:
        return _to("/console/login")
    fields = await form_fields(request)
    if not accepted(viewer, fields):
        return _refused()
    tenant = await find_tenant(session, tenant_id)
    if tenant is None:
        return _not_found("such tenant", viewer)
    return viewer, fields, tenant


@router.post("/tenants/{tenant_id}/retry")
async def retry_one(
    tenant_id: str, request: Request, state: AppStateDep, session: SessionDep
) -> Response:
    posted = await _tenant_form(request, state, session, tenant_id)
    if isinstance(posted, Response):
        return posted
    viewer, fields, tenant = posted
    try:
        kind = RecordKind(fields.get("kind", ""))
    except ValueError:
        return _not_found("such kind of record", viewer)
    host_id = fields.get("id", "")
    try:
        await RecordService(session, tenant.id, state.clock).retry(kind, host_id)
    except ProblemError as refused:
        return _to(_back(tenant, fields, "not-found" if refused.status == 404 else "settled"))
    await announce(session)
    back = _back(tenant, fields, "retried")
    if fields.get("back") == "tenant":
        back += f"&kind={kind.value}&id={quote(host_id, safe='')}"
    return _to(back)


@router.post("/tenants/{tenant_id}/retry-all")
async def retry_all(
    tenant_id: str, request: Request, state: AppStateDep, session: SessionDep
) -> Response:
    posted = await _tenant_form(request, state, session, tenant_id)
    if isinstance(posted, Response):
        return posted
    _, fields, tenant = posted
    count = await RecordService(session, tenant.id, state.clock).retry_all()
    if count:
        await announce(session)
    return _to(_back(tenant, fields, "retried-all") + f"&count={count}")


@router.get("/tenants/{tenant_id}/reconciliations/{report_id}.csv")
async def report_sheet(
    tenant_id: str, report_id: str, request: Request, state: AppStateDep, session: SessionDep
) -> Response:
    viewer = _signed_in(request, state)
    if viewer is None:
        return _to("/console/login")
    tenant = await find_tenant(session, tenant_id)
    report = None
    if tenant is not None:
        try:
            report = await ReconciliationRepository(session, tenant.id).report(uuid.UUID(report_id))
        except ValueError:
            report = None
    if tenant is None or report is None or report.status != "done":
        return _not_found("such finished reconciliation report", viewer)
    filename = f"reconciliation-{report.kind}-{report.date_from}-{report.date_to}.csv"
    return Response(
        as_csv(report, await package_name(session, state.providers, tenant.id)),
        media_type="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _back(tenant: Tenant, fields: dict[str, str], notice: str) -> str:
    """Where a form returns to: the page it was on, with what happened (never a URL taken
    from the form, so the console cannot be made to redirect elsewhere)."""
    if fields.get("back") == "tenant":
        return f"/console/tenants/{tenant.id}?notice={notice}"
    return f"/console?notice={notice}"


async def _record_state(
    session: AsyncSession, tenant: Tenant, state: AppState, kind: str, host_id: str
) -> str | None:
    """What became of a record just retried, read back rather than assumed."""
    try:
        record = await RecordService(session, tenant.id, state.clock).get(RecordKind(kind), host_id)
    except (ValueError, ProblemError):
        return None
    return (
        f"Retried: {record.kind.replace('_', ' ')} {record.host_id} is now {record.state}; "
        "the push worker has been woken."
    )


def _notice(notice: str | None, count: str | None) -> str | None:
    """The fixed sentence for what a form just did (only codes come through the URL)."""
    if notice == "retried":
        return "Retried: the record is pending again; the push worker has been woken."
    if notice == "retried-all":
        n = int(count) if count and count.isdigit() else 0
        if n == 0:
            return "Nothing to retry: no record was failed or blocked."
        return (
            f"Retried {n} record{'s' if n != 1 else ''}: pending again; the worker has been woken."
        )
    if notice == "settled":
        return "That record is no longer failed or blocked; nothing was changed."
    if notice == "not-found":
        return "That record no longer exists; nothing was changed."
    return None
