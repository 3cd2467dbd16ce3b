"""QuickBooks Online behind `Books`: batched writes, a stale SyncToken (5010) re-read and
written again before it is a Conflict, customers' and vendors' name clashes (6240) resolved,
bills and expenses (Bills and Purchases, mapped in `purchases.py`), the Service
item per income account found or made, credit memos applied by payments, finding by the
service's keys, and reading changes (CDC), date ranges, ids and lookups."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
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
from syncsvc.providers.quickbooks import mapping, purchases, reads
from syncsvc.providers.quickbooks.batches import Write, Written, request_id, run
from syncsvc.providers.quickbooks.client import NotFound, QuickBooksClient, is_stale
from syncsvc.providers.quickbooks.lookups import (
    account_item,
    custom_field_items,
    payment_method_item,
    tax_code_item,
    tax_rate_value,
)
from syncsvc.providers.quickbooks.spec import QUICKBOOKS

ENTITY = {
    RecordKind.CUSTOMER: "Customer",
    RecordKind.INVOICE: "Invoice",
    RecordKind.CREDIT_NOTE: "CreditMemo",
    RecordKind.PAYMENT: "Payment",
    RecordKind.SUPPLIER: "Vendor",
    RecordKind.SUPPLIER_INVOICE: "Bill",
    RecordKind.EXPENSE: "Purchase",  # paid; one owed is a Bill
}
CONTACTS = (RecordKind.CUSTOMER, RecordKind.SUPPLIER)
PURCHASES = (RecordKind.SUPPLIER_INVOICE, RecordKind.EXPENSE)
CDC_WINDOW = timedelta(days=29)  # CDC looks 30 days back; a margin for clocks
Body = dict[str, Any]
Builder = Callable[[Link], Body]


@dataclass
class Op:
    """One record's write, rebuildable with a fresh version after a stale SyncToken."""

    item: PushItem
    operation: str
    build: Builder
    link: Link


