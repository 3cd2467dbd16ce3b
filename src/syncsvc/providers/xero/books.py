"""Xero behind `Books`: its write choreography (batches, contact clashes, void or delete by
status, credit-note allocations, payments deleted by status), finding by the service's keys,
and reading changes, date ranges and lookups. Suppliers are contacts like customers (Xero
marks them suppliers itself); bills and expenses are written in `purchases.py`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, date
from decimal import Decimal
from typing import Any

from syncsvc.models.enums import RecordKind
from syncsvc.providers.base import (
    ByIds,
    Capabilities,
    ChangedSince,
    Dated,
    Everything,
    LookupItem,
    LookupKind,
    ProviderFacts,
    ProviderSession,
    PushItem,
    PushResult,
    Query,
)
from syncsvc.providers.documents import (
    Contact,
    Document,
    Link,
    PurchaseDocument,
    Receipt,
    Remote,
    SalesDocument,
    State,
)
from syncsvc.providers.errors import Misconfigured, Reason, RecordError, Rejected
from syncsvc.providers.xero import mapping
from syncsvc.providers.xero.client import XeroClient
from syncsvc.providers.xero.lookups import account_item, tax_rate_item, tracking_item
from syncsvc.providers.xero.purchases import find_purchases, push_purchases
from syncsvc.providers.xero.spec import XERO
from syncsvc.providers.xero.writes import (
    RESOURCES,
    WriteItem,
    WriteOutcome,
    contacts_named,
    find,
    write,
)

PAGE_SIZE = 1000  # Xero's largest page for the paged GETs (FACTS.md)
RESOURCE = {
    RecordKind.CUSTOMER: "Contacts",
    RecordKind.INVOICE: "Invoices",
    RecordKind.CREDIT_NOTE: "CreditNotes",
    RecordKind.PAYMENT: "Payments",
    RecordKind.SUPPLIER: "Contacts",
    RecordKind.SUPPLIER_INVOICE: "Invoices",
    RecordKind.EXPENSE: "BankTransactions",  # paid; one owed is a bill
}
EPOCH = date(1970, 1, 1)
READ: dict[RecordKind, Callable[[dict[str, Any]], Remote[Any]]] = {
    RecordKind.CUSTOMER: mapping.remote_contact,
    RecordKind.INVOICE: mapping.remote_sales,
    RecordKind.CREDIT_NOTE: mapping.remote_sales,
    RecordKind.PAYMENT: mapping.remote_receipt,
    RecordKind.SUPPLIER: mapping.remote_contact,
    RecordKind.SUPPLIER_INVOICE: mapping.remote_purchase,
    RecordKind.EXPENSE: mapping.remote_purchase,
}
# Which documents of a shared resource are each kind's: Xero keeps sales invoices and bills
# in one list, and payments received and made in another.
OURS: dict[RecordKind, tuple[str, str]] = {
    RecordKind.INVOICE: ("Type", "ACCREC"),
    RecordKind.SUPPLIER_INVOICE: ("Type", "ACCPAY"),
    RecordKind.PAYMENT: ("PaymentType", "ACCRECPAYMENT"),
    RecordKind.EXPENSE: ("Type", "SPEND"),
}
TYPED = (RecordKind.INVOICE, RecordKind.SUPPLIER_INVOICE, RecordKind.EXPENSE)  # `where` by Type


class XeroBooks:
    def __init__(self, session: ProviderSession, facts: ProviderFacts = XERO) -> None:
        self.session = session
        self.facts = facts
        self.client = XeroClient(
            session.http, facts, session.token, session.organisation.id, budget=session.budget
        )

    @property
    def capabilities(self) -> Capabilities:
        return self.facts.capabilities

    def key_for(self, kind: RecordKind, host_id: str, document: Document) -> str:
        if isinstance(document, Contact):
            # A supplier without a number of its own never takes a customer's host id.
            fallback = f"SUP-{host_id}" if kind is RecordKind.SUPPLIER else host_id
            return (document.number or fallback)[:50]
        if isinstance(document, SalesDocument):
            return document.number[:255]
        if isinstance(document, PurchaseDocument) and document.kind == "bill":
            return f"{document.contact}/{document.number}"[:255]
        # A payment's Reference carries the host's id, so that two payments with the same
        # reference (a cheque number used twice) are never taken for each other.
        if document.reference:
            return f"{document.reference} ({host_id})"[-255:]
        return host_id[:255]

    # --- writing -------------------------------------------------------------------------------

    async def push(self, kind: RecordKind, items: Sequence[PushItem]) -> list[PushResult]:
        if not items:
            return []
        if kind in (RecordKind.CUSTOMER, RecordKind.SUPPLIER):
            return await self._push_contacts(items)
        if kind is RecordKind.PAYMENT:
            return await self._push_payments(items)
        if kind in (RecordKind.SUPPLIER_INVOICE, RecordKind.EXPENSE):
            return await push_purchases(self.client, items, await self._taxes_for(items))
        return await self._push_sales(kind, items)

    async def _push_contacts(self, items: Sequence[PushItem]) -> list[PushResult]:
        writes = []
        for item in items:
            assert isinstance(item.document, Contact)
            assert item.link.key is not None
            if item.remove:
                assert item.link.id is not None
                body = mapping.archive_contact_body(item.link.id, item.link.key)
            else:
                body = mapping.contact_body(item.document, item.link.key, item.link.id)
            writes.append(WriteItem(item.link.key, body))
        answers = await write(self.client, "Contacts", writes)
        answers = await self._resolve_contact_clashes(writes, answers)
        return [_result(item, answer) for item, answer in zip(items, answers, strict=True)]

    async def _resolve_contact_clashes(
        self, writes: list[WriteItem], answers: list[WriteOutcome]
    ) -> list[WriteOutcome]:
        """A contact refused because its number or name is held by another contact: one
        holding our number is ours (adopted and updated); one holding the name with the same
        email and no other number is the same customer, entered by hand (adopted); any other
        holder is someone else, and our contact's name is made unique. Never a duplicate."""
        clashes = [
            index
            for index, answer in enumerate(answers)
            if answer.error is not None and answer.error.reason is Reason.NAME_TAKEN
        ]
        if not clashes:
            return answers
        again = [writes[index] for index in clashes]
        bodies = [item.body for item in again]
        by_number = await find(self.client, "Contacts", [b["ContactNumber"] for b in bodies])
        by_name = await contacts_named(self.client, [b["Name"] for b in bodies])
        for body in bodies:
            holder = by_number.get(body["ContactNumber"]) or by_name.get(body["Name"])
            if holder is not None and mapping.same_customer(holder, body):
                body["ContactID"] = holder["ContactID"]
            elif body["Name"] in by_name:
                body["Name"] = mapping.unique_contact_name(
                    body["Name"], body["ContactNumber"], {body["Name"]}
                )
        answered = list(answers)
        for index, answer in zip(clashes, await write(self.client, "Contacts", again), strict=True):
            answered[index] = answer
        return answered

    async def _push_sales(self, kind: RecordKind, items: Sequence[PushItem]) -> list[PushResult]:
        resource = RESOURCE[kind]
        removing = [i for i in items if i.remove and i.link.id]
        states: dict[str, State] = {}
        if removing and kind is RecordKind.INVOICE:  # a draft is deleted, the rest voided
            held = await find(self.client, resource, [str(i.link.key) for i in removing])
            states = {key: mapping.remote_sales(body).state for key, body in held.items()}
        taxes = await self._taxes_for(items)
        writes: list[WriteItem] = []
        refused: dict[str, PushResult] = {}
        for item in items:
            assert isinstance(item.document, SalesDocument)
            assert item.link.key is not None
            key = item.link.key
            if item.remove:
                assert item.link.id is not None
                state = states.get(key)
                if state in (State.VOID, State.GONE):
                    refused[item.host_id] = PushResult(item.host_id, item.link)  # done already
                    continue
                body = mapping.remove_sales_body(item.document.kind, item.link.id, key, state)
            else:
                assert taxes is not None
                try:
                    body = mapping.sales_body(item.document, item.link, taxes)
                except (Misconfigured, RecordError) as exc:
                    refused[item.host_id] = PushResult(item.host_id, None, exc)
                    continue
            writes.append(WriteItem(key, body))
        answers = iter(await write(self.client, resource, writes) if writes else [])
        results = []
        for item in items:
            if item.host_id in refused:
                results.append(refused[item.host_id])
                continue
            answer = next(answers)
            if answer.error is None and item.document.credits and not item.remove:  # type: ignore[union-attr]
                results.append(await self._allocate(item, answer))
            else:
                results.append(_result(item, answer))
        return results

    async def _allocate(self, item: PushItem, answer: WriteOutcome) -> PushResult:
        """Allocate what Xero's copy of the credit note does not have allocated yet."""
        assert isinstance(item.document, SalesDocument)
        assert answer.document is not None
        held = mapping.remote_sales(answer.document).document.credits
        missing = mapping.allocations_missing(item.document.credits, held)
        if missing:
            try:
                await self.client.write(
                    "PUT", f"CreditNotes/{answer.provider_id}/Allocations", {"Allocations": missing}
                )
            except RecordError as exc:
                link = Link(answer.provider_id, answer.updated, answer.key)
                return PushResult(item.host_id, link, exc)
        return _result(item, answer)

    async def _push_payments(self, items: Sequence[PushItem]) -> list[PushResult]:
        results: dict[str, PushResult] = {}
        for item in items:  # Xero deletes a payment one call at a time
            if item.remove:
                assert item.link.id is not None
                error = await self._delete_payment(item.link.id)
                results[item.host_id] = PushResult(item.host_id, item.link, error)
        creating = [item for item in items if not item.remove]
        if creating:
            writes = []
            for item in creating:
                assert isinstance(item.document, Receipt)
                assert item.link.key is not None
                writes.append(
                    WriteItem(item.link.key, mapping.receipt_body(item.document, item.link.key))
                )
            for item, answer in zip(
                creating, await write(self.client, "Payments", writes), strict=True
            ):
                results[item.host_id] = _result(item, answer)
        return [results[item.host_id] for item in items]

    async def _delete_payment(self, payment_id: str) -> RecordError | None:
        """None when deleted (or already gone), else Xero's refusal."""
        try:
            await self.client.write("POST", f"Payments/{payment_id}", {"Status": "DELETED"})
        except Rejected as exc:
            if "already" in exc.message.lower() or "not found" in exc.message.lower():
                return None
            return exc
        except RecordError as exc:
            return exc
        return None

    async def _taxes_for(self, items: Sequence[PushItem]) -> mapping.Taxes | None:
        """The tax lookups, when any item is written (not only removed)."""
        return await self._taxes() if any(not i.remove for i in items) else None

    async def _taxes(self) -> mapping.Taxes:
        rates = await self._lookups(LookupKind.TAX_RATES)
        accounts = await self._lookups(LookupKind.ACCOUNTS)
        return mapping.Taxes(
            {item.code: item.rate or Decimal(0) for item in rates},
            {item.code: item.default_tax_code for item in accounts if item.default_tax_code},
        )

    async def _lookups(self, kind: LookupKind) -> list[LookupItem]:
        if self.session.cached_lookups is not None:
            return await self.session.cached_lookups(kind)
        return await self.lookups(kind)

    # --- reading -------------------------------------------------------------------------------

    async def find(self, kind: RecordKind, keys: Sequence[str]) -> dict[str, Remote[Any]]:
        if kind in (RecordKind.SUPPLIER_INVOICE, RecordKind.EXPENSE):
            remotes = await find_purchases(self.client, kind, keys)
        else:
            found = await find(self.client, RESOURCE[kind], keys)
            remotes = {key: READ[kind](body) for key, body in found.items()}
        return {key: remote for key, remote in remotes.items() if remote.state is not State.GONE}

    async def scan(self, kind: RecordKind, query: Query) -> AsyncIterator[list[Remote[Any]]]:
        resource = RESOURCE[kind]
        params: dict[str, str] = {}
        headers: dict[str, str] = {}
        if isinstance(query, ChangedSince):
            since = query.since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
            headers["If-Modified-Since"] = since
            params["order"] = "UpdatedDateUTC ASC"
            if kind in (RecordKind.SUPPLIER_INVOICE, RecordKind.EXPENSE):
                params["where"] = _only(kind)  # apart from the sales side
        elif isinstance(query, Dated):
            first, last = query.first, query.last
            dates = (
                f"Date >= DateTime({first.year},{first.month},{first.day})"
                f" AND Date <= DateTime({last.year},{last.month},{last.day})"
            )
            params["where"] = f"{_only(kind)} AND {dates}" if kind in TYPED else dates
        elif isinstance(query, Everything):
            if query.active_only and kind is RecordKind.CUSTOMER:
                params["where"] = 'ContactStatus=="ACTIVE"'
        elif isinstance(query, ByIds):
            async for found in self._by_ids(kind, query.ids):
                yield found
            return
        page = 1
        while True:
            answer = await self.client.get(
                resource,
                params={**params, "page": str(page), "pageSize": str(PAGE_SIZE)},
                headers=headers or None,
            )
            bodies = list(answer.get(resource) or [])
            yield [READ[kind](body) for body in bodies if _ours_to_read(kind, body)]
            if len(bodies) < PAGE_SIZE:
                return
            page += 1

    async def _by_ids(
        self, kind: RecordKind, ids: tuple[str, ...]
    ) -> AsyncIterator[list[Remote[Any]]]:
        """The copies with these ids; an id Xero no longer has comes back GONE."""
        resource = RESOURCE[kind]
        id_field = RESOURCES[resource][0]
        for start in range(0, len(ids), 50):
            chunk = ids[start : start + 50]
            if kind is RecordKind.PAYMENT:
                where = " OR ".join(f'PaymentID==Guid("{payment_id}")' for payment_id in chunk)
                answer = await self.client.get(resource, params={"where": where})
            else:
                answer = await self.client.get(resource, params={"IDs": ",".join(chunk)})
            bodies = {str(b.get(id_field)): b for b in answer.get(resource) or []}
            yield [READ[kind](bodies[i]) if i in bodies else _gone(kind, i) for i in chunk]

    async def lookups(self, kind: LookupKind) -> list[LookupItem]:
        if kind is LookupKind.ACCOUNTS:
            body = await self.client.get("Accounts")
            return [account_item(item) for item in body.get("Accounts", [])]
        if kind is LookupKind.TAX_RATES:
            body = await self.client.get("TaxRates")
            return [tax_rate_item(item) for item in body.get("TaxRates", [])]
        if kind is LookupKind.TRACKING_CATEGORIES:
            body = await self.client.get("TrackingCategories")
            return [tracking_item(item) for item in body.get("TrackingCategories", [])]
        return []


