"""The control surface's "act as the Xero user" half: what a bookkeeper does in Xero's UI
(bank-feed payments, reconciling, voiding, renaming, archiving, editing, the lock date) and
the webhook settings. Not rate limited, not authenticated: a test and demo tool."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from syncsvc.sandbox.xero.documents import Books
from syncsvc.sandbox.xero.store import Organisation, XeroStore
from syncsvc.sandbox.xero.webhooks import Webhooks
from syncsvc.sandbox.xero.xjson import to_wire


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BankPayment(Strict):
    amount: Decimal = Field(gt=0)
    date: dt.date
    account_code: str = "090"
    reference: str | None = None


class ContactChange(Strict):
    name: str | None = None
    archived: bool | None = None
    email: str | None = None


class InvoiceEdit(Strict):
    total: Decimal | None = None
    contact_id: str | None = None


class LockDate(Strict):
    date: dt.date | None


class WebhookSettings(Strict):
    url: str | None
    key: str | None = None


def _refused(errors: list[str]) -> JSONResponse:
    return JSONResponse({"errors": errors}, status_code=422)


def build_router(store: XeroStore, webhooks: Webhooks) -> APIRouter:
    router = APIRouter(prefix="/_control")

    def organisation(tenant_id: str | None) -> Organisation:
        if tenant_id and tenant_id in store.organisations:
            return store.organisations[tenant_id]
        return next(iter(store.organisations.values()))

    def books(tenant_id: str | None) -> Books:
        return organisation(tenant_id).documents

    TenantParam = Query(default=None, description="The organisation; default: the first")

    @router.get("/documents")
    async def documents(tenant_id: str | None = TenantParam) -> Any:
        """The organisation's books as Xero would show them: what a person sees in Xero."""
        ledger = books(tenant_id)
        return to_wire(
            {
                "Contacts": list(ledger.contacts.values()),
                "Invoices": list(ledger.invoices.values()),
                "CreditNotes": list(ledger.credit_notes.values()),
                "Payments": list(ledger.payments.values()),
                "BankTransactions": list(ledger.bank_transactions.values()),
            }
        )

    @router.post("/invoices/{ref}/payments")
    async def bank_feed_payment(
        ref: str, body: BankPayment, tenant_id: str | None = TenantParam
    ) -> Any:
        """A payment from the bank feed: received on a sales invoice, or made on a bill."""
        found = books(tenant_id).find_invoice(ref)
        if found is None:
            return _refused([f"no invoice {ref}"])
        payment = {
            "Invoice": {"InvoiceID": found["InvoiceID"]},
            "Account": {"Code": body.account_code},
            "Date": body.date.isoformat(),
            "Amount": body.amount,
            "Reference": body.reference,
        }
        errors = books(tenant_id).check_payment(payment)
        if errors:
            return _refused(errors)
        return to_wire(books(tenant_id).apply_payment(payment))

    @router.post("/payments/{payment_id}/reconcile")
    async def reconcile(payment_id: str, tenant_id: str | None = TenantParam) -> Any:
        payment = books(tenant_id).payments.get(payment_id)
        if payment is None:
            return _refused([f"no payment {payment_id}"])
        payment["IsReconciled"] = True
        payment["UpdatedDateUTC"] = store.clock()
        return to_wire(payment)

    @router.delete("/payments/{payment_id}")
    async def delete_payment(payment_id: str, tenant_id: str | None = TenantParam) -> Any:
        errors = books(tenant_id).delete_payment(payment_id)
        return _refused(errors) if errors else {"status": "deleted"}

    @router.put("/contacts/{contact_id}")
    async def change_contact(
        contact_id: str, body: ContactChange, tenant_id: str | None = TenantParam
    ) -> Any:
        ledger = books(tenant_id)
        found = ledger.contacts.get(contact_id)
        if found is None:
            return _refused([f"no contact {contact_id}"])
        if body.name is not None:
            found["Name"] = body.name
        if body.email is not None:
            found["EmailAddress"] = body.email
        if body.archived is not None:
            found["ContactStatus"] = "ARCHIVED" if body.archived else "ACTIVE"
        found["UpdatedDateUTC"] = store.clock()
        ledger.changes.append(("CONTACT", contact_id, "UPDATE"))
        return to_wire(found)

    @router.post("/invoices/{ref}/void")
    async def void(ref: str, tenant_id: str | None = TenantParam) -> Any:
        ledger = books(tenant_id)
        found = ledger.find_invoice(ref)
        if found is None:
            return _refused([f"no invoice {ref}"])
        errors = ledger.check_document(
            {"InvoiceID": found["InvoiceID"], "Status": "VOIDED"},
            "INVOICE",
            {"names": set(), "numbers": set()},
        )
        if errors:
            return _refused(errors)
        return to_wire(
            ledger.apply_document({"InvoiceID": found["InvoiceID"], "Status": "VOIDED"}, "INVOICE")
        )

    @router.put("/invoices/{ref}")
    async def edit_invoice(ref: str, body: InvoiceEdit, tenant_id: str | None = TenantParam) -> Any:
        """An edit made in Xero's UI: a new total (one adjusting line) or another contact."""
        ledger = books(tenant_id)
        found = ledger.find_invoice(ref)
        if found is None:
            return _refused([f"no invoice {ref}"])
        if body.contact_id is not None:
            contact = ledger.contacts.get(body.contact_id)
            if contact is None:
                return _refused([f"no contact {body.contact_id}"])
            found["Contact"] = {"ContactID": contact["ContactID"], "Name": contact["Name"]}
        if body.total is not None:
            delta = body.total - found["Total"]
            found["LineItems"].append(
                {
                    "LineItemID": store.new_id(),
                    "Description": "Adjustment",
                    "Quantity": Decimal(1),
                    "UnitAmount": delta,
                    "AccountCode": "260",
                    "TaxType": "NONE",
                }
            )
            ledger.recompute(found, "INVOICE")
        found["UpdatedDateUTC"] = store.clock()
        ledger.changes.append(("INVOICE", found["InvoiceID"], "UPDATE"))
        return to_wire(found)

    @router.post("/invoices", status_code=201)
    async def foreign_invoice(body: dict[str, Any], tenant_id: str | None = TenantParam) -> Any:
        """An invoice keyed in Xero directly: not made by the service, to be left alone."""
        ledger = books(tenant_id)
        errors = ledger.check_document(body, "INVOICE", {"names": set(), "numbers": set()})
        if errors:
            return _refused(errors)
        return to_wire(ledger.apply_document(body, "INVOICE"))

    @router.put("/lock-date")
    async def lock_date(body: LockDate, tenant_id: str | None = TenantParam) -> Any:
        target = organisation(tenant_id)
        target.period_lock_date = body.date.isoformat() if body.date else None
        return {"period_lock_date": target.period_lock_date}

    @router.put("/webhooks")
    async def webhook_settings(body: WebhookSettings) -> Any:
        webhooks.url = body.url
        if body.key:
            webhooks.key = body.key
        return {"url": webhooks.url, "key": webhooks.key}

    @router.post("/webhooks/flush")
    async def flush() -> Any:
        deliveries = await webhooks.flush()
        return {"deliveries": [vars(d) for d in deliveries], "pending": len(webhooks.pending)}

    @router.post("/webhooks/intent")
    async def intent() -> Any:
        if webhooks.url is None:
            return _refused(["set a webhook URL first"])
        return await webhooks.intent_to_receive()

    return router
