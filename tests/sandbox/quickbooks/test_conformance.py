"""What the QuickBooks sandbox accepts and answers, checked against Intuit's XSDs: every
request entity, every answer (entities, QueryResponse, BatchItemResponse, CDCResponse,
Fault) by element and attribute names and enumerations."""

from __future__ import annotations

import json

from syncsvc.sandbox.quickbooks.schema import load
from tests.sandbox.quickbooks.conftest import QuickBooksSession, sales_line
from tests.sandbox.quickbooks.xsd import (
    assert_entity,
    assert_response,
    problems,
    schema,
    sent,
)


def test_the_sandboxs_table_is_the_xsds() -> None:
    """`schema.json` is current: regenerate with `python -m syncsvc.sandbox.quickbooks.schema`."""
    assert load().table() == schema().table()


def test_the_checker_finds_strays() -> None:
    assert problems({"Invoice": {"Bogus": 1}}, "IntuitResponse") == [
        "Invoice.Bogus: not an element or attribute of Invoice"
    ]
    assert problems({"GlobalTaxCalculation": "TaxIncluded"}, "Invoice") == [
        "GlobalTaxCalculation: 'TaxIncluded' is not one of GlobalTaxCalculationEnum"
    ]
    assert problems({"CustomerRef": {"value": "1", "name": "x"}}, "Invoice") == []
    assert problems({"Line": [{"SalesItemLineDetail": {"Nope": 1}}]}, "Invoice") == [
        "Line[0].SalesItemLineDetail.Nope: not an element or attribute of SalesItemLineDetail"
    ]


