"""Money against sales: customer payments (never updated, only deleted), credit
settlements (a credit applied to open sales) and credit refunds (a credit paid back)."""

from __future__ import annotations

from syncsvc.sandbox.myob.books import Books
from syncsvc.sandbox.myob.errors import MyobError, not_found, required, serialization, validation
from syncsvc.sandbox.myob.fields import NUMBER_LENGTH, ZERO, Record, cents, text_field
from syncsvc.sandbox.myob.wire import Rel, parse_date, parse_money


class Receipts(Books):
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
        receipt = text_field(body, "ReceiptNumber", NUMBER_LENGTH) or self._next_receipt()
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
            "PaymentMethod": text_field(body, "PaymentMethod", 50),
            "Memo": text_field(body, "Memo", 255) or f"Payment; {self.customer_name(customer)}",
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
            "Number": text_field(body, "Number", NUMBER_LENGTH)
            or f"CS{next(self._settlement_numbers):06d}",
            "Date": day,
            "CreditAmount": amount,
            "Memo": text_field(body, "Memo", 255) or "Settle credit",
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
            "Payee": text_field(body, "Payee", 255) or self.customer_name(customer),
            "Number": text_field(body, "Number", NUMBER_LENGTH)
            or f"RF{next(self._refund_numbers):06d}",
            "Date": day,
            "Amount": amount,
            "Memo": text_field(body, "Memo", 255) or "Refund",
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
