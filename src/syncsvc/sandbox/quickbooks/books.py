"""QuickBooks' rules for the entities the API writes: Customers (one name namespace, 6240),
Items (the income account lives here), Invoices and CreditMemos (totals, DocNumber, 6140),
Payments (lines linking invoices and credit memos reduce their Balance), the purchase side
(Vendors, Bills, Purchases, BillPayments: `purchases.py`), SyncToken (5010),
sparse updates, void and delete, and the closing-books date (6200). Derived amounts
(balances, links back to payments) are recomputed after every change."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from syncsvc.sandbox.quickbooks.chart import RECEIVABLES, UNDEPOSITED_FUNDS
from syncsvc.sandbox.quickbooks.company import Company, Ref
from syncsvc.sandbox.quickbooks.purchases import PurchaseRules
from syncsvc.sandbox.quickbooks.schema import load
from syncsvc.sandbox.quickbooks.totals import ZERO, cents, compute, ref_of
from syncsvc.sandbox.quickbooks.wire import (
    QboFault,
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
    unsupported,
)

Doc = dict[str, Any]

# Fields QuickBooks computes: whatever a caller sends for them is ignored.
READ_ONLY = {
    "Id", "SyncToken", "MetaData", "domain", "sparse", "status", "FullyQualifiedName",
    "Balance", "BalanceWithJobs", "TotalAmt", "HomeTotalAmt", "HomeBalance", "TxnTaxDetail",
    "LinkedTxn", "RemainingCredit", "UnappliedAmt", "Level",
}  # fmt: skip
SALES = ("Invoice", "CreditMemo")
PURCHASES = ("Vendor", "Bill", "Purchase", "BillPayment")
DELETABLE = (*SALES, "Payment", "Bill", "Purchase", "BillPayment")
# A payment's TotalAmt is the caller's; a transaction's is computed.
OWN_TOTAL = ("Payment", "BillPayment")
CUSTOM_FIELD_MAX = 31  # a StringType custom field's value (XSD: StringTypeCustomFieldDefinition)
CLOSED_DETAIL = (
    "The account period has closed and the account books cannot be updated through the "
    "QBO Services API. Please use the QBO website to make these changes."
)


def _clean(value: Any) -> Any:
    """Empty strings and nulls are absent, as QuickBooks reads them (SDKs send `""` for
    every unset string and date)."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None and v != ""}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _known_properties(entity: str, body: Doc) -> None:
    """2010 for a property QuickBooks does not have, or a value outside its enumeration,
    as Intuit's XSDs define them: never kept silently."""
    schema = load()
    found = schema.problems(body, schema.elements[entity])
    if found:
        element, _, reason = found[0].partition(": ")
        raise invalid(
            element, f"Property Name:{element} specified is unsupported or invalid ({reason})"
        )


def _stale(entity: str) -> QboFault:
    return QboFault(
        5010,
        "Stale Object Error",
        f"Stale Object Error : You and sandbox user were working on this {entity} at the "
        "same time. sandbox user finished before you did, so your work was not saved.",
        "SyncToken",
    )


