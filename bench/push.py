"""The push engine's cost and pace: N invoices for M customers through the host API, pushed
into a package's sandbox (`--provider`: Xero by default, 60 calls a minute, 5 at once;
QuickBooks Online, 500 a minute, 10 at once, 40 batch calls a minute) with its real limits
on its emulated clock, so a run of many emulated minutes takes seconds.

Prints, per phase:
  - provider calls per invoice (every call the sandbox served: lookups, contacts, invoices),
    and batch calls where the package counts them apart;
  - the write calls by kind against one per `batch_size` records of any kind;
  - emulated minutes against the limit-bound minutes the package's RateLimits allow for the
    calls made (each limit's arithmetic, and which binds), and the pace as a percentage;
  - 429s received, and invoices the sandbox holds twice under one number;
  - the engine's own CPU per invoice (the process's CPU less the sandbox's, which runs
    in-process and is measured around each of its calls) and invoices per CPU second.
Phase 1 has the sandbox's limits on, phase 2 off (a second tenant, its own invoices).
Phase 3, limits on, is the steady state: a third tenant's customers are pushed first, then
its invoices are counted alone (calls per invoice without the customers' own calls; with
new customers in the same run no package can carry fewer than one call per `batch_size`
records of any kind, which the phase-1 "kinds mixed" figure shows).

With `--tenants T`, many connections at once instead: one tenant's push alone, then T
tenants' together (each with `--invoices-per-tenant` invoices), each call taking `--latency`
emulated seconds, the waits of all connections overlapping on a virtual clock. Prints both
emulated times and their ratio (goal: within 2x), 429s, and duplicates in the sandbox.

With `--kind bills`, the purchase side instead: N supplier invoices for M suppliers (each
supplier a contact, each supplier invoice a bill), with the same figures per bill and the
duplicates the sandbox holds after.

    python bench/push.py [--provider quickbooks] [--invoices 10000] [--customers 2000]
    python bench/push.py --kind bills [--provider xero] [--invoices 10000] [--customers 2000]
    python bench/push.py --tenants 50 --invoices-per-tenant 200 [--latency 0.3]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from harness import (  # bench/ is first on sys.path
    Bench,
    add_package_argument,
    bench,
    calls_by_route,
)
from packages import HOST_TAX_CODE, PACKAGES, Package
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


def burst_minutes(calls: int, per_minute: int) -> int:
    """At `per_minute` in any rolling minute, `calls` cannot finish sooner than this: a
    burst of `per_minute` at once, then as many more each minute."""
    return max(0, math.ceil(calls / per_minute) - 1)


@dataclass
class Phase:
    name: str
    package: Package
    invoices: int
    customers: int
    calls: int
    batch_calls: int | None  # calls its batch limit counts; None: it has none
    other_calls: dict[str, int]  # the calls that are not batch calls, by route
    throttled: int
    duplicates: int
    emulated_minutes: float
    engine_cpu: float
    wall: float
    unit: str = "invoice"

    def bounds(self) -> list[tuple[int, str]]:
        """Minutes each limit holds these calls to, with the arithmetic."""
        limits = self.package.limits
        found: list[tuple[int, str]] = []
        if limits.per_minute:
            minutes = burst_minutes(self.calls, limits.per_minute)
            found.append(
                (minutes, f"{self.calls} calls at {limits.per_minute}/min -> {minutes} min")
            )
        if limits.batch_per_minute and self.batch_calls is not None:
            minutes = burst_minutes(self.batch_calls, limits.batch_per_minute)
            found.append(
                (
                    minutes,
                    f"{self.batch_calls} batch calls at {limits.batch_per_minute}/min "
                    f"-> {minutes} min",
                )
            )
        if limits.per_second:
            seconds = math.ceil(self.calls / limits.per_second)
            found.append(
                (
                    seconds // 60,
                    f"{self.calls} calls at {limits.per_second}/s -> {seconds / 60:.2f} min",
                )
            )
        return found

    def packing(self) -> str:
        """Write calls by kind against one call per `batch_size` records of any kind."""
        size = self.package.batch_size
        customers = math.ceil(self.customers / size)
        invoices = math.ceil(self.invoices / size)
        mixed = math.ceil((self.customers + self.invoices) / size)
        line = (
            f"ceil({self.customers}/{size}) + ceil({self.invoices}/{size}) = "
            f"{customers} + {invoices} = {customers + invoices} write calls "
            f"(kinds mixed: ceil({self.customers + self.invoices}/{size}) = {mixed}"
        )
        limit = self.package.limits.batch_per_minute
        if limit and self.batch_calls is not None:
            line += f" -> {burst_minutes(mixed, limit)} min at {limit}/min"
        return line + ")"

    def report(self) -> str:
        bounds = self.bounds()
        bound, binding = max(bounds) if bounds else (0, "no limit")
        lines = [
            f"## {self.name}",
            f"{'invoices, customers':<25}{self.invoices:,}, {self.customers:,}",
            f"provider calls           {self.calls} ({self.calls / self.invoices:.4f} per invoice)",
        ]
        if self.batch_calls is not None:
            lines.append(
                f"batch calls              {self.batch_calls} "
                f"({self.batch_calls / self.invoices:.4f} per invoice)"
            )
            lines.append(f"other calls              {self.other_calls}")
        lines += [
            f"batches by kind          {self.packing()}",
            f"emulated minutes         {self.emulated_minutes:.2f}",
            "limit-bound minutes      "
            + "; ".join(text for _, text in bounds)
            + f" => {bound} ({binding.split(' at ')[1].split(' ->')[0]} binds)",
        ]
        if self.emulated_minutes:
            lines += [
                f"invoices / emulated min  {self.invoices / self.emulated_minutes:,.0f}",
                f"pace vs limit-bound      {bound / self.emulated_minutes:.0%}",
            ]
        lines += [
            f"429s received            {self.throttled}",
            f"duplicates in sandbox    {self.duplicates}",
            f"engine CPU               {self.engine_cpu:.2f} s "
            f"({self.engine_cpu / self.invoices * 1000:.3f} ms per invoice, "
            f"{self.invoices / self.engine_cpu:,.0f} invoices per CPU second)",
            f"wall time                {self.wall:.1f} s",
        ]
        text = "\n".join(lines)
        if self.unit == "bill":
            text = text.replace("invoices, customers", "bills, suppliers".ljust(19))
            text = text.replace("invoice", "bill")
        return text


def invoice(n: int, prefix: str, customers: int, package: Package) -> dict[str, Any]:
    labour, parts = Decimal("190.00"), Decimal("42.50")  # 2 h at 95.00, a valve
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
                "tax_code": HOST_TAX_CODE,
            },
            {
                "kind": "material",
                "description": "Valve",
                "quantity": "1",
                "unit_price": "42.50",
                "tax_code": HOST_TAX_CODE,
            },
        ],
        "total": str(package.gross(labour) + package.gross(parts)),
    }


async def ingest(
    b: Bench,
    headers: dict[str, str],
    prefix: str,
    invoices: int,
    customers: int,
    *,
    with_customers: bool = True,
) -> None:
    """`customers` customers and `invoices` invoices spread over them; without
    `with_customers`, the invoices alone (their customers sent before)."""
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
        for c in range(customers if with_customers else 0)
    ] + [
        {
            "kind": "invoice",
            "id": f"{prefix}-inv-{n}",
            "data": invoice(n, prefix, customers, b.package),
        }
        for n in range(invoices)
    ]
    await b.send(headers, operations)


def bill(n: int, prefix: str, suppliers: int, tax_code: str) -> dict[str, Any]:
    return {
        "version": 1,
        "number": f"{prefix}-B{n}",
        "supplier_id": f"{prefix}-sup-{n % suppliers}",
        "issue_date": "2026-11-18",
        "due_date": "2026-12-20",
        "job_id": f"job-{n}",
        "lines": [
            {"description": "Pipe", "quantity": "10", "unit_price": "12.40", "tax_code": tax_code},
            {"description": "Hire", "unit_price": "35.00", "tax_code": tax_code},
        ],
    }


async def ingest_bills(
    b: Bench, headers: dict[str, str], prefix: str, bills: int, suppliers: int
) -> None:
    purchases = b.package.purchases
    assert purchases is not None, "checked before the run"
    settings = (await b.service.get("/v1/settings", headers=headers)).json()
    settings["supplier_invoice_account"] = purchases.bills_account
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
        {
            "kind": "supplier_invoice",
            "id": f"{prefix}-bill-{n}",
            "data": bill(n, prefix, suppliers, purchases.tax_code),
        }
        for n in range(bills)
    ]
    await b.send(headers, operations)


async def push_phase(
    name: str, b: Bench, sandbox_app: TimedApp, invoices: int, customers: int
) -> Phase:
    state = b.app.state.syncsvc
    worker = PushWorker(state.sessions, state.providers, state.clock)
    # The organisation's last minute of calls (an earlier phase's) passes first.
    b.advance(60)
    before = await b.stats()
    emulated_start = b.sandbox.config.clock()
    sandbox_cpu = sandbox_app.cpu
    cpu, wall = time.process_time(), time.perf_counter()
    while await worker.run_once():
        pass
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    after = await b.stats()
    minutes = (b.sandbox.config.clock() - emulated_start).total_seconds() / 60
    route = b.package.batch_route
    by_route = calls_by_route(before, after)
    batch_calls = None if route is None else by_route.pop(route, 0)
    return Phase(
        name,
        b.package,
        invoices,
        customers,
        after["requests"] - before["requests"],
        batch_calls,
        by_route,
        b.package.throttled(after) - b.package.throttled(before),
        b.package.duplicates(b.sandbox),
        minutes,
        cpu - (sandbox_app.cpu - sandbox_cpu),
        wall,
    )


async def main(
    invoices: int, customers: int, database_url: str | None, package: Package, bills: bool
) -> None:
    async with bench(database_url, wrap_sandbox=TimedApp, package=package) as b:
        kind = b.database_url.split(":")[0]
        what = ("supplier invoices", "suppliers") if bills else ("invoices", "customers")
        print(
            f"# push to {package.display_name}: {invoices:,} {what[0]} for "
            f"{customers:,} {what[1]}, {kind}"
        )
        for name, prefix, limits in (("limits on", "A", True), ("limits off", "B", False)):
            await b.control("PUT", "limits", json={"enabled": limits})
            headers = await b.connect(f"Bench {prefix}")
            started = time.perf_counter()
            load = ingest_bills if bills else ingest
            await load(b, headers, prefix, invoices, customers)
            print(f"ingest ({name}): {time.perf_counter() - started:.1f} s")
            phase = await push_phase(f"push, sandbox {name}", b, b.sandbox_app, invoices, customers)
            if bills:
                phase.unit = "bill"
            print(phase.report())
            status = (await b.service.get("/v1/sync/status", headers=headers)).json()
            print("records:", {k: v for k, v in status["records"].items() if any(v.values())})
        if not bills:
            await invoices_alone(b, invoices, customers)


async def invoices_alone(b: Bench, invoices: int, customers: int) -> None:
    """The steady state: the customers were synced before (as a business's are, long before
    its invoices), so the calls counted are the invoices' own, lookups included."""
    await b.control("PUT", "limits", json={"enabled": True})
    headers = await b.connect("Bench C")
    await ingest(b, headers, "C", 0, customers)
    first = await push_phase("customers first", b, b.sandbox_app, 0, customers)  # calls only
    await ingest(b, headers, "C", invoices, customers, with_customers=False)
    phase = await push_phase(
        "push, sandbox limits on, customers synced before", b, b.sandbox_app, invoices, 0
    )
    print(f"customers first          {customers:,} in {first.calls} calls, then:")
    print(phase.report())


