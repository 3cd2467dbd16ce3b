"""Sales (`Sale/Invoice/Service` and `/Item`): lines, totals as MYOB computes them (each
line's Total to the cent, tax from its own TaxCode, IsTaxInclusive), unique 13-character
numbers, RowVersion on the sale and each line, and the refusals of edits and deletes. A
negative sale is a credit."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from syncsvc.sandbox.myob.books import Books
from syncsvc.sandbox.myob.errors import MyobError, not_found, required, serialization, validation
from syncsvc.sandbox.myob.fields import (
    NUMBER_LENGTH,
    PAYMENT_TERMS,
    ZERO,
    Record,
    cents,
    due_date,
    stale_row_version,
    text_field,
)
from syncsvc.sandbox.myob.wire import Rel, parse_date, parse_money, parse_whole


class Sales(Books):
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
        # A credit is a negative sale: what has been used of it is held against its size.
        if applied > 0 and abs(candidate["TotalAmount"]) < applied:
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
        number = text_field(merged, "Number", NUMBER_LENGTH)
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
                "CustomerPurchaseOrderNumber": text_field(
                    merged, "CustomerPurchaseOrderNumber", 255
                ),
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
                "Comment": text_field(merged, "Comment", 2000),
                "JournalMemo": text_field(merged, "JournalMemo", 255)
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
                raise stale_row_version()
            merged = {**known, **body}
        else:
            merged = dict(body)
        line_type = merged.get("Type", "Transaction")
        if line_type not in ("Transaction", "Header", "SubTotal"):
            raise serialization(f"Lines[{position}].Type", line_type)
        line: Record = {
            "RowID": row_id if row_id is not None else self._next_row_id(existing),
            "Type": line_type,
            "Description": text_field(merged, "Description", 1000) or "",
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
