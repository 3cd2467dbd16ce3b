"""The push engine's cost and pace: N invoices for M customers through the host API, pushed
into the Xero sandbox with its real limits (60 calls a minute, 5 at once) on its emulated
clock, so a run of many emulated minutes takes seconds.

Prints, per phase:
  - provider calls per invoice (every call the sandbox served: lookups, contacts, invoices);
  - emulated minutes, invoices per emulated minute against the 3,000/min that 60 calls of 50
    allow, and calls per emulated minute against the 60 allowed;
  - 429s received;
  - the engine's own CPU per invoice (the process's CPU less the sandbox's, which runs
    in-process and is measured around each of its calls) and invoices per CPU second.
Phase 1 has the sandbox's limits on, phase 2 off (a second tenant, its own invoices).

With `--tenants T`, many connections at once instead: one tenant's push alone, then T
tenants' together (each with `--invoices-per-tenant` invoices), each call taking `--latency`
emulated seconds, the waits of all connections overlapping on a virtual clock. Prints both
emulated times and their ratio (goal: within 2x), 429s, and duplicates in the sandbox.

With `--kind bills`, the purchase side instead: N supplier invoices for M suppliers (each
supplier a contact, each supplier invoice a bill), with the same figures per bill and the
duplicates the sandbox holds after.

    python bench/push.py [--invoices 10000] [--customers 2000] [--database-url URL]
    python bench/push.py --kind bills [--invoices 10000] [--customers 2000]
    python bench/push.py --tenants 50 --invoices-per-tenant 200 [--latency 0.3]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import time
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from fastapi import FastAPI

from harness import Bench, bench  # bench/ is the script's directory, first on sys.path
from syncsvc.push.worker import DEFAULT_CONCURRENCY, PushWorker

Scope = MutableMapping[str, Any]
ASGI = Callable[
    [Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]
]


class TimedApp:
    """The sandbox's ASGI app, with the process CPU spent inside it added up."""

    def __init__(self, app: ASGI) -> None:
        self.app = app
        self.cpu = 0.0

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        started = time.process_time()
        try:
            await self.app(scope, receive, send)
        finally:
            self.cpu += time.process_time() - started


@dataclass
class Phase:
    name: str
    invoices: int
    calls: int
    throttled: int
    emulated_minutes: float
    engine_cpu: float
    wall: float
    unit: str = "invoice"

    def report(self) -> str:
        return self._report().replace("invoice", self.unit)

    def _report(self) -> str:
        # At 60 calls in any rolling minute, C calls cannot finish sooner than this: a burst
        # of 60 at once, then 60 more each minute.
        bound = max(0, math.ceil(self.calls / 60) - 1)
        lines = [
            f"## {self.name}",
            f"provider calls           {self.calls} ({self.calls / self.invoices:.4f} per invoice)",
            f"emulated minutes         {self.emulated_minutes:.2f} "
            f"(limit-bound for {self.calls} calls: {bound})",
        ]
        if self.emulated_minutes:
            lines += [
                f"invoices / emulated min  {self.invoices / self.emulated_minutes:,.0f} "
                "(the limit allows 3,000: 60 calls of 50)",
                f"pace vs limit-bound      {bound / self.emulated_minutes:.0%}",
            ]
        lines += [
            f"429s received            {self.throttled}",
            f"engine CPU               {self.engine_cpu:.2f} s "
            f"({self.engine_cpu / self.invoices * 1000:.3f} ms per invoice, "
            f"{self.invoices / self.engine_cpu:,.0f} invoices per CPU second)",
            f"wall time                {self.wall:.1f} s",
        ]
        return "\n".join(lines)


