"""Bills and expenses to Xero. A supplier's invoice is a bill (ACCPAY) under the supplier's own
number; an expense paid from a bank account is spent money (a SPEND bank transaction), one
still owed is a bill. Written in batches like the rest (one call per resource,
`summarizeErrors=false`, the batch's idempotency key), and found again by the keys the service
set: a bill by its contact and number (bill numbers repeat across suppliers), an expense by
the reference that carries the host's id."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from syncsvc.models.enums import RecordKind
from syncsvc.providers.base import PushItem, PushResult
from syncsvc.providers.documents import Link, PurchaseDocument, Remote, State
from syncsvc.providers.errors import Misconfigured, RecordError
from syncsvc.providers.xero import mapping
from syncsvc.providers.xero.client import XeroClient
from syncsvc.providers.xero.writes import WriteItem, WriteOutcome, find, find_bills, write

Written = list[tuple[PushItem, WriteItem]]


async def push_purchases(
    client: XeroClient, items: Sequence[PushItem], taxes: mapping.Taxes | None
) -> list[PushResult]:
    """Write bills and expenses; one result per item, in order."""
    voided = await _already_void(client, [i for i in items if i.remove and _owed(i)])
    answers: dict[str, PushResult] = {}
    bills: Written = []
    spends: Written = []
    for item in items:
        if item.host_id in voided:
            answers[item.host_id] = PushResult(item.host_id, item.link)  # done already
            continue
        try:
            written = _body(item, taxes)
        except (Misconfigured, RecordError) as exc:
            answers[item.host_id] = PushResult(item.host_id, None, exc)
            continue
        (bills if _owed(item) else spends).append((item, written))
    for resource, group in (("Invoices", bills), ("BankTransactions", spends)):
        if not group:
            continue
        key_of = mapping.bill_key if resource == "Invoices" else None
        outcomes = await write(client, resource, [w for _, w in group], key_of=key_of)
        for (item, _), outcome in zip(group, outcomes, strict=True):
            answers[item.host_id] = _result(item, outcome)
    return [answers[item.host_id] for item in items]


def _document(item: PushItem) -> PurchaseDocument:
    assert isinstance(item.document, PurchaseDocument)
    return item.document


def _owed(item: PushItem) -> bool:
    """A bill, or an expense not paid from a bank account: Xero's bill."""
    return _document(item).paid_from is None


def _body(item: PushItem, taxes: mapping.Taxes | None) -> WriteItem:
    document = _document(item)
    key = str(item.link.key)
    if not _owed(item):
        if item.remove:
            assert item.link.id is not None
            return WriteItem(key, mapping.delete_spend_body(item.link.id, key))
        assert taxes is not None
        return WriteItem(key, mapping.spend_body(document, key, item.link, taxes))
    # A bill goes under the supplier's number; an expense owed under its own key.
    number = document.number if document.kind == "bill" else key
    if item.remove:
        assert item.link.id is not None
        body = mapping.void_bill_body(document.contact, number, item.link.id)
    else:
        assert taxes is not None
        body = mapping.bill_body(document, number, item.link, taxes)
    return WriteItem(mapping.bill_key(body), body)


async def _already_void(client: XeroClient, removing: list[PushItem]) -> set[str]:
    """Host ids of the bills being removed that Xero holds voided or deleted already (a
    repeat after a lost answer): Xero refuses to void them twice."""
    ids = [str(i.link.id) for i in removing if i.link.id]
    if not ids:
        return set()
    answer = await client.get("Invoices", params={"IDs": ",".join(ids)})
    gone = {
        str(body.get("InvoiceID"))
        for body in answer.get("Invoices") or []
        if mapping.remote_purchase(body).state in (State.VOID, State.GONE)
    }
    return {i.host_id for i in removing if str(i.link.id) in gone}


def _result(item: PushItem, outcome: WriteOutcome) -> PushResult:
    if outcome.error is not None:
        return PushResult(item.host_id, None, outcome.error)
    return PushResult(item.host_id, Link(outcome.provider_id, outcome.updated, item.link.key))


async def find_purchases(
    client: XeroClient, kind: RecordKind, keys: Sequence[str]
) -> dict[str, Remote[Any]]:
    """Xero's copies under these keys: bills by contact and number; expenses among spent
    money by reference, and among bills by number (those owed)."""
    if not keys:
        return {}
    found: dict[str, Remote[Any]] = {}
    if kind is RecordKind.SUPPLIER_INVOICE:
        numbers = [key.partition("/")[2] for key in keys]
        for body in await find_bills(client, numbers):
            remote = mapping.remote_purchase(body)
            if remote.link.key in keys:
                found[str(remote.link.key)] = remote
        return found
    for key, body in (await find(client, "BankTransactions", keys)).items():
        found[key] = mapping.remote_purchase(body)
    for body in await find_bills(client, keys):
        remote = mapping.remote_purchase(body)
        key = str(body.get("InvoiceNumber"))
        found.setdefault(key, replace(remote, link=replace(remote.link, key=key)))
    return found