class Books(PurchaseRules):
    def __init__(self, company: Company) -> None:
        self.company = company

    # --- the operations the API exposes ---------------------------------------------------

    def create(self, entity: str, body: Doc) -> Doc:
        self._writable(entity)
        _known_properties(entity, body)
        doc = self._build(entity, _clean(body), None)
        doc["Id"] = self.company.new_id(entity)
        doc["SyncToken"] = "0"
        self.company.put(entity, doc)
        self.company.record(entity, doc, "Create")
        self._recompute(self._touched(entity, doc), doc)
        return doc

    def update(self, entity: str, body: Doc) -> Doc:
        self._writable(entity)
        _known_properties(entity, body)
        body = _clean(body)
        existing = self._current(entity, body)
        if (entity, existing["Id"]) in self.company.voided:
            raise business("This transaction has been voided and cannot be changed")
        # Sparse: what the body omits stays; full: what it omits is cleared.
        sparse = body.get("sparse") in (True, "true")
        doc = self._build(entity, {**copy.deepcopy(existing), **body} if sparse else body, existing)
        doc.update({k: existing[k] for k in ("Id", "SyncToken", "MetaData")})
        touched = self._touched(entity, existing)
        self.company.put(entity, doc)
        self.company.record(entity, doc, "Update")
        self._recompute(touched | self._touched(entity, doc), doc, self._owner(existing))
        return doc

    def delete(self, entity: str, body: Doc) -> Doc:
        if entity not in DELETABLE:
            raise unsupported(f"Operation Delete is not supported for {entity}.")
        existing = self._current(entity, _clean(body))
        self._check_open(existing)
        self._check_bill_deletable(entity, existing)
        touched = self._touched(entity, existing)
        self._unlink(entity, existing["Id"])
        tombstone = self.company.remove(entity, existing["Id"])
        self._recompute(touched, None, self._owner(existing))
        return tombstone

    def void(self, entity: str, body: Doc) -> Doc:
        if entity not in (*SALES, "Payment"):
            raise unsupported(f"Operation Void is not supported for {entity}.")
        existing = self._current(entity, _clean(body))
        self._check_open(existing)
        touched = self._touched(entity, existing)
        self._unlink(entity, existing["Id"])
        self.company.voided.add((entity, existing["Id"]))
        existing["PrivateNote"] = "Voided"
        if entity == "Payment":
            existing["TotalAmt"] = ZERO
            existing["UnappliedAmt"] = ZERO
            existing["Line"] = []
        else:
            for line in existing["Line"]:
                line["Amount"] = ZERO
                detail = line.get("SalesItemLineDetail")
                if detail is not None:
                    detail["Qty"] = ZERO
                    detail.pop("TaxInclusiveAmt", None)
            existing["TxnTaxDetail"] = {"TotalTax": ZERO, "TaxLine": []}
            existing["TotalAmt"] = ZERO
        self.company.put(entity, existing)
        self.company.record(entity, existing, "Void")
        self._recompute(touched, existing)
        return existing

    # --- shared checks ------------------------------------------------------------------------

    @staticmethod
    def _writable(entity: str) -> None:
        if entity not in ("Customer", "Item", *SALES, "Payment", *PURCHASES):
            raise unsupported(f"Operation Create/Update is not supported for {entity}.")

    def _current(self, entity: str, body: Doc) -> Doc:
        if body.get("Id") in (None, ""):
            raise required("Id")
        entity_id = text_of(body["Id"], "Id")
        existing = self.company.get(entity, entity_id)
        if existing is None:
            raise not_found(entity, entity_id)
        if body.get("SyncToken") in (None, ""):
            raise required("SyncToken")
        if text_of(body["SyncToken"], "SyncToken") != existing["SyncToken"]:
            raise _stale(entity)
        return existing

    def _check_open(self, doc: Doc) -> None:
        """6200 for a transaction dated on or before the closing date."""
        closed = self.company.book_close_date
        if closed is not None and "TxnDate" in doc and date_of(doc["TxnDate"], "TxnDate") <= closed:
            raise QboFault(
                6200,
                "Account Period Closed, Cannot update through Services API",
                CLOSED_DETAIL,
                "TxnDate",
            )

    def _customer(self, body: Doc) -> Doc:
        customer_id = ref_of(body, "CustomerRef")
        if customer_id is None:
            raise required("CustomerRef")
        customer = self.company.get("Customer", customer_id)
        if customer is None or not customer.get("Active", True):
            raise not_found("Customer", customer_id)
        return customer

    def _build(self, entity: str, body: Doc, existing: Doc | None) -> Doc:
        builder = {
            "Customer": self._build_customer,
            "Item": self._build_item,
            "Invoice": self._build_sales,
            "CreditMemo": self._build_sales,
            "Payment": self._build_payment,
            "Vendor": self._build_vendor,
            "Bill": self._build_bill,
            "Purchase": self._build_purchase,
            "BillPayment": self._build_bill_payment,
        }[entity]
        ignored = READ_ONLY - {"TotalAmt"} if entity in OWN_TOTAL else READ_ONLY
        doc = builder(entity, {k: v for k, v in body.items() if k not in ignored}, existing)
        doc["domain"] = "QBO"
        doc["sparse"] = False
        return doc

    # --- names ----------------------------------------------------------------------------

    def _build_customer(self, entity: str, body: Doc, existing: Doc | None) -> Doc:
        parts = ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")
        name = (
            text_of(body["DisplayName"], "DisplayName")
            if body.get("DisplayName")
            else " ".join(text_of(body[k], k) for k in parts if body.get(k))
        )
        if not name:
            raise required("DisplayName")
        if len(name) > 500:
            raise too_long("DisplayName", 500, len(name))
        if ":" in name:
            raise business("The name can't contain a colon (:).", "DisplayName")
        active = body.get("Active", True) not in (False, "false")
        if not active and existing is not None and existing.get("Active", True):
            # QuickBooks frees the name of a customer made inactive.
            name = f"{name} (deleted)"
        self._unique_name(name, "Customer", existing)
        doc = {**body, "DisplayName": name, "FullyQualifiedName": name, "Active": active}
        doc.setdefault("PrintOnCheckName", name)
        doc.setdefault("Taxable", False)
        doc.setdefault("Job", False)
        doc.setdefault("BillWithParent", False)
        doc.setdefault("CurrencyRef", {"value": "AUD", "name": "Australian Dollar"})
        doc.setdefault("PreferredDeliveryMethod", "None")
        doc["Balance"] = existing.get("Balance", ZERO) if existing else ZERO
        doc["BalanceWithJobs"] = doc["Balance"]
        return doc

    def _unique_name(self, name: str, entity: str, existing: Doc | None) -> None:
        """Customers, vendors and employees share one namespace (`existing`: the `entity`
        being renamed)."""
        if self._taken(("name", "names", name.lower()), entity, existing):
            raise QboFault(
                6240,
                "Duplicate Name Exists Error",
                "The name supplied already exists. : Another customer, vendor or employee "
                "is already using this name. Please use a different name.",
                "DisplayName",
            )

    def _build_item(self, entity: str, body: Doc, existing: Doc | None) -> Doc:
        if not body.get("Name"):
            raise required("Name")
        name = text_of(body["Name"], "Name")
        if len(name) > 100:
            raise too_long("Name", 100, len(name))
        if self._taken(("name", "Item", name.lower()), "Item", existing):
            raise QboFault(
                6240,
                "Duplicate Name Exists Error",
                "The name supplied already exists. : Another product or service is "
                "already using this name. Please use a different name.",
                "Name",
            )
        item_type = text_of(body.get("Type") or "Service", "Type")
        doc = {**body, "Name": name, "FullyQualifiedName": name, "Type": item_type}
        if item_type in ("Service", "NonInventory", "Inventory"):
            account_id = ref_of(body, "IncomeAccountRef")
            if account_id is None:
                raise required("IncomeAccountRef")
            account = self.company.get("Account", account_id)
            if account is None:
                raise not_found("Account", account_id)
            if account["AccountType"] not in ("Income", "Other Income"):
                raise business(
                    "An income account is required for the item's sales", "IncomeAccountRef"
                )
            doc["IncomeAccountRef"] = {"value": account_id, "name": account["Name"]}
        doc.setdefault("Active", True)
        doc.setdefault("Taxable", False)
        doc.setdefault("TrackQtyOnHand", False)
        doc["UnitPrice"] = decimal_of(body.get("UnitPrice"), "UnitPrice") or ZERO
        return doc

    # --- sales transactions ---------------------------------------------------------------

    def _doc_number(self, entity: str, body: Doc, existing: Doc | None) -> str | None:
        number = body.get("DocNumber")
        if number == "AUTO_GENERATE" or (not self.company.custom_txn_numbers and existing is None):
            number = str(self.company.next_doc_number)
            self.company.next_doc_number += 1
        if number is None:
            return None
        number = text_of(number, "DocNumber")
        if len(number) > 21:
            raise too_long("DocNumber", 21, len(number))
        if self.company.unique_doc_numbers and self._taken(
            ("doc", entity, number), entity, existing
        ):
            raise QboFault(
                6140,
                "Duplicate Document Number Error",
                "Duplicate Document Number Error : You must specify a different "
                f"number. This number has already been used. DocNumber={number}",
                "DocNumber",
            )
        return number

    def _build_sales(self, entity: str, body: Doc, existing: Doc | None) -> Doc:
        customer = self._customer(body)
        today = self.company.clock().date()
        txn_date = date_of(body.get("TxnDate", today.isoformat()), "TxnDate")
        if existing is not None:
            self._check_open(existing)
        self._check_open({"TxnDate": txn_date.isoformat()})
        calculation = body.get("GlobalTaxCalculation", "TaxExcluded")
        if calculation not in ("TaxExcluded", "TaxInclusive", "NotApplicable"):
            raise invalid("GlobalTaxCalculation", f"GlobalTaxCalculation {calculation!r}")
        sent_tax = object_of(body.get("TxnTaxDetail"), "TxnTaxDetail")
        if calculation == "NotApplicable" and (sent_tax.get("TaxLine") or sent_tax.get("TotalTax")):
            raise QboFault(
                6170,
                "Invalid TxnTaxDetail",
                "TxnTaxDetail is not allowed when GlobalTaxCalculation is NotApplicable",
                "TxnTaxDetail",
            )
        totals = compute(self.company, body.get("Line"), calculation)
        doc: Doc = {
            **body,
            "CustomerRef": {"value": customer["Id"], "name": customer["DisplayName"]},
            "TxnDate": txn_date.isoformat(),
            "Line": totals.lines,
            "TxnTaxDetail": totals.tax_detail,
            "TotalAmt": totals.total,
            "GlobalTaxCalculation": calculation,
            "CurrencyRef": {"value": "AUD", "name": "Australian Dollar"},
            "PrintStatus": body.get("PrintStatus", "NotSet"),
            "EmailStatus": body.get("EmailStatus", "NotSet"),
            "ApplyTaxAfterDiscount": False,
        }
        if "CustomField" in body:
            doc["CustomField"] = self._custom_fields(body["CustomField"])
        number = self._doc_number(entity, body, existing)
        if number is None:
            doc.pop("DocNumber", None)
        else:
            doc["DocNumber"] = number
        if entity == "Invoice":
            doc["DueDate"] = date_of(body.get("DueDate", doc["TxnDate"]), "DueDate").isoformat()
            doc["Balance"] = totals.total
            doc.setdefault("AllowOnlineCreditCardPayment", False)
            doc.setdefault("AllowOnlineACHPayment", False)
            doc["Deposit"] = ZERO
        else:
            doc["RemainingCredit"] = totals.total
            doc["Balance"] = totals.total
        doc["LinkedTxn"] = []
        if existing is not None:
            applied = self._applied_to((entity, existing["Id"]))
            if totals.total < applied:
                raise business(
                    f"The {entity} total {totals.total} is less than the {applied} already "
                    "applied to it by payments",
                    "Line",
                )
        return doc

    def _custom_fields(self, sent: Any) -> list[Doc]:
        """A sales form's custom fields: each one of the company's sales-form fields that is
        switched on, StringType, at most 31 characters; answered with the field's name."""
        defined = self.company.sales_custom_fields()
        kept = []
        for index, custom in enumerate(objects_of(sent, "CustomField")):
            element = f"CustomField[{index}]"
            definition = custom.get("DefinitionId")
            if definition is None:
                raise required(f"{element}.DefinitionId")
            definition = text_of(definition, f"{element}.DefinitionId")
            if definition not in defined:
                raise invalid(
                    f"{element}.DefinitionId",
                    f"Custom field {definition} is not a sales form custom field in use",
                )
            if custom.get("Type", "StringType") != "StringType":
                raise invalid(f"{element}.Type", "Sales form custom fields are StringType")
            value = text_of(custom.get("StringValue", ""), f"{element}.StringValue")
            if len(value) > CUSTOM_FIELD_MAX:
                raise too_long(f"{element}.StringValue", CUSTOM_FIELD_MAX, len(value))
            field: Doc = {"DefinitionId": definition, "Name": defined[definition]}
            field["Type"] = "StringType"
            if value:
                field["StringValue"] = value
            kept.append(field)
        return kept

    # --- payments -------------------------------------------------------------------------

    def _build_payment(self, entity: str, body: Doc, existing: Doc | None) -> Doc:
        customer = self._customer(body)
        total = decimal_of(body.get("TotalAmt"), "TotalAmt")
        if total is None:
            raise required("TotalAmt")
        if total < 0:
            raise business("The payment amount cannot be negative", "TotalAmt")
        today = self.company.clock().date()
        txn_date = date_of(body.get("TxnDate", today.isoformat()), "TxnDate")
        if existing is not None:
            self._check_open(existing)
        self._check_open({"TxnDate": txn_date.isoformat()})
        deposit_id = ref_of(body, "DepositToAccountRef") or UNDEPOSITED_FUNDS
        account = self.company.get("Account", deposit_id)
        if account is None:
            raise not_found("Account", deposit_id)
        if account["AccountType"] not in ("Bank", "Other Current Asset"):
            raise business(
                "A payment can only be deposited to a Bank or Other Current Asset account",
                "DepositToAccountRef",
            )
        method_id = ref_of(body, "PaymentMethodRef")
        if method_id is not None and self.company.get("PaymentMethod", method_id) is None:
            raise not_found("PaymentMethod", method_id)
        this = existing["Id"] if existing else None
        lines: list[Doc] = []
        applied = ZERO
        for index, line in enumerate(objects_of(body.get("Line"), "Line")):
            element = f"Line[{index}]"
            amount = decimal_of(line.get("Amount"), f"{element}.Amount")
            links = objects_of(line.get("LinkedTxn"), f"{element}.LinkedTxn")
            if amount is None:
                raise required(f"{element}.Amount")
            if not links:
                raise required(f"{element}.LinkedTxn")
            link = links[0]
            txn_type = link.get("TxnType")
            txn_id = text_of(link.get("TxnId", ""), f"{element}.LinkedTxn.TxnId")
            if txn_type not in SALES:
                raise business(f"A payment cannot be linked to a {txn_type}", element)
            target = self.company.get(txn_type, txn_id)
            if target is None:
                raise not_found(txn_type, txn_id)
            if target["CustomerRef"]["value"] != customer["Id"]:
                raise business(
                    f"{txn_type} {txn_id} belongs to another customer", f"{element}.LinkedTxn"
                )
            open_amount = target["TotalAmt"] - self._applied_to((txn_type, txn_id), this)
            if amount <= 0 or amount > open_amount:
                raise business(
                    f"The amount applied to {txn_type} {txn_id} ({amount}) must be more than "
                    f"zero and at most its open balance ({open_amount})",
                    f"{element}.Amount",
                )
            applied += amount if txn_type == "Invoice" else -amount
            lines.append(
                {"Amount": cents(amount), "LinkedTxn": [{"TxnId": txn_id, "TxnType": txn_type}]}
            )
        if applied > total:
            raise business(
                f"The amounts applied ({applied}) are more than the payment's total ({total})",
                "TotalAmt",
            )
        if applied < 0:
            raise business("Credits applied are more than the invoices they pay", "Line")
        doc: Doc = {
            **body,
            "CustomerRef": {"value": customer["Id"], "name": customer["DisplayName"]},
            "TxnDate": txn_date.isoformat(),
            "TotalAmt": cents(total),
            "UnappliedAmt": cents(total - applied),
            "Line": lines,
            "DepositToAccountRef": {"value": deposit_id, "name": account["Name"]},
            "ARAccountRef": {"value": RECEIVABLES},
            "CurrencyRef": {"value": "AUD", "name": "Australian Dollar"},
            "ProcessPayment": False,
        }
        if method_id is not None:
            doc["PaymentMethodRef"] = {"value": method_id}
        return doc

    # --- derived amounts ------------------------------------------------------------------

    def _taken(self, key: tuple[str, ...], entity: str, existing: Doc | None) -> bool:
        """Whether a record other than `existing` (an `entity`) holds this name or number."""
        mine = {(entity, existing["Id"])} if existing is not None else set()
        return bool(self.company.indexed(key) - mine)

    @staticmethod
    def _touched(entity: str, doc: Doc) -> set[Ref]:
        """The sales documents and bills whose balance a write of `doc` can move."""
        if entity in SALES:
            return {(entity, doc["Id"])}
        if entity == "Payment":
            return {
                (line["LinkedTxn"][0]["TxnType"], line["LinkedTxn"][0]["TxnId"])
                for line in doc["Line"]
            }
        return PurchaseRules._bills_touched(entity, doc)

    @staticmethod
    def _owner(doc: Doc) -> str | None:
        ref = doc.get("CustomerRef")
        return str(ref["value"]) if isinstance(ref, dict) else None

    def _applied_to(self, target: Ref, excluding: str | None = None) -> Decimal:
        """What payments (but `excluding`) apply to one invoice or credit memo."""
        total = ZERO
        for _, payment_id in self.company.indexed(("link", *target)):
            if payment_id == excluding:
                continue
            for line in self.company.entities["Payment"][payment_id]["Line"]:
                if (line["LinkedTxn"][0]["TxnType"], line["LinkedTxn"][0]["TxnId"]) == target:
                    total += line["Amount"]
        return total

    def _unlink(self, entity: str, entity_id: str) -> None:
        """A voided or deleted invoice or credit memo leaves the payments that paid it with
        that money unapplied, as QuickBooks does."""
        for _, payment_id in sorted(self.company.indexed(("link", entity, entity_id))):
            payment = self.company.entities["Payment"][payment_id]
            payment["Line"] = [
                line
                for line in payment["Line"]
                if (line["LinkedTxn"][0]["TxnType"], line["LinkedTxn"][0]["TxnId"])
                != (entity, entity_id)
            ]
            applied = sum(
                (
                    line["Amount"]
                    if line["LinkedTxn"][0]["TxnType"] == "Invoice"
                    else -line["Amount"]
                    for line in payment["Line"]
                ),
                ZERO,
            )
            payment["UnappliedAmt"] = payment["TotalAmt"] - applied
            self.company.put("Payment", payment)
            self.company.record("Payment", payment, "Update")

    def _recompute(
        self, targets: set[Ref], written: Doc | None, also_owner: str | None = None
    ) -> None:
        """Balances and back-links of the sales documents a change touched, and their
        customers' balances: a document whose derived fields moved is updated (new
        SyncToken, a change for CDC and webhooks), except the one just written, whose
        SyncToken already moved."""
        self._recompute_bills(targets, written)
        owners = {also_owner} if also_owner else set()
        if written is not None and self._owner(written):
            owners.add(str(self._owner(written)))
        for entity, entity_id in sorted(targets):
            doc = self.company.get(entity, entity_id) if entity in SALES else None
            if doc is None:
                continue
            owners.add(doc["CustomerRef"]["value"])
            payments = sorted(
                self.company.indexed(("link", entity, entity_id)), key=lambda r: int(r[1])
            )
            balance = doc["TotalAmt"] - self._applied_to((entity, entity_id))
            derived: Doc = {
                "Balance": balance,
                "LinkedTxn": [{"TxnId": p, "TxnType": "Payment"} for _, p in payments],
            }
            if entity == "CreditMemo":
                derived["RemainingCredit"] = balance
            if any(doc.get(k) != v for k, v in derived.items()):
                doc.update(derived)
                if doc is not written:
                    self.company.record(entity, doc, "Update")
        for owner in owners:
            customer = self.company.get("Customer", owner)
            if customer is None:
                continue
            owed = ZERO
            for entity, entity_id in self.company.indexed(("customer", owner)):
                sign = 1 if entity == "Invoice" else -1
                owed += sign * self.company.entities[entity][entity_id]["Balance"]
            customer["Balance"] = owed
            customer["BalanceWithJobs"] = owed
