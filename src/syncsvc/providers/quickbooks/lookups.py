"""QuickBooks' accounts, tax codes (with their sales rates), payment methods and sales-form
custom fields as lookup items. Codes are QuickBooks' Ids: what every reference on the wire
carries (a custom field's is its DefinitionId)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from syncsvc.providers.base import LookupItem

AccountType = Literal["income", "expense", "bank", "other"]
ACCOUNT_TYPES: dict[str, AccountType] = {
    "Income": "income",
    "Other Income": "income",
    "Bank": "bank",
    "Expense": "expense",
    "Other Expense": "expense",
    "Cost of Goods Sold": "expense",
}
# Payments are deposited to a Bank or an Other Current Asset account (Undeposited Funds).
DEPOSIT_TYPES = ("Bank", "Other Current Asset")


def _active(item: dict[str, Any]) -> bool:
    return item.get("Active", True) not in (False, "false")


def account_item(item: dict[str, Any]) -> LookupItem:
    kind = str(item.get("AccountType") or "")
    tax_code = (item.get("TaxCodeRef") or {}).get("value")
    return LookupItem(
        code=str(item.get("Id")),
        name=str(item.get("Name") or ""),
        kind=kind or None,
        status="ACTIVE" if _active(item) else "INACTIVE",
        details={
            "account_number": item.get("AcctNum"),
            "sub_type": item.get("AccountSubType"),
            "classification": item.get("Classification"),
        },
        active=_active(item),
        account_type=ACCOUNT_TYPES.get(kind, "other"),
        takes_payments=kind in DEPOSIT_TYPES,
        default_tax_code=str(tax_code) if tax_code else None,
    )


def tax_code_item(item: dict[str, Any], rates: dict[str, Decimal]) -> LookupItem:
    """A tax code with the sum of its sales rates and of its purchase rates (percent); None
    for a side it has none on (a purchase-only code, which sales lines cannot carry, and the
    other way round)."""
    sales = _rate_ids(item, "SalesTaxRateList")
    purchases = _rate_ids(item, "PurchaseTaxRateList")
    return LookupItem(
        code=str(item.get("Id")),
        name=str(item.get("Name") or ""),
        kind="sales" if sales else "purchases",
        status="ACTIVE" if _active(item) else "INACTIVE",
        details={"description": item.get("Description"), "rates": sales},
        active=_active(item),
        rate=_summed(sales, rates),
        purchase_rate=_summed(purchases, rates),
    )


def _rate_ids(item: dict[str, Any], rate_list: str) -> list[str]:
    details = (item.get(rate_list) or {}).get("TaxRateDetail") or []
    return [str((d.get("TaxRateRef") or {}).get("value")) for d in details if isinstance(d, dict)]


def _summed(rate_ids: list[str], rates: dict[str, Decimal]) -> Decimal | None:
    known = [rates[rate_id] for rate_id in rate_ids if rate_id in rates]
    return sum(known, Decimal(0)) if known else None


def tax_rate_value(item: dict[str, Any]) -> Decimal | None:
    try:
        return Decimal(str(item.get("RateValue")))
    except InvalidOperation:
        return None


def payment_method_item(item: dict[str, Any]) -> LookupItem:
    return LookupItem(
        code=str(item.get("Id")),
        name=str(item.get("Name") or ""),
        kind=item.get("Type"),
        status="ACTIVE" if _active(item) else "INACTIVE",
        active=_active(item),
    )


# Preferences.SalesFormsPrefs.CustomField: groups of name/value pairs, a switch and a name
# per field: `SalesFormsPrefs.UseSalesCustom2` (BooleanValue) and
# `SalesFormsPrefs.SalesCustomName2` (StringValue); the number is the DefinitionId.
CUSTOM_SWITCH = re.compile(r"SalesFormsPrefs\.UseSalesCustom(\d+)$")
CUSTOM_NAME = re.compile(r"SalesFormsPrefs\.SalesCustomName(\d+)$")


def custom_field_items(preferences: dict[str, Any]) -> list[LookupItem]:
    """The sales-form custom fields a person named, in DefinitionId order; one switched off
    is inactive (QuickBooks does not show it on forms)."""
    groups = (preferences.get("SalesFormsPrefs") or {}).get("CustomField") or []
    names: dict[str, str] = {}
    switched: dict[str, bool] = {}
    for group in groups:
        for pair in (group or {}).get("CustomField") or []:
            label = str(pair.get("Name") or "")
            if (name := CUSTOM_NAME.match(label)) and pair.get("StringValue"):
                names[name.group(1)] = str(pair["StringValue"])
            elif switch := CUSTOM_SWITCH.match(label):
                switched[switch.group(1)] = pair.get("BooleanValue") in (True, "true")
    return [
        LookupItem(
            code=definition,
            name=names[definition],
            kind="StringType",
            status="ACTIVE" if switched.get(definition, False) else "INACTIVE",
            active=switched.get(definition, False),
        )
        for definition in sorted(names, key=int)
    ]
