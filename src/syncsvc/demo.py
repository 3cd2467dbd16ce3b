"""`syncsvc demo`: the whole loop on a fresh install, with no account anywhere.

Serves the service on SQLite with the package's sandbox beside it (Xero by default, or
QuickBooks Online: `demo_packages.py` says what differs), creates a tenant, connects it
through the real OAuth flow (the sandbox gives consent at once), sets the account codes,
sends customers, invoices, payments and a credit note as a host would, lets the push engine
take them to the package, pays an invoice there as its user would, lets the package's webhook
bring that back, and prints what happened. Then it keeps serving (or, with `--once`, exits).
"""

from __future__ import annotations

import asyncio
import secrets
import socket
import sys
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import httpx
import uvicorn
from pydantic import SecretStr

from syncsvc.app import create_app
from syncsvc.config import Settings
from syncsvc.db import transaction
from syncsvc.demo_packages import DEMO_PACKAGES, XERO, DemoPackage
from syncsvc.kit.clock import utcnow
from syncsvc.logging import configure_logging
from syncsvc.sandbox.app import SandboxConfig, build_sandbox, keep_state, mount_sandbox
from syncsvc.tenants.service import create_tenant

WAIT_SECONDS = 30.0
CUSTOMERS = [
    ("cust-1", "Harbour Cafe", "C-1001", "accounts@harbourcafe.example"),
    ("cust-2", "Kauri Dental", "C-1002", "admin@kauridental.example"),
    ("cust-3", "Tui Street Motors", "C-1003", "office@tuimotors.example"),
]


def _invoice(
    package: DemoPackage, number: str, customer_id: str, hours: int, parts: str, job: str
) -> dict[str, Any]:
    # The package taxes each line and rounds it to the cent; the host's total agrees.
    total = package.gross(Decimal(hours) * Decimal("95.00")) + package.gross(Decimal(parts))
    return {
        "version": 1,
        "number": number,
        "customer_id": customer_id,
        "issue_date": utcnow().date().isoformat(),
        "job_number": job,
        "lines": [
            {
                "kind": "labour",
                "description": f"Labour, {hours} h",
                "quantity": str(hours),
                "unit_price": "95.00",
                "tax_code": "GST",
            },
            {
                "kind": "material",
                "description": "Parts",
                "quantity": "1",
                "unit_price": parts,
                "tax_code": "GST",
            },
        ],
        "total": str(total),
    }


def _operations(package: DemoPackage) -> list[dict[str, Any]]:
    operations: list[dict[str, Any]] = [
        {
            "kind": "customer",
            "id": host_id,
            "data": {"version": 1, "name": name, "customer_number": number, "email": email},
        }
        for host_id, name, number, email in CUSTOMERS
    ]
    invoices = [
        ("inv-1", "D-1001", "cust-1", 2, "42.50", "J-501"),
        ("inv-2", "D-1002", "cust-2", 1, "18.00", "J-502"),
        ("inv-3", "D-1003", "cust-3", 3, "120.00", "J-503"),
        ("inv-4", "D-1004", "cust-1", 1, "0.00", "J-504"),
    ]
    for host_id, number, customer, hours, parts, job in invoices:
        operations.append(
            {
                "kind": "invoice",
                "id": host_id,
                "data": _invoice(package, number, customer, hours, parts, job),
            }
        )
    first_total = operations[3]["data"]["total"]
    operations += [
        {
            "kind": "payment",
            "id": "pay-1",
            "data": {
                "version": 1,
                "invoice_id": "inv-1",
                "amount": first_total,
                "date": utcnow().date().isoformat(),
                "reference": "EFTPOS",
            },
        },
        {
            "kind": "credit_note",
            "id": "cn-1",
            "data": {
                "version": 1,
                "number": "CN-D-1",
                "customer_id": "cust-2",
                "issue_date": utcnow().date().isoformat(),
                "lines": [
                    {
                        "kind": "other",
                        "description": "Goodwill",
                        "quantity": "1",
                        "unit_price": "10.00",
                        "tax_code": "GST",
                    }
                ],
                "allocations": [
                    {"invoice_id": "inv-2", "amount": str(package.gross(Decimal("10.00")))}
                ],
            },
        },
    ]
    return operations


