"""Xero's `where` filters as the sandbox reads them: what Xero documents is accepted, the rest
is a WhereError (a 400 in Xero's shape at the API)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from syncsvc.sandbox.xero.where import WhereError, compile_where

INVOICE: dict[str, Any] = {
    "InvoiceID": "8A1B2C3D-0000-4000-8000-000000000001",
    "InvoiceNumber": "INV-0042",
    "Status": "AUTHORISED",
    "Type": "ACCREC",
    "Date": "/Date(1767225600000+0000)/",  # 2026-01-01
    "Total": Decimal("115.00"),
    "AmountDue": Decimal("0.00"),
    "HasAttachments": False,
    "Reference": None,
    "Contact": {"ContactID": "c-1", "Name": "Acme Plumbing Ltd"},
}


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ('Status=="AUTHORISED"', True),
        ('Status = "AUTHORISED"', True),
        ('Status!="AUTHORISED"', False),
        ('Status<>"DRAFT"', True),
        ('Type=="ACCREC"&&Status=="AUTHORISED"', True),
        ('Status=="AUTHORISED" AND Date>=DateTime(2026,1,1)', True),
        ('Status=="AUTHORISED" AND Date>DateTime(2026,1,1)', False),
        ("Date<DateTime(2026, 01, 01, 00, 00, 01)", True),
        ('Status=="DRAFT" OR Status=="AUTHORISED"', True),
        ('Status=="DRAFT" || Status=="VOIDED"', False),
        ('(Status=="DRAFT" OR Status=="AUTHORISED") AND Type=="ACCPAY"', False),
        ('Status=="DRAFT" OR (Status=="AUTHORISED" AND Type=="ACCREC")', True),
        ('NOT(Status=="DRAFT")', True),
        ('!(Status=="AUTHORISED")', False),
        ('InvoiceID=guid("8a1b2c3d-0000-4000-8000-000000000001")', True),
        ('InvoiceID==Guid("8A1B2C3D-0000-4000-8000-000000000002")', False),
        ('Contact.ContactID==Guid("C-1")', True),
        ('Contact.Name.Contains("Plumbing")', True),
        ('Contact.Name.StartsWith("Acme")', True),
        ('Contact.Name.EndsWith("Acme")', False),
        ('Contact.Name.ToLower().Contains("acme plumbing")', True),
        ('Contact.Name.ToUpper()=="ACME PLUMBING LTD"', True),
        ('contact.name=="Acme Plumbing Ltd"', True),  # member names in any case
        ('status=="authorised"', False),  # values are compared as given
        ("Total>=100", True),
        ("Total==115", True),
        ("AmountDue>0", False),
        ("Total>100.5 and AmountDue<=0", True),
        ("HasAttachments==false", True),
        ("Reference==null", True),
        ("Reference!=null", False),
        ('Reference.Contains("x")', False),  # a missing value contains nothing
        ('Missing=="x"', False),
        ('InvoiceNumber=="INV-\\"42"', False),  # an escaped quote inside a string
    ],
)
def test_what_xero_documents_is_read(where: str, expected: bool) -> None:
    assert compile_where(where)(INVOICE) is expected


def test_a_payment_filters_by_its_invoice() -> None:
    payment = {"Invoice": {"InvoiceID": INVOICE["InvoiceID"]}, "Amount": Decimal("115")}
    where = f'Invoice.InvoiceID=guid("{INVOICE["InvoiceID"].lower()}") AND Amount==115.00'
    assert compile_where(where)(payment) is True


@pytest.mark.parametrize(
    ("where", "words"),
    [
        ('Status=="AUTHORISED" AND', "the end"),
        ('(Status=="AUTHORISED"', "')'"),
        ('Status=="AUTHORISED")', "unexpected"),
        ("Status==AUTHORISED'", "position"),
        ('Contact.Name.Matches("x")', "no method 'Matches'"),
        ("Date>=DateTime(2026,1)", "DateTime takes"),
        ("Date>=DateTime(2026,2,30)", "not a date"),
        ('Status=="open', "position"),
        ("", "expected a field"),
    ],
)
def test_what_cannot_be_read_is_refused_saying_where(where: str, words: str) -> None:
    with pytest.raises(WhereError) as refused:
        compile_where(where)
    assert words in str(refused.value)


def test_paths_keep_the_callers_values_and_take_the_routes_spelling() -> None:
    from syncsvc.sandbox.paths import CaseInsensitivePaths

    async def app(scope: object, receive: object, send: object) -> None:  # never called
        raise AssertionError

    paths = CaseInsensitivePaths(
        app,
        ["/xero/api/connections", "/xero/api/api.xro/2.0/Invoices/{ref}"],
        ("/xero/api/",),
    )
    assert paths.spelling("/xero/api/Connections") == "/xero/api/connections"
    assert paths.spelling("/xero/API/api.xro/2.0/invoices/INV-7") == (
        "/xero/api/api.xro/2.0/Invoices/INV-7"
    )
    assert paths.spelling("/xero/api/api.xro/2.0/Invoices/INV-7") == (
        "/xero/api/api.xro/2.0/Invoices/INV-7"
    )
    assert paths.spelling("/xero/api/nothing") is None
