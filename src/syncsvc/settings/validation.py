"""Settings checked against the connected package before they are kept: an account that does
not exist, is archived, or cannot take that kind of posting, and a tax code that does not exist
or is not active, are refused together in one 422 naming each field and code. Without a
connection nothing can be checked; the push then reports a missing account on the record.

Which settings name the package's own codes is data in the package's facts: the tax-code
mapping (`tax_code_setting`) and each field it declares (`setting_lookups`: a field path, the
lookup kind it names, what it is used for). A block for a package other than the connected one
is never used with it, so it is not judged by it. What the package cannot do is refused as
well: drafts where it keeps none. Lookups are judged on their canonical fields, never a
package's words; a code that does not exist is answered with the names the package has.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from syncsvc.connections.service import ConnectionService
from syncsvc.problems import FieldError, ProblemError, field_path
from syncsvc.providers.base import LookupItem, LookupKind, Posting, ProviderFacts, SettingLookup

# How a person calls one item of each kind, in messages.
NOUNS = {
    LookupKind.ACCOUNTS: "account",
    LookupKind.TAX_RATES: "tax code",
    LookupKind.TRACKING_CATEGORIES: "tracking category",
    LookupKind.PAYMENT_METHODS: "payment method",
    LookupKind.CUSTOM_FIELDS: "custom field",
}
# The most choices a message lists.
CHOICES_SHOWN = 12
Declared = tuple[str, str, SettingLookup]  # (field path, value, what the field names)


def _accepts(item: LookupItem, posting: Posting) -> bool:
    if posting is Posting.INCOME:
        return item.account_type == "income"
    if posting is Posting.DEPOSIT:
        return item.account_type == "bank" or item.takes_payments
    if posting is Posting.EXPENSE:
        return item.account_type == "expense"
    if posting is Posting.SALES:
        return item.rate is not None
    if posting is Posting.TAX_FREE:
        return item.rate == 0
    if posting is Posting.PURCHASES:
        return item.purchase_rate is not None
    if posting is Posting.PURCHASES_TAX_FREE:
        return item.purchase_rate == 0
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


def wanted_lookups(
    document: Mapping[str, Any], declared: Iterable[SettingLookup]
) -> list[Declared]:
    """The declared fields the document sets (an empty one is unset), each with its path as
    the 422 names it."""
    found = []
    for lookup in declared:
        value: Any = document
        for part in lookup.path:
            value = value.get(part) if isinstance(value, Mapping) else None
        if isinstance(value, str) and value:
            found.append((field_path(lookup.path), value, lookup))
    return found


def _label(item: LookupItem, by: str) -> str:
    return item.name if by == "name" else f"{item.code} ({item.name})"


def _choices(items: list[LookupItem], lookup: SettingLookup) -> str:
    usable = [i for i in items if i.active and _accepts(i, lookup.posting)]
    if not usable:
        return "there is none"
    shown = ", ".join(_label(i, lookup.by) for i in usable[:CHOICES_SHOWN])
    return f"choose one of {shown}" + (", ..." if len(usable) > CHOICES_SHOWN else "")


def _percent(rate: Decimal) -> str:
    """10.00 -> 10, 12.50 -> 12.5."""
    text = f"{rate:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _unsuitable(noun: str, item: LookupItem, lookup: SettingLookup) -> str:
    label = f"{noun} {_label(item, lookup.by)}"
    if lookup.posting is Posting.SALES:
        return f"{label} has no sales rate, so sales lines cannot carry it"
    if lookup.posting is Posting.TAX_FREE:
        rate = "none" if item.rate is None else f"{_percent(item.rate)}%"
        return f"{label} is not tax-free (its sales rate is {rate})"
    purchases = (Posting.PURCHASES, Posting.PURCHASES_TAX_FREE)
    if lookup.posting in purchases and item.purchase_rate is None:
        return f"{label} has no purchase rate, so cost lines cannot carry it"
    if lookup.posting is Posting.PURCHASES_TAX_FREE:
        rate = f"{_percent(item.purchase_rate or Decimal(0))}%"
        return f"{label} is not tax-free on costs (its purchase rate is {rate})"
    return f"{label} cannot be used for {lookup.posting.value}"


def lookup_errors(wanted: Iterable[Declared], items: list[LookupItem]) -> list[FieldError]:
    """Declared fields naming an item of one kind (`items`): one error per field whose item
    does not exist, is inactive or cannot be used as the field uses it."""
    errors = []
    for field, value, lookup in wanted:
        noun = NOUNS[lookup.kind]
        slug = noun.replace(" ", "_")
        if lookup.by == "name":
            matches = [i for i in items if i.name.casefold() == value.casefold()]
        else:
            matches = [i for i in items if i.code == value]
        matches.sort(key=lambda item: not item.active)  # an active one, if any holds it
        if not matches:
            message = f"{noun} {value} does not exist; {_choices(items, lookup)}"
            kind = f"{slug}_missing"
        elif not matches[0].active:
            label = _label(matches[0], lookup.by)
            message = f"{noun} {label} is inactive; {_choices(items, lookup)}"
            kind = f"{slug}_inactive"
        elif not _accepts(matches[0], lookup.posting):
            message = f"{_unsuitable(noun, matches[0], lookup)}; {_choices(items, lookup)}"
            kind = f"{slug}_unsuitable"
        else:
            continue
        errors.append(FieldError(field=field, location="body", message=message, code=kind))
    return errors


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
    declared = wanted_lookups(document, facts.setting_lookups)
    accounts = wanted_accounts(document) + [
        (field, code, lookup.posting)
        for field, code, lookup in declared
        if lookup.kind is LookupKind.ACCOUNTS
    ]
    tax_codes = wanted_tax_codes(document, facts.tax_code_setting)
    others: dict[LookupKind, list[Declared]] = {}
    for wanted in declared:
        if wanted[2].kind is not LookupKind.ACCOUNTS:
            others.setdefault(wanted[2].kind, []).append(wanted)
    try:
        if accounts:
            chart = await connections.lookup_items(tenant_id, LookupKind.ACCOUNTS)
            errors += account_errors(accounts, chart)
        if tax_codes:
            rates = await connections.lookup_items(tenant_id, LookupKind.TAX_RATES)
            errors += tax_code_errors(tax_codes, rates)
        for kind, wanted_of_kind in others.items():
            items = await connections.lookup_items(tenant_id, kind)
            errors += lookup_errors(wanted_of_kind, items)
    except ProblemError as problem:
        if problem.status == 409:
            return
        raise
    refuse(errors)
