"""The contract every provider package keeps, run against each package's sandbox: what the
engines rely on, in the engines' own terms (canonical documents, links, states, typed
errors). A package that passes these can be put under the engines unchanged."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from syncsvc.models.enums import RecordKind
from syncsvc.providers.base import ByIds, ChangedSince, Dated, Everything, LookupKind, PushItem
from syncsvc.providers.documents import Contact, Line, Link, Receipt, SalesDocument, State
from syncsvc.providers.errors import (
    Misconfigured,
    NeedsReauth,
    RateLimited,
    Reason,
    RecordError,
    Transient,
)
from syncsvc.push.worker import PushWorker
from tests.contract.drivers import Connected
from tests.contract.helpers import item_for, push_one, scan_all
from tests.factories import customer, invoice, payment
from tests.integration.sandbox_helpers import START

DAY = START.date()


def _contact(name: str, number: str) -> Contact:
    return Contact(name=name, number=number, email=f"{number.lower()}@example.com")


async def _new_contact(connected: Connected, number: str = "C-1") -> Link:
    document = _contact(f"Customer {number}", number)
    return await push_one(connected, item_for(connected, RecordKind.CUSTOMER, number, document))


def _invoice(connected: Connected, number: str, contact_id: str, **changes: Any) -> SalesDocument:
    driver = connected.driver
    fields: dict[str, Any] = {
        "kind": "invoice",
        "number": number,
        "contact": contact_id,
        "issue_date": DAY,
        "lines": (
            Line("Labour", Decimal(2), Decimal("95.00"), driver.income_account, driver.tax_code),
        ),
        "tax_mode": "exclusive",
        "status": "approved",
        "reference": number,
    }
    fields.update(changes)
    return SalesDocument(**fields)


async def _new_invoice(connected: Connected, number: str, contact_id: str) -> Link:
    document = _invoice(connected, number, contact_id)
    return await push_one(connected, item_for(connected, RecordKind.INVOICE, number, document))


async def test_a_second_push_of_a_record_updates_it(connected: Connected) -> None:
    first = await _new_contact(connected)
    renamed = _contact("Harbour Cafe (renamed)", "C-1")
    item = item_for(connected, RecordKind.CUSTOMER, "C-1", renamed, link=first)
    second = await push_one(connected, item)
    assert second.id == first.id
    found = await connected.books.find(RecordKind.CUSTOMER, [str(first.key)])
    assert found[str(first.key)].document.name == "Harbour Cafe (renamed)"
    everyone = await scan_all(connected, RecordKind.CUSTOMER, Everything())
    assert [r.link.id for r in everyone if r.link.key == first.key] == [first.id]


async def test_a_lost_answer_is_found_by_its_key_and_never_written_twice(
    connected: Connected,
) -> None:
    contact = await _new_contact(connected)
    route = connected.driver.write_routes[RecordKind.INVOICE]
    await connected.control("PUT", "/faults", json={"lose_next": [route]})
    document = _invoice(connected, "INV-LOST", str(contact.id))
    item = item_for(connected, RecordKind.INVOICE, "inv-lost", document)
    with pytest.raises(Transient) as lost:
        await connected.books.push(RecordKind.INVOICE, [item])
    assert lost.value.uncertain
    found = await connected.books.find(RecordKind.INVOICE, [str(item.link.key)])
    held = found[str(item.link.key)]
    adopted = PushItem(item.kind, item.host_id, document, held.link)
    again = await push_one(connected, adopted)
    assert again.id == held.link.id
    in_range = await scan_all(connected, RecordKind.INVOICE, Dated(DAY, DAY))
    assert [r.link.id for r in in_range if r.document.number == "INV-LOST"] == [held.link.id]


async def test_one_invalid_item_fails_alone_and_the_rest_are_written(
    connected: Connected,
) -> None:
    contact = await _new_contact(connected)
    good = _invoice(connected, "INV-GOOD", str(contact.id))
    bad_line = Line("Labour", Decimal(1), Decimal("10.00"), "NO-SUCH-ACCOUNT", None)
    bad = _invoice(connected, "INV-BAD", str(contact.id), lines=(bad_line,))
    items = [
        item_for(connected, RecordKind.INVOICE, "inv-good", good),
        item_for(connected, RecordKind.INVOICE, "inv-bad", bad),
    ]
    answers = await connected.books.push(RecordKind.INVOICE, items)
    assert [a.host_id for a in answers] == ["inv-good", "inv-bad"]
    assert answers[0].error is None
    assert answers[0].link is not None
    assert answers[0].link.id
    assert isinstance(answers[1].error, RecordError | Misconfigured)
    assert answers[1].error.message  # the package's own words


async def test_a_document_in_a_locked_period_is_refused_as_such(connected: Connected) -> None:
    contact = await _new_contact(connected)
    await connected.driver.lock_books(connected, DAY)
    document = _invoice(connected, "INV-LOCKED", str(contact.id))
    [answer] = await connected.books.push(
        RecordKind.INVOICE, [item_for(connected, RecordKind.INVOICE, "inv-locked", document)]
    )
    assert isinstance(answer.error, RecordError)
    assert answer.error.reason is Reason.LOCKED_PERIOD


async def test_remove_is_idempotent(connected: Connected) -> None:
    contact = await _new_contact(connected)
    link = await _new_invoice(connected, "INV-VOID", str(contact.id))
    document = _invoice(connected, "INV-VOID", str(contact.id))
    removal = PushItem(RecordKind.INVOICE, "inv-void", document, link, remove=True)
    for _ in range(2):
        [answer] = await connected.books.push(RecordKind.INVOICE, [removal])
        assert answer.error is None, answer.error
    held = await connected.books.find(RecordKind.INVOICE, [str(link.key)])
    assert str(link.key) not in held or held[str(link.key)].state in (State.VOID, State.GONE)


async def test_an_edited_payment_leaves_one_live_payment(connected: Connected) -> None:
    link, h = connected.link, connected.tenant.headers
    driver = connected.driver
    settings = {
        "payments_account": driver.bank_account,
        "labour_income_account": driver.income_account,
        "default_income_account": driver.income_account,  # surcharges land here
    }
    assert (await link.service.put("/v1/settings", json=settings, headers=h)).is_success
    await link.service.put("/v1/customers/cust-1", json=customer(), headers=h)
    lines = [
        {
            "kind": "labour",
            "description": "Labour",
            "quantity": "2",
            "unit_price": "100.00",
            "tax_code": driver.tax_code,
        }
    ]
    await link.service.put("/v1/invoices/inv-1", json=invoice(lines=lines, total=None), headers=h)
    await link.service.put("/v1/payments/pay-1", json=payment(amount="50.00"), headers=h)
    state = link.app.state.syncsvc
    worker = PushWorker(state.sessions, state.providers, link.clock, rng=random.Random(1))
    await worker.run_once()
    edit = payment(version=2, amount="80.00")
    assert (await link.service.put("/v1/payments/pay-1", json=edit, headers=h)).status_code == 202
    await worker.run_once()
    read = (await link.service.get("/v1/payments/pay-1", headers=h)).json()
    assert read["sync"]["state"] == "synced", read["sync"]
    invoice_id = (await link.service.get("/v1/invoices/inv-1", headers=h)).json()["sync"]
    paid = await scan_all(connected, RecordKind.PAYMENT, Dated(DAY - timedelta(days=30), DAY))
    live = [r for r in paid if r.state is not State.GONE]
    on_invoice = [r for r in live if r.document.invoice == invoice_id["provider_id"]]
    assert [r.document.amount for r in on_invoice] == [Decimal("80.00")]
    # Its surcharge went with it: one live surcharge receipt, of the surcharge's amount.
    surcharges = [r for r in live if r.document.invoice != invoice_id["provider_id"]]
    assert [r.document.amount for r in surcharges] == [Decimal("3.49")]


async def test_a_stale_version_never_stays_the_service_copy(connected: Connected) -> None:
    """Whatever the package does with a stale concurrency token (re-read and write, or
    refuse with Conflict), what the service is told is the package's version now."""
    first = await _new_contact(connected)
    fresh = _contact("Edited once", "C-1")
    second = await push_one(
        connected, item_for(connected, RecordKind.CUSTOMER, "C-1", fresh, link=first)
    )
    stale = _contact("Edited with a stale version", "C-1")
    [answer] = await connected.books.push(
        RecordKind.CUSTOMER, [item_for(connected, RecordKind.CUSTOMER, "C-1", stale, link=first)]
    )
    held = (await connected.books.find(RecordKind.CUSTOMER, [str(first.key)]))[str(first.key)]
    if answer.error is not None:
        assert held.link.version == second.version  # refused: nothing overwritten
    else:
        assert answer.link is not None
        assert answer.link.version == held.link.version
        assert held.document.name == "Edited with a stale version"


