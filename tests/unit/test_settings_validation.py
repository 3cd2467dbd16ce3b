"""Settings against the connected package's lookups: which tax codes are judged, and how."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from syncsvc.problems import ProblemError
from syncsvc.providers.base import LookupItem, LookupKind, Posting
from syncsvc.providers.myob.spec import MYOB
from syncsvc.providers.quickbooks.spec import QUICKBOOKS
from syncsvc.providers.xero.spec import XERO
from syncsvc.settings.schemas import AccountSettings, QuickBooksSettings
from syncsvc.settings.validation import (
    account_errors,
    capability_errors,
    lookup_errors,
    refuse,
    tax_code_errors,
    wanted_lookups,
    wanted_tax_codes,
)

RATES = [
    LookupItem("OUTPUT2", "GST on Income", status="ACTIVE"),
    LookupItem("OLDGST", "Old GST", status="ARCHIVED", active=False),
    LookupItem("GONE", "Deleted rate", status="DELETED", active=False),
    LookupItem("NOSTATUS", "Status not given"),
]


def test_tax_codes_are_judged_only_for_the_package_they_belong_to() -> None:
    document = AccountSettings(
        quickbooks=QuickBooksSettings(tax_codes={"GST": "3", "EX": "4"})
    ).model_dump()
    assert wanted_tax_codes(document, QUICKBOOKS.tax_code_setting) == [
        ("quickbooks.tax_codes.GST", "3"),
        ("quickbooks.tax_codes.EX", "4"),
    ]
    assert wanted_tax_codes(document, XERO.tax_code_setting) == []
    assert wanted_tax_codes(document, MYOB.tax_code_setting) == []
    assert wanted_tax_codes({"income_account": "200"}, QUICKBOOKS.tax_code_setting) == []


def test_what_the_package_cannot_do_is_refused() -> None:
    draft = {"invoice_status": "draft"}
    assert capability_errors(draft, XERO) == []
    [refusal] = capability_errors(draft, QUICKBOOKS)
    assert (refusal.field, refusal.code) == ("invoice_status", "not_supported")
    assert "QuickBooks Online keeps no draft invoices" in refusal.message
    assert capability_errors({"invoice_status": "approved"}, MYOB) == []


def test_missing_and_inactive_tax_codes_are_named() -> None:
    wanted = [
        ("a", "OUTPUT2"),
        ("b", "NOSTATUS"),
        ("c", "OLDGST"),
        ("d", "GONE"),
        ("e", "NOPE"),
    ]
    errors = {e.field: (e.code, e.message) for e in tax_code_errors(wanted, RATES)}
    assert errors == {
        "c": ("tax_type_archived", "tax type OLDGST (Old GST) is ARCHIVED, not ACTIVE"),
        "d": ("tax_type_archived", "tax type GONE (Deleted rate) is DELETED, not ACTIVE"),
        "e": ("tax_type_missing", "tax type NOPE does not exist"),
    }


def test_account_and_tax_errors_are_one_problem() -> None:
    errors = account_errors([("labour_income_account", "999", Posting.INCOME)], [])
    errors += tax_code_errors([("quickbooks.tax_codes.GST", "NOPE")], RATES)
    with pytest.raises(ProblemError) as raised:
        refuse(errors)
    problem = raised.value.to_document()
    assert problem["status"] == 422
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [
        ("labour_income_account", "account_missing"),
        ("quickbooks.tax_codes.GST", "tax_type_missing"),
    ]
    refuse([])  # nothing wrong: nothing raised


# What a QuickBooks company's lookups look like, canonical.
QBO_LOOKUPS = {
    LookupKind.ACCOUNTS: [
        LookupItem("1", "Business Cheque Account", account_type="bank"),
        LookupItem("3", "Undeposited Funds", account_type="other", takes_payments=True),
        LookupItem("5", "Sales", account_type="income"),
    ],
    LookupKind.TAX_RATES: [
        LookupItem("1", "GST", rate=Decimal(10)),
        LookupItem("2", "FRE", rate=Decimal(0), purchase_rate=Decimal(0)),
        LookupItem("3", "GST on purchases", purchase_rate=Decimal(10)),  # no sales rate
        LookupItem("4", "Old GST", rate=Decimal(10), active=False, status="INACTIVE"),
    ],
    LookupKind.PAYMENT_METHODS: [
        LookupItem("1", "Cash"),
        LookupItem("4", "Visa"),
        LookupItem("6", "Old card", active=False),
    ],
    LookupKind.CUSTOM_FIELDS: [
        LookupItem("1", "Lead source"),
        LookupItem("2", "Crew #", active=False),
    ],
}


def _quickbooks_errors(**block: object) -> dict[str, tuple[str, str]]:
    """The declared fields' errors for a settings document, as validation makes them."""
    document = AccountSettings.model_validate(
        {"default_payment_method": block.pop("default_payment_method", None), "quickbooks": block}
    ).model_dump()
    declared = wanted_lookups(document, QUICKBOOKS.setting_lookups)
    errors = account_errors(
        [(f, v, lookup.posting) for f, v, lookup in declared if lookup.kind is LookupKind.ACCOUNTS],
        QBO_LOOKUPS[LookupKind.ACCOUNTS],
    )
    for kind in (LookupKind.TAX_RATES, LookupKind.PAYMENT_METHODS, LookupKind.CUSTOM_FIELDS):
        errors += lookup_errors([w for w in declared if w[2].kind is kind], QBO_LOOKUPS[kind])
    return {e.field: (e.code, e.message) for e in errors}


