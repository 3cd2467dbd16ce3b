"""MYOB Business behind `Books`: one record a call (no batches, no idempotency key, so the
engine's find-by-key before any retry is the guard), a stale RowVersion (409) re-read and
written once more before it is a Conflict, customers made inactive rather than deleted,
sales and payments deleted, credit notes as negative sales settled against invoices (only
what MYOB has not applied yet), finding by the service's keys (DisplayID, Number,
ReceiptNumber), and reading changes by `LastModified`, date ranges, ids and lookups."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
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
    Receipt,
    Remote,
    SalesDocument,
    State,
)
from syncsvc.providers.errors import Conflict, Misconfigured, RecordError, Rejected
from syncsvc.providers.myob import mapping, reads
from syncsvc.providers.myob.client import MyobClient, NotFound, uid_from_location
from syncsvc.providers.myob.lookups import account_item, category_item, tax_code_item, uid_of
from syncsvc.providers.myob.spec import ACCOUNTRIGHT, MYOB, PRODUCTS

CUSTOMERS = "Contact/Customer"
SALES = "Sale/Invoice"  # every layout, read only
SERVICE_SALES = "Sale/Invoice/Service"  # where the service writes
PAYMENTS = "Sale/CustomerPayment"
SETTLEMENTS = "Sale/CreditSettlement"
PATHS = {
    RecordKind.CUSTOMER: CUSTOMERS,
    RecordKind.INVOICE: SALES,
    RecordKind.CREDIT_NOTE: SALES,
    RecordKind.PAYMENT: PAYMENTS,
}
KEY_FIELDS = {
    RecordKind.CUSTOMER: "DisplayID",
    RecordKind.INVOICE: "Number",
    RecordKind.CREDIT_NOTE: "Number",
    RecordKind.PAYMENT: "ReceiptNumber",
}
# Invoices and credit notes share one collection: a credit is a negative sale.
SIGN_FILTERS = {RecordKind.INVOICE: "TotalAmount ge 0", RecordKind.CREDIT_NOTE: "TotalAmount lt 0"}
# The tax code a card's selling details name when the host says nothing (MYOB requires one).
CARD_TAX_CODES = ("GST", "N-T", "FRE")

Body = dict[str, Any]


class MyobBooks:
    def __init__(
        self, session: ProviderSession, facts: ProviderFacts = MYOB, api_key: str = ""
    ) -> None:
        self.session = session
        self.facts = facts
        details = session.organisation.details
        self.product = PRODUCTS.get(details.get("product", ""), ACCOUNTRIGHT)
        base = details.get("uri") or f"{facts.api_base_url}/{session.organisation.id}"
        self.client = MyobClient(
            session.http, facts, session.token, api_key, base, budget=session.budget
        )

    @property
    def capabilities(self) -> Capabilities:
        return self.facts.capabilities

    def key_for(self, kind: RecordKind, host_id: str, document: Document) -> str:
        if isinstance(document, Contact):
            return mapping.customer_key(host_id, document)
        if isinstance(document, SalesDocument):
            return mapping.sales_key(document.number)
        assert isinstance(document, Receipt)  # the engine sends only the kinds it writes
        return mapping.payment_key(host_id, document)

    # --- writing ---------------------------------------------------------------------------

    async def push(self, kind: RecordKind, items: Sequence[PushItem]) -> list[PushResult]:
        """One call (or a few: a re-read, a settlement) per item; a record's refusal is its
        result, a failure of the call itself is raised for the engine."""
        results = []
        for item in items:
            try:
                results.append(await self._push_one(kind, item))
            except (RecordError, Misconfigured) as exc:
                results.append(PushResult(item.host_id, None, exc))
        return results

    async def _push_one(self, kind: RecordKind, item: PushItem) -> PushResult:
        if kind is RecordKind.CUSTOMER:
            return await self._push_customer(item)
        if kind is RecordKind.PAYMENT:
            return await self._push_payment(item)
        return await self._push_sale(item)

    def _written(self, item: PushItem, answer: Body, location: str | None) -> PushResult:
        record_id = str(answer.get("UID") or "") or uid_from_location(location) or item.link.id
        version = answer.get("RowVersion")
        return PushResult(
            item.host_id,
            Link(
                str(record_id).lower() if record_id else None,
                str(version) if version not in (None, "") else None,
                item.link.key,
            ),
        )

    async def _update(self, path: str, body: Body, link: Link) -> tuple[Body, str | None]:
        """PUT with the version the service holds; a stale one is re-read and the write
        sent once more with MYOB's current RowVersion (the service's content wins)."""
        try:
            return await self.client.put(f"{path}/{link.id}", body)
        except Conflict:
            held = await self.client.get(f"{path}/{link.id}")
            return await self.client.put(
                f"{path}/{link.id}", {**body, "RowVersion": held.get("RowVersion")}
            )

    async def _delete(self, path: str, record_id: str) -> None:
        """A record already gone is removed: what was asked is so."""
        try:
            await self.client.delete(f"{path}/{record_id}")
        except NotFound:
            return

    # customers

    async def _push_customer(self, item: PushItem) -> PushResult:
        assert isinstance(item.document, Contact)
        if item.remove:
            if not item.link.id:
                return PushResult(item.host_id, None)
            try:
                held = await self.client.get(f"{CUSTOMERS}/{item.link.id}")
            except NotFound:
                return PushResult(item.host_id, item.link)
            link = mapping.link_of(held, item.link.key)
            answer, location = await self._update(CUSTOMERS, mapping.deactivated(held), link)
            return self._written(item, answer, location)
        body = mapping.customer_body(
            item.document, str(item.link.key), await self._card_tax_code(), item.link
        )
        if item.link.id:
            answer, location = await self._update(CUSTOMERS, body, item.link)
        else:
            answer, location = await self.client.post(CUSTOMERS, body)
        return self._written(item, answer, location)

    async def _card_tax_code(self) -> str:
        codes = {c.code: c for c in await self._lookups(LookupKind.TAX_RATES)}
        for code in CARD_TAX_CODES:
            if code in codes:
                return uid_of(codes[code])
        if not codes:
            raise Misconfigured("MYOB lists no tax codes: a customer card needs one")
        return uid_of(next(iter(codes.values())))

    # invoices and credit notes

    async def _push_sale(self, item: PushItem) -> PushResult:
        document = item.document
        assert isinstance(document, SalesDocument)
        if item.remove:
            if not item.link.id:
                return PushResult(item.host_id, None)
            if document.kind == "credit_note":
                for settlement in await self._settlements([item.link.id]):
                    await self._delete(SETTLEMENTS, str(settlement["UID"]))
            await self._delete(SERVICE_SALES, item.link.id)
            return PushResult(item.host_id, item.link)
        body = mapping.sales_body(document, str(item.link.key), item.link, await self._context())
        if item.link.id:
            answer, location = await self._update(SERVICE_SALES, body, item.link)
        else:
            answer, location = await self.client.post(SERVICE_SALES, body)
        result = self._written(item, answer, location)
        if document.credits and result.link is not None and result.link.id:
            result = await self._settle(item, document, result, answer)
        return result

    async def _settle(
        self, item: PushItem, document: SalesDocument, result: PushResult, credit: Body
    ) -> PushResult:
        """Apply what MYOB's copy of the credit has not applied yet, one settlement per
        invoice; a settlement whose answer was lost is seen here next time, never doubled."""
        assert result.link is not None
        assert result.link.id
        held = mapping.settled(await self._settlements([result.link.id]))
        missing = mapping.credits_missing(document.credits, held)
        if not missing:
            return result
        customer = mapping.uid(credit.get("Customer")) or document.contact
        for applied in missing:
            memo = f"Credit {document.number} applied"
            body = mapping.settlement_body(result.link.id, customer, applied, applied.amount, memo)
            await self.client.post(SETTLEMENTS, body)
        # Settling moved the credit's RowVersion: what is kept is its version now.
        now = await self.client.get(f"{SERVICE_SALES}/{result.link.id}")
        return self._written(item, now, None)

    async def _settlements(self, credit_ids: Sequence[str]) -> list[Body]:
        return await reads.matching(
            self.client, SETTLEMENTS, "CreditFromInvoice/UID", credit_ids, ids=True
        )

    async def _context(self) -> mapping.SalesContext:
        accounts = await self._lookups(LookupKind.ACCOUNTS)
        codes = await self._lookups(LookupKind.TAX_RATES)
        rates = {c.code: mapping.TaxCode(uid_of(c), c.rate or mapping.ZERO) for c in codes}
        untaxed = sorted(
            (c for c in codes if c.rate == 0),
            key=lambda c: (c.kind != "NoTax", c.code),
        )
        return mapping.SalesContext(
            accounts={a.code: uid_of(a) for a in accounts if not a.details.get("is_header")},
            tax_codes=rates,
            account_defaults={a.code: a.default_tax_code for a in accounts if a.default_tax_code},
            untaxed_code=untaxed[0].code if untaxed else None,
            categories=await self._categories() if self.product.categories else None,
        )

    async def _categories(self) -> dict[str, str]:
        found = await self._lookups(LookupKind.TRACKING_CATEGORIES)
        by_name = {c.name: uid_of(c) for c in found if c.active}
        return by_name | {c.code: uid_of(c) for c in found if c.active}

    # payments

    async def _push_payment(self, item: PushItem) -> PushResult:
        receipt = item.document
        assert isinstance(receipt, Receipt)
        if item.remove:
            if item.link.id:
                await self._delete(PAYMENTS, item.link.id)
            return PushResult(item.host_id, item.link if item.link.id else None)
        if item.link.id:
            raise Rejected("MYOB cannot change a customer payment: remove it and enter it anew")
        try:
            sale = await self.client.get(f"{SALES}/{receipt.invoice}") if receipt.invoice else {}
        except NotFound:
            sale = {}
        customer = mapping.uid(sale.get("Customer"))
        if customer is None:
            raise Rejected(f"MYOB has no invoice {receipt.invoice}", field="invoice")
        accounts = {a.code: a for a in await self._lookups(LookupKind.ACCOUNTS)}
        account = accounts.get(receipt.deposit_account)
        if account is None or not account.takes_payments:
            raise Misconfigured(
                f"MYOB has no bank account {receipt.deposit_account} to deposit payments to"
            )
        body = mapping.receipt_body(receipt, str(item.link.key), customer, uid_of(account))
        answer, location = await self.client.post(PAYMENTS, body)
        return self._written(item, answer, location)

    async def _lookups(self, kind: LookupKind) -> list[LookupItem]:
        if self.session.cached_lookups is not None:
            return await self.session.cached_lookups(kind)
        return await self.lookups(kind)

    # --- reading ---------------------------------------------------------------------------

    async def find(self, kind: RecordKind, keys: Sequence[str]) -> dict[str, Remote[Any]]:
        if not keys:
            return {}
        docs = await reads.matching(self.client, PATHS[kind], KEY_FIELDS[kind], keys)
        wanted = set(keys)
        return {
            str(r.link.key): r
            for r in await self._remotes(kind, docs)
            if r.link.key in wanted and r.state is not State.GONE
        }

    async def _remotes(self, kind: RecordKind, docs: list[Body]) -> list[Remote[Any]]:
        if kind is RecordKind.CUSTOMER:
            return [mapping.remote_contact(doc) for doc in docs]
        accounts = await self._names(LookupKind.ACCOUNTS)
        if kind is RecordKind.PAYMENT:
            return [mapping.remote_receipt(doc, accounts) for doc in docs]
        docs = [doc for doc in docs if mapping.sales_kind(doc) == kind.value]
        codes = await self._names(LookupKind.TAX_RATES)
        applied = [str(d["UID"]) for d in docs if mapping.applied_amount(d) != 0]
        receipts: dict[str, list[Remote[Receipt]]] = {}
        if kind is RecordKind.INVOICE and applied:
            for chunk in reads.chunks(applied):
                where = "Invoices/any(x: {})".format(
                    " or ".join(f"x/UID eq {mapping.guid(i)}" for i in chunk)
                )
                async for page in reads.pages(self.client, PAYMENTS, where):
                    for payment in page:
                        remote = mapping.remote_receipt(payment, accounts)
                        receipts.setdefault(remote.document.invoice, []).append(remote)
        settlements: dict[str, list[Body]] = {}
        if kind is RecordKind.CREDIT_NOTE and applied:
            for settlement in await self._settlements(applied):
                credit = mapping.uid(settlement.get("CreditFromInvoice")) or ""
                settlements.setdefault(credit, []).append(settlement)
        return [
            mapping.remote_sales(
                doc,
                accounts,
                codes,
                tuple(receipts.get(str(doc["UID"]).lower(), ())),
                mapping.settled(settlements.get(str(doc["UID"]).lower(), [])),
            )
            for doc in docs
        ]

    async def _names(self, kind: LookupKind) -> dict[str, str]:
        """UID -> DisplayID (accounts) or Code (tax codes)."""
        return {uid_of(item): item.code for item in await self._lookups(kind)}

    async def scan(self, kind: RecordKind, query: Query) -> AsyncIterator[list[Remote[Any]]]:
        path = PATHS[kind]
        if isinstance(query, ByIds):
            for chunk in reads.chunks(list(query.ids)):
                held = {
                    str(doc["UID"]).lower(): doc
                    for doc in await reads.matching(self.client, path, "UID", chunk, ids=True)
                }
                remotes = {
                    str(r.link.id): r for r in await self._remotes(kind, list(held.values()))
                }
                yield [remotes.get(i.lower()) or mapping.gone(i) for i in chunk]
            return
        conditions = [SIGN_FILTERS[kind]] if kind in SIGN_FILTERS else []
        order = ""
        if isinstance(query, ChangedSince):
            conditions.append(f"LastModified gt {reads.moment(query.since)}")
            order = "LastModified"
        elif isinstance(query, Dated) and kind is not RecordKind.CUSTOMER:
            conditions.append(
                f"Date ge {reads.day(query.first)} and Date le {reads.day(query.last)}"
            )
        elif isinstance(query, Everything) and kind is RecordKind.CUSTOMER and query.active_only:
            conditions.append("IsActive eq true")
        where = " and ".join(f"({c})" for c in conditions)
        async for docs in reads.pages(self.client, path, where, order):
            yield await self._remotes(kind, docs)

    async def lookups(self, kind: LookupKind) -> list[LookupItem]:
        readers: dict[LookupKind, tuple[str, Callable[[Body], LookupItem]]] = {
            LookupKind.ACCOUNTS: ("GeneralLedger/Account", account_item),
            LookupKind.TAX_RATES: ("GeneralLedger/TaxCode", tax_code_item),
        }
        if self.product.categories:
            readers[LookupKind.TRACKING_CATEGORIES] = ("GeneralLedger/Category", category_item)
        if kind not in readers:
            return []
        path, read = readers[kind]
        return [read(doc) async for page in reads.pages(self.client, path) for doc in page]
