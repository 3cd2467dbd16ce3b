"""A service process SIGKILLed at the worst moment of a push, and started again: every record
ends in the package exactly once, for Xero and for MYOB.

Real processes: the sandbox and `syncsvc serve` (its push worker on), talking over TCP. The
sandbox applies the first write of invoices (a batch of Xero's, one of MYOB's) and holds its
answer; the service is killed while it waits, so it never learns what happened. For Xero the
sandbox's clock then moves past its idempotency window, so the restarted service cannot lean
on Xero remembering the request; MYOB has no idempotency key and a POST always creates. Only
the service's own record of writes in flight, and the look-up by key before writing again,
prevent a duplicate. MYOB's sandbox runs on a real-time clock, so its 8 calls a second hold
(a refusal for them is waited out: MYOB applies nothing it refuses).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from syncsvc.db import upgrade_to_head
from syncsvc.kit.cipher import TokenCipher
from tests.conftest import ADMIN_TOKEN
from tests.factories import customer, invoice, line

STARTUP_SECONDS = 60  # bound on a process coming up, on a slow machine
SETTLE_SECONDS = 120  # bound on the restarted service finishing the push
CLI = "import sys; from syncsvc.cli import main; sys.exit(main(sys.argv[1:]))"


@dataclass(frozen=True)
class Package:
    """What differs between the packages in this scenario, as data."""

    name: str
    settings: dict[str, Any]
    clock_scale: str
    held_route: str
    customers: int
    invoices: int
    applied_before_kill: int  # what the held write saved
    tax_code: str | None  # on the host's lines (None: the factory's, mapped by settings)
    total: str
    number_field: str  # in the control surface's documents
    card_list: str
    card_number_field: str
    total_field: str


XERO = Package(
    name="xero",
    settings={
        "payments_account": "090",
        "labour_income_account": "200",
        "materials_income_account": "260",
        "rounding_account": "860",
    },
    clock_scale="0",
    held_route="POST /Invoices",
    customers=10,
    invoices=120,  # three of Xero's batches: the first is held, then the service killed
    applied_before_kill=50,
    tax_code=None,
    total="267.38",
    number_field="InvoiceNumber",
    card_list="Contacts",
    card_number_field="ContactNumber",
    total_field="Total",
)
MYOB = Package(
    name="myob",
    settings={
        "payments_account": "1-1110",
        "labour_income_account": "4-1000",
        "materials_income_account": "4-1100",
        "rounding_account": "4-2000",
    },
    clock_scale="1",
    held_route="POST /Sale/Invoice/Service",
    customers=3,
    invoices=12,  # one a call: the first is held, then the service killed
    applied_before_kill=1,
    tax_code="GST",
    total="255.75",
    number_field="Number",
    card_list="Customers",
    card_number_field="DisplayID",
    total_field="TotalAmount",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as output:
        process = subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
            [sys.executable, "-c", CLI, *args],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def wait_until(check: Callable[[], bool], seconds: float, what: str, log: Path) -> None:
    """Poll a condition another process brings about, within a bound."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    pytest.fail(f"{what} did not happen within {seconds} s; log:\n{log.read_text()[-4000:]}")


