"""A service process SIGKILLed at the worst moment of a push, and started again: every record
ends in Xero exactly once.

Real processes: the Xero sandbox and `syncsvc serve` (its push worker on), talking over TCP.
The sandbox applies the first batch of invoices and holds its answer; the service is killed
while it waits, so it never learns what happened. The sandbox's clock then moves past Xero's
idempotency window, so the restarted service cannot lean on Xero remembering the request:
only the service's own record of writes in flight prevents a duplicate.
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
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from syncsvc.db import upgrade_to_head
from syncsvc.kit.cipher import TokenCipher
from tests.conftest import ADMIN_TOKEN
from tests.factories import customer, invoice

CUSTOMERS = 10
INVOICES = 120  # three of Xero's batches: the first is held, then the service killed
STARTUP_SECONDS = 60  # bound on a process coming up, on a slow machine
SETTLE_SECONDS = 120  # bound on the restarted service finishing the push
SETTINGS = {
    "payments_account": "090",
    "labour_income_account": "200",
    "materials_income_account": "260",
    "rounding_account": "860",
}
CLI = "import sys; from syncsvc.cli import main; sys.exit(main(sys.argv[1:]))"


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


def test_a_worker_killed_mid_batch_leaves_every_record_in_xero_once(
    fresh_database: Callable[[], str], tmp_path: Path
) -> None:
    database_url = fresh_database()
    upgrade_to_head(database_url)
    sandbox_port, service_port = free_port(), free_port()
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    service_url = f"http://127.0.0.1:{service_port}"
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
    sandbox_args = ["sandbox", "--port", str(sandbox_port), "--auto-consent", "--clock-scale", "0"]
    with (
        running(sandbox_args, env, log),
        httpx.Client(base_url=sandbox_url, timeout=30) as xero,
        httpx.Client(base_url=service_url, timeout=30) as service,
    ):
        wait_until(
            lambda: xero.get("/xero/_control/clock").is_success, STARTUP_SECONDS, "sandbox", log
        )
        with running(serve, env, log) as first:
            wait_until(lambda: service.get("/healthz").is_success, STARTUP_SECONDS, "serve", log)
            headers = connect(service, xero)
            xero.put("/xero/_control/faults", json={"hold_next": ["POST /Invoices"]})
            submit(service, headers)
            wait_until(
                lambda: xero.get("/xero/_control/stats").json()["held"] == 1,
                SETTLE_SECONDS,
                "the first invoice batch reaching Xero",
                log,
            )
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
        xero.post("/xero/_control/release")
        xero.put("/xero/_control/clock", json={"advance_seconds": 600})

        applied = xero.get("/xero/_control/documents").json()
        assert len(applied["Invoices"]) == 50  # the held batch was applied before the kill

        with running(serve, env, log):
            wait_until(lambda: service.get("/healthz").is_success, STARTUP_SECONDS, "serve", log)
            wait_until(
                lambda: all_synced(service, headers), SETTLE_SECONDS, "the push finishing", log
            )

        books = xero.get("/xero/_control/documents").json()
        numbers = Counter(i["InvoiceNumber"] for i in books["Invoices"])
        assert numbers == Counter({f"INV-{n}": 1 for n in range(INVOICES)})
        contacts = Counter(c["ContactNumber"] for c in books["Contacts"])
        assert contacts == Counter({f"C-{c}": 1 for c in range(CUSTOMERS)})
        assert {i["Total"] for i in books["Invoices"]} == {267.38}


def connect(service: httpx.Client, xero: httpx.Client) -> dict[str, str]:
    created = service.post(
        "/v1/tenants",
        json={"name": "Killed Co"},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    )
    assert created.status_code == 201, created.text
    headers = {"Authorization": f"Bearer {created.json()['api_key']}"}
    authorize = service.get(
        "/v1/connection/authorize", params={"provider": "xero"}, headers=headers
    )
    assert authorize.status_code == 200, authorize.text
    redirect = xero.get(authorize.json()["authorize_url"])
    callback = urlsplit(redirect.headers["location"])
    answer = service.get(f"{callback.path}?{callback.query}")
    assert answer.status_code == 200, answer.text
    assert service.put("/v1/settings", json=SETTINGS, headers=headers).status_code == 200
    return headers


def submit(service: httpx.Client, headers: dict[str, str]) -> None:
    operations: list[dict[str, Any]] = [
        {
            "kind": "customer",
            "id": f"cust-{c}",
            "data": customer(customer_number=f"C-{c}", name=f"Customer {c}"),
        }
        for c in range(CUSTOMERS)
    ]
    operations += [
        {
            "kind": "invoice",
            "id": f"inv-{n}",
            "data": invoice(number=f"INV-{n}", customer_id=f"cust-{n % CUSTOMERS}", total="267.38"),
        }
        for n in range(INVOICES)
    ]
    answer = service.post("/v1/batch", json={"operations": operations}, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["summary"]["refused"] == 0, answer.text


def all_synced(service: httpx.Client, headers: dict[str, str]) -> bool:
    records = service.get("/v1/sync/status", headers=headers).json()["records"]
    return bool(
        records["customer"]["synced"] == CUSTOMERS and records["invoice"]["synced"] == INVOICES
    )