DEFAULT_PORT = 8000


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        # As uvicorn binds: a port left in TIME_WAIT by the last run is free to use.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def choose_port(host: str, port: int | None) -> int:
    """The port asked for, or 8000; when 8000 (not asked for) is taken, a free one, said so."""
    if port is not None:
        if not port_is_free(host, port):
            raise DemoError(f"port {port} on {host} is taken: choose another with --port")
        return port
    if port_is_free(host, DEFAULT_PORT):
        return DEFAULT_PORT
    with socket.socket() as probe:
        probe.bind((host, 0))
        free: int = probe.getsockname()[1]
    print(f"Port {DEFAULT_PORT} is taken, so the demo serves on {free} (--port to choose).")
    return free


class DemoError(Exception):
    pass


async def run_demo(host: str, port: int | None, *, once: bool, provider: str = XERO.name) -> int:
    package = DEMO_PACKAGES[provider]
    try:
        port = choose_port(host, port)
    except DemoError as exc:
        print(f"syncsvc demo: {exc}", file=sys.stderr)
        return 1
    here = f"http://{host}:{port}"
    settings = Settings.from_env()
    # The walk-through owns the terminal; everything logged goes to a file beside the data.
    log_file = settings.runtime.data_dir.resolve() / "demo.log"
    configure_logging(settings.runtime.log_level, settings.runtime.log_format, file=log_file)
    webhook_key = secrets.token_urlsafe(32)
    admin_token = secrets.token_urlsafe(24)
    settings = replace(
        settings,
        api=settings.api.model_copy(update={"public_url": here}),
        providers=settings.providers.model_copy(
            update={"sandbox_url": here, package.webhook_key_setting: SecretStr(webhook_key)}
        ),
        security=settings.security.model_copy(update={"admin_token": SecretStr(admin_token)}),
    )
    sandbox = build_sandbox(SandboxConfig(auto_consent=True))
    package.wire_webhooks(sandbox, here, webhook_key)
    app = create_app(settings)
    mount_sandbox(app, sandbox)
    keep_state(app, sandbox, settings.runtime.data_dir)
    server = uvicorn.Server(
        uvicorn.Config(
            app, host=host, port=port, log_config=None, access_log=False, use_colors=False
        )
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            print(f"syncsvc demo: could not serve at {here}; see {log_file}", file=sys.stderr)
            return 1
        await asyncio.sleep(0.05)
    try:
        print(f"syncsvc demo: logs go to {log_file}")
        organisation = package.organisation_for_run(sandbox)
        tenant = await _walk_through(app, here, package, organisation)
        _print_next_steps(here, tenant, admin_token, once=once)
        if once:
            return 0
        print("\nServing until Ctrl+C.")
        await serving
        return 0
    finally:
        server.should_exit = True
        await asyncio.gather(serving, return_exceptions=True)


@dataclass(frozen=True)
class DemoTenant:
    id: str
    api_key: str


def _print_next_steps(here: str, tenant: DemoTenant, admin_token: str, *, once: bool) -> None:
    today = utcnow().date().isoformat()
    print(f"\nTenant id: {tenant.id}")
    print(f"API key:   {tenant.api_key}")
    print(f"Admin token (this run only): {admin_token}")
    if once:
        return
    print(f"\nServing at {here}. Next, in another terminal (while this one serves):")
    print(f"  KEY={tenant.api_key}")
    print(f'  curl -s {here}/v1/sync/status -H "Authorization: Bearer $KEY"')
    print(f'  curl -s {here}/v1/events -H "Authorization: Bearer $KEY"')
    print(
        f"  SYNCSVC_SANDBOX_URL={here} syncsvc reconcile --tenant {tenant.id} "
        f"--from {today} --to {today}"
    )
    print(f"  API reference: {here}/docs    console: {here}/console (sign in: the admin token)")


async def _walk_through(app: Any, here: str, package: DemoPackage, organisation: str) -> DemoTenant:
    state = app.state.syncsvc
    name = package.display_name
    print(
        f"syncsvc demo: {state.engine.url.render_as_string()} with the {name} sandbox "
        f"at {here}/{package.name}"
    )
    async with transaction(state.sessions) as session:
        created = await create_tenant(session, "Demo Plumbing", utcnow)
    headers = {"Authorization": f"Bearer {created.api_key}"}
    books = {package.organisation_param: organisation}
    print(f"\n1. Tenant 'Demo Plumbing' created (id {created.tenant.id}).")
    async with httpx.AsyncClient(base_url=here, timeout=30) as api:
        authorize = (
            await api.get(
                "/v1/connection/authorize", params={"provider": package.name}, headers=headers
            )
        ).json()
        consent = await api.get(authorize["authorize_url"])
        callback = urlsplit(consent.headers["location"])
        connection = (await api.get(f"{callback.path}?{callback.query}")).json()
        print(
            f"2. Connected to {name} {package.organisation_word} "
            f"'{connection['organisation']['name']}' "
            "(OAuth2 with PKCE; the sandbox gave consent)."
        )
        settings = await api.put("/v1/settings", json=package.settings, headers=headers)
        if not settings.is_success:
            raise DemoError(f"{name} settings refused: {settings.text}")
        print(f"3. Account codes set: {package.settings_summary}.")
        answer = await api.post(
            "/v1/batch", json={"operations": _operations(package)}, headers=headers
        )
        summary = answer.json()["summary"]
        print(
            f"4. The host sent {summary['accepted']} records: 3 customers, 4 invoices, "
            "a payment and a credit note."
        )
        # The batch woke the push worker before it was answered: wait for that run.
        await asyncio.wait_for(state.push_wakeup.caught_up(), WAIT_SECONDS)
        await _print_pushed(api, headers, package, books)
        total = _invoice(package, "D-1003", "cust-3", 3, "120.00", "J-503")["total"]
        paid = await api.post(
            f"{package.control}/invoices/D-1003/payments",
            params=books,
            json=package.payment_body(total, utcnow().date().isoformat()),
        )
        paid.raise_for_status()
        print("6. " + package.payment_story.format(number="D-1003", total=total))
        await api.post(f"{package.control}/webhooks/flush")
        events = await _wait_for_events(api, headers, "invoice.paid")
        print(f"7. {name}'s webhook arrived, the service polled, and the host was told:")
        for event in events:
            data = event["data"]
            detail = ", ".join(
                f"{key} {data[key]}" for key in ("invoice_id", "amount", "date") if data.get(key)
            )
            print(f"     #{event['id']} {event['type']}: {detail}")
    return DemoTenant(str(created.tenant.id), created.api_key)


async def _print_pushed(
    api: httpx.AsyncClient, headers: dict[str, str], package: DemoPackage, books: dict[str, str]
) -> None:
    status = (await api.get("/v1/sync/status", headers=headers)).json()
    # The kinds the walk-through sent (the purchase side is not part of it).
    synced = {
        kind: counts["synced"] for kind, counts in status["records"].items() if any(counts.values())
    }
    print(
        f"5. Pushed to {package.display_name}, each once: "
        + ", ".join(f"{kind.replace('_', ' ')}s {count}" for kind, count in synced.items())
        + "."
    )
    held = (await api.get(f"{package.control}/documents", params=books)).json()
    for invoice in sorted(package.invoices(held), key=lambda i: i.number):
        print(
            f"     {invoice.number:<10} {invoice.customer:<20} "
            f"total {invoice.total:>8.2f}  due {invoice.due:>8.2f}  {invoice.status}"
        )


async def _wait_for_events(
    api: httpx.AsyncClient, headers: dict[str, str], until: str
) -> list[dict[str, Any]]:
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    while True:
        events: list[dict[str, Any]] = (await api.get("/v1/events", headers=headers)).json()[
            "events"
        ]
        if any(e["type"] == until for e in events) or asyncio.get_running_loop().time() > deadline:
            return events
        await asyncio.sleep(0.1)
