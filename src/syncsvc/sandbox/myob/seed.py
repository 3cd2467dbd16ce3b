"""A new company file's reference data, from `chart.py`: accounts with their parents,
tax codes, categories and items, as MYOB answers them."""

from __future__ import annotations

from syncsvc.sandbox.myob import chart
from syncsvc.sandbox.myob.books import Books
from syncsvc.sandbox.myob.fields import ZERO, Record
from syncsvc.sandbox.myob.wire import Rel


def seed(books: Books) -> None:
    now = books.now()
    parents: dict[str, Record] = {}
    for display_id, name, classification, account_type, is_header in chart.ACCOUNTS:
        uid = books.new_uid()
        level = 1 if display_id.endswith("-0000") else (2 if is_header else 3)
        parent = parents.get(display_id[:1]) if level > 1 else None
        if level == 3:
            parent = parents.get(display_id[:4], parent)
        record: Record = {
            "UID": uid,
            "Name": name,
            "DisplayID": display_id,
            "Classification": classification,
            "Type": account_type,
            "Number": int(display_id.replace("-", "")[1:]),
            "Description": "",
            "ParentAccount": books._link_account(parent) if parent else None,
            "IsActive": True,
            "TaxCode": None,
            "Level": level,
            "OpeningBalance": ZERO,
            "CurrentBalance": ZERO,
            "IsHeader": is_header,
            "LastModified": now,
            "URI": Rel(f"GeneralLedger/Account/{uid}"),
            "RowVersion": books.row_version(),
        }
        books.accounts[uid] = record
        if is_header:
            parents[display_id[:1] if level == 1 else display_id[:4]] = record
    collected = books.account_by_display_id("2-1310")
    paid = books.account_by_display_id("2-1330")
    for code, description, tax_type, rate in chart.TAX_CODES:
        uid = books.new_uid()
        books.tax_codes[uid] = {
            "UID": uid,
            "Code": code,
            "Description": description,
            "Type": tax_type,
            "Rate": rate,
            "IsRateNegative": False,
            "TaxCollectedAccount": books._link_account(collected) if rate else None,
            "TaxPaidAccount": books._link_account(paid) if rate else None,
            "LastModified": now,
            "URI": Rel(f"GeneralLedger/TaxCode/{uid}"),
            "RowVersion": books.row_version(),
        }
    for display_id, name in chart.CATEGORIES:
        uid = books.new_uid()
        books.categories[uid] = {
            "UID": uid,
            "DisplayID": display_id,
            "Name": name,
            "Description": "",
            "IsActive": True,
            "LastModified": now,
            "URI": Rel(f"GeneralLedger/Category/{uid}"),
            "RowVersion": books.row_version(),
        }
    for number, name, price, income, tax in chart.ITEMS:
        uid = books.new_uid()
        books.items[uid] = {
            "UID": uid,
            "Number": number,
            "Name": name,
            "IsActive": True,
            "IsBought": False,
            "IsSold": True,
            "IsInventoried": False,
            "IncomeAccount": books._link_account(books.account_by_display_id(income)),
            "SellingDetails": {
                "BaseSellingPrice": price,
                "IsTaxInclusive": False,
                "TaxCode": books._link_tax(books.tax_code_by_code(tax)),
                "SellingUnitOfMeasure": None,
            },
            "LastModified": now,
            "URI": Rel(f"Inventory/Item/{uid}"),
            "RowVersion": books.row_version(),
        }