def test_each_quickbooks_field_names_its_lookup_and_is_judged_by_it() -> None:
    good = _quickbooks_errors(
        sales_tax_code="1",
        sales_tax_free_code="2",
        purchases_tax_code="3",
        purchases_tax_free_code="2",
        lead_source_field="lead SOURCE",  # a name, whatever its case
        card_payments=True,
        card_payments_account="3",
        default_payment_method="4",
    )
    assert good == {}
    assert [".".join(lookup.path) for lookup in QUICKBOOKS.setting_lookups] == [
        "quickbooks.sales_tax_code",
        "quickbooks.sales_tax_free_code",
        "quickbooks.purchases_tax_code",
        "quickbooks.purchases_tax_free_code",
        "quickbooks.lead_source_field",
        "quickbooks.card_payments_account",
        "default_payment_method",
    ]
    # Xero and MYOB declare none of these: a QuickBooks block is not judged by them.
    others = {".".join(lookup.path) for lookup in XERO.setting_lookups + MYOB.setting_lookups}
    assert others == {"xero.purchases_tax_type", "xero.purchases_tax_free_type"}


@pytest.mark.parametrize(
    ("field", "value", "code", "message"),
    [
        (
            "sales_tax_code",
            "9",
            "tax_code_missing",
            "tax code 9 does not exist; choose one of 1 (GST), 2 (FRE)",
        ),
        (
            "sales_tax_code",
            "3",
            "tax_code_unsuitable",
            "tax code 3 (GST on purchases) has no sales rate, so sales lines cannot carry it",
        ),
        (
            "sales_tax_code",
            "4",
            "tax_code_inactive",
            "tax code 4 (Old GST) is inactive; choose one of 1 (GST), 2 (FRE)",
        ),
        (
            "sales_tax_free_code",
            "1",
            "tax_code_unsuitable",
            "tax code 1 (GST) is not tax-free (its sales rate is 10%); choose one of 2 (FRE)",
        ),
        ("purchases_tax_code", "9", "tax_code_missing", "tax code 9 does not exist"),
        ("purchases_tax_free_code", "9", "tax_code_missing", "tax code 9 does not exist"),
        (
            "purchases_tax_code",
            "1",
            "tax_code_unsuitable",
            "tax code 1 (GST) has no purchase rate, so cost lines cannot carry it; choose one "
            "of 2 (FRE), 3 (GST on purchases)",
        ),
        (
            "purchases_tax_free_code",
            "3",
            "tax_code_unsuitable",
            "tax code 3 (GST on purchases) is not tax-free on costs (its purchase rate is 10%); "
            "choose one of 2 (FRE)",
        ),
        (
            "lead_source_field",
            "Referrer",
            "custom_field_missing",
            "custom field Referrer does not exist; choose one of Lead source",
        ),
        (
            "lead_source_field",
            "Crew #",
            "custom_field_inactive",
            "custom field Crew # is inactive; choose one of Lead source",
        ),
        (
            "card_payments_account",
            "5",
            "account_unsuitable",
            "account 5 (Sales) cannot take deposit postings",
        ),
        (
            "default_payment_method",
            "Visa",
            "payment_method_missing",
            "payment method Visa does not exist; choose one of 1 (Cash), 4 (Visa)",
        ),
    ],
)
def test_each_quickbooks_field_is_refused_by_its_path(
    field: str, value: str, code: str, message: str
) -> None:
    block: dict[str, object] = {field: value}
    if field == "card_payments_account":
        block["card_payments"] = True
    path = field if field == "default_payment_method" else f"quickbooks.{field}"
    [(found, (found_code, found_message))] = _quickbooks_errors(**block).items()
    assert (found, found_code) == (path, code)
    assert found_message.startswith(message), found_message


def test_card_payments_need_their_account() -> None:
    with pytest.raises(ValidationError) as raised:
        QuickBooksSettings(card_payments=True)
    [error] = raised.value.errors()
    assert error["loc"] == ("card_payments_account",)
    assert QuickBooksSettings(card_payments=False).card_payments_account is None
