"""The purchases contract, for every package whose facts say it writes bills: what the push,
pull and reconciliation engines rely on for suppliers' invoices, in canonical terms, run
against each package's sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from syncsvc.models.enums import RecordKind
from syncsvc.providers.base import ChangedSince, Dated, PushItem
from syncsvc.providers.documents import Contact, Line, PurchaseDocument, State
from syncsvc.providers.errors import Misconfigured, RecordError, Transient
from tests.contract.drivers import DRIVERS, Connected, Driver
from tests.contract.helpers import item_for, push_one, scan_all
from tests.integration.sandbox_helpers import START

DAY = START.date()
BILL = RecordKind.SUPPLIER_INVOICE
PURCHASE_DRIVERS = [d for d in DRIVERS if d.writes_purchases]


@pytest.fixture(params=PURCHASE_DRIVERS, ids=[d.label for d in PURCHASE_DRIVERS])
async def connected(
    request: pytest.FixtureRequest, database_url: str, tmp_path: Path
) -> AsyncIterator[Connected]:
    driver: Driver = request.param
    assert driver.pay_bill_in_package is not None, f"{driver.label}: no pay_bill_in_package"
    async with driver.connect(database_url, tmp_path) as value:
        yield value


async def _supplier(connected: Connected) -> str:
    document = Contact(name="Plumbing Supplies Ltd", number="S-2001")
    link = await push_one(connected, item_for(connected, RecordKind.SUPPLIER, "sup-1", document))
    return str(link.id)


def _bill(connected: Connected, number: str, supplier: str, **changes: Any) -> PurchaseDocument:
    driver = connected.driver
    fields: dict[str, Any] = {
        "kind": "bill",
        "number": number,
        "contact": supplier,
        "issue_date": DAY,
        "due_date": DAY + timedelta(days=30),
        "lines": (
            Line(
                "Copper pipe",
                Decimal(1),
                Decimal("100.00"),
                driver.expense_account,
                driver.purchase_tax_code,
            ),
        ),
        "tax_mode": "exclusive",
    }
    fields.update(changes)
    return PurchaseDocument(**fields)


async def test_a_bills_second_push_updates_it(connected: Connected) -> None:
    supplier = await _supplier(connected)
    first = await push_one(
        connected, item_for(connected, BILL, "bill-1", _bill(connected, "PS-1", supplier))
    )
    line = replace(_bill(connected, "PS-1", supplier).lines[0], unit_price=Decimal("120.00"))
    changed = _bill(connected, "PS-1", supplier, lines=(line,))
    second = await push_one(connected, item_for(connected, BILL, "bill-1", changed, link=first))
    assert second.id == first.id
    found = await connected.books.find(BILL, [str(first.key)])
    held = found[str(first.key)]
    assert [ln.unit_price * ln.quantity for ln in held.document.lines] == [Decimal("120.00")]
    assert held.document.contact == supplier
    assert held.state is State.OPEN


async def test_a_lost_answer_is_found_by_its_key_and_never_written_twice(
    connected: Connected,
) -> None:
    supplier = await _supplier(connected)
    route = connected.driver.write_routes[BILL]
    await connected.control("PUT", "/faults", json={"lose_next": [route]})
    document = _bill(connected, "PS-LOST", supplier)
    item = item_for(connected, BILL, "bill-lost", document)
    with pytest.raises(Transient) as lost:
        await connected.books.push(BILL, [item])
    assert lost.value.uncertain
    held = (await connected.books.find(BILL, [str(item.link.key)]))[str(item.link.key)]
    again = await push_one(connected, PushItem(BILL, "bill-lost", document, held.link))
    assert again.id == held.link.id
    in_range = await scan_all(connected, BILL, Dated(DAY, DAY))
    assert [r.link.id for r in in_range if r.document.number == "PS-LOST"] == [held.link.id]


async def test_one_invalid_bill_fails_alone(connected: Connected) -> None:
    supplier = await _supplier(connected)
    bad_line = Line("Pipe", Decimal(1), Decimal("10.00"), "NO-SUCH-ACCOUNT", None)
    items = [
        item_for(connected, BILL, "bill-good", _bill(connected, "PS-GOOD", supplier)),
        item_for(
            connected, BILL, "bill-bad", _bill(connected, "PS-BAD", supplier, lines=(bad_line,))
        ),
    ]
    answers = await connected.books.push(BILL, items)
    assert [a.host_id for a in answers] == ["bill-good", "bill-bad"]
    assert answers[0].error is None
    assert answers[0].link is not None
    assert answers[0].link.id
    assert isinstance(answers[1].error, RecordError | Misconfigured)
    assert answers[1].error.message  # the package's own words


async def test_remove_is_idempotent(connected: Connected) -> None:
    supplier = await _supplier(connected)
    document = _bill(connected, "PS-GONE", supplier)
    link = await push_one(connected, item_for(connected, BILL, "bill-gone", document))
    removal = PushItem(BILL, "bill-gone", document, link, remove=True)
    for _ in range(2):
        [answer] = await connected.books.push(BILL, [removal])
        assert answer.error is None, answer.error
    held = await connected.books.find(BILL, [str(link.key)])
    assert str(link.key) not in held or held[str(link.key)].state in (State.VOID, State.GONE)


async def test_a_bill_paid_in_the_package_comes_back_with_its_payment(
    connected: Connected,
) -> None:
    supplier = await _supplier(connected)
    document = _bill(connected, "PS-PAID", supplier)
    link = await push_one(connected, item_for(connected, BILL, "bill-paid", document))
    [written] = (await connected.books.find(BILL, [str(link.key)])).values()
    assert written.total is not None
    since = connected.link.sandbox.config.clock() - timedelta(seconds=1)
    connected.link.advance(5)
    pay = connected.driver.pay_bill_in_package
    assert pay is not None
    payment_id = await pay(connected, str(link.id), written.total, DAY + timedelta(days=1))
    [remote] = [
        r for r in await scan_all(connected, BILL, ChangedSince(since)) if r.link.id == link.id
    ]
    assert remote.state is State.PAID
    assert remote.amount_paid == written.total
    assert remote.paid_on == DAY + timedelta(days=1)
    [paid] = remote.receipts
    assert (paid.link.id, paid.document.amount) == (payment_id, written.total)
    assert paid.document.date == DAY + timedelta(days=1)


async def test_a_date_range_holds_the_bills_dated_in_it(connected: Connected) -> None:
    supplier = await _supplier(connected)
    for number, day in (("PS-OLD", DAY - timedelta(days=40)), ("PS-NOW", DAY)):
        document = _bill(connected, number, supplier, issue_date=day, due_date=day)
        await push_one(connected, item_for(connected, BILL, number, document))
    in_range = await scan_all(connected, BILL, Dated(DAY - timedelta(days=7), DAY))
    numbers = {r.document.number for r in in_range}
    assert "PS-NOW" in numbers
    assert "PS-OLD" not in numbers
    [now] = [r for r in in_range if r.document.number == "PS-NOW"]
    assert now.state is State.OPEN
    assert now.document.contact == supplier
    assert now.total is not None
    assert now.total > Decimal("100.00")  # taxed at the purchase rate
