"""Settings checked against the connected package before they are kept: an account that does
not exist, is archived, or cannot take that kind of posting, and a tax code that does not exist
or is not active, are refused together in one 422 naming each field and code. Without a
connection nothing can be checked; the push then reports a missing account on the record.

Which settings name the package's own tax codes: only the block the package's facts name
(`tax_code_setting`). A block for a package other than the connected one is never used with
it, so it is not judged by it. What the package cannot do is refused as well: drafts where it
keeps none. Accounts are judged on the lookups' canonical fields, never a package's words.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from syncsvc.connections.service import ConnectionService
from syncsvc.problems import FieldError, ProblemError, field_path
from syncsvc.providers.base import LookupItem, LookupKind, ProviderFacts


class Posting(StrEnum):
    INCOME = "income"  # revenue lines of invoices and credit notes
    DEPOSIT = "deposit"  # where payments land: a bank account or one that takes payments
    EXPENSE = "expense"
    ANY = "any"  # rounding: any active account


def _accepts(account: LookupItem, posting: Posting) -> bool:
    if posting is Posting.INCOME:
        return account.account_type == "income"
    if posting is Posting.DEPOSIT:
        return account.account_type == "bank" or account.takes_payments
    if posting is Posting.EXPENSE:
        return account.account_type == "expense"
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


def wanted_accounts(document: Mapping[str, object]) -> list[tuple[str, str | None, Posting]]:
    """The account fields of a settings or override document, with their postings."""
    return [
        (field, str(value), SETTINGS_POSTINGS[field])
        for field, value in document.items()
        if field in SETTINGS_POSTINGS and isinstance(value, str)
    ]


def wanted_tax_codes(
    document: Mapping[str, Any], setting: tuple[str, str] | None
) -> list[tuple[str, str]]:
    """(field path, tax code) for each tax code the document names in `setting`, the block
    and mapping whose values are the connected package's tax codes."""
    if setting is None:
        return []
    block, mapping = setting
    codes = (document.get(block) or {}).get(mapping) or {}
    return [(field_path((block, mapping, host_code)), code) for host_code, code in codes.items()]


def account_errors(
    wanted: Iterable[tuple[str, str | None, Posting]], accounts: list[LookupItem]
) -> list[FieldError]:
    """`wanted`: (field path, account code, posting). One error per bad field."""
    by_code = {account.code: account for account in accounts}
    errors = []
    for field, code, posting in wanted:
        if code is None:
            continue
        account = by_code.get(code)
        if account is None:
            message, kind = f"account {code} does not exist", "account_missing"
        elif not account.active:
            message, kind = f"account {code} ({account.name}) is archived", "account_archived"
        elif not _accepts(account, posting):
            message = f"account {code} ({account.name}) cannot take {posting.value} postings"
            kind = "account_unsuitable"
        else:
            continue
        errors.append(FieldError(field=field, location="body", message=message, code=kind))
    return errors


def tax_code_errors(wanted: Iterable[tuple[str, str]], rates: list[LookupItem]) -> list[FieldError]:
    """`wanted`: (field path, tax code). One error per code missing or not active."""
    by_code = {rate.code: rate for rate in rates}
    errors = []
    for field, code in wanted:
        rate = by_code.get(code)
        if rate is None:
            message, kind = f"tax type {code} does not exist", "tax_type_missing"
        elif not rate.active:
            message = f"tax type {code} ({rate.name}) is {rate.status or 'inactive'}, not ACTIVE"
            kind = "tax_type_archived"
        else:
            continue
        errors.append(FieldError(field=field, location="body", message=message, code=kind))
    return errors


def refuse(errors: list[FieldError]) -> None:
    """Raises one 422 naming every bad field, if there is any."""
    if errors:
        raise ProblemError(
            422,
            "Request is not valid",
            "; ".join(f"{e.field}: {e.message}" for e in errors),
            slug="validation",
            errors=errors,
        )


def capability_errors(document: Mapping[str, Any], facts: ProviderFacts) -> list[FieldError]:
    """What the document asks of the package that it cannot do."""
    errors = []
    if document.get("invoice_status") == "draft" and not facts.capabilities.draft_documents:
        errors.append(
            FieldError(
                field="invoice_status",
                location="body",
                message=f"{facts.display_name} keeps no draft invoices: push them approved "
                "(draft invoices in the host wait until they are approved)",
                code="not_supported",
            )
        )
    return errors


async def check_against_package(
    connections: ConnectionService, tenant_id: uuid.UUID, document: Mapping[str, Any]
) -> None:
    """Refuse (422) the accounts and tax codes of a settings or override document that the
    connected package lacks or cannot use, and what it cannot do. Not connected: nothing to
    check against yet."""
    try:
        facts = await connections.connected_facts(tenant_id)
    except ProblemError as problem:
        if problem.status == 409:  # not connected (or needs re-consent): nothing to check
            return
        raise
    errors = capability_errors(document, facts)
    accounts = wanted_accounts(document)
    tax_codes = wanted_tax_codes(document, facts.tax_code_setting)
    try:
        if accounts:
            chart = await connections.lookup_items(tenant_id, LookupKind.ACCOUNTS)
            errors += account_errors(accounts, chart)
        if tax_codes:
            rates = await connections.lookup_items(tenant_id, LookupKind.TAX_RATES)
            errors += tax_code_errors(tax_codes, rates)
    except ProblemError as problem:
        if problem.status == 409:
            return
        raise
    refuse(errors)
