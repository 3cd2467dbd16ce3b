"""QuickBooks' rules for what the company buys: Vendors (in the one name namespace customers
and employees share, 6240), Bills (what is owed a vendor: `VendorRef`, lines of
`AccountBasedExpenseLineDetail`, a `Balance` that payments bring down; numbers may repeat, as
the API lets them), Purchases (money already spent: `PaymentType` Cash, Check or CreditCard
from the bank or card account `AccountRef`, to an optional `EntityRef`) and BillPayments
(`PayType` Check from `CheckPayment.BankAccountRef`, or CreditCard from
`CreditCardPayment.CCAccountRef`, each line linking one Bill). A Bill cannot be voided, only
deleted, and not while payments are applied to it."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from syncsvc.sandbox.quickbooks.chart import PAYABLES
from syncsvc.sandbox.quickbooks.company import Company, Ref
from syncsvc.sandbox.quickbooks.totals import ZERO, TaxTally, cents, ref_of
from syncsvc.sandbox.quickbooks.wire import (
    business,
    date_of,
    decimal_of,
    invalid,
    not_found,
    object_of,
    objects_of,
    required,
    text_of,
    too_long,
)

Doc = dict[str, Any]
DETAIL = "AccountBasedExpenseLineDetail"
EXPENSE_TYPES = ("Expense", "Other Expense", "Cost of Goods Sold", "Fixed Asset", "Other Asset")
# Where money is paid from: what each Purchase PaymentType / BillPayment PayType draws on.
PAID_FROM = {"Cash": ("Bank",), "Check": ("Bank",), "CreditCard": ("Credit Card",)}
PAYEES = ("Vendor", "Customer", "Employee")
NO_RATE = "Make sure all your transactions have a GST rate before you save."


def _money_total(lines: list[Doc]) -> Decimal:
    return sum((line["Amount"] for line in lines), ZERO)


class PurchaseRules:
    """The purchase side of the sandbox's `Books`: builders and derived amounts."""

    company: Company

    if TYPE_CHECKING:

        def _check_open(self, doc: Doc) -> None: ...
        def _unique_name(self, name: str, entity: str, existing: Doc | None) -> None: ...

    # --- vendors -----------------------------------------------------------------------------

    def _build_vendor(self, entity: str, body: Doc, existing: Doc | None) -> Doc:
        parts = ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")
        name = (
            text_of(body["DisplayName"], "DisplayName")
            if body.get("DisplayName")
            else str(body.get("CompanyName") or "")
            or " ".join(text_of(body[k], k) for k in parts if body.get(k))
        )
        if not name:
            raise required("DisplayName")
        if len(name) > 500:
            raise too_long("DisplayName", 500, len(name))
        if ":" in name:
            raise business("The name can't contain a colon (:).", "DisplayName")
        if len(str(body.get("AcctNum") or "")) > 100:
            raise too_long("AcctNum", 100, len(str(body["AcctNum"])))
        active = body.get("Active", True) not in (False, "false")
        if not active and existing is not None and existing.get("Active", True):
            name = f"{name} (deleted)"  # a vendor made inactive frees its name
        self._unique_name(name, "Vendor", existing)
        doc = {**body, "DisplayName": name, "Active": active}
        doc.setdefault("PrintOnCheckName", name)
        doc.setdefault("CurrencyRef", {"value": "AUD", "name": "Australian Dollar"})
        doc.setdefault("Vendor1099", False)
        doc["Balance"] = existing.get("Balance", ZERO) if existing else ZERO
        return doc

    def _vendor(self, body: Doc, field: str = "VendorRef") -> Doc:
        vendor_id = ref_of(body, field)
        if vendor_id is None:
            raise required(field)
        vendor = self.company.get("Vendor", vendor_id)
        if vendor is None or not vendor.get("Active", True):
            raise not_found("Vendor", vendor_id)
        return vendor

    # --- expense lines -----------------------------------------------------------------------

    def _purchase_rate(self, code_id: str, element: str) -> tuple[str, Decimal]:
        code = self.company.get("TaxCode", code_id)
        if code is None or not code.get("Active", True):
            raise not_found("TaxCode", code_id)
        details = (code.get("PurchaseTaxRateList") or {}).get("TaxRateDetail") or []
        if not details:
            raise business(f"Tax code {code['Name']} cannot be used on purchases", element)
        rate_id = str(details[0]["TaxRateRef"]["value"])
        rate = self.company.get("TaxRate", rate_id)
        if rate is None:
            raise not_found("TaxRate", rate_id)
        return rate_id, Decimal(rate["RateValue"])

    def _expense_lines(self, body: Doc) -> tuple[list[Doc], Doc, Decimal, str]:
        """The stored lines, the tax detail, the total and the tax calculation. A line
        without a `TaxCodeRef` takes its account's; one without either is refused."""
        calculation = str(body.get("GlobalTaxCalculation") or "TaxExcluded")
        if calculation not in ("TaxExcluded", "TaxInclusive", "NotApplicable"):
            raise invalid("GlobalTaxCalculation", f"GlobalTaxCalculation {calculation!r}")
        raw = objects_of(body.get("Line"), "Line")
        if not raw:
            raise required("Line")
        lines: list[Doc] = []
        tally = TaxTally()
        total = ZERO
        for index, line in enumerate(raw):
            element = f"Line[{index}]"
            if line.get("DetailType") != DETAIL:
                raise invalid(
                    f"{element}.DetailType",
                    "Property Name:DetailType specified is unsupported or invalid: "
                    f"{line.get('DetailType')}",
                )
            prefix = f"{element}.{DETAIL}."
            detail = object_of(line.get(DETAIL), f"{element}.{DETAIL}")
            amount = decimal_of(line.get("Amount"), f"{element}.Amount")
            if amount is None:
                raise required(f"{element}.Amount")
            amount = cents(amount)
            account_id = ref_of(detail, "AccountRef", prefix)
            if account_id is None:
                raise required(f"{prefix}AccountRef")
            account = self.company.get("Account", account_id)
            if account is None or not account.get("Active", True):
                raise not_found("Account", account_id)
            if account["AccountType"] not in EXPENSE_TYPES:
                raise business(
                    f"Account {account['Name']} cannot take an expense line", f"{prefix}AccountRef"
                )
            stored_detail: Doc = {"AccountRef": {"value": account_id, "name": account["Name"]}}
            customer_id = ref_of(detail, "CustomerRef", prefix)
            if customer_id is not None:
                if self.company.get("Customer", customer_id) is None:
                    raise not_found("Customer", customer_id)
                stored_detail["CustomerRef"] = {"value": customer_id}
            stored_detail["BillableStatus"] = detail.get(
                "BillableStatus", "Billable" if customer_id else "NotBillable"
            )
            code_id = ref_of(detail, "TaxCodeRef", prefix) or ref_of(account, "TaxCodeRef")
            gross = amount
            if calculation != "NotApplicable":
                if code_id is None:
                    raise business(NO_RATE, f"{prefix}TaxCodeRef")
                rate_id, rate = self._purchase_rate(code_id, element)
                tax, gross = tally.add(amount, rate_id, rate, calculation, stored_detail)
                stored_detail["TaxAmount"] = tax
            if code_id is not None:
                stored_detail["TaxCodeRef"] = {"value": code_id}
            if detail.get("ClassRef"):
                stored_detail["ClassRef"] = detail["ClassRef"]
            total += gross
            stored: Doc = {
                "Id": str(index + 1),
                "LineNum": index + 1,
                "Amount": amount,
                "DetailType": DETAIL,
                DETAIL: stored_detail,
            }
            if line.get("Description"):
                stored["Description"] = text_of(line["Description"], f"{element}.Description")
            lines.append(stored)
        return lines, tally.detail(), total, calculation

    def _dated(self, body: Doc, existing: Doc | None) -> str:
        today = self.company.clock().date()
        txn_date = date_of(body.get("TxnDate", today.isoformat()), "TxnDate").isoformat()
        if existing is not None:
            self._check_open(existing)
        self._check_open({"TxnDate": txn_date})
        return txn_date

    @staticmethod
    def _number(body: Doc) -> str | None:
        if body.get("DocNumber") in (None, ""):
            return None
        number = text_of(body["DocNumber"], "DocNumber")
        if len(number) > 21:
            raise too_long("DocNumber", 21, len(number))
        return number

    # --- bills -------------------------------------------------------------------------------

    def _build_bill(self, entity: str, body: Doc, existing: Doc | None) -> Doc:
        vendor = self._vendor(body)
        txn_date = self._dated(body, existing)
        lines, tax_detail, total, calculation = self._expense_lines(body)
        payable = ref_of(body, "APAccountRef") or PAYABLES
        account = self.company.get("Account", payable)
        if account is None or account["AccountType"] != "Accounts Payable":
            raise business("APAccountRef must be an Accounts Payable account", "APAccountRef")
        doc: Doc = {
            **body,
            "VendorRef": {"value": vendor["Id"], "name": vendor["DisplayName"]},
            "APAccountRef": {"value": payable, "name": account["Name"]},
            "TxnDate": txn_date,
            "DueDate": date_of(body.get("DueDate", txn_date), "DueDate").isoformat(),
            "Line": lines,
            "TxnTaxDetail": tax_detail,
            "GlobalTaxCalculation": calculation,
            "TotalAmt": total,
            "Balance": total,
            "CurrencyRef": {"value": "AUD", "name": "Australian Dollar"},
            "LinkedTxn": [],
        }
        number = self._number(body)
        doc.pop("DocNumber", None)
        if number is not None:
            doc["DocNumber"] = number
        if existing is not None:
            paid = self._paid_on_bill(existing["Id"])
            if total < paid:
                raise business(
                    f"The Bill total {total} is less than the {paid} already paid on it", "Line"
                )
        return doc

    def _paid_on_bill(self, bill_id: str, excluding: str | None = None) -> Decimal:
        """What bill payments (but `excluding`) pay on one bill."""
        paid = ZERO
        for _, payment_id in self.company.indexed(("link", "Bill", bill_id)):
            if payment_id == excluding:
                continue
            for line in self.company.entities["BillPayment"][payment_id]["Line"]:
                if line["LinkedTxn"][0]["TxnId"] == bill_id:
                    paid += line["Amount"]
        return paid

    def _check_bill_deletable(self, entity: str, doc: Doc) -> None:
        if entity == "Bill" and self.company.indexed(("link", "Bill", doc["Id"])):
            raise business(
                "This bill has payments applied to it. Delete the bill payments first.", "Id"
            )

    # --- purchases (money spent) -------------------------------------------------------------

    def _build_purchase(self, entity: str, body: Doc, existing: Doc | None) -> Doc:
        payment_type = body.get("PaymentType")
        if payment_type is None:
            raise required("PaymentType")
        if payment_type not in PAID_FROM:
            raise invalid("PaymentType", f"PaymentType {payment_type!r} is not supported here")
        account_id = ref_of(body, "AccountRef")
        if account_id is None:
            raise required("AccountRef")
        account = self.company.get("Account", account_id)
        if account is None or not account.get("Active", True):
            raise not_found("Account", account_id)
        if account["AccountType"] not in PAID_FROM[payment_type]:
            wanted = " or ".join(PAID_FROM[payment_type])
            raise business(
                f"A {payment_type} purchase is paid from a {wanted} account", "AccountRef"
            )
        txn_date = self._dated(body, existing)
        lines, tax_detail, total, calculation = self._expense_lines(body)
        doc: Doc = {
            **body,
            "PaymentType": payment_type,
            "AccountRef": {"value": account_id, "name": account["Name"]},
            "TxnDate": txn_date,
            "Line": lines,
            "TxnTaxDetail": tax_detail,
            "GlobalTaxCalculation": calculation,
            "TotalAmt": total,
            "Credit": False,
            "CurrencyRef": {"value": "AUD", "name": "Australian Dollar"},
        }
        payee = object_of(body.get("EntityRef"), "EntityRef")
        if payee:
            payee_type = str(payee.get("type") or "Vendor")
            payee_id = ref_of(body, "EntityRef")
            if payee_type not in PAYEES or payee_id is None:
                raise invalid("EntityRef", f"EntityRef must name a {', '.join(PAYEES)}")
            held = self.company.get(payee_type, payee_id)
            if held is None:
                raise not_found(payee_type, payee_id)
            doc["EntityRef"] = {
                "value": payee_id,
                "name": held["DisplayName"],
                "type": payee_type,
            }
        number = self._number(body)
        doc.pop("DocNumber", None)
        if number is not None:
            doc["DocNumber"] = number
        return doc

    # --- bill payments -----------------------------------------------------------------------

    def _build_bill_payment(self, entity: str, body: Doc, existing: Doc | None) -> Doc:
        vendor = self._vendor(body)
        pay_type = body.get("PayType")
        if pay_type is None:
            raise required("PayType")
        if pay_type not in ("Check", "CreditCard"):
            raise invalid("PayType", f"PayType {pay_type!r} is not Check or CreditCard")
        holder, field = (
            ("CheckPayment", "BankAccountRef")
            if pay_type == "Check"
            else ("CreditCardPayment", "CCAccountRef")
        )
        paid_from = object_of(body.get(holder), holder)
        account_id = ref_of(paid_from, field, f"{holder}.")
        if account_id is None:
            raise required(f"{holder}.{field}")
        account = self.company.get("Account", account_id)
        if account is None:
            raise not_found("Account", account_id)
        wanted = "Bank" if pay_type == "Check" else "Credit Card"
        if account["AccountType"] != wanted:
            raise business(f"A {pay_type} bill payment is paid from a {wanted} account", holder)
        total = decimal_of(body.get("TotalAmt"), "TotalAmt")
        if total is None:
            raise required("TotalAmt")
        if total <= 0:
            raise business("The bill payment amount must be more than zero", "TotalAmt")
        txn_date = self._dated(body, existing)
        this = existing["Id"] if existing else None
        lines: list[Doc] = []
        for index, line in enumerate(objects_of(body.get("Line"), "Line")):
            element = f"Line[{index}]"
            amount = decimal_of(line.get("Amount"), f"{element}.Amount")
            links = objects_of(line.get("LinkedTxn"), f"{element}.LinkedTxn")
            if amount is None:
                raise required(f"{element}.Amount")
            if not links:
                raise required(f"{element}.LinkedTxn")
            txn_type = links[0].get("TxnType")
            txn_id = text_of(links[0].get("TxnId", ""), f"{element}.LinkedTxn.TxnId")
            if txn_type != "Bill":
                raise business(f"A bill payment cannot be linked to a {txn_type}", element)
            bill = self.company.get("Bill", txn_id)
            if bill is None:
                raise not_found("Bill", txn_id)
            if bill["VendorRef"]["value"] != vendor["Id"]:
                raise business(f"Bill {txn_id} belongs to another vendor", f"{element}.LinkedTxn")
            open_amount = bill["TotalAmt"] - self._paid_on_bill(txn_id, this)
            if amount <= 0 or amount > open_amount:
                raise business(
                    f"The amount paid on Bill {txn_id} ({amount}) must be more than zero and "
                    f"at most its open balance ({open_amount})",
                    f"{element}.Amount",
                )
            lines.append(
                {"Amount": cents(amount), "LinkedTxn": [{"TxnId": txn_id, "TxnType": "Bill"}]}
            )
        if not lines:
            raise required("Line")
        if _money_total(lines) != cents(total):
            raise business(
                f"The lines ({_money_total(lines)}) do not add up to TotalAmt ({total})",
                "TotalAmt",
            )
        doc: Doc = {
            **body,
            "VendorRef": {"value": vendor["Id"], "name": vendor["DisplayName"]},
            "APAccountRef": {"value": PAYABLES},
            "PayType": pay_type,
            holder: {
                **paid_from,
                field: {"value": account_id, "name": account["Name"]},
            },
            "TxnDate": txn_date,
            "TotalAmt": cents(total),
            "Line": lines,
            "CurrencyRef": {"value": "AUD", "name": "Australian Dollar"},
        }
        if pay_type == "Check":
            doc[holder].setdefault("PrintStatus", "NotSet")
        doc.pop("CreditCardPayment" if pay_type == "Check" else "CheckPayment", None)
        return doc

    # --- derived amounts ---------------------------------------------------------------------

    @staticmethod
    def _bills_touched(entity: str, doc: Doc) -> set[Ref]:
        if entity == "Bill":
            return {("Bill", doc["Id"])}
        if entity == "BillPayment":
            return {("Bill", line["LinkedTxn"][0]["TxnId"]) for line in doc["Line"]}
        return set()

    def _recompute_bills(self, targets: set[Ref], written: Doc | None) -> None:
        """Bills' balances and back-links to their payments, and their vendors' balances:
        a bill whose derived fields moved is updated (new SyncToken, a change for CDC and
        webhooks), except the one just written."""
        vendors: set[str] = set()
        for entity, bill_id in sorted(targets):
            if entity != "Bill":
                continue
            bill = self.company.get("Bill", bill_id)
            if bill is None:
                continue
            vendors.add(bill["VendorRef"]["value"])
            payments = sorted(
                self.company.indexed(("link", "Bill", bill_id)), key=lambda r: int(r[1])
            )
            derived: Doc = {
                "Balance": bill["TotalAmt"] - self._paid_on_bill(bill_id),
                "LinkedTxn": [{"TxnId": p, "TxnType": "BillPayment"} for _, p in payments],
            }
            if any(bill.get(k) != v for k, v in derived.items()):
                bill.update(derived)
                if bill is not written:
                    self.company.record("Bill", bill, "Update")
        if written is not None and "VendorRef" in written:
            vendors.add(written["VendorRef"]["value"])
        for vendor_id in vendors:
            vendor = self.company.get("Vendor", vendor_id)
            if vendor is not None:
                vendor["Balance"] = sum(
                    (
                        self.company.entities["Bill"][bill_id]["Balance"]
                        for _, bill_id in self.company.indexed(("vendor", vendor_id))
                    ),
                    ZERO,
                )