def invoice(n: int, prefix: str, customers: int) -> dict[str, Any]:
    return {
        "version": 1,
        "number": f"{prefix}-{n}",
        "customer_id": f"{prefix}-cust-{n % customers}",
        "issue_date": "2026-11-20",
        "due_date": "2026-12-20",
        "job_number": f"J-{n}",
        "lines": [
            {
                "kind": "labour",
                "description": "Labour",
                "quantity": "2",
                "unit_price": "95.00",
                "tax_code": "OUTPUT2",
            },
            {
                "kind": "material",
                "description": "Valve",
                "quantity": "1",
                "unit_price": "42.50",
                "tax_code": "OUTPUT2",
            },
        ],
        "total": "267.38",
    }


async def ingest(
    b: Bench, headers: dict[str, str], prefix: str, invoices: int, customers: int
) -> None:
    operations = [
        {
            "kind": "customer",
            "id": f"{prefix}-cust-{c}",
            "data": {
                "version": 1,
                "name": f"{prefix} Customer {c}",
                "customer_number": f"{prefix}-C{c}",
            },
        }
        for c in range(customers)
    ] + [
        {"kind": "invoice", "id": f"{prefix}-inv-{n}", "data": invoice(n, prefix, customers)}
        for n in range(invoices)
    ]
    await b.send(headers, operations)


def bill(n: int, prefix: str, suppliers: int) -> dict[str, Any]:
    return {
        "version": 1,
        "number": f"{prefix}-B{n}",
        "supplier_id": f"{prefix}-sup-{n % suppliers}",
        "issue_date": "2026-11-18",
        "due_date": "2026-12-20",
        "job_id": f"job-{n}",
        "lines": [
            {"description": "Pipe", "quantity": "10", "unit_price": "12.40", "tax_code": "INPUT2"},
            {"description": "Hire", "unit_price": "35.00", "tax_code": "INPUT2"},
        ],
    }


async def ingest_bills(
    b: Bench, headers: dict[str, str], prefix: str, bills: int, suppliers: int
) -> None:
    settings = (await b.service.get("/v1/settings", headers=headers)).json()
    settings["supplier_invoice_account"] = "310"  # Cost of Goods Sold
    (await b.service.put("/v1/settings", json=settings, headers=headers)).raise_for_status()
    operations = [
        {
            "kind": "supplier",
            "id": f"{prefix}-sup-{s}",
            "data": {
                "version": 1,
                "name": f"{prefix} Supplier {s}",
                "supplier_number": f"{prefix}-S{s}",
            },
        }
        for s in range(suppliers)
    ] + [
        {"kind": "supplier_invoice", "id": f"{prefix}-bill-{n}", "data": bill(n, prefix, suppliers)}
        for n in range(bills)
    ]
    await b.send(headers, operations)


async def push_phase(
    name: str,
    app: FastAPI,
    browser: httpx.AsyncClient,
    sandbox_app: TimedApp,
    emulated: Callable[[], datetime],
    invoices: int,
) -> Phase:
    state = app.state.syncsvc
    worker = PushWorker(state.sessions, state.providers, state.clock)
    before = (await browser.get("/xero/_control/stats")).json()
    emulated_start = emulated()
    sandbox_cpu = sandbox_app.cpu
    cpu, wall = time.process_time(), time.perf_counter()
    while await worker.run_once():
        pass
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    after = (await browser.get("/xero/_control/stats")).json()
    minutes = (emulated() - emulated_start).total_seconds() / 60
    return Phase(
        name,
        invoices,
        after["requests"] - before["requests"],
        after["throttled"] - before["throttled"],
        minutes,
        cpu - (sandbox_app.cpu - sandbox_cpu),
        wall,
    )