async def many_tenants(
    tenants: int,
    invoices: int,
    latency: float,
    concurrency: int,
    database_url: str | None,
    package: Package,
) -> None:
    new_organisation = package.new_organisation
    assert new_organisation is not None
    async with bench(database_url, latency=latency, package=package) as b:
        kind = b.database_url.split(":")[0]
        customers = max(1, invoices // 5)
        print(
            f"# push to {package.display_name}, many tenants: {tenants} tenants x "
            f"{invoices:,} invoices "
            f"({customers} customers each), {latency} s per call, "
            f"{concurrency} connections at once, {kind}"
        )
        state = b.app.state.syncsvc
        worker = PushWorker(state.sessions, state.providers, state.clock, concurrency=concurrency)

        async def push(label: str, count: int) -> float:
            for t in range(count):
                # Each tenant's own organisation, with its own call budget, as in life.
                new_organisation(b.sandbox, f"{label} {t}")
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
                f"{package.throttled(after) - package.throttled(before)} 429s, "
                f"wall {time.perf_counter() - wall:.1f} s"
            )
            return minutes

        alone = await push("alone", 1)
        together = await push("many", tenants)
        print(f"together / alone           {together / alone:.2f}x (goal: within 2x)")
        print(f"duplicates in the sandbox  {package.duplicates(b.sandbox)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--tenants", type=int, default=None)
    parser.add_argument("--invoices-per-tenant", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.3, help="emulated seconds per call")
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY)
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    add_package_argument(parser)
    parser.add_argument(
        "--kind", choices=("invoices", "bills"), default="invoices", help="what is pushed"
    )
    arguments = parser.parse_args()
    package = PACKAGES[arguments.provider]
    if arguments.tenants and package.new_organisation is None:
        parser.error(f"--tenants: the {package.display_name} sandbox bench has one company")
    if arguments.kind == "bills" and package.purchases is None:
        parser.error(f"--kind bills: the {package.display_name} sandbox takes no bills yet")
    if arguments.tenants:
        asyncio.run(
            many_tenants(
                arguments.tenants,
                arguments.invoices_per_tenant,
                arguments.latency,
                arguments.concurrency,
                arguments.database_url,
                package,
            )
        )
    else:
        asyncio.run(
            main(
                arguments.invoices,
                arguments.customers,
                arguments.database_url,
                package,
                arguments.kind == "bills",
            )
        )
