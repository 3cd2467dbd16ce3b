"""A service process SIGKILLed while MYOB holds the answer to an invoice it has already
saved, and started again: every record ends in MYOB exactly once.

MYOB has no idempotency key and a POST always creates (FACTS.md 2.8), so only the service's
own record of writes in flight, and the look-up by invoice Number before writing again,
prevent a duplicate. Real processes: the sandbox and `syncsvc serve` (its push worker on),
over TCP, the sandbox's clock running in real time so its 8-calls-a-second limit holds
(a refusal for it is waited out and the write sent again: MYOB applies nothing it refuses).
"""

from __future__ import annotations

import os
import signal
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from syncsvc.db import upgrade_to_head
from syncsvc.kit.cipher import TokenCipher
from tests.conftest import ADMIN_TOKEN
from tests.factories import customer, invoice, line
from tests.integration.test_push_sigkill import (
    SETTLE_SECONDS,
    STARTUP_SECONDS,
    free_port,
    running,
    wait_until,
)

CUSTOMERS = 3
INVOICES = 12  # one a call: the first is held, then the service killed
SETTINGS = {
    "payments_account": "1-1110",
    "labour_income_account": "4-1000",
    "materials_income_account": "4-1100",
    "rounding_account": "4-2000",
}
HELD = "POST /Sale/Invoice/Service"


def test_a_worker_killed_mid_write_leaves_every_record_in_myob_once(
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
    sandbox_args = ["sandbox", "--port", str(sandbox_port), "--auto-consent", "--clock-scale", "1"]
    with (
        running(sandbox_args, env, log),
        httpx.Client(base_url=sandbox_url, timeout=30) as myob,
        httpx.Client(base_url=service_url, timeout=30) as service,
    ):
        wait_until(
            lambda: myob.get("/myob/_control/clock").is_success, STARTUP_SECONDS, "sandbox", log
        )
        with running(serve, env, log) as first:
            wait_until(lambda: service.get("/healthz").is_success, STARTUP_SECONDS, "serve", log)
            headers = connect(service, myob)
            myob.put("/myob/_control/faults", json={"hold_next": [HELD]})
            submit(service, headers)
            wait_until(
                lambda: myob.get("/myob/_control/stats").json()["held"] == 1,
                SETTLE_SECONDS,
                "the first invoice reaching MYOB",
                log,
            )
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
        myob.post("/myob/_control/release")
        applied = myob.get("/myob/_control/documents").json()
        assert len(applied["Invoices"]) == 1  # the held write was saved before the kill

        with running(serve, env, log):
            wait_until(lambda: service.get("/healthz").is_success, STARTUP_SECONDS, "serve", log)
            wait_until(
                lambda: all_synced(service, headers), SETTLE_SECONDS, "the push finishing", log
            )

        books = myob.get("/myob/_control/documents").json()
        numbers = Counter(i["Number"] for i in books["Invoices"])
        assert numbers == Counter({f"INV-{n}": 1 for n in range(INVOICES)})
        cards = Counter(c["DisplayID"] for c in books["Customers"])
        assert cards == Counter({f"C-{c}": 1 for c in range(CUSTOMERS)})
        assert {i["TotalAmount"] for i in books["Invoices"]} == {255.75}


def connect(service: httpx.Client, myob: httpx.Client) -> dict[str, str]:
    created = service.post(
        "/v1/tenants",
        json={"name": "Killed Co"},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    )
    assert created.status_code == 201, created.text
    headers = {"Authorization": f"Bearer {created.json()['api_key']}"}
    authorize = service.get(
        "/v1/connection/authorize", params={"provider": "myob"}, headers=headers
    )
    assert authorize.status_code == 200, authorize.text
    redirect = myob.get(authorize.json()["authorize_url"])
    callback = urlsplit(redirect.headers["location"])
    answer = service.get(f"{callback.path}?{callback.query}")
    assert answer.status_code == 200, answer.text
    assert service.put("/v1/settings", json=SETTINGS, headers=headers).status_code == 200
    return headers


def submit(service: httpx.Client, headers: dict[str, str]) -> None:
    lines = [
        line(tax_code="GST"),
        line(
            kind="material", description="Valve", quantity="1", unit_price="42.50", tax_code="GST"
        ),
    ]
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
            "data": invoice(
                number=f"INV-{n}",
                customer_id=f"cust-{n % CUSTOMERS}",
                lines=lines,
                total="255.75",
            ),
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
