"""The pull engine's cost and delay, against a package's in-process sandbox (`--provider`:
Xero by default, or QuickBooks Online) on an emulated clock.

Prints:
  - provider calls for one poll of an unchanged organisation, by route;
  - calls (by route) and wall time to pull N new payments made in the package (entered by
    its user on invoices the service pushed), and the events they became;
  - the time from a change in the package to the host's event: with polling alone
    (emulated: changes at random moments of the poll interval, each seen at the next poll),
    and with the package's webhook (real time, from the delivery to the event in the feed).

    python bench/pull.py [--provider quickbooks] [--payments 10000] [--invoices 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx

from harness import add_package_argument, bench, calls_by_route  # bench/ is first on sys.path
from packages import HOST_TAX_CODE, PACKAGES, Package, Paid
from syncsvc.pull.poller import Poller
from syncsvc.push.worker import PushWorker

INTERVAL = timedelta(minutes=5)


def invoice(n: int, package: Package) -> dict[str, Any]:
    return {
        "version": 1,
        "number": f"P-{n}",
        "customer_id": f"cust-{n % 100}",
        "issue_date": "2026-11-20",
        "lines": [
            {
                "kind": "labour",
                "description": "Labour",
                "quantity": "1",
                "unit_price": "500.00",
                "tax_code": HOST_TAX_CODE,
            }
        ],
        "total": str(package.gross(Decimal("500.00"))),
    }


async def main(payments: int, invoices: int, package: Package) -> None:
    async with bench(package=package) as b:
        service, sandbox, clock, advance = (
            b.service,
            b.sandbox,
            b.clock,
            b.advance,
        )
        app = b.app
        await b.control("PUT", "limits", json={"enabled": False})
        headers = await b.connect("Bench")
        operations: list[dict[str, Any]] = [
            {
                "kind": "customer",
                "id": f"cust-{c}",
                "data": {"version": 1, "name": f"Customer {c}", "customer_number": f"C{c}"},
            }
            for c in range(100)
        ] + [
            {"kind": "invoice", "id": f"inv-{n}", "data": invoice(n, package)}
            for n in range(invoices)
        ]
        await b.send(headers, operations)
        state = app.state.syncsvc
        await PushWorker(state.sessions, state.providers, clock).run_once()
        poller = Poller(
            state.sessions, state.providers, clock, interval=INTERVAL, rng=random.Random(1)
        )

        async def poll() -> tuple[dict[str, int], int, float]:
            advance(INTERVAL.total_seconds() * 1.2)
            before = await b.stats()
            started = time.perf_counter()
            raised = await poller.run_once()
            elapsed = time.perf_counter() - started
            return calls_by_route(before, await b.stats()), raised, elapsed

        await poll()
        calls, raised, _ = await poll()
        print(f"# pull from {package.display_name}")
        print(
            f"unchanged organisation: {sum(calls.values())} calls per poll {calls}, {raised} events"
        )

        numbers = [f"P-{n}" for n in range(invoices)]
        # Part-payments, so every invoice stays open for the later measurements.
        per_invoice = Decimal("1.00")
        package.pay(
            sandbox,
            [
                Paid(numbers[n % invoices], per_invoice, date(2026, 11, 24), f"feed {n}")
                for n in range(payments)
            ],
        )
        calls, raised, elapsed = await poll()
        print(
            f"{payments:,} new payments on {invoices:,} invoices: "
            f"{sum(calls.values())} calls in all {calls}, {raised:,} events, {elapsed:.1f} s"
        )

        # Polling alone: a change at a random moment is seen at the connection's next
        # poll (the scheduler looks for due polls every 10 emulated seconds).
        rng = random.Random(7)
        delays = []
        for n in range(20):
            advance(rng.uniform(0, INTERVAL.total_seconds()))
            last = await service.get("/v1/events", headers=headers, params={"limit": 1000})
            after_id = last.json()["next_after"]
            changed_at = clock()
            package.pay(
                sandbox, [Paid(numbers[-1 - n], Decimal("0.01"), date(2026, 11, 25), f"poll {n}")]
            )
            while not await poller.run_once():
                advance(10)
            new = (
                await service.get("/v1/events", headers=headers, params={"after": after_id})
            ).json()["events"]
            assert any(e["type"] == "payment.received" for e in new), "no event"
            delays.append((clock() - changed_at).total_seconds())
        print(
            f"change to event, polling every {int(INTERVAL.total_seconds())} s (±10%): "
            f"mean {statistics.mean(delays):.0f} s, max {max(delays):.0f} s (emulated)"
        )

        # With the package's webhook: from the delivery to the event in the feed (what was
        # queued by the bulk above is delivered first, so each delivery carries one change).
        await b.control("POST", "webhooks/flush")
        timings = []
        before = await b.stats()
        for n in range(20):
            advance(1)
            seen = await service.get("/v1/events", headers=headers, params={"limit": 1000})
            last = seen.json()["next_after"]
            package.pay(
                sandbox, [Paid(numbers[n], Decimal("0.01"), date(2026, 11, 25), f"webhook {n}")]
            )
            started = time.perf_counter()
            await b.control("POST", "webhooks/flush")
            events = (
                await service.get("/v1/events", headers=headers, params={"after": last})
            ).json()["events"]
            assert any(e["type"] == "payment.received" for e in events), "no event"
            timings.append((time.perf_counter() - started) * 1000)
        calls = calls_by_route(before, await b.stats())
        print(
            f"change to event with {package.display_name}'s webhook: "
            f"mean {statistics.mean(timings):.0f} ms, max {max(timings):.0f} ms "
            "(real time, from the delivery to the event; the in-process sandbox's work "
            f"included), {sum(calls.values()) / len(timings):.1f} calls a delivery {calls}"
        )


async def last_event_id(service: httpx.AsyncClient, headers: dict[str, str]) -> int:
    after = 0
    while True:
        page = await service.get(
            "/v1/events", headers=headers, params={"after": after, "limit": 1000}
        )
        if page.json()["next_after"] == after:
            return after
        after = page.json()["next_after"]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--payments", type=int, default=10_000)
    parser.add_argument("--invoices", type=int, default=2_000)
    add_package_argument(parser)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.payments, arguments.invoices, PACKAGES[arguments.provider]))
