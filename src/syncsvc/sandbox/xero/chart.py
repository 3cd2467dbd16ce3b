"""A new organisation's settings, after Xero's demo company: chart of accounts, tax rates,
tracking categories. Codes and names follow Xero's demo company (FACTS.md)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

# (code, name, type, tax type, status, enable payments)
ACCOUNTS: list[tuple[str, str, str, str, str, bool]] = [
    ("090", "Business Bank Account", "BANK", "NONE", "ACTIVE", False),
    ("091", "Business Savings Account", "BANK", "NONE", "ACTIVE", False),
    ("200", "Sales", "REVENUE", "OUTPUT2", "ACTIVE", False),
    ("260", "Other Revenue", "REVENUE", "OUTPUT2", "ACTIVE", False),
    ("270", "Interest Income", "REVENUE", "NONE", "ACTIVE", False),
    ("280", "Old Services Income", "REVENUE", "OUTPUT2", "ARCHIVED", False),
    ("310", "Cost of Goods Sold", "DIRECTCOSTS", "INPUT2", "ACTIVE", False),
    ("400", "Advertising", "EXPENSE", "INPUT2", "ACTIVE", False),
    ("429", "General Expenses", "EXPENSE", "INPUT2", "ACTIVE", False),
    ("610", "Accounts Receivable", "CURRENT", "NONE", "ACTIVE", False),
    ("620", "Prepayments", "CURRENT", "NONE", "ACTIVE", True),
    ("800", "Accounts Payable", "CURRLIAB", "NONE", "ACTIVE", False),
    ("820", "GST", "CURRLIAB", "NONE", "ACTIVE", False),
    ("860", "Rounding", "CURRLIAB", "NONE", "ACTIVE", False),
    ("960", "Retained Earnings", "EQUITY", "NONE", "ACTIVE", False),
]

# (tax type, name, rate %, applies to revenue, applies to expenses)
TAX_RATES: list[tuple[str, str, Decimal, bool, bool]] = [
    ("OUTPUT2", "GST on Income", Decimal("15.0000"), True, False),
    ("INPUT2", "GST on Expenses", Decimal("15.0000"), False, True),
    ("NONE", "No GST", Decimal("0.0000"), True, True),
    ("ZERORATED", "Zero Rated", Decimal("0.0000"), True, False),
    ("EXEMPTOUTPUT", "Exempt Income", Decimal("0.0000"), True, False),
]

TRACKING: list[tuple[str, list[str]]] = [
    ("Region", ["North", "South", "East", "West"]),
    ("Department", ["Plumbing", "Electrical", "Maintenance"]),
]

_CLASS_BY_TYPE = {
    "BANK": "ASSET",
    "CURRENT": "ASSET",
    "REVENUE": "REVENUE",
    "DIRECTCOSTS": "EXPENSE",
    "EXPENSE": "EXPENSE",
    "CURRLIAB": "LIABILITY",
    "EQUITY": "EQUITY",
}


def account_class(account_type: str) -> str:
    return _CLASS_BY_TYPE.get(account_type, "ASSET")


def tracking_categories(ids: Any) -> list[dict[str, Any]]:
    """Tracking categories with ids drawn from `ids` (a callable giving new ids)."""
    return [
        {
            "TrackingCategoryID": ids(),
            "Name": name,
            "Status": "ACTIVE",
            "Options": [
                {"TrackingOptionID": ids(), "Name": option, "Status": "ACTIVE"}
                for option in options
            ],
        }
        for name, options in TRACKING
    ]