@pytest.mark.parametrize("package", [XERO, MYOB], ids=lambda p: p.name)
def test_a_worker_killed_mid_write_leaves_every_record_in_the_package_once(
    package: Package, fresh_database: Callable[[], str], tmp_path: Path
) -> None:
    database_url = fresh_database()
    upgrade_to_head(database_url)
    sandbox_port, service_port = free_port(), free_port()
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    service_url = f"http://127.0.0.1:{service_port}"
    control = f"/{package.name}/_control"
    log = tmp_path / "processes.log"
    env = {
        **os.environ,
        "SYNCSVC_DATABASE_URL": database_url,
        "SYNCSVC_ADMIN_TOKEN": ADMIN_TOKEN,
        "SYNCSVC_SECRET_KEY": TokenCipher.generate_key(),
        "SYNCSVC_SANDBOX_URL": sandbox_url,
        "SYNCSVC_PUBLIC_URL": service_url,
        "SYNCSVC_DATA_DIR": str(tmp_path),
        "SYNCSVC_WORKER_ENABLED": "true",
        "SYNCSVC_WORKER_ID": "replica-1",  # the same replica, restarted
        "SYNCSVC_LOG_FORMAT": "text",
    }
    serve = ["serve", "--port", str(service_port), "--no-migrate"]
    sandbox_args = ["sandbox", "--port", str(sandbox_port), "--auto-consent"]
    sandbox_args += ["--clock-scale", package.clock_scale]
    with (
        running(sandbox_args, env, log),
        httpx.Client(base_url=sandbox_url, timeout=30) as sandbox,
        httpx.Client(base_url=service_url, timeout=30) as service,
    ):
        wait_until(
            lambda: sandbox.get(f"{control}/clock").is_success, STARTUP_SECONDS, "sandbox", log
        )
        with running(serve, env, log) as first:
            wait_until(lambda: service.get("/healthz").is_success, STARTUP_SECONDS, "serve", log)
            headers = connect(service, sandbox, package)
            sandbox.put(f"{control}/faults", json={"hold_next": [package.held_route]})
            submit(service, headers, package)
            wait_until(
                lambda: sandbox.get(f"{control}/stats").json()["held"] == 1,
                SETTLE_SECONDS,
                "the first invoice write reaching the package",
                log,
            )
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
        sandbox.post(f"{control}/release")
        sandbox.put(f"{control}/clock", json={"advance_seconds": 600})

        applied = sandbox.get(f"{control}/documents").json()
        assert len(applied["Invoices"]) == package.applied_before_kill  # saved before the kill

        with running(serve, env, log):
            wait_until(lambda: service.get("/healthz").is_success, STARTUP_SECONDS, "serve", log)
            wait_until(
                lambda: all_synced(service, headers, package),
                SETTLE_SECONDS,
                "the push finishing",
                log,
            )

        books = sandbox.get(f"{control}/documents").json()
        numbers = Counter(i[package.number_field] for i in books["Invoices"])
        assert numbers == Counter({f"INV-{n}": 1 for n in range(package.invoices)})
        cards = Counter(c[package.card_number_field] for c in books[package.card_list])
        assert cards == Counter({f"C-{c}": 1 for c in range(package.customers)})
        assert {i[package.total_field] for i in books["Invoices"]} == {float(package.total)}


def connect(service: httpx.Client, sandbox: httpx.Client, package: Package) -> dict[str, str]:
    created = service.post(
        "/v1/tenants",
        json={"name": "Killed Co"},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    )
    assert created.status_code == 201, created.text
    headers = {"Authorization": f"Bearer {created.json()['api_key']}"}
    authorize = service.get(
        "/v1/connection/authorize", params={"provider": package.name}, headers=headers
    )
    assert authorize.status_code == 200, authorize.text
    redirect = sandbox.get(authorize.json()["authorize_url"])
    callback = urlsplit(redirect.headers["location"])
    answer = service.get(f"{callback.path}?{callback.query}")
    assert answer.status_code == 200, answer.text
    assert service.put("/v1/settings", json=package.settings, headers=headers).status_code == 200
    return headers


def submit(service: httpx.Client, headers: dict[str, str], package: Package) -> None:
    taxed = {"tax_code": package.tax_code} if package.tax_code else {}
    lines = [
        line(**taxed),
        line(kind="material", description="Valve", quantity="1", unit_price="42.5", **taxed),
    ]
    operations: list[dict[str, Any]] = [
        {
            "kind": "customer",
            "id": f"cust-{c}",
            "data": customer(customer_number=f"C-{c}", name=f"Customer {c}"),
        }
        for c in range(package.customers)
    ]
    operations += [
        {
            "kind": "invoice",
            "id": f"inv-{n}",
            "data": invoice(
                number=f"INV-{n}",
                customer_id=f"cust-{n % package.customers}",
                lines=lines,
                total=package.total,
            ),
        }
        for n in range(package.invoices)
    ]
    answer = service.post("/v1/batch", json={"operations": operations}, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["summary"]["refused"] == 0, answer.text


def all_synced(service: httpx.Client, headers: dict[str, str], package: Package) -> bool:
    records = service.get("/v1/sync/status", headers=headers).json()["records"]
    return bool(
        records["customer"]["synced"] == package.customers
        and records["invoice"]["synced"] == package.invoices
    )