class QuickBooksBooks:
    def __init__(self, session: ProviderSession, facts: ProviderFacts = QUICKBOOKS) -> None:
        self.session = session
        self.facts = facts
        self.client = QuickBooksClient(
            session.http, facts, session.token, session.organisation.id, budget=session.budget
        )
        # Income account -> its Service item, as found or made by these books: one read per
        # account however many batches follow.
        self._items: dict[str, str] = {}

    @property
    def capabilities(self) -> Capabilities:
        return self.facts.capabilities

    def key_for(self, kind: RecordKind, host_id: str, document: Document) -> str:
        if isinstance(document, Contact):
            if kind is RecordKind.SUPPLIER:
                return purchases.supplier_key(host_id, document.number)
            return mapping.customer_key(host_id, document)
        if isinstance(document, PurchaseDocument):
            return purchases.key_for(kind, host_id, document)
        if isinstance(document, SalesDocument):
            return mapping.doc_number(document.number)
        assert isinstance(document, Receipt)  # the engine sends only the kinds it writes
        return mapping.payment_key(host_id, document)

    # --- writing ---------------------------------------------------------------------------

    async def push(self, kind: RecordKind, items: Sequence[PushItem]) -> list[PushResult]:
        if not items:
            return []
        if kind in CONTACTS:
            return await self._push_contacts(ENTITY[kind], items)
        if kind is RecordKind.PAYMENT:
            return await self._push_payments(items)
        if kind in PURCHASES:
            return await self._push_purchases(items)
        return await self._push_sales(kind, items)

    async def _write(self, entity: str, ops: list[Op]) -> list[Written]:
        """Write, then once more with the current SyncToken for those refused as stale: a
        removal whose record is gone (or void) already is done."""
        answers = await run(self.client, [self._as_write(entity, op) for op in ops])
        stale = [i for i, a in enumerate(answers) if is_stale(a.error) and ops[i].link.id]
        if not stale:
            return answers
        current = await self._by_id(entity, [str(ops[i].link.id) for i in stale])
        again: list[int] = []
        for index in stale:
            op = ops[index]
            held = current.get(str(op.link.id))
            if held is None or (op.operation == "void" and mapping.is_voided(held)):
                if op.operation in ("delete", "void"):
                    answers[index] = Written(held or mapping.gone(str(op.link.id)), None)
                continue
            op.link = Link(op.link.id, str(held.get("SyncToken")), op.link.key)
            again.append(index)
        if again:
            retried = await run(self.client, [self._as_write(entity, ops[i]) for i in again])
            for index, answer in zip(again, retried, strict=True):
                answers[index] = answer
        return answers

    @staticmethod
    def _as_write(entity: str, op: Op) -> Write:
        return Write(entity, op.operation, op.build(op.link), op.item.idempotency_key)

    async def _by_id(self, entity: str, ids: Sequence[str]) -> dict[str, Body]:
        found = await reads.matching(self.client, entity, "Id", ids, reads.every_state(entity))
        return {str(doc["Id"]): doc for doc in found}

    def _result(self, op: Op, answer: Written, key_field: str | None = None) -> PushResult:
        item = op.item
        if answer.error is not None:
            return PushResult(item.host_id, None, answer.error)
        document = answer.document or {}
        token = document.get("SyncToken")
        link = Link(
            str(document.get("Id") or op.link.id or "") or None,
            str(token) if token not in (None, "") else op.link.version,
            item.link.key,
        )
        return PushResult(item.host_id, link)

    # customers and vendors

    async def _push_contacts(self, entity: str, items: Sequence[PushItem]) -> list[PushResult]:
        ops = []
        for item in items:
            assert isinstance(item.document, Contact)
            key = str(item.link.key)
            if item.remove:
                ops.append(Op(item, "update", mapping.deactivate_body, item.link))
            else:
                document = item.document

                def build(link: Link, document: Contact = document, key: str = key) -> Body:
                    return mapping.customer_body(document, key, link)

                ops.append(Op(item, "update" if item.link.id else "create", build, item.link))
        answers = await self._write(entity, ops)
        answers = await self._resolve_name_clashes(entity, ops, answers)
        return [self._result(op, answer) for op, answer in zip(ops, answers, strict=True)]

    async def _resolve_name_clashes(
        self, entity: str, ops: list[Op], answers: list[Written]
    ) -> list[Written]:
        """A customer (or vendor: `entity`) refused because its name is held: one of the
        same entity holding our key is ours (adopted and updated); one holding the name with
        the same email and no key is the same, entered by hand (adopted); any other holder
        (a customer, vendor or employee) is someone else, and our name is made unique with
        the key. Never a duplicate."""
        clashes = [
            i
            for i, a in enumerate(answers)
            if a.error is not None and a.error.reason is Reason.NAME_TAKEN
        ]
        if not clashes:
            return answers
        bodies = {i: ops[i].build(ops[i].link) for i in clashes}
        keys = [str(ops[i].item.link.key) for i in clashes]
        names = [str(body["DisplayName"]) for body in bodies.values()]
        every = reads.every_state(entity)
        by_key = {
            str(d.get("AcctNum")): d
            for d in await reads.matching(self.client, entity, "AcctNum", keys, every)
        }
        by_name = {
            str(d.get("DisplayName")).lower(): d
            for d in await reads.matching(self.client, entity, "DisplayName", names)
        }
        retry: list[int] = []
        for index in clashes:
            op, body = ops[index], bodies[index]
            holder = by_key.get(str(op.item.link.key)) or by_name.get(
                str(body["DisplayName"]).lower()
            )
            if holder is not None and mapping.same_customer(holder, body):
                op.link = Link(str(holder["Id"]), str(holder.get("SyncToken")), op.link.key)
                op.operation = "update"
            else:
                build, key = op.build, str(op.item.link.key)

                def renamed(link: Link, build: Builder = build, key: str = key) -> Body:
                    body = build(link)
                    return {**body, "DisplayName": mapping.unique_name(body["DisplayName"], key)}

                op.build = renamed
            retry.append(index)
        again = await self._write(entity, [ops[i] for i in retry])
        answered = list(answers)
        for index, answer in zip(retry, again, strict=True):
            answered[index] = answer
        return answered

    # invoices and credit memos

    async def _push_sales(self, kind: RecordKind, items: Sequence[PushItem]) -> list[PushResult]:
        entity = ENTITY[kind]
        writing = [item for item in items if not item.remove]
        context = await self._sales_context(writing) if writing else None
        refused: dict[int, PushResult] = {}
        ops: list[Op] = []
        positions: list[int] = []
        for position, item in enumerate(items):
            assert isinstance(item.document, SalesDocument)
            if item.remove:
                ops.append(Op(item, "void", mapping.void_body, item.link))
                positions.append(position)
                continue
            assert context is not None
            document = item.document
            try:
                mapping.sales_body(document, item.link, context)  # refused before any call
            except (Misconfigured, RecordError) as exc:
                refused[position] = PushResult(item.host_id, None, exc)
                continue

            def build(
                link: Link, document: SalesDocument = document, ctx: mapping.SalesContext = context
            ) -> Body:
                return mapping.sales_body(document, link, ctx)

            ops.append(Op(item, "update" if item.link.id else "create", build, item.link))
            positions.append(position)
        answers = await self._write(entity, ops) if ops else []
        results: dict[int, PushResult] = dict(refused)
        for position, op, answer in zip(positions, ops, answers, strict=True):
            result = self._result(op, answer)
            written = op.item.document
            assert isinstance(written, SalesDocument)
            if result.error is None and written.credits and not op.item.remove:
                result = await self._apply_credits(op.item, written, answer, result)
            results[position] = result
        return [results[position] for position in range(len(items))]

    async def _sales_context(self, items: Sequence[PushItem]) -> mapping.SalesContext:
        accounts = {a.code: a for a in await self._lookups(LookupKind.ACCOUNTS)}
        codes = await self._lookups(LookupKind.TAX_RATES)
        wanted: set[str] = set()
        for item in items:
            assert isinstance(item.document, SalesDocument)
            wanted |= {line.account for line in item.document.lines}
            if item.document.rounding_account:
                wanted.add(item.document.rounding_account)
        income = [
            accounts[code]
            for code in sorted(wanted)
            if code in accounts and accounts[code].account_type == "income"
        ]
        rates = {c.code: c.rate for c in codes if c.rate is not None and c.active}
        zero = next((code for code, rate in sorted(rates.items()) if rate == 0), None)
        problems: dict[str, str] = {}
        field, field_problem = await self._lead_source_field(items)
        return mapping.SalesContext(
            items=await self._income_items(income, problems),
            rates=rates,
            account_defaults={
                code: a.default_tax_code for code, a in accounts.items() if a.default_tax_code
            },
            zero_rate_code=zero,
            item_problems=problems,
            lead_source_field=field,
            lead_source_problem=field_problem,
        )

    async def _lead_source_field(
        self, items: Sequence[PushItem]
    ) -> tuple[tuple[str, str] | None, str | None]:
        """(DefinitionId, name) of the custom field the tenant's `lead_source_field` names,
        read only when an invoice has a lead source to write; else why it cannot be."""
        wanted = self.session.settings.get("lead_source_field")
        if not wanted or not any(
            isinstance(i.document, SalesDocument) and i.document.lead_source for i in items
        ):
            return None, None
        fields = await self._lookups(LookupKind.CUSTOM_FIELDS)
        for custom in fields:
            if custom.active and custom.name.casefold() == str(wanted).casefold():
                return (custom.code, custom.name), None
        named = ", ".join(c.name for c in fields if c.active) or "none"
        return None, (
            f"QuickBooks has no sales-form custom field {wanted} for the lead source "
            f"(quickbooks.lead_source_field); its custom fields: {named}"
        )

    async def _income_items(
        self, accounts: list[LookupItem], problems: dict[str, str]
    ) -> dict[str, str]:
        """The Service item per income account (account id -> Item id), made when missing
        and made active again when someone made it inactive; `problems`: the accounts
        whose item QuickBooks refused, with its words (their lines are refused alone)."""
        known = {a.code: self._items[a.code] for a in accounts if a.code in self._items}
        accounts = [a for a in accounts if a.code not in known]
        if not accounts:
            return known
        names = {mapping.item_name(a): a for a in accounts}
        held = await reads.matching(
            self.client, "Item", "Name", list(names), reads.every_state("Item")
        )
        found: dict[str, str] = {}
        revive: list[Body] = []
        for doc in held:
            account = names.get(str(doc.get("Name")))
            if account is None or mapping.ref_value(doc, "IncomeAccountRef") != account.code:
                continue
            found[account.code] = str(doc["Id"])
            if doc.get("Active", True) in (False, "false"):
                revive.append(
                    {"Id": doc["Id"], "SyncToken": doc["SyncToken"], "sparse": True, "Active": True}
                )
        # One call each, outside the documents' batches: made once per account, ever.
        for body in revive:
            write = Write("Item", "update", body)
            await self.client.post("item", body, params={"requestid": request_id([write])})
        for account in accounts:
            if account.code in found:
                continue
            body = mapping.item_body(account)
            write = Write("Item", "create", body)
            try:
                answer = await self.client.post(
                    "item", body, params={"requestid": request_id([write])}
                )
            except RecordError as exc:
                problems[account.code] = exc.message
                continue
            found[account.code] = str((answer.get("Item") or {})["Id"])
        self._items.update(found)
        return {**known, **found}

    async def _apply_credits(
        self, item: PushItem, document: SalesDocument, answer: Written, result: PushResult
    ) -> PushResult:
        """Apply what QuickBooks' copy of the credit memo does not have applied yet, each
        by a payment of nothing linking the invoice and the credit memo."""
        memo = answer.document or {}
        memo_id = str(memo.get("Id"))
        payments = await reads.payments_linking(self.client, [memo])
        held = mapping.remote_sales(memo, list(payments.values())).document.credits
        missing = mapping.credits_missing(document.credits, held)
        if not missing:
            return result
        writes = [
            Write(
                "Payment",
                "create",
                mapping.credit_application_body(
                    document.contact, memo_id, credit, amount, str(item.link.key)
                ),
                f"{item.idempotency_key}:{credit.invoice}",
            )
            for credit, amount in missing
        ]
        for applied in await run(self.client, writes):
            if applied.error is not None:
                return PushResult(item.host_id, result.link, applied.error)
        # Applying moved the credit memo's SyncToken: what is kept is its version now.
        now = (await self._by_id("CreditMemo", [memo_id])).get(memo_id)
        if now is not None and result.link is not None:
            return PushResult(
                item.host_id, Link(result.link.id, str(now.get("SyncToken")), result.link.key)
            )
        return result

    # payments

    async def _push_payments(self, items: Sequence[PushItem]) -> list[PushResult]:
        receipts = [i.document for i in items if not i.remove and isinstance(i.document, Receipt)]
        invoices = await self._by_id("Invoice", [r.invoice for r in receipts if r.invoice])
        methods = (
            {m.code for m in await self._lookups(LookupKind.PAYMENT_METHODS)} if receipts else set()
        )
        refused: dict[int, PushResult] = {}
        ops: list[Op] = []
        positions: list[int] = []
        for position, item in enumerate(items):
            if item.remove:
                ops.append(Op(item, "delete", mapping.void_body, item.link))
                positions.append(position)
                continue
            receipt = item.document
            assert isinstance(receipt, Receipt)
            invoice = invoices.get(receipt.invoice)
            customer = mapping.ref_value(invoice or {}, "CustomerRef")
            if customer is None:
                error = Rejected(f"QuickBooks has no invoice {receipt.invoice}", field="invoice")
                refused[position] = PushResult(item.host_id, None, error)
                continue
            method = mapping.payment_method(receipt, methods)
            deposit = mapping.deposit_account(receipt, self.session.settings)
            key = str(item.link.key)

            def build(
                link: Link,
                receipt: Receipt = receipt,
                key: str = key,
                customer: str = customer,
                method: str | None = method,
                deposit: str = deposit,
            ) -> Body:
                return mapping.receipt_body(receipt, key, customer, link, method, deposit)

            ops.append(Op(item, "update" if item.link.id else "create", build, item.link))
            positions.append(position)
        answers = await self._write("Payment", ops) if ops else []
        results: dict[int, PushResult] = dict(refused)
        for position, op, answer in zip(positions, ops, answers, strict=True):
            if op.operation == "delete" and _already_gone(answer.error):
                answer = Written(None, None)
            results[position] = self._result(op, answer)
        return [results[position] for position in range(len(items))]

    # bills and expenses

    async def _push_purchases(self, items: Sequence[PushItem]) -> list[PushResult]:
        """Bills (a supplier's invoice, an expense owed) and Purchases (an expense paid),
        one batch of each; removing either deletes it (QuickBooks voids no Bill). An expense
        that moved between owed and paid is deleted where it was, then entered anew."""
        paying = [i.document for i in items if isinstance(i.document, PurchaseDocument)]
        accounts = {}
        if any(not purchases.owed(d) for d in paying):
            accounts = {a.code: a for a in await self._lookups(LookupKind.ACCOUNTS)}
        moved = await self._moved_expenses(items)
        results: dict[int, PushResult] = {}
        # Where each copy is deleted from: a moved expense's old copy goes first.
        moving: dict[str, list[tuple[int, Op]]] = {"Bill": [], "Purchase": []}
        for position, (entity, held) in moved.items():
            item = items[position]
            old = Link(str(held["Id"]), str(held.get("SyncToken")), item.link.key)
            moving[entity].append((position, Op(item, "delete", mapping.void_body, old)))
        for position, result in (await self._run_purchases(moving)).items():
            if result.error is not None or items[position].remove:
                results[position] = result
        groups: dict[str, list[tuple[int, Op]]] = {"Bill": [], "Purchase": []}
        for position, item in enumerate(items):
            document = item.document
            assert isinstance(document, PurchaseDocument)
            if position in results:
                continue
            entity = "Bill" if purchases.owed(document) else "Purchase"
            link = Link(key=item.link.key) if position in moved else item.link
            if item.remove:
                if not link.id:
                    results[position] = PushResult(item.host_id, item.link)  # nothing there
                else:
                    groups[entity].append((position, Op(item, "delete", mapping.void_body, link)))
                continue
            try:
                build = self._purchase_builder(item, document, accounts)
            except RecordError as exc:
                results[position] = PushResult(item.host_id, None, exc)
                continue
            operation = "update" if link.id else "create"
            groups[entity].append((position, Op(item, operation, build, link)))
        results.update(await self._run_purchases(groups))
        return [results[position] for position in range(len(items))]

    async def _run_purchases(
        self, groups: dict[str, list[tuple[int, Op]]]
    ) -> dict[int, PushResult]:
        """Each entity's writes in its own batches; a deletion of what is gone is done."""
        results: dict[int, PushResult] = {}
        for entity, group in groups.items():
            if not group:
                continue
            answers = await self._write(entity, [op for _, op in group])
            for (position, op), answer in zip(group, answers, strict=True):
                if op.operation == "delete" and _already_gone(answer.error):
                    answer = Written(None, None)
                results[position] = self._result(op, answer)
        return results

    async def _moved_expenses(self, items: Sequence[PushItem]) -> dict[int, tuple[str, Body]]:
        """Expenses whose copy is of the other entity than they are now (owed, then paid
        from an account, or the reverse): position -> (that entity, the copy). A copy is
        ours when it has our id and carries our key."""
        wanted: dict[str, dict[int, str]] = {"Bill": {}, "Purchase": {}}
        for position, item in enumerate(items):
            document = item.document
            if (
                item.link.id
                and isinstance(document, PurchaseDocument)
                and document.kind == "expense"
            ):
                other = "Purchase" if purchases.owed(document) else "Bill"
                wanted[other][position] = str(item.link.id)
        moved: dict[int, tuple[str, Body]] = {}
        for entity, ids in wanted.items():
            if not ids:
                continue
            held = await self._by_id(entity, list(ids.values()))
            for position, copy_id in ids.items():
                copy = held.get(copy_id)
                if copy is not None and copy.get("DocNumber") == items[position].link.key:
                    moved[position] = (entity, copy)
        return moved

    @staticmethod
    def _purchase_builder(
        item: PushItem, document: PurchaseDocument, accounts: dict[str, LookupItem]
    ) -> Builder:
        key = str(item.link.key)
        if purchases.owed(document):
            if not document.contact:
                raise Rejected(
                    "QuickBooks holds an expense owed as a Bill, which needs a vendor: give "
                    "the expense a supplier_id (or the account it was paid from)",
                    field="supplier_id",
                )
            number = mapping.doc_number(document.number) if document.kind == "bill" else key

            def bill(link: Link, document: PurchaseDocument = document) -> Body:
                return purchases.bill_body(document, number, link)

            return bill
        account = accounts.get(str(document.paid_from))
        if account is None or not account.active:
            raise Rejected(
                f"QuickBooks has no active account {document.paid_from} to pay the expense from",
                field="paid_from_account",
            )
        kind = account.kind or ""

        def spent(link: Link, document: PurchaseDocument = document) -> Body:
            return purchases.purchase_body(document, key, link, kind)

        return spent

    async def _bills(self, docs: list[Body]) -> list[Remote[Any]]:
        """Bills read with the bill payments made on them."""
        ids = [i for doc in docs for i in purchases.linked_bill_payment_ids(doc)]
        paid = await self._by_id("BillPayment", ids)
        return [
            purchases.remote_bill(
                doc, [paid[i] for i in purchases.linked_bill_payment_ids(doc) if i in paid]
            )
            for doc in docs
        ]

    async def _find_purchases(
        self, kind: RecordKind, keys: Sequence[str]
    ) -> dict[str, Remote[Any]]:
        """Bills by vendor and number; expenses among Purchases and Bills by their key."""
        wanted = set(keys)
        if kind is RecordKind.SUPPLIER_INVOICE:
            numbers = [key.partition("/")[2] for key in keys]
            bills = await self._bills(
                await reads.matching(self.client, "Bill", "DocNumber", numbers)
            )
            return {
                str(r.link.key): r
                for r in bills
                if r.link.key in wanted and r.state is not State.GONE
            }
        spent = await reads.matching(self.client, "Purchase", "DocNumber", keys)
        owed = await reads.matching(self.client, "Bill", "DocNumber", keys)
        found: dict[str, Remote[Any]] = {}
        for remote in [purchases.remote_purchase(doc) for doc in spent] + [
            replace(r, link=replace(r.link, key=r.document.number)) for r in await self._bills(owed)
        ]:
            key = remote.document.number
            if key in wanted and remote.state is not State.GONE:
                found.setdefault(key, remote)
        return found

    async def _lookups(self, kind: LookupKind) -> list[LookupItem]:
        if self.session.cached_lookups is not None:
            return await self.session.cached_lookups(kind)
        return await self.lookups(kind)

    # --- reading ---------------------------------------------------------------------------

    async def find(self, kind: RecordKind, keys: Sequence[str]) -> dict[str, Remote[Any]]:
        if not keys:
            return {}
        entity = ENTITY[kind]
        if kind in PURCHASES:
            return await self._find_purchases(kind, keys)
        if kind in CONTACTS:
            every = reads.every_state(entity)
            docs = await reads.matching(self.client, entity, "AcctNum", keys, every)
        elif kind is RecordKind.PAYMENT:
            days = sorted(
                {d.isoformat() for k in keys if (d := mapping.payment_key_date(k)) is not None}
            )
            docs = await reads.matching(self.client, entity, "TxnDate", days) if days else []
        else:
            docs = await reads.matching(self.client, entity, "DocNumber", keys)
        remotes = await self._remotes(kind, docs)
        wanted = set(keys)
        return {
            str(r.link.key): r
            for r in remotes
            if r.link.key in wanted and r.state is not State.GONE
        }

    async def _remotes(self, kind: RecordKind, docs: list[Body]) -> list[Remote[Any]]:
        if kind in CONTACTS:
            return [mapping.remote_contact(doc) for doc in docs]
        if kind is RecordKind.SUPPLIER_INVOICE:
            return await self._bills(docs)
        if kind is RecordKind.EXPENSE:
            return [purchases.remote_purchase(doc) for doc in docs]
        if kind is RecordKind.PAYMENT:
            return [
                mapping.remote_receipt(doc)
                for doc in docs
                if not mapping.is_credit_application(doc)
            ]
        payments = await reads.payments_linking(self.client, docs)
        return [
            mapping.remote_sales(
                doc, [payments[i] for i in mapping.linked_payment_ids(doc) if i in payments]
            )
            for doc in docs
        ]

    async def scan(self, kind: RecordKind, query: Query) -> AsyncIterator[list[Remote[Any]]]:
        entity = ENTITY[kind]
        if isinstance(query, ChangedSince):
            async for page in self._changed(kind, query):
                yield page
            return
        if isinstance(query, ByIds):
            for chunk in reads.chunks(list(query.ids)):
                held = await self._by_id(entity, chunk)
                docs = [held.get(i) or mapping.gone(i) for i in chunk]
                yield await self._remotes(kind, docs)
            return
        where = ""
        if isinstance(query, Dated):
            where = (
                f"TxnDate >= '{query.first.isoformat()}' and TxnDate <= '{query.last.isoformat()}'"
            )
        elif isinstance(query, Everything) and kind in CONTACTS:
            where = "Active = true" if query.active_only else reads.every_state(entity)
        async for docs in reads.pages(self.client, entity, where):
            yield await self._remotes(kind, docs)

    async def _changed(
        self, kind: RecordKind, query: ChangedSince
    ) -> AsyncIterator[list[Remote[Any]]]:
        """CDC while the moment is inside its 30 days (deletions included), else a query on
        `MetaData.LastUpdatedTime` (which cannot see deletions); oldest change first."""
        entity = ENTITY[kind]
        budget = self.session.budget
        recent = budget is None or budget.clock() - query.since < CDC_WINDOW
        docs: list[Body] | None = None
        if recent:
            try:
                docs = await reads.changes(self.client, entity, query.since)
            except Rejected:
                docs = None  # out of CDC's window by QuickBooks' clock
        if docs is not None and len(docs) < reads.PAGE:
            docs.sort(key=lambda d: mapping.updated_at(d) or query.since)
            yield await self._remotes(kind, docs)
            return
        where = f"MetaData.LastUpdatedTime > '{reads.moment(query.since)}'"
        if kind in CONTACTS:
            where = f"{where} and {reads.every_state(entity)}"
        async for page in reads.pages(self.client, entity, where, "MetaData.LastUpdatedTime"):
            yield await self._remotes(kind, page)

    async def lookups(self, kind: LookupKind) -> list[LookupItem]:
        if kind is LookupKind.ACCOUNTS:
            return [
                account_item(doc)
                async for page in reads.pages(self.client, "Account", reads.every_state("Account"))
                for doc in page
            ]
        if kind is LookupKind.TAX_RATES:
            rates: dict[str, Decimal] = {}
            async for page in reads.pages(self.client, "TaxRate", reads.every_state("TaxRate")):
                for doc in page:
                    value = tax_rate_value(doc)
                    if value is not None:
                        rates[str(doc["Id"])] = value
            return [
                tax_code_item(doc, rates)
                async for page in reads.pages(self.client, "TaxCode", reads.every_state("TaxCode"))
                for doc in page
            ]
        if kind is LookupKind.CUSTOM_FIELDS:
            return custom_field_items(
                (await self.client.get("preferences")).get("Preferences") or {}
            )
        if kind is LookupKind.PAYMENT_METHODS:
            every = reads.every_state("PaymentMethod")
            return [
                payment_method_item(doc)
                async for page in reads.pages(self.client, "PaymentMethod", every)
                for doc in page
            ]
        return []


def _already_gone(error: RecordError | None) -> bool:
    """Deleting a payment QuickBooks no longer has (610): what was asked is so."""
    return isinstance(error, NotFound)
