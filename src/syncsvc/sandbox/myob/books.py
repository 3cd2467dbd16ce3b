"""What every part of a company file's books shares: the tables, identities and
RowVersions, links between records, the checks every write makes (lock date, must-reverse,
RowVersion), how much has been applied to a sale and so its balance and Status, and the
company preferences."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from itertools import count

from syncsvc.sandbox.myob.errors import MyobError, in_lock_period, not_found, required, validation
from syncsvc.sandbox.myob.fields import ZERO, Record, stale_row_version, uid_of
from syncsvc.sandbox.myob.wire import Rel


class Books:
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
        uid = uid_of(body, field)
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
            raise stale_row_version()

    # --- what has been applied to sales ---------------------------------------------------

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
