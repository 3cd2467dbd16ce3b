"""Spend and receive money (`/BankTransactions`): money out of or into a bank account with
lines to other accounts, as Xero keeps them (schema `BankTransaction` in xero_accounting.yaml:
Type, Contact, LineItems, BankAccount, Date, Reference, Status AUTHORISED / DELETED / VOIDED).

A contact may be named by ContactID or by Name; a name no active contact holds makes a new
contact, as Xero does. A reconciled transaction can be neither edited nor deleted."""

from __future__ import annotations

import copy

from syncsvc.sandbox.xero.documents import BAD_ACCOUNT, Books, Doc, parse_date

TYPES = ("SPEND", "RECEIVE")
STATUSES = {"AUTHORISED": {"AUTHORISED", "DELETED", "VOIDED"}, "DELETED": set(), "VOIDED": set()}
NOT_A_BANK_ACCOUNT = "BankAccount must be a bank account."
RECONCILED = "This Bank Transaction cannot be edited as it has been reconciled."
NO_CONTACT = "A Contact must be specified for this type of transaction"
BAD_STATUS = "Bank transaction not of valid status for modification"


def _bank_account(books: Books, ref: Doc | None) -> Doc | None:
    ref = ref or {}
    return books.account(ref.get("Code")) or next(
        (a for a in books.accounts if ref.get("AccountID") and a["AccountID"] == ref["AccountID"]),
        None,
    )


def _contact(books: Books, ref: Doc | None) -> Doc | None:
    found = books.find_contact(ref)
    if found is None and ref and ref.get("Name") and not ref.get("ContactID"):
        found = next(
            (
                c
                for c in books.contacts.values()
                if c["Name"] == ref["Name"] and c["ContactStatus"] == "ACTIVE"
            ),
            None,
        )
    return found


def check(books: Books, body: Doc, _taken: dict[str, set[str]]) -> list[str]:
    existing = None
    if body.get("BankTransactionID"):
        existing = books.bank_transactions.get(str(body["BankTransactionID"]))
        if existing is None:
            return ["Bank transaction not found"]
        if body.get("Status", existing["Status"]) not in STATUSES[existing["Status"]]:
            return [BAD_STATUS]
        if existing.get("IsReconciled"):
            return [RECONCILED]
        locked = books.locked(parse_date(existing.get("Date")))
        if locked:
            return [locked]
        if body.get("Status") in ("DELETED", "VOIDED"):
            return []
    errors: list[str] = []
    if body.get("Type", (existing or {}).get("Type")) not in TYPES:
        errors.append("Type must be specified.")
    contact_ref = body.get("Contact") or (existing or {}).get("Contact")
    if not contact_ref or (_contact(books, contact_ref) is None and not contact_ref.get("Name")):
        errors.append(NO_CONTACT)
    account = _bank_account(books, body.get("BankAccount") or (existing or {}).get("BankAccount"))
    if account is None:
        errors.append(BAD_ACCOUNT)
    elif account["Type"] != "BANK":
        errors.append(NOT_A_BANK_ACCOUNT)
    lines = body.get("LineItems", (existing or {}).get("LineItems"))
    if not lines:
        errors.append("At least one line item is required.")
    for line in lines or []:
        errors.extend(books.check_line(line))
    locked = books.locked(parse_date(body.get("Date", (existing or {}).get("Date"))))
    if locked:
        errors.append(locked)
    return errors


def apply(books: Books, body: Doc) -> Doc:
    existing = books.bank_transactions.get(str(body.get("BankTransactionID") or ""))
    if existing is None:
        existing = {
            "BankTransactionID": books.new_id(),
            "Status": "AUTHORISED",
            "LineAmountTypes": "Exclusive",
            "IsReconciled": False,
            "CurrencyCode": "NZD",
        }
        books.bank_transactions[existing["BankTransactionID"]] = existing
    for key, value in body.items():
        if key == "Date":
            existing[key] = str(parse_date(value)) if value else None
        elif key not in {"BankTransactionID", "UpdatedDateUTC", "Contact", "BankAccount"}:
            existing[key] = copy.deepcopy(value)
    existing.setdefault("Date", str(books.now().date()))
    if body.get("Contact"):
        contact = _contact(books, body["Contact"])
        if contact is None:  # a new name: Xero makes the contact
            contact = books.apply_contact({"Name": body["Contact"]["Name"]})
        existing["Contact"] = {"ContactID": contact["ContactID"], "Name": contact["Name"]}
    if body.get("BankAccount"):
        account = _bank_account(books, body["BankAccount"])
        assert account is not None
        existing["BankAccount"] = {
            "AccountID": account["AccountID"],
            "Code": account["Code"],
            "Name": account["Name"],
        }
    for line in existing.get("LineItems", []):
        line.setdefault("LineItemID", books.new_id())
    books.total_lines(existing)
    existing["UpdatedDateUTC"] = books.now()  # Xero sends no webhook for bank transactions
    return existing
