"""The control surface's "act as the QuickBooks user" half: what a bookkeeper does in
QuickBooks (receive a payment on an invoice, void or edit an invoice, rename a customer,
delete a payment, pay a bill and delete that bill payment, close the books, company
preferences) and the webhook settings. The same
rules as the API apply (a refusal is 422 with QuickBooks' fault); not rate limited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from syncsvc.sandbox.quickbooks.books import Books
from syncsvc.sandbox.quickbooks.company import ENTITIES, Company
from syncsvc.sandbox.quickbooks.store import QuickBooksStore
from syncsvc.sandbox.quickbooks.webhooks import Webhooks
from syncsvc.sandbox.quickbooks.wire import Doc, QboFault, to_wire


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReceivedPayment(Strict):
    amount: Decimal = Field(gt=0)
    date: dt.date | None = None
    deposit_account_id: str | None = None
    payment_method_id: str | None = None
    reference: str | None = Field(default=None, max_length=21)


class BillPaid(Strict):
    amount: Decimal = Field(gt=0)
    date: dt.date | None = None
    pay_type: Literal["Check", "CreditCard"] = "Check"
    account_id: str = "1"  # the bank (Check) or credit card account paid from
    reference: str | None = Field(default=None, max_length=21)


class InvoiceEdit(Strict):
    customer_id: str | None = None
    line_amount: Decimal | None = Field(default=None, ge=0)
    txn_date: dt.date | None = None
    private_note: str | None = Field(default=None, max_length=4000)


class CustomerChange(Strict):
    display_name: str | None = Field(default=None, min_length=1, max_length=500)
    active: bool | None = None
    email: str | None = None


class BookClose(Strict):
    date: dt.date | None


class PreferenceChange(Strict):
    custom_txn_numbers: bool | None = None
    unique_doc_numbers: bool | None = None


class WebhookSettings(Strict):
    url: str | None
    client_id: str | None = None
    content_type: str | None = None


def _refused(fault: QboFault) -> JSONResponse:
    return JSONResponse({"Fault": fault.fault()}, status_code=422)


def _missing(what: str) -> JSONResponse:
    return JSONResponse({"errors": [f"no {what}"]}, status_code=404)


def build_router(store: QuickBooksStore, webhooks: Webhooks) -> APIRouter:
    router = APIRouter(prefix="/_control")
    RealmParam = Query(default=None, description="The company; default: the first")

    def company(realm_id: str | None) -> Company:
        return store.companies.get(realm_id or "") or store.companies[store.default_realm]

    def find_invoice(books: Books, ref: str) -> Doc | None:
        found = books.company.get("Invoice", ref)
        if found is not None:
            return found
        return next((i for i in books.company.all("Invoice") if i.get("DocNumber") == ref), None)

    @router.get("/documents")
    async def documents(realm_id: str | None = RealmParam) -> Any:
        """The company's books as a person sees them in QuickBooks."""
        books = company(realm_id)
        return to_wire({entity: books.all(entity) for entity in ENTITIES})

    @router.post("/invoices/{ref}/payments", response_model=None)
    async def receive_payment(
        ref: str, body: ReceivedPayment, realm_id: str | None = RealmParam
    ) -> Any:
        books = Books(company(realm_id))
        invoice = find_invoice(books, ref)
        if invoice is None:
            return _missing(f"invoice {ref}")
        payment: Doc = {
            "CustomerRef": invoice["CustomerRef"],
            "TotalAmt": body.amount,
            "Line": [
                {
                    "Amount": body.amount,
                    "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}],
                }
            ],
        }
        if body.date is not None:
            payment["TxnDate"] = body.date.isoformat()
        if body.deposit_account_id:
            payment["DepositToAccountRef"] = {"value": body.deposit_account_id}
        if body.payment_method_id:
            payment["PaymentMethodRef"] = {"value": body.payment_method_id}
        if body.reference:
            payment["PaymentRefNum"] = body.reference
        try:
            return to_wire(books.create("Payment", payment))
        except QboFault as fault:
            return _refused(fault)

    @router.post("/bills/{ref}/payments", response_model=None)
    async def pay_bill(ref: str, body: BillPaid, realm_id: str | None = RealmParam) -> Any:
        """A bill payment on one bill (`ref`: its Id or DocNumber), as QuickBooks' Pay Bills."""
        books = Books(company(realm_id))
        bill = books.company.get("Bill", ref) or next(
            (b for b in books.company.all("Bill") if b.get("DocNumber") == ref), None
        )
        if bill is None:
            return _missing(f"bill {ref}")
        holder, field = (
            ("CheckPayment", "BankAccountRef")
            if body.pay_type == "Check"
            else ("CreditCardPayment", "CCAccountRef")
        )
        payment: Doc = {
            "VendorRef": bill["VendorRef"],
            "PayType": body.pay_type,
            holder: {field: {"value": body.account_id}},
            "TotalAmt": body.amount,
            "Line": [
                {"Amount": body.amount, "LinkedTxn": [{"TxnId": bill["Id"], "TxnType": "Bill"}]}
            ],
        }
        if body.date is not None:
            payment["TxnDate"] = body.date.isoformat()
        if body.reference:
            payment["DocNumber"] = body.reference
        try:
            return to_wire(books.create("BillPayment", payment))
        except QboFault as fault:
            return _refused(fault)

    @router.delete("/bill-payments/{payment_id}", response_model=None)
    async def delete_bill_payment(payment_id: str, realm_id: str | None = RealmParam) -> Any:
        return delete(Books(company(realm_id)), "BillPayment", payment_id, "bill payment")

    def delete(books: Books, entity: str, entity_id: str, what: str) -> Any:
        """The user deletes a payment or bill payment (at its current SyncToken)."""
        held = books.company.get(entity, entity_id)
        if held is None:
            return _missing(f"{what} {entity_id}")
        try:
            return to_wire(books.delete(entity, {"Id": entity_id, "SyncToken": held["SyncToken"]}))
        except QboFault as fault:
            return _refused(fault)

    @router.post("/invoices/{ref}/void", response_model=None)
    async def void_invoice(ref: str, realm_id: str | None = RealmParam) -> Any:
        books = Books(company(realm_id))
        invoice = find_invoice(books, ref)
        if invoice is None:
            return _missing(f"invoice {ref}")
        try:
            return to_wire(
                books.void("Invoice", {"Id": invoice["Id"], "SyncToken": invoice["SyncToken"]})
            )
        except QboFault as fault:
            return _refused(fault)

    @router.put("/invoices/{ref}", response_model=None)
    async def edit_invoice(ref: str, body: InvoiceEdit, realm_id: str | None = RealmParam) -> Any:
        books = Books(company(realm_id))
        invoice = find_invoice(books, ref)
        if invoice is None:
            return _missing(f"invoice {ref}")
        change: Doc = {"Id": invoice["Id"], "SyncToken": invoice["SyncToken"], "sparse": True}
        if body.customer_id is not None:
            change["CustomerRef"] = {"value": body.customer_id}
        if body.txn_date is not None:
            change["TxnDate"] = body.txn_date.isoformat()
        if body.private_note is not None:
            change["PrivateNote"] = body.private_note
        if body.line_amount is not None:
            lines = [dict(line) for line in invoice["Line"]]
            first = next(line for line in lines if line["DetailType"] == "SalesItemLineDetail")
            first["Amount"] = body.line_amount
            first["SalesItemLineDetail"] = {
                **first["SalesItemLineDetail"],
                "Qty": Decimal("1"),
                "UnitPrice": body.line_amount,
            }
            change["Line"] = lines
        try:
            return to_wire(books.update("Invoice", change))
        except QboFault as fault:
            return _refused(fault)

    @router.put("/customers/{customer_id}", response_model=None)
    async def change_customer(
        customer_id: str, body: CustomerChange, realm_id: str | None = RealmParam
    ) -> Any:
        books = Books(company(realm_id))
        customer = books.company.get("Customer", customer_id)
        if customer is None:
            return _missing(f"customer {customer_id}")
        change: Doc = {"Id": customer_id, "SyncToken": customer["SyncToken"], "sparse": True}
        if body.display_name is not None:
            change["DisplayName"] = body.display_name
        if body.active is not None:
            change["Active"] = body.active
        if body.email is not None:
            change["PrimaryEmailAddr"] = {"Address": body.email}
        try:
            return to_wire(books.update("Customer", change))
        except QboFault as fault:
            return _refused(fault)

    @router.delete("/payments/{payment_id}", response_model=None)
    async def delete_payment(payment_id: str, realm_id: str | None = RealmParam) -> Any:
        return delete(Books(company(realm_id)), "Payment", payment_id, "payment")

    @router.put("/book-close-date")
    async def book_close_date(body: BookClose, realm_id: str | None = RealmParam) -> Any:
        found = company(realm_id)
        found.set_book_close_date(body.date)
        return to_wire(found.prefs["AccountingInfoPrefs"])

    @router.put("/preferences")
    async def preferences(body: PreferenceChange, realm_id: str | None = RealmParam) -> Any:
        found = company(realm_id)
        if body.custom_txn_numbers is not None:
            found.prefs["SalesFormsPrefs"]["CustomTxnNumbers"] = body.custom_txn_numbers
        if body.unique_doc_numbers is not None:
            found.unique_doc_numbers = body.unique_doc_numbers
        return {
            "custom_txn_numbers": found.custom_txn_numbers,
            "unique_doc_numbers": found.unique_doc_numbers,
        }

    @router.put("/webhooks", response_model=None)
    async def webhook_settings(body: WebhookSettings) -> Any:
        client_id = body.client_id or webhooks.client_id
        if client_id not in store.apps:
            return _missing(f"app {client_id}")
        webhooks.url = body.url
        webhooks.client_id = client_id
        if body.content_type:
            webhooks.content_type = body.content_type
        return {
            "url": webhooks.url,
            "client_id": client_id,
            "verifier_token": store.apps[client_id].verifier_token,
        }

    @router.get("/webhooks")
    async def webhook_state() -> Any:
        webhooks.collect()
        return {
            "url": webhooks.url,
            "client_id": webhooks.client_id,
            "pending": len(webhooks.pending),
            "deliveries": [vars(d) for d in webhooks.deliveries],
        }

    @router.post("/webhooks/flush")
    async def flush() -> Any:
        return {"deliveries": [vars(d) for d in await webhooks.flush()]}

    return router