async def main(invoices: int, customers: int, database_url: str | None, bills: bool) -> None:
    async with bench(database_url, wrap_sandbox=TimedApp) as b:
        kind = b.database_url.split(":")[0]
        what = ("supplier invoices", "suppliers") if bills else ("invoices", "customers")
        print(f"# push: {invoices:,} {what[0]} for {customers:,} {what[1]}, {kind}")
        for name, prefix, limits in (("limits on", "A", True), ("limits off", "B", False)):
            await b.browser.put("/xero/_control/limits", json={"enabled": limits})
            headers = await b.connect(f"Bench {prefix}")
            started = time.perf_counter()
            load = ingest_bills if bills else ingest
            await load(b, headers, prefix, invoices, customers)
            print(f"ingest ({name}): {time.perf_counter() - started:.1f} s")
            phase = await push_phase(
                f"push, sandbox {name}",
                b.app,
                b.browser,
                b.sandbox_app,
                b.sandbox.config.clock,
                invoices,
            )
            if bills:
                phase.unit = "bill"
            print(phase.report())
            status = (await b.service.get("/v1/sync/status", headers=headers)).json()
            print("records:", {k: v for k, v in status["records"].items() if any(v.values())})
        print(f"duplicates in the sandbox  {duplicates(b)}")


def duplicates(b: Bench) -> int:
    """Documents the sandbox holds more than once under one number, in any organisation."""
    extra = 0
    for organisation in b.sandbox.xero.store.organisations.values():
        numbers = Counter(
            (
                document.get("Type"),
                (document.get("Contact") or {}).get("ContactID")
                if document.get("Type") == "ACCPAY"  # bill numbers are the supplier's
                else None,
                str(document.get("InvoiceNumber")),
            )
            for document in organisation.documents.invoices.values()
            if document.get("Status") != "DELETED"
        )
        extra += sum(count - 1 for count in numbers.values() if count > 1)
    return extra


async def many_tenants(
    tenants: int, invoices: int, latency: float, concurrency: int, database_url: str | None
) -> None:
    async with bench(database_url, latency=latency) as b:
        kind = b.database_url.split(":")[0]
        customers = max(1, invoices // 5)
        print(
            f"# push, many tenants: {tenants} tenants x {invoices:,} invoices "
            f"({customers} customers each), {latency} s per call, "
            f"{concurrency} connections at once, {kind}"
        )
        state = b.app.state.syncsvc
        worker = PushWorker(state.sessions, state.providers, state.clock, concurrency=concurrency)

        async def push(label: str, count: int) -> float:
            store = b.sandbox.xero.store
            for t in range(count):
                # Each tenant's own organisation, with its own call budget, as in life.
                organisation = store.add_organisation(f"{label} {t} Ltd")
                store.consent_organisations[:] = [organisation.tenant_id]
                headers = await b.connect(f"{label} {t}")
                await ingest(b, headers, f"{label}{t}", invoices, customers)
            before = await b.stats()
            started, wall = b.clock(), time.perf_counter()
            while await worker.run_once():
                pass
            minutes = (b.clock() - started).total_seconds() / 60
            after = await b.stats()
            print(
                f"{label:<6} {count:>3} tenant(s): {minutes:6.2f} emulated minutes, "
                f"{after['requests'] - before['requests']:>5} calls, "
                f"{after['throttled'] - before['throttled']} 429s, "
                f"wall {time.perf_counter() - wall:.1f} s"
            )
            return minutes

        alone = await push("alone", 1)
        together = await push("many", tenants)
        print(f"together / alone           {together / alone:.2f}x (goal: within 2x)")
        print(f"duplicates in the sandbox  {duplicates(b)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--tenants", type=int, default=None)
    parser.add_argument("--invoices-per-tenant", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.3, help="emulated seconds per call")
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY)
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument(
        "--kind", choices=("invoices", "bills"), default="invoices", help="what is pushed"
    )
    arguments = parser.parse_args()
    if arguments.tenants:
        asyncio.run(
            many_tenants(
                arguments.tenants,
                arguments.invoices_per_tenant,
                arguments.latency,
                arguments.concurrency,
                arguments.database_url,
            )
        )
    else:
        asyncio.run(
            main(
                arguments.invoices,
                arguments.customers,
                arguments.database_url,
                arguments.kind == "bills",
            )
        )
