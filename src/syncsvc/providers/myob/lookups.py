"""A company file's accounts, tax codes and categories as canonical lookups: accounts by
DisplayID (`4-1000`), tax codes by Code (`GST`), each with its MYOB UID in `details` for
what the package writes."""

from __future__ import annotations

from typing import Any, Literal

from syncsvc.providers.base import LookupItem
from syncsvc.providers.myob.mapping import money, uid

INCOME = {"Income", "OtherIncome"}
EXPENSE = {"Expense", "CostOfSales", "OtherExpense"}

Body = dict[str, Any]


def _account_type(held: Body) -> Literal["income", "expense", "bank", "other"]:
    if held.get("IsHeader"):
        return "other"  # a header account takes no postings (Line_AccountHeaderNotAllowed)
    if held.get("Type") == "Bank":
        return "bank"
    classification = held.get("Classification")
    if classification in INCOME:
        return "income"
    if classification in EXPENSE:
        return "expense"
    return "other"


def account_item(held: Body) -> LookupItem:
    active = bool(held.get("IsActive", True))
    tax = held.get("TaxCode")
    return LookupItem(
        code=str(held.get("DisplayID") or ""),
        name=str(held.get("Name") or ""),
        kind=str(held.get("Type") or "") or None,
        status="Active" if active else "Inactive",
        details={
            "uid": uid(held) or "",
            "classification": held.get("Classification"),
            "is_header": bool(held.get("IsHeader")),
        },
        active=active,
        account_type=_account_type(held),
        takes_payments=held.get("Type") == "Bank" and not held.get("IsHeader"),
        default_tax_code=str(tax["Code"]) if isinstance(tax, dict) and tax.get("Code") else None,
    )


def tax_code_item(held: Body) -> LookupItem:
    rate = money(held.get("Rate"))
    if held.get("IsRateNegative"):
        rate = -rate
    return LookupItem(
        code=str(held.get("Code") or ""),
        name=str(held.get("Description") or held.get("Code") or ""),
        kind=str(held.get("Type") or "") or None,
        status="Active",
        details={"uid": uid(held) or ""},
        rate=rate,
        purchase_rate=rate,  # MYOB's codes apply to sales and purchases alike
    )


def category_item(held: Body) -> LookupItem:
    active = bool(held.get("IsActive", True))
    return LookupItem(
        code=str(held.get("DisplayID") or ""),
        name=str(held.get("Name") or ""),
        status="Active" if active else "Inactive",
        details={"uid": uid(held) or ""},
        active=active,
    )


def uid_of(item: LookupItem) -> str:
    return str(item.details.get("uid") or "")