async def test_changes_come_back_oldest_first(connected: Connected) -> None:
    since = connected.link.sandbox.config.clock()
    for number in ("C-3", "C-1", "C-2"):
        connected.link.advance(10)
        await _new_contact(connected, number)
    changed = await scan_all(
        connected, RecordKind.CUSTOMER, ChangedSince(since - timedelta(seconds=1))
    )
    ours = [r for r in changed if r.link.key in ("C-1", "C-2", "C-3")]
    assert [r.link.key for r in ours] == ["C-3", "C-1", "C-2"]
    moments = [r.updated_at for r in ours]
    assert all(m is not None for m in moments)
    assert moments == sorted(moments)


async def test_a_payment_deleted_in_the_package_comes_back_gone(connected: Connected) -> None:
    contact = await _new_contact(connected)
    invoice_link = await _new_invoice(connected, "INV-PAID", str(contact.id))
    since = connected.link.sandbox.config.clock() - timedelta(seconds=1)
    payment_id = await connected.driver.pay_in_package(
        connected, str(invoice_link.key), Decimal("20.00"), DAY
    )
    connected.link.advance(5)
    await connected.driver.delete_payment_in_package(connected, payment_id)
    if connected.books.capabilities.sees_deletions:
        seen = await scan_all(connected, RecordKind.PAYMENT, ChangedSince(since))
    else:
        seen = await scan_all(connected, RecordKind.PAYMENT, ByIds((payment_id,)))
    [remote] = [r for r in seen if r.link.id == payment_id]
    assert remote.state is State.GONE
    assert await connected.books.find(RecordKind.PAYMENT, [str(remote.link.key)]) == {}


