"""The control surface's "act as the MYOB user" half (`/myob/_control/...`): what a
bookkeeper does in MYOB itself: receive a payment on an invoice, delete a payment, delete or
edit an invoice, rename a customer, set the lock date. MYOB's rules still hold; a refusal is
answered 422 with MYOB's error."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from syncsvc.sandbox.myob.errors import MyobError
from syncsvc.sandbox.myob.ledger import Ledger, Record
from syncsvc.sandbox.myob.store import CompanyFile, MyobStore
from syncsvc.sandbox.myob.wire import to_wire


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReceivedPayment(Strict):
    amount: Decimal = Field(gt=0, decimal_places=2)
    date: dt.date
    account: str = Field(default="1-1110", description="The bank account's DisplayID")
    memo: str | None = Field(default=None, max_length=255)


class InvoiceEdit(Strict):
    total: Decimal | None = Field(
        default=None, decimal_places=2, description="A new total: one adjusting line is added"
    )
    customer_uid: str | None = None
    comment: str | None = Field(default=None, max_length=2000)


class CustomerChange(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=50)
    active: bool | None = None


class Preferences(Strict):
    lock_date: dt.date | None
    must_reverse: bool | None = None


class Unknown(Exception):
    pass


def _refused(error: MyobError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=422)


def _missing(what: str) -> JSONResponse:
    return JSONResponse({"errors": [f"no {what}"]}, status_code=404)


def build_router(store: MyobStore) -> APIRouter:
    router = APIRouter(prefix="/_control")
    BusinessParam = Query(default=None, description="The company file; default: the first")

    def company_file(business_id: str | None) -> CompanyFile:
        if business_id:
            found = store.company_file(business_id)
            if found is None:
                raise Unknown(f"company file {business_id}")
            return found
        return next(iter(store.company_files.values()))

    def find_invoice(ledger: Ledger, ref: str) -> Record:
        found = ledger.invoices.get(ref.lower()) or next(
            (i for i in ledger.invoices.values() if i["Number"] == ref), None
        )
        if found is None:
            raise Unknown(f"invoice {ref}")
        return found

    def wire(request: Request, target: CompanyFile, record: Any) -> Any:
        return to_wire(record, target.uri(str(request.base_url).rstrip("/")))

    @router.post("/invoices/{ref}/payments", status_code=201)
    async def receive_payment(
        ref: str, body: ReceivedPayment, request: Request, business_id: str | None = BusinessParam
    ) -> Any:
        """The MYOB user receives a payment on an invoice (by UID or Number)."""
        try:
            target = company_file(business_id)
            invoice = find_invoice(target.ledger, ref)
        except Unknown as exc:
            return _missing(str(exc))
        account = next(
            (a for a in target.ledger.accounts.values() if a["DisplayID"] == body.account), None
        )
        if account is None:
            return _missing(f"account {body.account}")
        try:
            payment = target.ledger.create_payment(
                {
                    "DepositTo": "Account",
                    "Account": {"UID": account["UID"]},
                    "Customer": {"UID": invoice["Customer"]["UID"]},
                    "Date": body.date.isoformat(),
                    "Memo": body.memo,
                    "Invoices": [
                        {"UID": invoice["UID"], "AmountApplied": body.amount, "Type": "Invoice"}
                    ],
                }
            )
        except MyobError as error:
            return _refused(error)
        return wire(request, target, payment)

    @router.delete("/payments/{uid}")
    async def delete_payment(uid: str, business_id: str | None = BusinessParam) -> Any:
        try:
            target = company_file(business_id)
            target.ledger.delete_payment(uid)
        except Unknown as exc:
            return _missing(str(exc))
        except MyobError as error:
            return _missing(f"payment {uid}") if error.status == 404 else _refused(error)
        return {"status": "deleted"}

    @router.delete("/invoices/{ref}")
    async def delete_invoice(ref: str, business_id: str | None = BusinessParam) -> Any:
        """MYOB has no void: the user deletes the sale (or, in must-reverse mode, cannot)."""
        try:
            target = company_file(business_id)
            invoice = find_invoice(target.ledger, ref)
            target.ledger.delete_invoice(invoice["UID"])
        except Unknown as exc:
            return _missing(str(exc))
        except MyobError as error:
            return _refused(error)
        return {"status": "deleted"}

    @router.put("/invoices/{ref}")
    async def edit_invoice(
        ref: str, body: InvoiceEdit, request: Request, business_id: str | None = BusinessParam
    ) -> Any:
        """An edit made in MYOB: a new total (one adjusting line on the first line's account
        and tax code), another customer, a comment."""
        try:
            target = company_file(business_id)
            invoice = find_invoice(target.ledger, ref)
        except Unknown as exc:
            return _missing(str(exc))
        change: dict[str, Any] = {"RowVersion": invoice["RowVersion"]}
        if body.customer_uid is not None:
            change["Customer"] = {"UID": body.customer_uid}
        if body.comment is not None:
            change["Comment"] = body.comment
        if body.total is not None:
            lines = [
                {"RowID": line["RowID"], "RowVersion": line["RowVersion"]}
                for line in invoice["Lines"]
            ]
            model = next(line for line in invoice["Lines"] if line["Type"] == "Transaction")
            tax = target.ledger.tax_codes[model["TaxCode"]["UID"]]["Rate"]
            delta = body.total - invoice["TotalAmount"]
            if not invoice["IsTaxInclusive"]:
                delta = delta * 100 / (100 + tax)
            adjustment: dict[str, Any] = {
                "Type": "Transaction",
                "Description": "Adjustment",
                "Total": delta.quantize(Decimal("0.01")),
                "Account": {"UID": model["Account"]["UID"]},
                "TaxCode": {"UID": model["TaxCode"]["UID"]},
            }
            if invoice["InvoiceType"] == "Item":
                adjustment.update({"Item": {"UID": model["Item"]["UID"]}, "ShipQuantity": 1})
            change["Lines"] = [*lines, adjustment]
        try:
            updated = target.ledger.update_invoice(invoice["InvoiceType"], invoice["UID"], change)
        except MyobError as error:
            return _refused(error)
        return wire(request, target, updated)

    @router.put("/customers/{uid}")
    async def change_customer(
        uid: str, body: CustomerChange, request: Request, business_id: str | None = BusinessParam
    ) -> Any:
        try:
            target = company_file(business_id)
            customer = target.ledger.customer(uid)
        except Unknown as exc:
            return _missing(str(exc))
        except MyobError:
            return _missing(f"customer {uid}")
        target.ledger.change_customer(customer["UID"], body.name, body.active)
        return wire(request, target, customer)

    @router.put("/preferences")
    async def preferences(
        body: Preferences, request: Request, business_id: str | None = BusinessParam
    ) -> Any:
        """The lock date (`LockPeriodPriorTo`) and "transactions must be reversed"."""
        try:
            target = company_file(business_id)
        except Unknown as exc:
            return _missing(str(exc))
        target.ledger.set_lock_date(body.lock_date)
        if body.must_reverse is not None:
            target.ledger.set_must_reverse(body.must_reverse)
        return wire(request, target, target.ledger.preferences())

    return router