def _ours_to_read(kind: RecordKind, body: dict[str, Any]) -> bool:
    """Only payments on sales invoices are receipts (not bills' payments, nor prepayments);
    sales invoices and bills are read apart."""
    if kind not in OURS:
        return True
    field, value = OURS[kind]
    return str(body.get(field, value)) == value


def _only(kind: RecordKind) -> str:
    field, value = OURS[kind]
    return f'{field}=="{value}"'


def _gone(kind: RecordKind, provider_id: str) -> Remote[Any]:
    empty: Document
    if kind in (RecordKind.CUSTOMER, RecordKind.SUPPLIER):
        empty = Contact(name="")
    elif kind is RecordKind.PAYMENT:
        empty = Receipt("", Decimal(0), EPOCH, "")
    elif kind in (RecordKind.SUPPLIER_INVOICE, RecordKind.EXPENSE):
        empty = PurchaseDocument("bill", "", "", EPOCH, (), "exclusive")
    else:
        empty = SalesDocument("invoice", "", "", EPOCH, (), "exclusive", "approved")
    return Remote(Link(provider_id), State.GONE, None, empty)


def _result(item: PushItem, answer: WriteOutcome) -> PushResult:
    if answer.error is not None:
        return PushResult(item.host_id, None, answer.error)
    return PushResult(item.host_id, Link(answer.provider_id, answer.updated, answer.key))