async def test_a_rate_limited_answer_is_rate_limited(connected: Connected) -> None:
    await connected.control("PUT", "/faults", json=connected.driver.rate_limit_fault)
    with pytest.raises(RateLimited) as limited:
        await connected.books.find(RecordKind.CUSTOMER, ["C-1"])
    assert limited.value.retry_after > 0


async def test_a_refused_refresh_needs_reauthorisation(connected: Connected) -> None:
    hub = connected.link.app.state.syncsvc.providers
    tenant_id = uuid.UUID(connected.tenant.id)
    active = await hub.tokens.active(tenant_id)
    assert active.token.refresh_token
    await connected.driver.revoke_grant(connected, active.token.refresh_token)
    connected.link.advance(24 * 3600)  # the access token is long expired: a refresh is due
    with pytest.raises(NeedsReauth):
        await hub.tokens.active(tenant_id)


async def test_webhooks_are_taken_only_when_signed(connected: Connected) -> None:
    package, driver = connected.package, connected.driver
    service = connected.link.service
    organisation = (
        await connected.link.app.state.syncsvc.providers.tokens.active(
            uuid.UUID(connected.tenant.id)
        )
    ).organisation_id
    headers, body = driver.signed_webhook(driver.webhook_secret, organisation)
    if not package.facts.capabilities.webhooks:
        answer = await service.post(f"/webhooks/{driver.name}", content=body, headers=headers)
        assert answer.status_code == 404
        return
    notifications = package.webhook(headers, body, driver.webhook_secret)
    assert notifications is not None
    assert {n.organisation_id for n in notifications} == {organisation}
    assert all(n.kinds and n.event_key for n in notifications)
    assert package.webhook(headers, body + b" ", driver.webhook_secret) is None
    assert package.webhook(headers, body, "another-secret") is None
    assert package.webhook({}, body, driver.webhook_secret) is None
    answer = await service.post(f"/webhooks/{driver.name}", content=body, headers=headers)
    assert answer.status_code == 200
    forged = {key: "x" + value for key, value in headers.items()}
    answer = await service.post(f"/webhooks/{driver.name}", content=body, headers=forged)
    assert answer.status_code == 401


