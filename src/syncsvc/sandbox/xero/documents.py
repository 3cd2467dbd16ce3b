"""Contacts, invoices and bills, payments and credit notes of one organisation, with Xero's
rules and Xero's own messages (FACTS.md sections 5 and 6). Each write is checked first (`check_*`
returns the messages) and applied after (`apply_*`), so a batch can be refused whole."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from syncsvc.sandbox.xero import totals

Doc = dict[str, Any]

NAME_TAKEN = (
    "The contact name {name} is already assigned to another contact. "
    "The contact name must be unique across all active contacts."
)
NUMBER_TAKEN = "Another contact has this contact number."
INVOICE_NUMBER_TAKEN = "Invoice # must be unique."
CREDIT_NUMBER_TAKEN = "Credit Note # must be unique."
BAD_STATUS = "Invoice not of valid status for modification"
HAS_PAYMENTS = "This document cannot be edited as it has a payment or credit note allocated to it."
HAS_RECONCILED = (
    "This document cannot be edited as it has a reconciled payment or credit note allocated to it."
)
LOCKED = "The document date cannot be before the period lock date, currently set at {date}."
ARCHIVED_CONTACT = (
    "The contact with the specified contact details has been archived. The contact must be "
    "un-archived before creating new invoices or credit notes"
)
BAD_ACCOUNT = "Account must be valid."
BAD_TAX = "Tax rate must be valid."
OVERPAID = "Payment amount exceeds the amount outstanding on this document."
NOT_PAYABLE = "Payments can only be made against Authorised documents."
BAD_PAYMENT_ACCOUNT = (
    "Account type is invalid for making a payment to/from: only bank accounts and accounts "
    "with payments enabled can be used."
)

TRANSITIONS = {
    "DRAFT": {"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"},
    "SUBMITTED": {"SUBMITTED", "DRAFT", "AUTHORISED", "DELETED"},
    "AUTHORISED": {"AUTHORISED", "VOIDED"},
    "PAID": {"PAID"},
    "VOIDED": set(),
    "DELETED": set(),
}


def parse_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    text = str(value)
    if text.startswith("/Date("):
        millis = int(text[6:].split("+")[0].split(")")[0])
        return datetime.fromtimestamp(millis / 1000, tz=UTC).date()
    return date.fromisoformat(text[:10])


@dataclass
class Books:
    """One organisation's documents."""

    new_id: Callable[[], str]
    now: Callable[[], datetime]
    accounts: list[Doc]
    tax_rates: list[Doc]
    tracking: list[Doc]
    lock_date: Callable[[], date | None]
    contacts: dict[str, Doc] = field(default_factory=dict)
    invoices: dict[str, Doc] = field(default_factory=dict)
    payments: dict[str, Doc] = field(default_factory=dict)
    credit_notes: dict[str, Doc] = field(default_factory=dict)
    bank_transactions: dict[str, Doc] = field(default_factory=dict)
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (category, id, kind)

    # --- look-ups ------------------------------------------------------------------------

    def rates(self) -> dict[str, Decimal]:
        return {r["TaxType"]: Decimal(str(r["EffectiveRate"])) for r in self.tax_rates}

    def account(self, code: Any) -> Doc | None:
        return next((a for a in self.accounts if a["Code"] == code), None)

    def find_contact(self, ref: Doc | None) -> Doc | None:
        if not ref:
            return None
        if ref.get("ContactID"):
            return self.contacts.get(str(ref["ContactID"]))
        number = ref.get("ContactNumber")
        if number:
            return next(
                (c for c in self.contacts.values() if c.get("ContactNumber") == number), None
            )
        return None

    def find_invoice(self, key: str) -> Doc | None:
        found = self.invoices.get(key)
        if found is None:
            found = next((i for i in self.invoices.values() if i.get("InvoiceNumber") == key), None)
        return found

    def locked(self, when: date | None) -> str | None:
        lock = self.lock_date()
        if lock is not None and when is not None and when <= lock:
            return LOCKED.format(date=lock.strftime("%d-%b-%Y"))
        return None

    def _touch(self, doc: Doc, category: str, id_key: str, created: bool) -> None:
        doc["UpdatedDateUTC"] = self.now()
        self.changes.append((category, doc[id_key], "CREATE" if created else "UPDATE"))

    # --- contacts --------------------------------------------------------------------------

    def check_contact(self, body: Doc, taken: dict[str, set[str]]) -> list[str]:
        existing = self.find_contact(body) if body.get("ContactID") else None
        if body.get("ContactID") and existing is None:
            return ["Contact not found"]
        name = body.get("Name", existing.get("Name") if existing else None)
        errors = []
        if not name:
            errors.append("The contact name must be specified.")
        self_id = existing["ContactID"] if existing else None
        active = [
            c
            for c in self.contacts.values()
            if c["ContactStatus"] == "ACTIVE" and c["ContactID"] != self_id
        ]
        if name and (name in {c["Name"] for c in active} or name in taken["names"]):
            errors.append(NAME_TAKEN.format(name=name))
        number = body.get("ContactNumber")
        numbers = {
            c.get("ContactNumber") for c in self.contacts.values() if c["ContactID"] != self_id
        }
        if number and (number in numbers or number in taken["numbers"]):
            errors.append(NUMBER_TAKEN)
        if not errors:  # what this element takes, later elements of the batch cannot
            taken["names"].add(str(name))
            if number:
                taken["numbers"].add(number)
        return errors

    def apply_contact(self, body: Doc) -> Doc:
        existing = self.find_contact(body) if body.get("ContactID") else None
        if existing is None:
            existing = {
                "ContactID": self.new_id(),
                "ContactStatus": "ACTIVE",
                "Addresses": [],
                "Phones": [],
                # Derived by Xero from the documents that name the contact, never sent.
                "IsCustomer": False,
                "IsSupplier": False,
            }
            self.contacts[existing["ContactID"]] = existing
            created = True
        else:
            created = False
        for key, value in body.items():
            if key not in {"ContactID", "UpdatedDateUTC"}:
                existing[key] = copy.deepcopy(value)
        self._touch(existing, "CONTACT", "ContactID", created)
        return existing

    # --- invoices and credit notes -----------------------------------------------------------

    def check_document(self, body: Doc, kind: str, taken: dict[str, set[str]]) -> list[str]:
        """Invoices (kind INVOICE) and credit notes (CREDITNOTE) share their rules."""
        store = self.invoices if kind == "INVOICE" else self.credit_notes
        id_key = "InvoiceID" if kind == "INVOICE" else "CreditNoteID"
        number_key = "InvoiceNumber" if kind == "INVOICE" else "CreditNoteNumber"
        existing = store.get(str(body.get(id_key))) if body.get(id_key) else None
        if body.get(id_key) and existing is None and kind == "INVOICE":
            existing = self.find_invoice(str(body[id_key]))
        if body.get(id_key) and existing is None:
            return [f"{'Invoice' if kind == 'INVOICE' else 'Credit note'} not found"]
        errors: list[str] = []
        if existing is not None:
            status = existing["Status"]
            wanted = body.get("Status", status)
            if wanted not in TRANSITIONS.get(status, set()):
                return [BAD_STATUS]
            if existing.get("Payments") or existing.get("AmountCredited", 0):
                reconciled = any(
                    self.payments.get(p["PaymentID"], {}).get("IsReconciled")
                    for p in existing.get("Payments", [])
                )
                return [HAS_RECONCILED if reconciled else HAS_PAYMENTS]
            locked = self.locked(parse_date(existing.get("Date")))
            if locked:
                return [locked]
        contact_ref = body.get("Contact") or (existing or {}).get("Contact")
        contact = self.find_contact(contact_ref)
        if contact is None:
            errors.append("A Contact must be specified for this type of transaction")
        elif contact["ContactStatus"] == "ARCHIVED" and existing is None:
            errors.append(ARCHIVED_CONTACT)
        type_ = body.get("Type", (existing or {}).get("Type"))
        if type_ not in (
            ("ACCREC", "ACCPAY") if kind == "INVOICE" else ("ACCRECCREDIT", "ACCPAYCREDIT")
        ):
            errors.append("Type must be specified.")
        number = body.get(number_key)
        if number and type_ in ("ACCREC", "ACCRECCREDIT"):
            others = {d.get(number_key) for d in store.values() if d is not existing}
            if number in others or number in taken["numbers"]:
                errors.append(INVOICE_NUMBER_TAKEN if kind == "INVOICE" else CREDIT_NUMBER_TAKEN)
        locked = self.locked(parse_date(body.get("Date", (existing or {}).get("Date"))))
        if locked:
            errors.append(locked)
        lines = body.get("LineItems")
        if lines is None and existing is None:
            lines = []
        for line in lines or []:
            errors.extend(self.check_line(line))
        if not errors and number:
            taken["numbers"].add(number)
        return errors

    def check_line(self, line: Doc) -> list[str]:
        errors = []
        if not str(line.get("Description") or "").strip() and line.get("UnitAmount") is None:
            errors.append("Description is required")
        code = line.get("AccountCode")
        if code is not None:
            account = self.account(code)
            if account is None or account["Status"] != "ACTIVE":
                errors.append(BAD_ACCOUNT)
        tax = line.get("TaxType")
        if tax is not None and tax not in self.rates():
            errors.append(BAD_TAX)
        if totals.decimal_of(line.get("Quantity"), "1") < 0:
            errors.append("Quantity must not be less than zero")
        tracking = line.get("Tracking") or []
        if not isinstance(tracking, list) or len(tracking) > 2:
            errors.append("Any LineItem can have a maximum of 2 TrackingCategory elements.")
        else:
            for option in tracking:
                category = next(
                    (
                        c
                        for c in self.tracking
                        if c["Name"] == option.get("Name")
                        or c["TrackingCategoryID"] == option.get("TrackingCategoryID")
                    ),
                    None,
                )
                names = {o["Name"] for o in (category or {}).get("Options", [])}
                if category is None or option.get("Option") not in names:
                    errors.append("Tracking category or option does not exist.")
        return errors

    def apply_document(self, body: Doc, kind: str) -> Doc:
        store = self.invoices if kind == "INVOICE" else self.credit_notes
        id_key = "InvoiceID" if kind == "INVOICE" else "CreditNoteID"
        existing = store.get(str(body.get(id_key))) if body.get(id_key) else None
        if existing is None and body.get(id_key) and kind == "INVOICE":
            existing = self.find_invoice(str(body[id_key]))
        created = existing is None
        if existing is None:
            existing = {
                id_key: self.new_id(),
                "Status": "DRAFT",
                "LineAmountTypes": "Exclusive",
                "Payments": [],
                "AmountPaid": Decimal("0.00"),
                "AmountCredited": Decimal("0.00"),
                "CurrencyCode": "NZD",
            }
            if kind == "CREDITNOTE":
                existing["Allocations"] = []
            store[existing[id_key]] = existing
        for key, value in body.items():
            if key in ("Date", "DueDate"):
                existing[key] = str(parse_date(value)) if value else None
            elif key not in {id_key, "UpdatedDateUTC", "Contact"}:
                existing[key] = copy.deepcopy(value)
        contact = self.find_contact(body.get("Contact") or existing.get("Contact"))
        if contact is not None:
            existing["Contact"] = {"ContactID": contact["ContactID"], "Name": contact["Name"]}
            payable = str(existing.get("Type", "")).startswith("ACCPAY")
            contact["IsSupplier" if payable else "IsCustomer"] = True
        for line in existing.get("LineItems", []):
            line.setdefault("LineItemID", self.new_id())
        self.recompute(existing, kind)
        self._touch(existing, "INVOICE" if kind == "INVOICE" else "CREDITNOTE", id_key, created)
        return existing

    def total_lines(self, doc: Doc) -> totals.Totals:
        """Each line's amount and tax, and the document's SubTotal, TotalTax and Total."""
        result = totals.compute(
            doc.get("LineItems", []), doc.get("LineAmountTypes", "Exclusive"), self.rates()
        )
        doc["SubTotal"], doc["TotalTax"], doc["Total"] = (
            result.subtotal,
            result.total_tax,
            result.total,
        )
        return result

    def recompute(self, doc: Doc, kind: str) -> None:
        result = self.total_lines(doc)
        if kind == "INVOICE":
            paid = sum((p["Amount"] for p in doc.get("Payments", [])), Decimal("0.00"))
            doc["AmountPaid"] = paid
            doc["AmountDue"] = result.total - paid - doc.get("AmountCredited", Decimal("0.00"))
            if doc["Status"] in ("AUTHORISED", "PAID"):
                doc["Status"] = (
                    "PAID" if doc["AmountDue"] <= 0 and result.total > 0 else "AUTHORISED"
                )
                if doc["Status"] == "PAID":
                    doc["FullyPaidOnDate"] = max((p["Date"] for p in doc["Payments"]), default=None)
        else:
            allocated = sum((a["Amount"] for a in doc.get("Allocations", [])), Decimal("0.00"))
            doc["RemainingCredit"] = result.total - allocated

    # --- payments ---------------------------------------------------------------------------

    def check_payment(self, body: Doc) -> list[str]:
        invoice_ref = body.get("Invoice") or {}
        invoice = None
        if invoice_ref.get("InvoiceID"):
            invoice = self.invoices.get(str(invoice_ref["InvoiceID"]))
        elif invoice_ref.get("InvoiceNumber"):
            invoice = self.find_invoice(str(invoice_ref["InvoiceNumber"]))
        if invoice is None:
            return ["Invoice could not be found"]
        account_ref = body.get("Account") or {}
        account = self.account(account_ref.get("Code")) or next(
            (a for a in self.accounts if a["AccountID"] == account_ref.get("AccountID")), None
        )
        errors = []
        if account is None:
            errors.append(BAD_ACCOUNT)
        elif account["Type"] != "BANK" and not account.get("EnablePaymentsToAccount"):
            errors.append(BAD_PAYMENT_ACCOUNT)
        if invoice["Status"] != "AUTHORISED":
            errors.append(NOT_PAYABLE)
        amount = totals.decimal_of(body.get("Amount"))
        if amount <= 0:
            errors.append("Payment amount must be greater than zero.")
        elif amount > invoice.get("AmountDue", Decimal(0)):
            errors.append(OVERPAID)
        locked = self.locked(parse_date(body.get("Date")))
        if locked:
            errors.append(locked)
        return errors

    def apply_payment(self, body: Doc) -> Doc:
        ref = body["Invoice"]
        invoice = (
            self.invoices[str(ref["InvoiceID"])]
            if ref.get("InvoiceID")
            else self.find_invoice(str(ref["InvoiceNumber"]))
        )
        assert invoice is not None
        account_ref = body.get("Account") or {}
        account = self.account(account_ref.get("Code")) or next(
            a for a in self.accounts if a["AccountID"] == account_ref.get("AccountID")
        )
        payment: Doc = {
            "PaymentID": self.new_id(),
            "Date": str(parse_date(body.get("Date")) or self.now().date()),
            "Amount": totals.cents(totals.decimal_of(body["Amount"])),
            "Reference": body.get("Reference"),
            "IsReconciled": bool(body.get("IsReconciled", False)),
            "Status": "AUTHORISED",
            "PaymentType": "ACCRECPAYMENT" if invoice["Type"] == "ACCREC" else "ACCPAYPAYMENT",
            "Account": {"AccountID": account["AccountID"], "Code": account["Code"]},
            "Invoice": {
                "InvoiceID": invoice["InvoiceID"],
                "InvoiceNumber": invoice.get("InvoiceNumber"),
                "Contact": invoice.get("Contact"),
            },
        }
        self.payments[payment["PaymentID"]] = payment
        invoice["Payments"].append(
            {
                "PaymentID": payment["PaymentID"],
                "Date": payment["Date"],
                "Amount": payment["Amount"],
                "Reference": payment["Reference"],
            }
        )
        payment["UpdatedDateUTC"] = self.now()
        self.recompute(invoice, "INVOICE")
        self._touch(invoice, "INVOICE", "InvoiceID", False)
        return payment

    def delete_payment(self, payment_id: str) -> list[str]:
        payment = self.payments.get(payment_id)
        if payment is None or payment["Status"] == "DELETED":
            return ["Payment could not be found"]
        if payment.get("IsReconciled"):
            return ["Payment cannot be deleted as it has been reconciled."]
        invoice = self.invoices[str(payment["Invoice"]["InvoiceID"])]
        locked = self.locked(parse_date(payment["Date"]))
        if locked:
            return [locked]
        payment["Status"] = "DELETED"
        payment["UpdatedDateUTC"] = self.now()
        invoice["Payments"] = [p for p in invoice["Payments"] if p["PaymentID"] != payment_id]
        self.recompute(invoice, "INVOICE")
        self._touch(invoice, "INVOICE", "InvoiceID", False)
        return []

    # --- credit note allocations -------------------------------------------------------------

    def allocate(self, credit_note_id: str, allocations: list[Doc]) -> list[str]:
        note = self.credit_notes.get(credit_note_id)
        if note is None:
            return ["Credit note not found"]
        if note["Status"] != "AUTHORISED":
            return ["Only authorised credit notes can be allocated."]
        remaining = note.get("RemainingCredit", Decimal(0))
        planned = []
        for allocation in allocations:
            invoice = self.invoices.get(str((allocation.get("Invoice") or {}).get("InvoiceID")))
            amount = totals.cents(totals.decimal_of(allocation.get("Amount")))
            if invoice is None:
                return ["Invoice could not be found"]
            if invoice["Status"] != "AUTHORISED" or amount > invoice["AmountDue"]:
                return ["The amount allocated exceeds the amount due on the invoice."]
            if amount > remaining:
                return ["The amount allocated exceeds the remaining credit."]
            remaining -= amount
            planned.append((invoice, amount, allocation.get("Date")))
        for invoice, amount, when in planned:
            note["Allocations"].append(
                {
                    "AllocationID": self.new_id(),
                    "Amount": amount,
                    "Date": str(parse_date(when) or self.now().date()),
                    "Invoice": {
                        "InvoiceID": invoice["InvoiceID"],
                        "InvoiceNumber": invoice.get("InvoiceNumber"),
                    },
                }
            )
            invoice["AmountCredited"] = invoice.get("AmountCredited", Decimal(0)) + amount
            invoice.setdefault("CreditNotes", []).append(
                {"CreditNoteID": credit_note_id, "AppliedAmount": amount}
            )
            self.recompute(invoice, "INVOICE")
            self._touch(invoice, "INVOICE", "InvoiceID", False)
        self.recompute(note, "CREDITNOTE")
        self._touch(note, "CREDITNOTE", "CreditNoteID", False)
        return []
