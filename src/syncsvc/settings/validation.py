"""Settings checked against the connected package's chart of accounts before they are kept:
an account that does not exist, is archived, or cannot take that kind of posting is refused
with 422 naming the field and the code. Without a connection nothing can be checked; the
push then reports a missing account on the record."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from syncsvc.problems import FieldError, ProblemError
from syncsvc.providers.base import LookupItem


class Posting(StrEnum):
    INCOME = "income"  # revenue lines of invoices and credit notes
    DEPOSIT = "deposit"  # where payments land: a bank account or one that takes payments
    EXPENSE = "expense"
    ANY = "any"  # rounding: any active account


def _accepts(account: LookupItem, posting: Posting) -> bool:
    account_class = str(account.details.get("class") or "")
    if posting is Posting.INCOME:
        return account_class == "REVENUE"
    if posting is Posting.DEPOSIT:
        return account.kind == "BANK" or bool(account.details.get("enable_payments"))
    if posting is Posting.EXPENSE:
        return account_class == "EXPENSE"
    return True


# Which posting each account field takes, for the settings document and each override.
SETTINGS_POSTINGS = {
    "payments_account": Posting.DEPOSIT,
    "supplier_invoice_account": Posting.EXPENSE,
    "expenses_account": Posting.EXPENSE,
    "rounding_account": Posting.ANY,
    "labour_income_account": Posting.INCOME,
    "materials_income_account": Posting.INCOME,
    "default_income_account": Posting.INCOME,
    "credit_notes_account": Posting.INCOME,
    "income_account": Posting.INCOME,
    "surcharge_account": Posting.INCOME,
}


def wanted_accounts(document: dict[str, object]) -> list[tuple[str, str | None, Posting]]:
    """The account fields of a settings or override document, with their postings."""
    return [
        (field, str(value), SETTINGS_POSTINGS[field])
        for field, value in document.items()
        if field in SETTINGS_POSTINGS and isinstance(value, str)
    ]


def check_accounts(
    wanted: Iterable[tuple[str, str | None, Posting]], accounts: list[LookupItem]
) -> None:
    """`wanted`: (field path, account code, posting). Raises a 422 naming every bad field."""
    by_code = {account.code: account for account in accounts}
    errors = []
    for field, code, posting in wanted:
        if code is None:
            continue
        account = by_code.get(code)
        if account is None:
            message, kind = f"account {code} does not exist", "account_missing"
        elif (account.status or "ACTIVE") != "ACTIVE":
            message, kind = f"account {code} ({account.name}) is archived", "account_archived"
        elif not _accepts(account, posting):
            message = f"account {code} ({account.name}) cannot take {posting.value} postings"
            kind = "account_unsuitable"
        else:
            continue
        errors.append(FieldError(field=field, location="body", message=message, code=kind))
    if errors:
        raise ProblemError(
            422,
            "Request is not valid",
            "; ".join(f"{e.field}: {e.message}" for e in errors),
            slug="validation",
            errors=errors,
        )
