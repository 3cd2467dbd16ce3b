"""Settings against the connected package's lookups: which tax codes are judged, and how."""

from __future__ import annotations

import pytest

from syncsvc.problems import ProblemError
from syncsvc.providers.base import LookupItem, Posting
from syncsvc.providers.myob.spec import MYOB
from syncsvc.providers.quickbooks.spec import QUICKBOOKS
from syncsvc.providers.xero.spec import XERO
from syncsvc.settings.schemas import AccountSettings, QuickBooksSettings
from syncsvc.settings.validation import (
    account_errors,
    capability_errors,
    refuse,
    tax_code_errors,
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
