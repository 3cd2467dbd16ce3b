"""One company file's books and MYOB's rules for them (FACTS.md sections 2, 4 and 7):
customers, Service and Item sale invoices (a negative one is a credit), customer payments,
credit settlements and refunds; totals computed as MYOB does (lines rounded first, tax
from each line's TaxCode, IsTaxInclusive); RowVersion on records and lines; the lock date and the
"transactions must be reversed" preference. Records are kept as MYOB answers them."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import count
from typing import Any

from syncsvc.sandbox.myob import chart
from syncsvc.sandbox.myob.errors import (
    MyobError,
    in_lock_period,
    not_found,
    required,
    serialization,
    validation,
)
from syncsvc.sandbox.myob.wire import Rel, parse_date, parse_money, parse_whole

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
NUMBER_LENGTH = 13  # invoice Number and ReceiptNumber: String(13)
LAYOUTS = ("Service", "Item")
PAYMENT_TERMS = (
    "CashOnDelivery",
    "Prepaid",
    "InAGivenNumberOfDays",
    "OnADayOfTheMonth",
    "NumberOfDaysAfterEOM",
    "DayOfMonthAfterEOM",
)

Record = dict[str, Any]


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _conflict() -> MyobError:
    return MyobError(
        409,
        "IncorrectRowVersionSupplied",
        "An update operation requires a valid RowVersion from the current entity being modified",
        "RowVersion",
    )


def _text(body: Record, field: str, limit: int, *, needed: bool = False) -> str | None:
    value = body.get(field)
    if value is None or value == "":
        if needed:
            raise required(field)
        return None
    if not isinstance(value, str):
        raise serialization(field, value)
    if len(value) > limit:
        raise validation("MaxLength", f"{field} cannot be longer than {limit} characters", field)
    return value


def _uid_of(body: Record, field: str) -> str | None:
    link = body.get(field)
    if link is None:
        return None
    if not isinstance(link, dict) or not isinstance(link.get("UID"), str):
        raise serialization(f"{field}.UID", link)
    return str(link["UID"]).lower()


def _end_of_month(day: date) -> date:
    first_next = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    return first_next - timedelta(days=1)


def _on_day(month_start: date, day: int) -> date:
    return month_start.replace(day=min(max(day, 1), _end_of_month(month_start).day))


def due_date(issued: date, terms: Record) -> date:
    """When a sale falls due under MYOB's payment terms."""
    kind = terms.get("PaymentIsDue", "InAGivenNumberOfDays")
    days = int(terms.get("BalanceDueDate") or 0)
    if kind in {"CashOnDelivery", "Prepaid"}:
        return issued
    if kind == "InAGivenNumberOfDays":
        return issued + timedelta(days=days)
    if kind == "NumberOfDaysAfterEOM":
        return _end_of_month(issued) + timedelta(days=days)
    next_month = _end_of_month(issued) + timedelta(days=1)
    if kind == "DayOfMonthAfterEOM":
        return _on_day(next_month, days)
    # OnADayOfTheMonth: this month's day if still ahead, else next month's.
    this_month = _on_day(issued.replace(day=1), days)
    return this_month if this_month >= issued else _on_day(next_month, days)


