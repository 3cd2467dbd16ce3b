"""Reconciliation's cost: N invoices issued over a year, pushed to the Xero sandbox, some paid
in Xero and some edited there; then one report over the year with the sandbox's limits on
its emulated clock. Prints provider calls (target: at most 25 for 10,000 invoices and their
payments) and wall time (target: under 30 s), and what the report found.

    python bench/reconcile.py [--invoices 10000] [--customers 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from harness import bench  # bench/ is the script's directory, first on sys.path
from syncsvc.push.worker import PushWorker


def invoice(n: int, customers: int) -> dict[str, Any]:
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
                "tax_code": "OUTPUT2",
            }
        ],
        "total": "218.50",
    }


async def main(invoices: int, customers: int) -> None:
    async with bench() as b:
        await b.browser.put("/xero/_control/limits", json={"enabled": False})
        headers = await b.connect("Reconcile bench")
        operations = [
            {
                "kind": "customer",
                "id": f"cust-{c}",
                "data": {"version": 1, "name": f"Customer {c}", "customer_number": f"C{c}"},
            }
            for c in range(customers)
        ] + [
            {"kind": "invoice", "id": f"inv-{n}", "data": invoice(n, customers)}
            for n in range(invoices)
        ]
        await b.send(headers, operations)
        state = b.app.state.syncsvc
        while await PushWorker(state.sessions, state.providers, b.clock).run_once():
            pass
        ledger = next(iter(b.sandbox.xero.store.organisations.values())).documents
        for n in range(0, invoices, 20):  # paid in Xero only
            target = ledger.find_invoice(f"R-{n}")
            ledger.apply_payment(
                {
                    "Invoice": {"InvoiceID": target["InvoiceID"]},
                    "Account": {"Code": "090"},
                    "Date": "2026-12-01",
                    "Amount": Decimal("218.50"),
                    "Reference": f"feed {n}",
                }
            )
        b.advance(3600)
        await b.browser.put("/xero/_control/limits", json={"enabled": True})
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
        print(f"# reconcile: {invoices:,} invoices over 2026, {customers:,} customers")
        print(f"status                 {report['status']}")
        print(
            f"provider calls         {after['requests'] - before['requests']} "
            f"(pages of invoices: {report['calls']})"
        )
        print(f"429s received          {after['throttled'] - before['throttled']}")
        print(f"wall time              {elapsed:.1f} s")
        print(f"summary                {report['summary']}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--customers", type=int, default=2_000)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.invoices, arguments.customers))
