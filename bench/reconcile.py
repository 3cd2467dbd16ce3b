"""Reconciliation's cost: N invoices issued over a year, pushed to a package's sandbox
(`--provider`: Xero by default, or QuickBooks Online), one in twenty paid there only; then
one report over the year with the sandbox's limits on its emulated clock. Prints provider
calls (target: at most 25 for 10,000 invoices and their payments), 429s and wall time
(target: under 30 s), and what the report found.

    python bench/reconcile.py [--provider quickbooks] [--invoices 10000] [--customers 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from harness import add_package_argument, bench, calls_by_route  # bench/ is first on sys.path
from packages import HOST_TAX_CODE, PACKAGES, Package, Paid
from syncsvc.push.worker import PushWorker

LABOUR = Decimal("190.00")  # 2 h at 95.00


def invoice(n: int, customers: int, package: Package) -> dict[str, Any]:
    issued = date(2026, 1, 1) + timedelta(days=n % 365)
    return {
        "version": 1,
        "number": f"R-{n}",
        "customer_id": f"cust-{n % customers}",
        "issue_date": issued.isoformat(),
        "lines": [
            {
                "kind": "labour",
                "description": "Labour",
                "quantity": "2",
                "unit_price": "95.00",
                "tax_code": HOST_TAX_CODE,
            }
        ],
        "total": str(package.gross(LABOUR)),
    }


async def main(invoices: int, customers: int, package: Package) -> None:
    async with bench(package=package) as b:
        await b.control("PUT", "limits", json={"enabled": False})
        headers = await b.connect("Reconcile bench")
        operations = [
            {
                "kind": "customer",
                "id": f"cust-{c}",
                "data": {"version": 1, "name": f"Customer {c}", "customer_number": f"C{c}"},
            }
            for c in range(customers)
        ] + [
            {"kind": "invoice", "id": f"inv-{n}", "data": invoice(n, customers, package)}
            for n in range(invoices)
        ]
        await b.send(headers, operations)
        state = b.app.state.syncsvc
        while await PushWorker(state.sessions, state.providers, b.clock).run_once():
            pass
        total = package.gross(LABOUR)
        package.pay(  # paid in the package only
            b.sandbox,
            [Paid(f"R-{n}", total, date(2026, 12, 1), f"feed {n}") for n in range(0, invoices, 20)],
        )
        b.advance(3600)
        await b.control("PUT", "limits", json={"enabled": True})
        before = await b.stats()
        started = time.perf_counter()
        answer = await b.service.post(
            "/v1/reconciliations",
            json={"from": "2026-01-01", "to": "2026-12-31"},
            headers=headers,
        )
        report = (await b.service.get(answer.headers["location"], headers=headers)).json()
        elapsed = time.perf_counter() - started
        after = await b.stats()
        print(
            f"# reconcile with {package.display_name}: {invoices:,} invoices over 2026, "
            f"{customers:,} customers"
        )
        print(f"status                 {report['status']}")
        print(
            f"provider calls         {after['requests'] - before['requests']} "
            f"(pages of invoices: {report['calls']})"
        )
        print(f"calls by route         {calls_by_route(before, after)}")
        print(f"429s received          {package.throttled(after) - package.throttled(before)}")
        print(f"wall time              {elapsed:.1f} s")
        print(f"summary                {report['summary']}")
        unlike = [row for row in report.get("rows", []) if row.get("outcome") == "different"]
        if unlike:
            print(f"first difference       {unlike[0]}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--customers", type=int, default=2_000)
    add_package_argument(parser)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.invoices, arguments.customers, PACKAGES[arguments.provider]))