class Ledger:
    def __init__(self, now: Callable[[], datetime]) -> None:
        self.now = now
        self._versions = count(1)
        self.accounts: dict[str, Record] = {}
        self.tax_codes: dict[str, Record] = {}
        self.categories: dict[str, Record] = {}
        self.items: dict[str, Record] = {}
        self.customers: dict[str, Record] = {}
        self.invoices: dict[str, Record] = {}
        self.payments: dict[str, Record] = {}
        self.settlements: dict[str, Record] = {}
        self.refunds: dict[str, Record] = {}
        self.lock_date: date | None = None
        self.must_reverse = False
        self.preferences_version = self.row_version()
        self.preferences_modified = now()
        self._invoice_numbers = count(1)
        self._receipt_numbers = count(1)
        self._settlement_numbers = count(1)
        self._refund_numbers = count(1)
        self._card_numbers = count(1)
        self._seed()

    # --- identity and versions ------------------------------------------------------------

    @staticmethod
    def new_uid() -> str:
        return str(uuid.uuid4())

    def row_version(self) -> str:
        # Opaque to callers, as MYOB's are; only equality matters.
        return str(7_000_000_000_000_000_000 + next(self._versions) * 65_536)

    def _touch(self, record: Record) -> None:
        record["RowVersion"] = self.row_version()
        record["LastModified"] = self.now()

    # --- seed -----------------------------------------------------------------------------

    def _seed(self) -> None:
        now = self.now()
        parents: dict[str, Record] = {}
        for display_id, name, classification, account_type, is_header in chart.ACCOUNTS:
            uid = self.new_uid()
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
                "ParentAccount": self._link_account(parent) if parent else None,
                "IsActive": True,
                "TaxCode": None,
                "Level": level,
                "OpeningBalance": ZERO,
                "CurrentBalance": ZERO,
                "IsHeader": is_header,
                "LastModified": now,
                "URI": Rel(f"GeneralLedger/Account/{uid}"),
                "RowVersion": self.row_version(),
            }
            self.accounts[uid] = record
            if is_header:
                parents[display_id[:1] if level == 1 else display_id[:4]] = record
        collected = self.account_by_display_id("2-1310")
        paid = self.account_by_display_id("2-1330")
        for code, description, tax_type, rate in chart.TAX_CODES:
            uid = self.new_uid()
            self.tax_codes[uid] = {
                "UID": uid,
                "Code": code,
                "Description": description,
                "Type": tax_type,
                "Rate": rate,
                "IsRateNegative": False,
                "TaxCollectedAccount": self._link_account(collected) if rate else None,
                "TaxPaidAccount": self._link_account(paid) if rate else None,
                "LastModified": now,
                "URI": Rel(f"GeneralLedger/TaxCode/{uid}"),
                "RowVersion": self.row_version(),
            }
        for display_id, name in chart.CATEGORIES:
            uid = self.new_uid()
            self.categories[uid] = {
                "UID": uid,
                "DisplayID": display_id,
                "Name": name,
                "Description": "",
                "IsActive": True,
                "LastModified": now,
                "URI": Rel(f"GeneralLedger/Category/{uid}"),
                "RowVersion": self.row_version(),
            }
        for number, name, price, income, tax in chart.ITEMS:
            uid = self.new_uid()
            self.items[uid] = {
                "UID": uid,
                "Number": number,
                "Name": name,
                "IsActive": True,
                "IsBought": False,
                "IsSold": True,
                "IsInventoried": False,
                "IncomeAccount": self._link_account(self.account_by_display_id(income)),
                "SellingDetails": {
                    "BaseSellingPrice": price,
                    "IsTaxInclusive": False,
                    "TaxCode": self._link_tax(self.tax_code_by_code(tax)),
                    "SellingUnitOfMeasure": None,
                },
                "LastModified": now,
                "URI": Rel(f"Inventory/Item/{uid}"),
                "RowVersion": self.row_version(),
            }

    def account_by_display_id(self, display_id: str) -> Record:
        return next(a for a in self.accounts.values() if a["DisplayID"] == display_id)

    def tax_code_by_code(self, code: str) -> Record:
        return next(t for t in self.tax_codes.values() if t["Code"] == code)

    # --- links ----------------------------------------------------------------------------

    @staticmethod
    def _link_account(account: Record) -> Record:
        return {
            "UID": account["UID"],
            "Name": account["Name"],
            "DisplayID": account["DisplayID"],
            "URI": account["URI"],
        }

    @staticmethod
    def _link_tax(tax: Record) -> Record:
        return {"UID": tax["UID"], "Code": tax["Code"], "URI": tax["URI"]}

    @staticmethod
    def customer_name(customer: Record) -> str:
        if customer["IsIndividual"]:
            return ", ".join(p for p in (customer["LastName"], customer["FirstName"]) if p)
        return str(customer["CompanyName"])

    def _link_customer(self, customer: Record) -> Record:
        return {
            "UID": customer["UID"],
            "Name": self.customer_name(customer),
            "DisplayID": customer["DisplayID"],
            "URI": customer["URI"],
        }

    def _find(self, table: dict[str, Record], body: Record, field: str, what: str) -> Record:
        uid = _uid_of(body, field)
        if uid is None:
            raise required(f"{field}.UID")
        if uid not in table:
            raise not_found(what, f"{field}.UID")
        return table[uid]

    def _posting_account(self, body: Record, field: str) -> Record:
        account = self._find(self.accounts, body, field, "Account")
        if account["IsHeader"]:
            raise validation(
                "AccountHeaderNotAllowed", "Header accounts cannot be used on transactions", field
            )
        return account

    def _check_open_period(self, day: date, field: str = "Date") -> None:
        if self.lock_date is not None and day < self.lock_date:
            raise in_lock_period(field)

    def _check_may_change(self, day: date) -> None:
        """What closes a recorded transaction to deletes and edits: the lock date, and the
        must-reverse preference (MYOB's 25003, edits refused as well as deletes)."""
        self._check_open_period(day)
        if self.must_reverse:
            raise MyobError(
                400,
                "TransactionsCannotBeDeleted",
                "Transactions cannot be deleted and must be reversed",
                "Company/Preferences.System.TransactionsCannotBeChangedMustBeReversed",
                25003,
            )

    @staticmethod
    def _check_version(record: Record, body: Record, field: str = "RowVersion") -> None:
        supplied = body.get(field)
        if supplied is None:
            raise required(field)
        if str(supplied) != record["RowVersion"]:
            raise _conflict()

    # --- customers ------------------------------------------------------------------------

    def create_customer(self, body: Record) -> Record:
        uid = self.new_uid()
        customer: Record = {
            "UID": uid,
            "Type": "Customer",
            "URI": Rel(f"Contact/Customer/{uid}"),
            "CurrentBalance": ZERO,
        }
        self._apply_customer(customer, body, creating=True)
        self._touch(customer)
        self.customers[uid] = customer
        return customer

    def update_customer(self, uid: str, body: Record) -> Record:
        customer = self.customer(uid)
        self._check_version(customer, body)
        candidate = dict(customer)
        self._apply_customer(candidate, body, creating=False)
        customer.update(candidate)
        self._touch(customer)
        self._relink_customer(customer)
        return customer

    def customer(self, uid: str) -> Record:
        customer = self.customers.get(uid.lower())
        if customer is None:
            raise MyobError(404, "NotFound", "The customer was not found", "UID")
        return customer

    def _apply_customer(self, customer: Record, body: Record, *, creating: bool) -> None:
        individual = body.get("IsIndividual", None if creating else customer["IsIndividual"])
        if individual is None:
            raise required("IsIndividual")
        if not isinstance(individual, bool):
            raise serialization("IsIndividual", individual)
        merged = {**customer, **body}
        if individual:
            last = _text(merged, "LastName", 30, needed=True)
            first = _text(merged, "FirstName", 20)
            company = None
        else:
            company = _text(merged, "CompanyName", 50, needed=True)
            last = first = None
        display_id = _text(merged, "DisplayID", 15) or f"CUS{next(self._card_numbers):06d}"
        addresses = merged.get("Addresses") or []
        if not isinstance(addresses, list) or len(addresses) > 5:
            raise validation("MaxLength", "A card has at most five addresses", "Addresses")
        for position, address in enumerate(addresses, 1):
            if not isinstance(address, dict):
                raise serialization("Addresses", address)
            location = parse_whole(address.get("Location"), "Addresses.Location", position)
            if not 1 <= location <= 5:
                raise validation("OutOfRange", "Location must be 1 to 5", "Addresses.Location")
            address["Location"] = location
        selling = dict(customer.get("SellingDetails") or {})
        selling_in = body.get("SellingDetails") or {}
        if not isinstance(selling_in, dict):
            raise serialization("SellingDetails", selling_in)
        selling.update(selling_in)
        tax = self._find(self.tax_codes, selling, "TaxCode", "TaxCode")
        freight = self._find(self.tax_codes, selling, "FreightTaxCode", "TaxCode")
        income = (
            self._posting_account(selling, "IncomeAccount")
            if selling.get("IncomeAccount")
            else None
        )
        layout = selling.get("SaleLayout", "NoDefault")
        credit = selling.get("Credit") or {"Limit": ZERO, "OnHold": False}
        if not isinstance(credit, dict) or not isinstance(credit.get("OnHold", False), bool):
            raise serialization("SellingDetails.Credit", credit)
        customer.update(
            {
                "CompanyName": company,
                "LastName": last,
                "FirstName": first,
                "IsIndividual": individual,
                "DisplayID": display_id,
                "IsActive": bool(merged.get("IsActive", True)),
                "Addresses": addresses,
                "Notes": _text(merged, "Notes", 255),
                "SellingDetails": {
                    "SaleLayout": layout,
                    "InvoiceDelivery": selling.get("InvoiceDelivery", "Print"),
                    "IncomeAccount": self._link_account(income) if income else None,
                    "ABN": selling.get("ABN"),
                    "TaxCode": self._link_tax(tax),
                    "FreightTaxCode": self._link_tax(freight),
                    "UseCustomerTaxCode": bool(selling.get("UseCustomerTaxCode", False)),
                    "Terms": selling.get("Terms")
                    or {"PaymentIsDue": "InAGivenNumberOfDays", "BalanceDueDate": 30},
                    "Credit": credit,
                },
            }
        )

    def delete_customer(self, uid: str) -> None:
        customer = self.customer(uid)
        in_use = any(i["Customer"]["UID"] == customer["UID"] for i in self.invoices.values())
        if in_use:
            raise validation(
                "CardHasTransactions",
                "The card cannot be deleted because it has transactions",
                "UID",
            )
        del self.customers[customer["UID"]]

    def change_customer(self, uid: str, name: str | None, active: bool | None) -> Record:
        """The MYOB user edits the card: its name (the company name, or a person's last
        name) and whether it is active."""
        customer = self.customer(uid)
        if name is not None:
            customer["LastName" if customer["IsIndividual"] else "CompanyName"] = name
        if active is not None:
            customer["IsActive"] = active
        self._touch(customer)
        self._relink_customer(customer)
        return customer

    def _relink_customer(self, customer: Record) -> None:
        # Links answer the card's current name, as MYOB's do.
        link = self._link_customer(customer)
        for record in [*self.invoices.values(), *self.payments.values()]:
            if record["Customer"]["UID"] == customer["UID"]:
                record["Customer"] = link

    # --- invoices -------------------------------------------------------------------------

    def invoice(self, uid: str, layout: str | None = None) -> Record:
        invoice = self.invoices.get(uid.lower())
        if invoice is None or (layout is not None and invoice["InvoiceType"] != layout):
            raise MyobError(404, "NotFound", "The sale was not found", "UID")
        return invoice

    def create_invoice(self, layout: str, body: Record) -> Record:
        uid = self.new_uid()
        invoice: Record = {
            "UID": uid,
            "InvoiceType": layout,
            "URI": Rel(f"Sale/Invoice/{layout}/{uid}"),
            "LastPaymentDate": None,
        }
        self._apply_invoice(invoice, body, existing_lines={})
        self._check_open_period(invoice["Date"])
        self._touch(invoice)
        self.invoices[uid] = invoice
        self._settle(invoice)
        return invoice

    def update_invoice(self, layout: str, uid: str, body: Record) -> Record:
        invoice = self.invoice(uid, layout)
        self._check_version(invoice, body)
        self._check_may_change(invoice["Date"])
        existing = {line["RowID"]: line for line in invoice["Lines"]}
        candidate = dict(invoice)
        self._apply_invoice(candidate, body, existing_lines=existing)
        self._check_open_period(candidate["Date"])
        applied = self._applied_to(invoice["UID"])
        if applied and candidate["Customer"]["UID"] != invoice["Customer"]["UID"]:
            raise validation(
                "SaleHasPayments",
                "The customer of a sale with payments applied cannot be changed",
                "Customer",
            )
        if applied > 0 and candidate["TotalAmount"] < applied:
            raise validation(
                "AmountAppliedExceedsTotal",
                "The sale total cannot be less than the amount already applied to it",
                "Lines",
            )
        invoice.update(candidate)
        self._touch(invoice)
        self._settle(invoice)
        return invoice

    def _apply_invoice(
        self, invoice: Record, body: Record, existing_lines: dict[int, Record]
    ) -> None:
        creating = not existing_lines
        merged = {**invoice, **body}
        customer = self._find(self.customers, merged, "Customer", "Customer")
        if customer["SellingDetails"]["Credit"].get("OnHold"):
            # The UI only warns; the API refuses (FACTS.md section 4).
            raise validation("SaleEvent_CreditOnHold", "The customer is on credit hold", "Customer")
        if merged.get("Date") is None:
            raise required("Date")
        issued = parse_date(merged["Date"], "Date")
        number = _text(merged, "Number", NUMBER_LENGTH)
        if number is None:
            number = self._next_invoice_number()
        duplicate = any(
            other["Number"] == number and other["UID"] != invoice["UID"]
            for other in self.invoices.values()
        )
        if duplicate:
            raise validation(
                "DuplicateInvoiceNumber", f"Invoice number {number} already exists", "Number"
            )
        inclusive = merged.get("IsTaxInclusive", True)
        if not isinstance(inclusive, bool):
            raise serialization("IsTaxInclusive", inclusive)
        if body.get("FreightTaxCode") is None and invoice.get("FreightTaxCode") is None:
            raise required("FreightTaxCode")
        freight_tax = (
            self._find(self.tax_codes, body, "FreightTaxCode", "TaxCode")
            if body.get("FreightTaxCode") is not None
            else self.tax_codes[invoice["FreightTaxCode"]["UID"]]
        )
        freight = cents(parse_money(merged.get("Freight") or 0, "Freight"))
        lines_in = body.get("Lines") if "Lines" in body or creating else None
        if lines_in is None:
            lines = invoice["Lines"]
        else:
            if not isinstance(lines_in, list) or not lines_in:
                raise required("Lines")
            lines = [
                self._line(invoice["InvoiceType"], line, existing_lines, position)
                for position, line in enumerate(lines_in)
            ]
        terms_in = merged.get("Terms") or customer["SellingDetails"]["Terms"]
        if not isinstance(terms_in, dict):
            raise serialization("Terms", terms_in)
        if terms_in.get("PaymentIsDue", "InAGivenNumberOfDays") not in PAYMENT_TERMS:
            raise serialization("Terms.PaymentIsDue", terms_in.get("PaymentIsDue"))
        terms = {
            "PaymentIsDue": terms_in.get("PaymentIsDue", "InAGivenNumberOfDays"),
            "DiscountDate": parse_whole(terms_in.get("DiscountDate"), "Terms.DiscountDate"),
            "BalanceDueDate": parse_whole(terms_in.get("BalanceDueDate"), "Terms.BalanceDueDate"),
            "DiscountForEarlyPayment": parse_money(
                terms_in.get("DiscountForEarlyPayment") or 0, "Terms.DiscountForEarlyPayment"
            ),
            "MonthlyChargeForLatePayment": parse_money(
                terms_in.get("MonthlyChargeForLatePayment") or 0,
                "Terms.MonthlyChargeForLatePayment",
            ),
        }
        if not 0 <= terms["BalanceDueDate"] <= 366 or not 0 <= terms["DiscountDate"] <= 366:
            raise validation("Term_Out_Of_Range", "Terms days must be 0 to 366", "Terms")
        terms["DueDate"] = due_date(issued, terms)
        if terms["DueDate"] < issued:
            raise validation("Term_Out_Of_Range", "The due date is before the sale date", "Terms")
        category = (
            self._find(self.categories, merged, "Category", "Category")
            if merged.get("Category")
            else None
        )
        invoice.update(
            {
                "Number": number,
                "Date": issued,
                "CustomerPurchaseOrderNumber": _text(merged, "CustomerPurchaseOrderNumber", 255),
                "Customer": self._link_customer(customer),
                "Terms": terms,
                "IsTaxInclusive": inclusive,
                "Lines": lines,
                "Freight": freight,
                "FreightTaxCode": self._link_tax(freight_tax),
                "Category": (
                    {"UID": category["UID"], "Name": category["Name"], "URI": category["URI"]}
                    if category
                    else None
                ),
                "Comment": _text(merged, "Comment", 2000),
                "JournalMemo": _text(merged, "JournalMemo", 255)
                or f"Sale; {self.customer_name(customer)}",
                "InvoiceDeliveryStatus": merged.get("InvoiceDeliveryStatus", "Print"),
            }
        )
        self._total(invoice)

    def _line(self, layout: str, body: Any, existing: dict[int, Record], position: int) -> Record:
        if not isinstance(body, dict):
            raise serialization(f"Lines[{position}]", body)
        row_id = body.get("RowID")
        if row_id is not None:
            row_id = parse_whole(row_id, f"Lines[{position}].RowID")
            known = existing.get(row_id)
            if known is None:
                raise not_found("Line", f"Lines[{position}].RowID")
            if body.get("RowVersion") is None or str(body["RowVersion"]) != known["RowVersion"]:
                raise _conflict()
            merged = {**known, **body}
        else:
            merged = dict(body)
        line_type = merged.get("Type", "Transaction")
        if line_type not in ("Transaction", "Header", "SubTotal"):
            raise serialization(f"Lines[{position}].Type", line_type)
        line: Record = {
            "RowID": row_id if row_id is not None else self._next_row_id(existing),
            "Type": line_type,
            "Description": _text(merged, "Description", 1000) or "",
        }
        existing.setdefault(line["RowID"], line)
        if line_type != "Transaction":
            line.update({"Total": ZERO, "TaxCode": None, "Account": None})
            line["RowVersion"] = self.row_version()
            return line
        field = f"Lines[{position}]"
        tax = self._find(self.tax_codes, merged, "TaxCode", "TaxCode")
        if layout == "Item":
            item = self._find(self.items, merged, "Item", "Item")
            quantity = parse_money(merged.get("ShipQuantity", 1), f"{field}.ShipQuantity")
            price = parse_money(
                merged.get("UnitPrice", item["SellingDetails"]["BaseSellingPrice"]),
                f"{field}.UnitPrice",
            )
            discount = parse_money(merged.get("DiscountPercent", 0), f"{field}.DiscountPercent")
            computed = cents(quantity * price * (100 - discount) / 100)
            total = (
                cents(parse_money(merged["Total"], f"{field}.Total"))
                if merged.get("Total") is not None
                else computed
            )
            account = (
                self._posting_account(merged, "Account")
                if merged.get("Account")
                else self.accounts[item["IncomeAccount"]["UID"]]
            )
            line.update(
                {
                    "ShipQuantity": quantity,
                    "UnitPrice": price,
                    "DiscountPercent": discount,
                    "Item": {
                        "UID": item["UID"],
                        "Number": item["Number"],
                        "Name": item["Name"],
                        "URI": item["URI"],
                    },
                }
            )
        else:
            if merged.get("Total") is None:
                raise required(f"{field}.Total")
            total = cents(parse_money(merged["Total"], f"{field}.Total"))
            account = self._posting_account(merged, "Account")
            for key in ("UnitCount", "UnitPrice", "DiscountPercent"):
                if merged.get(key) is not None:
                    line[key] = parse_money(merged[key], f"{field}.{key}")
        line.update(
            {
                "Total": total,
                "Account": self._link_account(account),
                "TaxCode": self._link_tax(tax),
                "Job": None,
                "RowVersion": self.row_version(),
            }
        )
        return line

    @staticmethod
    def _next_row_id(existing: dict[int, Record]) -> int:
        return max(existing, default=0) + 1

    def _next_invoice_number(self) -> str:
        while True:
            number = f"{next(self._invoice_numbers):08d}"
            if all(i["Number"] != number for i in self.invoices.values()):
                return number

    def _tax_on(self, amount: Decimal, tax_uid: str, inclusive: bool) -> Decimal:
        rate = self.tax_codes[tax_uid]["Rate"]
        if inclusive:
            return cents(amount * rate / (100 + rate))
        return cents(amount * rate / 100)

    def _total(self, invoice: Record) -> None:
        """Subtotal, tax and total as MYOB computes them: each line's tax from its own 2-dp
        Total and TaxCode, summed (so a header figure can differ by a cent from the sum)."""
        inclusive = invoice["IsTaxInclusive"]
        lines = [line for line in invoice["Lines"] if line["Type"] == "Transaction"]
        subtotal = sum((line["Total"] for line in lines), ZERO)
        tax = sum(
            (self._tax_on(line["Total"], line["TaxCode"]["UID"], inclusive) for line in lines),
            ZERO,
        )
        freight_tax = self._tax_on(invoice["Freight"], invoice["FreightTaxCode"]["UID"], inclusive)
        invoice["Subtotal"] = subtotal
        invoice["TotalTax"] = tax + freight_tax
        total = subtotal + invoice["Freight"]
        invoice["TotalAmount"] = total if inclusive else total + tax + freight_tax

    def _applied_to(self, invoice_uid: str) -> Decimal:
        """What payments and credits have taken off this sale (or, for a credit, used of it)."""
        paid = sum(
            (
                line["AmountApplied"]
                for payment in self.payments.values()
                for line in payment["Invoices"]
                if line["UID"] == invoice_uid
            ),
            ZERO,
        )
        settled = sum(
            (
                line["AmountApplied"]
                for settlement in self.settlements.values()
                for line in settlement["Lines"]
                if line["Sale"]["UID"] == invoice_uid
            ),
            ZERO,
        )
        used = sum(
            (
                s["CreditAmount"]
                for s in self.settlements.values()
                if s["CreditFromInvoice"]["UID"] == invoice_uid
            ),
            ZERO,
        )
        refunded = sum(
            (r["Amount"] for r in self.refunds.values() if r["Invoice"]["UID"] == invoice_uid),
            ZERO,
        )
        return paid + settled + used + refunded

    def _settle(self, invoice: Record) -> None:
        """BalanceDueAmount and Status from what has been applied: Open while something is
        owed, Closed at nothing, Credit while a negative sale is not used up."""
        applied = self._applied_to(invoice["UID"])
        total = invoice["TotalAmount"]
        balance = total + applied if total < 0 else total - applied
        invoice["BalanceDueAmount"] = balance
        invoice["Status"] = "Closed" if balance == 0 else ("Credit" if balance < 0 else "Open")

    def _changed_by_application(self, invoice: Record, day: date | None) -> None:
        self._settle(invoice)
        if day is not None and (
            invoice["LastPaymentDate"] is None or day > invoice["LastPaymentDate"]
        ):
            invoice["LastPaymentDate"] = day
        self._touch(invoice)

    def delete_invoice(self, uid: str, layout: str | None = None) -> None:
        invoice = self.invoice(uid, layout)
        self._check_may_change(invoice["Date"])
        if self._applied_to(invoice["UID"]):
            raise validation(
                "SaleHasPayments",
                "The sale has payments or credits applied; delete them first",
                "UID",
            )
        del self.invoices[invoice["UID"]]

    # --- customer payments ----------------------------------------------------------------

    def payment(self, uid: str) -> Record:
        payment = self.payments.get(uid.lower())
        if payment is None:
            raise MyobError(404, "NotFound", "The customer payment was not found", "UID")
        return payment

    def create_payment(self, body: Record) -> Record:
        deposit_to = body.get("DepositTo")
        if deposit_to is None:
            raise required("DepositTo")
        if deposit_to not in ("Account", "UndepositedFunds"):
            raise serialization("DepositTo", deposit_to)
        if deposit_to == "Account":
            account = self._posting_account(body, "Account")
            if account["Type"] != "Bank":
                raise validation(
                    "InvalidAccountType", "Payments are deposited to a bank account", "Account"
                )
        else:
            account = self.account_by_display_id("1-1130")
        customer = self._find(self.customers, body, "Customer", "Customer")
        if body.get("Date") is None:
            raise required("Date")
        day = parse_date(body["Date"], "Date")
        self._check_open_period(day)
        receipt = _text(body, "ReceiptNumber", NUMBER_LENGTH) or self._next_receipt()
        lines_in = body.get("Invoices")
        if not isinstance(lines_in, list) or not lines_in:
            raise required("Invoices")
        lines: list[Record] = []
        for position, line in enumerate(lines_in):
            field = f"Invoices[{position}]"
            if not isinstance(line, dict):
                raise serialization(field, line)
            uid = line.get("UID")
            if not isinstance(uid, str):
                raise required(f"{field}.UID")
            invoice = self.invoices.get(uid.lower())
            if invoice is None:
                raise not_found("Invoice", f"{field}.UID")
            if line.get("Type", "Invoice") != "Invoice":
                raise serialization(f"{field}.Type", line.get("Type"))
            if invoice["Customer"]["UID"] != customer["UID"]:
                raise validation(
                    "InvoiceCustomerMismatch",
                    "The invoice belongs to another customer",
                    f"{field}.UID",
                )
            amount = cents(parse_money(line.get("AmountApplied"), f"{field}.AmountApplied"))
            already = sum((x["AmountApplied"] for x in lines if x["UID"] == invoice["UID"]), ZERO)
            if amount <= 0 or amount + already > invoice["BalanceDueAmount"]:
                raise validation(
                    "AmountAppliedExceedsBalance",
                    "The amount applied must be more than zero and no more than the balance due",
                    f"{field}.AmountApplied",
                )
            lines.append(
                {
                    "RowID": position + 1,
                    "Number": invoice["Number"],
                    "UID": invoice["UID"],
                    "AmountApplied": amount,
                    "Type": "Invoice",
                    "URI": invoice["URI"],
                    "RowVersion": self.row_version(),
                }
            )
        received = sum((line["AmountApplied"] for line in lines), ZERO)
        if body.get("AmountReceived") is not None:
            stated = cents(parse_money(body["AmountReceived"], "AmountReceived"))
            if stated != received:
                raise validation(
                    "AmountReceivedMismatch",
                    "AmountReceived must equal the sum of the amounts applied",
                    "AmountReceived",
                )
        uid = self.new_uid()
        payment: Record = {
            "UID": uid,
            "DepositTo": deposit_to,
            "Account": self._link_account(account),
            "Customer": self._link_customer(customer),
            "ReceiptNumber": receipt,
            "Date": day,
            "AmountReceived": received,
            "PaymentMethod": _text(body, "PaymentMethod", 50),
            "Memo": _text(body, "Memo", 255) or f"Payment; {self.customer_name(customer)}",
            "Invoices": lines,
            "URI": Rel(f"Sale/CustomerPayment/{uid}"),
        }
        self._touch(payment)
        self.payments[uid] = payment
        for line in lines:
            self._changed_by_application(self.invoices[line["UID"]], day)
        return payment

    def _next_receipt(self) -> str:
        return f"CR{next(self._receipt_numbers):06d}"

    def delete_payment(self, uid: str) -> None:
        payment = self.payment(uid)
        self._check_may_change(payment["Date"])
        del self.payments[payment["UID"]]
        for line in payment["Invoices"]:
            invoice = self.invoices.get(line["UID"])
            if invoice is not None:
                self._changed_by_application(invoice, None)

    # --- credit settlements ---------------------------------------------------------------

    def settlement(self, uid: str) -> Record:
        settlement = self.settlements.get(uid.lower())
        if settlement is None:
            raise MyobError(404, "NotFound", "The credit settlement was not found", "UID")
        return settlement

    def create_settlement(self, body: Record) -> Record:
        credit = self._find(self.invoices, body, "CreditFromInvoice", "Credit")
        if credit["Status"] != "Credit":
            raise validation(
                "NotACredit",
                "CreditFromInvoice must be a sale with credit left",
                "CreditFromInvoice",
            )
        customer = self._find(self.customers, body, "Customer", "Customer")
        if credit["Customer"]["UID"] != customer["UID"]:
            raise validation(
                "InvoiceCustomerMismatch", "The credit belongs to another customer", "Customer"
            )
        if body.get("Date") is None:
            raise required("Date")
        day = parse_date(body["Date"], "Date")
        self._check_open_period(day)
        lines_in = body.get("Lines")
        if not isinstance(lines_in, list) or not lines_in:
            raise required("Lines")
        lines: list[Record] = []
        for position, line in enumerate(lines_in):
            field = f"Lines[{position}]"
            if not isinstance(line, dict):
                raise serialization(field, line)
            sale = self._find(self.invoices, line, "Sale", "Sale")
            if sale["Customer"]["UID"] != customer["UID"] or sale["Status"] != "Open":
                raise validation(
                    "InvalidSale", "Credits apply to the same customer's open sales", field
                )
            amount = cents(parse_money(line.get("AmountApplied"), f"{field}.AmountApplied"))
            if amount <= 0 or amount > sale["BalanceDueAmount"]:
                raise validation(
                    "AmountAppliedExceedsBalance",
                    "The amount applied must be more than zero and no more than the balance due",
                    f"{field}.AmountApplied",
                )
            lines.append(
                {
                    "RowID": position + 1,
                    "Type": "Invoice",
                    "Sale": {"UID": sale["UID"], "Number": sale["Number"], "URI": sale["URI"]},
                    "AmountApplied": amount,
                    "RowVersion": self.row_version(),
                }
            )
        applied = sum((line["AmountApplied"] for line in lines), ZERO)
        stated = body.get("CreditAmount")
        amount = cents(parse_money(stated, "CreditAmount")) if stated is not None else applied
        if amount != applied or amount > -credit["BalanceDueAmount"]:
            raise validation(
                "CreditAmountInvalid",
                "CreditAmount must equal the amounts applied and no more than the credit left",
                "CreditAmount",
            )
        uid = self.new_uid()
        settlement: Record = {
            "UID": uid,
            "CreditFromInvoice": {
                "UID": credit["UID"],
                "Number": credit["Number"],
                "URI": credit["URI"],
            },
            "Customer": self._link_customer(customer),
            "Number": _text(body, "Number", NUMBER_LENGTH)
            or f"CS{next(self._settlement_numbers):06d}",
            "Date": day,
            "CreditAmount": amount,
            "Memo": _text(body, "Memo", 255) or "Settle credit",
            "Lines": lines,
            "URI": Rel(f"Sale/CreditSettlement/{uid}"),
        }
        self._touch(settlement)
        self.settlements[uid] = settlement
        self._changed_by_application(credit, day)
        for line in lines:
            self._changed_by_application(self.invoices[line["Sale"]["UID"]], day)
        return settlement

    def delete_settlement(self, uid: str) -> None:
        settlement = self.settlement(uid)
        self._check_may_change(settlement["Date"])
        del self.settlements[settlement["UID"]]
        touched = [settlement["CreditFromInvoice"]["UID"]]
        touched += [line["Sale"]["UID"] for line in settlement["Lines"]]
        for invoice_uid in touched:
            if invoice_uid in self.invoices:
                self._changed_by_application(self.invoices[invoice_uid], None)

    # --- credit refunds -------------------------------------------------------------------

    def refund(self, uid: str) -> Record:
        refund = self.refunds.get(uid.lower())
        if refund is None:
            raise MyobError(404, "NotFound", "The credit refund was not found", "UID")
        return refund

    def create_refund(self, body: Record) -> Record:
        """Credit paid back to the customer from a bank account: what is left of a negative
        sale goes down by `Amount`."""
        credit = self._find(self.invoices, body, "Invoice", "Credit")
        if credit["Status"] != "Credit":
            raise validation("NotACredit", "Invoice must be a sale with credit left", "Invoice")
        customer = self._find(self.customers, body, "Customer", "Customer")
        if credit["Customer"]["UID"] != customer["UID"]:
            raise validation(
                "InvoiceCustomerMismatch", "The credit belongs to another customer", "Customer"
            )
        account = self._posting_account(body, "Account")
        if account["Type"] != "Bank":
            raise validation(
                "InvalidAccountType", "Refunds are paid from a bank account", "Account"
            )
        if body.get("Date") is None:
            raise required("Date")
        day = parse_date(body["Date"], "Date")
        self._check_open_period(day)
        if body.get("Amount") is None:
            raise required("Amount")
        amount = cents(parse_money(body["Amount"], "Amount"))
        if amount <= 0 or amount > -credit["BalanceDueAmount"]:
            raise validation(
                "AmountExceedsCredit",
                "The refund must be more than zero and no more than the credit left",
                "Amount",
            )
        uid = self.new_uid()
        refund: Record = {
            "UID": uid,
            "Account": self._link_account(account),
            "Invoice": {"UID": credit["UID"], "Number": credit["Number"], "URI": credit["URI"]},
            "Customer": self._link_customer(customer),
            "Payee": _text(body, "Payee", 255) or self.customer_name(customer),
            "Number": _text(body, "Number", NUMBER_LENGTH) or f"RF{next(self._refund_numbers):06d}",
            "Date": day,
            "Amount": amount,
            "Memo": _text(body, "Memo", 255) or "Refund",
            "ChequePrinted": False,
            "DeliveryStatus": "Nothing",
            "URI": Rel(f"Sale/CreditRefund/{uid}"),
        }
        self._touch(refund)
        self.refunds[uid] = refund
        self._changed_by_application(credit, day)
        return refund

    def delete_refund(self, uid: str) -> None:
        refund = self.refund(uid)
        self._check_may_change(refund["Date"])
        del self.refunds[refund["UID"]]
        if refund["Invoice"]["UID"] in self.invoices:
            self._changed_by_application(self.invoices[refund["Invoice"]["UID"]], None)

    # --- preferences ----------------------------------------------------------------------

    def set_lock_date(self, day: date | None) -> None:
        self.lock_date = day
        self._preferences_changed()

    def set_must_reverse(self, value: bool) -> None:
        self.must_reverse = value
        self._preferences_changed()

    def _preferences_changed(self) -> None:
        self.preferences_version = self.row_version()
        self.preferences_modified = self.now()

    def preferences(self) -> Record:
        return {
            "System": {
                "LockPeriodPriorTo": self.lock_date,
                "TransactionsCannotBeChangedMustBeReversed": self.must_reverse,
                "CategoryTracking": "Off",
            },
            "LastModified": self.preferences_modified,
            "RowVersion": self.preferences_version,
            "URI": Rel("Company/Preferences"),
        }