async def test_writes_and_their_answers_conform(qbo: QuickBooksSession) -> None:
    customer = await sent(
        qbo,
        "Customer",
        {
            "DisplayName": "Harbour Cafe",
            "GivenName": "Ana",
            "FamilyName": "Silva",
            "CompanyName": "Harbour Cafe Pty Ltd",
            "PrimaryEmailAddr": {"Address": "ana@example.com"},
            "PrimaryPhone": {"FreeFormNumber": "02 9999 0000"},
            "BillAddr": {"Line1": "1 Wharf Rd", "City": "Sydney", "PostalCode": "2000"},
            "Notes": "gate code 1234",
        },
    )
    item = await sent(
        qbo,
        "Item",
        {
            "Name": "Labour - Commercial",
            "Type": "Service",
            "IncomeAccountRef": {"value": "5"},
            "UnitPrice": "120.00",
            "Description": "per hour",
        },
    )
    invoice = await sent(
        qbo,
        "Invoice",
        {
            "CustomerRef": {"value": customer["Id"]},
            "DocNumber": "INV-1",
            "TxnDate": "2026-11-20",
            "DueDate": "2026-12-20",
            "PrivateNote": "syncsvc:inv-1",
            "CustomerMemo": {"value": "Thanks"},
            "CustomField": [{"DefinitionId": "1", "Type": "StringType", "StringValue": "Google"}],
            "GlobalTaxCalculation": "TaxExcluded",
            "Line": [
                sales_line("2", "120.00", item["Id"]),
                {
                    "DetailType": "DescriptionOnly",
                    "Description": "Job 42",
                    "DescriptionLineDetail": {},
                },
            ],
        },
    )
    memo = await sent(
        qbo,
        "CreditMemo",
        {"CustomerRef": {"value": customer["Id"]}, "Line": [sales_line("1", "10.00")]},
    )
    payment = await sent(
        qbo,
        "Payment",
        {
            "CustomerRef": {"value": customer["Id"]},
            "TotalAmt": "100.00",
            "TxnDate": "2026-11-21",
            "PaymentMethodRef": {"value": "4"},
            "PaymentRefNum": "ch_123",
            "DepositToAccountRef": {"value": "1"},
            "Line": [
                {"Amount": "111.00", "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]},
                {"Amount": "11.00", "LinkedTxn": [{"TxnId": memo["Id"], "TxnType": "CreditMemo"}]},
            ],
        },
    )
    for entity, doc in (("Invoice", invoice), ("Payment", payment), ("Customer", customer)):
        read = await qbo.get(f"{entity.lower()}/{doc['Id']}")
        assert_response(read.json())
    update = {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "Notes": "new"}
    await sent(qbo, "Customer", update)
    current = qbo.stored("Invoice", invoice["Id"])
    void = {"Id": invoice["Id"], "SyncToken": current["SyncToken"]}
    assert_entity("Invoice", void)
    voided = await qbo.post("invoice", void, {"operation": "void"})
    assert_response(voided.json())
    current = qbo.stored("Payment", payment["Id"])
    deleted = await qbo.post(
        "payment", {"Id": payment["Id"], "SyncToken": current["SyncToken"]}, {"operation": "delete"}
    )
    assert_response(deleted.json())


async def test_lists_settings_queries_and_faults_conform(qbo: QuickBooksSession) -> None:
    for entity in (
        "Account",
        "TaxCode",
        "TaxRate",
        "PaymentMethod",
        "Item",
        "Vendor",
        "Employee",
        "Preferences",
        "CompanyInfo",
    ):
        answer = await qbo.query(f"select * from {entity}")  # noqa: S608 - a test query
        assert answer.json()["QueryResponse"][entity], entity
        assert_response(answer.json())
    assert_response((await qbo.get("preferences")).json())
    assert_response((await qbo.get(f"companyinfo/{qbo.realm_id}")).json())
    assert_response((await qbo.query("select count(*) from Invoice")).json())
    fault = await qbo.post("customer", {"DisplayName": "a:b"})
    assert fault.status_code == 400
    assert_response(fault.json())
    assert_response((await qbo.query("select * from Invoice where")).json())


async def test_batch_and_cdc_conform(qbo: QuickBooksSession) -> None:
    request = {
        "BatchItemRequest": [
            {"bId": "1", "operation": "create", "Customer": {"DisplayName": "One"}},
            {"bId": "2", "operation": "create", "Customer": {"DisplayName": "One"}},
            {"bId": "3", "Query": "select * from Customer"},
        ]
    }
    assert not problems(request, "IntuitBatchRequest")
    answer = await qbo.post("batch", request)
    assert_response(answer.json())
    customer_id = answer.json()["BatchItemResponse"][0]["Customer"]["Id"]
    invoice = await qbo.invoice(customer_id)
    await qbo.post("invoice", {"Id": invoice["Id"], "SyncToken": "0"}, {"operation": "delete"})
    cdc = await qbo.get(
        "cdc", {"entities": "Customer,Invoice,Payment", "changedSince": "2026-11-23T00:00:00Z"}
    )
    assert cdc.json()["CDCResponse"][0]["QueryResponse"][1]["Invoice"][0]["status"] == "Deleted"
    assert_response(cdc.json())


async def test_what_python_quickbooks_sends_conforms() -> None:
    from quickbooks.objects.customer import Customer
    from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail
    from quickbooks.objects.invoice import Invoice

    customer = Customer()
    customer.DisplayName = "Harbour Cafe"
    invoice = Invoice()
    line = SalesItemLine()
    line.SalesItemLineDetail = SalesItemLineDetail()
    invoice.Line.append(line)
    assert_entity("Customer", json.loads(customer.to_json()))
    assert_entity("Invoice", json.loads(invoice.to_json()))


async def test_unknown_properties_and_enum_values_are_refused(qbo: QuickBooksSession) -> None:
    typo = await qbo.post("customer", {"DisplayName": "Cafe", "DisplayNmae": "Cafe"})
    assert typo.status_code == 400
    error = typo.json()["Fault"]["Error"][0]
    assert (error["code"], error["element"]) == ("2010", "DisplayNmae")
    customer = await qbo.customer()
    wrong = await qbo.post(
        "invoice",
        {
            "CustomerRef": {"value": customer["Id"]},
            "GlobalTaxCalculation": "TaxIncluded",
            "Line": [sales_line("1", "5")],
        },
    )
    assert wrong.json()["Fault"]["Error"][0]["element"] == "GlobalTaxCalculation"
    nested = await qbo.post(
        "invoice",
        {"CustomerRef": {"value": customer["Id"], "id": "1"}, "Line": [sales_line("1", "5")]},
    )
    assert nested.json()["Fault"]["Error"][0]["element"] == "CustomerRef.id"
    batch = await qbo.post("batch", {"BatchItemRequest": [{"bId": "1", "Customer": {"Name": "x"}}]})
    assert batch.json()["BatchItemResponse"][0]["Fault"]["Error"][0]["element"] == "Name"
