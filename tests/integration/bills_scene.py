"""One tenant's purchase side through the service, for the bills tests of every package: its
host API, a push worker and a poller on the sandbox's clock, the events it is told, and a
bills reconciliation over November."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import httpx

from syncsvc.pull.poller import Poller
from syncsvc.push.worker import PushWorker
from tests.conftest import TenantHandle
from tests.factories import expense, supplier, supplier_invoice
from tests.integration.sandbox_helpers import Linked


class Scene:
    def __init__(self, link: Linked, tenant: TenantHandle) -> None:
        state = link.app.state.syncsvc
        self.link = link
        self.headers = tenant.headers
        self.worker = PushWorker(state.sessions, state.providers, link.clock, rng=random.Random(1))
        self.poller = Poller(
            state.sessions, state.providers, link.clock, interval=timedelta(minutes=5)
        )
        self.seen = 0

    async def put(self, path: str, body: dict[str, Any]) -> httpx.Response:
        answer = await self.link.service.put(path, json=body, headers=self.headers)
        assert answer.status_code in (200, 202), answer.text
        return answer

    async def sync(self, path: str) -> dict[str, Any]:
        answer = await self.link.service.get(path, headers=self.headers)
        assert answer.status_code == 200, answer.text
        return dict(answer.json()["sync"])

    async def events(self) -> list[dict[str, Any]]:
        """The events since the last call."""
        answer = await self.link.service.get(
            "/v1/events", params={"after": self.seen}, headers=self.headers
        )
        events: list[dict[str, Any]] = answer.json()["events"]
        if events:
            self.seen = events[-1]["id"]
        return events

    async def poll(self) -> list[dict[str, Any]]:
        """Past the poll interval, one poll: the events it raised."""
        self.link.advance(331)
        await self.poller.run_once()
        return await self.events()


async def reconcile_bills(made: Scene, *, fix: bool = False) -> dict[str, Any]:
    started = await made.link.service.post(
        "/v1/reconciliations",
        json={"from": "2026-11-01", "to": "2026-11-30", "kind": "bills", "fix": fix},
        headers=made.headers,
    )
    assert started.status_code == 202, started.text
    report: dict[str, Any] = (
        await made.link.service.get(started.headers["location"], headers=made.headers)
    ).json()
    assert report["status"] == "done", report
    return report


async def enter_costs_to_resolve(
    made: Scene, *, job_type_account: str, line_account: str, paid_from: str
) -> None:
    """A supplier; its bill of three lines (for job type `install`, whose expenses go to
    `job_type_account`; one line with its own account, `line_account`; one of job type
    `service`, which has no override); an expense paid from `paid_from`; one owed, for
    `install`."""
    answer = await made.link.service.put(
        "/v1/settings/job-types/install",
        json={"expenses_account": job_type_account},
        headers=made.headers,
    )
    assert answer.status_code == 200, answer.text
    await made.put("/v1/suppliers/sup-1", supplier())
    lines = [
        {"description": "Pipe", "quantity": "10", "unit_price": "12.40", "tax_code": "GST-IN"},
        {"description": "Hire", "unit_price": "35.00", "account_code": line_account},
        {
            "description": "Fittings",
            "unit_price": "8.00",
            "job_type_id": "service",  # no override: the default
            "tax_code": "GST-IN",
        },
    ]
    bill = supplier_invoice(job_type_id="install", lines=lines)
    await made.put("/v1/supplier-invoices/bill-1", bill)
    await made.put("/v1/expenses/exp-paid", expense(paid_from_account=paid_from))
    owed = expense(supplier_id="sup-1", payee=None, paid_from_account=None, job_type_id="install")
    await made.put("/v1/expenses/exp-owed", owed)