def test_keys_fit_the_package_and_tell_records_apart(connected: Connected) -> None:
    books, limits = connected.books, connected.driver.key_limits
    long_id = "host-" + "x" * 300
    documents: dict[RecordKind, Any] = {
        RecordKind.CUSTOMER: Contact(name="A", number=None),
        RecordKind.INVOICE: _invoice(connected, "INV-" + "9" * 300, "c"),
        RecordKind.CREDIT_NOTE: _invoice(connected, "CN-" + "9" * 300, "c", kind="credit_note"),
        RecordKind.PAYMENT: Receipt("i", Decimal(1), DAY, "090", reference="cheque " + "7" * 300),
    }
    for kind, document in documents.items():
        key = books.key_for(kind, long_id, document)
        assert 0 < len(key) <= limits[kind], (kind, len(key))
    twice = Receipt("i", Decimal(1), DAY, "090", reference="cheque 100")
    assert books.key_for(RecordKind.PAYMENT, "pay-1", twice) != books.key_for(
        RecordKind.PAYMENT, "pay-2", twice
    )


async def test_lookups_are_canonical(connected: Connected) -> None:
    driver = connected.driver
    accounts = {a.code: a for a in await connected.books.lookups(LookupKind.ACCOUNTS)}
    assert accounts[driver.income_account].account_type == "income"
    assert accounts[driver.income_account].active
    bank = accounts[driver.bank_account]
    assert bank.account_type == "bank" or bank.takes_payments
    rates = {r.code: r for r in await connected.books.lookups(LookupKind.TAX_RATES)}
    rate = rates[driver.tax_code].rate
    assert rate is not None
    assert rate > 0


async def test_a_date_range_holds_the_documents_dated_in_it(connected: Connected) -> None:
    contact = await _new_contact(connected)
    for number, day in (("INV-OLD", DAY - timedelta(days=40)), ("INV-NOW", DAY)):
        document = _invoice(connected, number, str(contact.id), issue_date=day)
        await push_one(connected, item_for(connected, RecordKind.INVOICE, number, document))
    in_range = await scan_all(connected, RecordKind.INVOICE, Dated(DAY - timedelta(days=7), DAY))
    numbers = {r.document.number for r in in_range}
    assert "INV-NOW" in numbers
    assert "INV-OLD" not in numbers
    [now] = [r for r in in_range if r.document.number == "INV-NOW"]
    assert now.state is State.OPEN
    rates = {r.code: r.rate for r in await connected.books.lookups(LookupKind.TAX_RATES)}
    percent = rates[connected.driver.tax_code] or Decimal(0)
    expected = (Decimal("190.00") * (1 + percent / 100)).quantize(Decimal("0.01"))
    assert now.total == expected  # 2 x 95.00 and the tax, as the package computes it
    assert now.document.contact == contact.id
