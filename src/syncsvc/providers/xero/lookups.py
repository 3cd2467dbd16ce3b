"""Xero's accounts, tax rates and tracking categories as lookup items."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from syncsvc.providers.base import LookupItem

AccountType = Literal["income", "expense", "bank", "other"]
CLASSES: dict[str, AccountType] = {"REVENUE": "income", "EXPENSE": "expense"}


def account_item(item: dict[str, Any]) -> LookupItem:
    account_type: AccountType = (
        "bank" if item.get("Type") == "BANK" else CLASSES.get(str(item.get("Class")), "other")
    )
    return LookupItem(
        code=str(item.get("Code") or item.get("AccountID")),
        name=str(item.get("Name", "")),
        kind=item.get("Type"),
        status=item.get("Status"),
        details={
            "account_id": item.get("AccountID"),
            "class": item.get("Class"),
            "tax_type": item.get("TaxType"),
            "enable_payments": bool(item.get("EnablePaymentsToAccount")),
        },
        active=(item.get("Status") or "ACTIVE") == "ACTIVE",
        account_type=account_type,
        takes_payments=item.get("Type") == "BANK" or bool(item.get("EnablePaymentsToAccount")),
        default_tax_code=item.get("TaxType") or None,
    )


def tax_rate_item(item: dict[str, Any]) -> LookupItem:
    rate = item.get("EffectiveRate", item.get("DisplayTaxRate"))
    return LookupItem(
        code=str(item.get("TaxType")),
        name=str(item.get("Name", "")),
        status=item.get("Status"),
        details={
            "rate": str(rate if rate is not None else ""),
            "can_apply_to_revenue": item.get("CanApplyToRevenue"),
            "can_apply_to_expenses": item.get("CanApplyToExpenses"),
        },
        active=(item.get("Status") or "ACTIVE") == "ACTIVE",
        rate=_percent(rate),
        # Xero says which side a tax type may be used on; without the flag, either.
        purchase_rate=_percent(rate) if item.get("CanApplyToExpenses", True) else None,
    )


def tracking_item(item: dict[str, Any]) -> LookupItem:
    return LookupItem(
        code=str(item.get("TrackingCategoryID")),
        name=str(item.get("Name", "")),
        status=item.get("Status"),
        details={
            "options": [
                {"id": o.get("TrackingOptionID"), "name": o.get("Name"), "status": o.get("Status")}
                for o in item.get("Options", [])
            ]
        },
        active=(item.get("Status") or "ACTIVE") == "ACTIVE",
    )


def _percent(value: Any) -> Decimal | None:
    try:
        return None if value is None or value == "" else Decimal(str(value))
    except InvalidOperation:
        return None
