"""What a new MYOB company file holds before anyone keys anything: an Australian chart of
accounts by DisplayID, the standard tax codes, categories and a few inventory items."""

from __future__ import annotations

from decimal import Decimal

# (DisplayID, Name, Classification, Type, IsHeader)
ACCOUNTS: tuple[tuple[str, str, str, str, bool], ...] = (
    ("1-0000", "Assets", "Asset", "Asset", True),
    ("1-1100", "Bank Accounts", "Asset", "Bank", True),
    ("1-1110", "Business Bank Account", "Asset", "Bank", False),
    ("1-1120", "Payroll Account", "Asset", "Bank", False),
    ("1-1130", "Undeposited Funds", "Asset", "Bank", False),
    ("1-1200", "Trade Debtors", "Asset", "AccountReceivable", False),
    ("2-0000", "Liabilities", "Liability", "Liability", True),
    ("2-1310", "GST Collected", "Liability", "OtherLiability", False),
    ("2-1330", "GST Paid", "Liability", "OtherLiability", False),
    ("4-0000", "Income", "Income", "Income", True),
    ("4-1000", "Sales - Services", "Income", "Income", False),
    ("4-1100", "Sales - Parts", "Income", "Income", False),
    ("4-1200", "Call-out Fees", "Income", "Income", False),
    ("4-2000", "Freight Collected", "Income", "Income", False),
    ("6-0000", "Expenses", "Expense", "Expense", True),
    ("6-1000", "Bank Fees", "Expense", "Expense", False),
)

# (Code, Description, Type, Rate)
TAX_CODES: tuple[tuple[str, str, str, Decimal], ...] = (
    ("GST", "Goods & Services Tax", "GST_VAT", Decimal("10")),
    ("FRE", "GST Free", "GST_VAT", Decimal("0")),
    ("N-T", "Not Reportable", "NoTax", Decimal("0")),
    ("CAP", "Capital Acquisitions", "GST_VAT", Decimal("10")),
    ("EXP", "Export Sales", "GST_VAT", Decimal("0")),
    ("INP", "Input Taxed", "InputTaxed", Decimal("0")),
)

# (DisplayID, Name)
CATEGORIES: tuple[tuple[str, str], ...] = (
    ("NORTH", "North branch"),
    ("SOUTH", "South branch"),
)

# (Number, Name, base selling price, income account DisplayID, selling tax code)
ITEMS: tuple[tuple[str, str, Decimal, str, str], ...] = (
    ("CALLOUT", "Call-out fee", Decimal("95.00"), "4-1200", "GST"),
    ("VALVE15", "Ball valve 15mm", Decimal("42.50"), "4-1100", "GST"),
)
