"""QuickBooks' rules for what the API writes: totals and tax line by line, SyncToken (5010),
sparse and full updates, one name namespace (6240), DocNumbers (6140), payments and credit
memos reducing balances, void and delete, the closing date (6200), income accounts on Items,
requestid idempotency and minorversion."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.quickbooks.conftest import QuickBooksSession, sales_line


def fault(answer: Any) -> dict[str, Any]:
    assert answer.status_code == 400, answer.text
    error: dict[str, Any] = answer.json()["Fault"]["Error"][0]
    return error


async def test_invoice_totals_tax_each_line_and_round_it(qbo: QuickBooksSession) -> None:
    customer = await qbo.customer()
    invoice = await qbo.invoice(
        customer["Id"],
        lines=[
            sales_line("1", "10.05"),
            sales_line("1", "10.05"),
            sales_line("3", "7.00", "3", "2"),
        ],
    )
    # 10% of 10.05 is 1.005 -> 1.01 on each line: 2.02, not round(2.01 of 20.10).
    assert invoice["TxnTaxDetail"]["TotalTax"] == 2.02
    assert invoice["TotalAmt"] == 43.12  # 10.05 + 10.05 + 21.00 + 2.02
    assert invoice["Balance"] == invoice["TotalAmt"]
    subtotal = invoice["Line"][-1]
    assert subtotal == {
        "Amount": 41.1,
        "DetailType": "SubTotalLineDetail",
        "SubTotalLineDetail": {},
    }
    rates = {t["TaxLineDetail"]["TaxRateRef"]["value"] for t in invoice["TxnTaxDetail"]["TaxLine"]}
    assert rates == {"1", "2"}
    assert invoice["Line"][2]["SalesItemLineDetail"]["ItemAccountRef"]["value"] == "7"


async def test_tax_inclusive_lines_carry_their_tax_inside(qbo: QuickBooksSession) -> None:
    customer = await qbo.customer()
    invoice = await qbo.create(
        "Invoice",
        {
            "CustomerRef": {"value": customer["Id"]},
            "GlobalTaxCalculation": "TaxInclusive",
            "Line": [sales_line("1", "110.00")],
        },
    )
    assert invoice["TotalAmt"] == 110
    assert invoice["TxnTaxDetail"]["TotalTax"] == 10


async def test_amount_must_be_qty_times_unit_price(qbo: QuickBooksSession) -> None:
    customer = await qbo.customer()
    line = sales_line("2", "95.00")
    line["Amount"] = "180.00"
    answer = await qbo.post("invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [line]})
    assert fault(answer)["code"] == "6070"


async def test_each_line_needs_a_tax_code_and_an_item(qbo: QuickBooksSession) -> None:
    customer = await qbo.customer()
    untaxed = sales_line("1", "5")
    del untaxed["SalesItemLineDetail"]["TaxCodeRef"]
    answer = await qbo.post(
        "invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [untaxed]}
    )
    assert fault(answer)["code"] == "6000"
    no_item = sales_line("1", "5")
    del no_item["SalesItemLineDetail"]["ItemRef"]
    answer = await qbo.post(
        "invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [no_item]}
    )
    assert fault(answer)["code"] == "2020"
    missing = await qbo.post(
        "invoice", {"CustomerRef": {"value": "999"}, "Line": [sales_line("1", "5")]}
    )
    assert fault(missing)["code"] == "610"


async def test_custom_fields_are_the_companys_sales_form_fields(qbo: QuickBooksSession) -> None:
    customer = await qbo.customer()
    prefs = (await qbo.get("preferences")).json()["Preferences"]["SalesFormsPrefs"]
    names = {
        p["Name"]: p.get("StringValue") for g in prefs["CustomField"] for p in g["CustomField"]
    }
    assert names["SalesFormsPrefs.SalesCustomName1"] == "Lead source"

    def body(**custom: Any) -> dict[str, Any]:
        field = {"DefinitionId": "1", "Type": "StringType", "StringValue": "Google", **custom}
        return {
            "CustomerRef": {"value": customer["Id"]},
            "Line": [sales_line("1", "10.00")],
            "CustomField": [field],
        }

    invoice = await qbo.create("Invoice", body())
    assert invoice["CustomField"] == [
        {"DefinitionId": "1", "Name": "Lead source", "Type": "StringType", "StringValue": "Google"}
    ]
    read = (await qbo.get(f"invoice/{invoice['Id']}")).json()["Invoice"]
    assert read["CustomField"] == invoice["CustomField"]
    # Field 2 is named but switched off; 3 is not defined; values are 31 characters at most.
    for refused, code in (
        (body(DefinitionId="2"), "2010"),
        (body(DefinitionId="3"), "2010"),
        (body(Type="NumberType"), "2010"),
        (body(StringValue="x" * 32), "2050"),
    ):
        assert fault(await qbo.post("invoice", refused))["code"] == code
    assert (await qbo.post("invoice", body(StringValue="x" * 31))).status_code == 200


async def test_stale_sync_token_is_5010(qbo: QuickBooksSession) -> None:
    customer = await qbo.customer()
    first = await qbo.post(
        "customer",
        {
            "Id": customer["Id"],
            "SyncToken": "0",
            "sparse": True,
            "CompanyName": "Harbour Cafe Pty Ltd",
        },
    )
    assert first.json()["Customer"]["SyncToken"] == "1"
    stale = await qbo.post(
        "customer", {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "CompanyName": "Other"}
    )
    assert fault(stale)["code"] == "5010"
    assert qbo.stored("Customer", customer["Id"])["CompanyName"] == "Harbour Cafe Pty Ltd"


async def test_sparse_update_keeps_what_it_omits_and_full_update_clears_it(
    qbo: QuickBooksSession,
) -> None:
    created = await qbo.create(
        "Customer", {"DisplayName": "Cafe", "Notes": "gate code 1234", "CompanyName": "Cafe Ltd"}
    )
    sparse = await qbo.post(
        "customer",
        {"Id": created["Id"], "SyncToken": "0", "sparse": True, "CompanyName": "Cafe Pty"},
    )
    kept = sparse.json()["Customer"]
    assert (kept["Notes"], kept["CompanyName"]) == ("gate code 1234", "Cafe Pty")
    full = await qbo.post(
        "customer", {"Id": created["Id"], "SyncToken": "1", "DisplayName": "Cafe"}
    )
    assert "Notes" not in full.json()["Customer"]


async def test_names_are_unique_across_customers(qbo: QuickBooksSession) -> None:
    await qbo.customer("Harbour Cafe")
    duplicate = await qbo.post("customer", {"DisplayName": "harbour cafe"})
    error = fault(duplicate)
    assert (error["code"], error["element"]) == ("6240", "DisplayName")
    assert error["Message"] == "Duplicate Name Exists Error"


async def test_customers_share_one_name_namespace_with_vendors_and_employees(
    qbo: QuickBooksSession,
) -> None:
    vendor = (await qbo.query("select * from Vendor")).json()["QueryResponse"]["Vendor"][0]
    employee = (await qbo.query("select * from Employee")).json()["QueryResponse"]["Employee"][0]
    for name in (vendor["DisplayName"], employee["DisplayName"]):
        assert fault(await qbo.post("customer", {"DisplayName": name}))["code"] == "6240"


async def test_an_inactive_customer_frees_its_name(qbo: QuickBooksSession) -> None:
    customer = await qbo.customer("Harbour Cafe")
    answer = await qbo.post(
        "customer", {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "Active": False}
    )
    assert answer.json()["Customer"]["DisplayName"] == "Harbour Cafe (deleted)"
    assert (await qbo.post("customer", {"DisplayName": "Harbour Cafe"})).status_code == 200
    listed = await qbo.query("select * from Customer")
    assert [c["DisplayName"] for c in listed.json()["QueryResponse"]["Customer"]] == [
        "Harbour Cafe"
    ]
    inactive = await qbo.query("select * from Customer where Active = false")
    assert len(inactive.json()["QueryResponse"]["Customer"]) == 1


async def test_doc_numbers_are_unique_when_the_company_says_so(qbo: QuickBooksSession) -> None:
    customer = await qbo.customer()
    await qbo.invoice(customer["Id"], "INV-7")
    again = await qbo.post(
        "invoice",
        {
            "CustomerRef": {"value": customer["Id"]},
            "DocNumber": "INV-7",
            "Line": [sales_line("1", "5")],
        },
    )
    assert fault(again)["code"] == "6140"
    too_long = await qbo.post(
        "invoice",
        {
            "CustomerRef": {"value": customer["Id"]},
            "DocNumber": "X" * 22,
            "Line": [sales_line("1", "5")],
        },
    )
    assert fault(too_long)["code"] == "2050"
    await qbo.http.put(qbo.control("preferences"), json={"unique_doc_numbers": False})
    assert (await qbo.invoice(customer["Id"], "INV-7"))["DocNumber"] == "INV-7"
    await qbo.http.put(qbo.control("preferences"), json={"custom_txn_numbers": False})
    auto = await qbo.invoice(customer["Id"], "ignored")
    assert auto["DocNumber"] == "1001"


async def test_payment_reduces_balance_and_links_back(qbo: QuickBooksSession) -> None:
    customer = await qbo.customer()
    invoice = await qbo.invoice(customer["Id"])
    payment = await qbo.create(
        "Payment",
        {
            "CustomerRef": {"value": customer["Id"]},
            "TotalAmt": "250.00",
            "DepositToAccountRef": {"value": "1"},
            "PaymentMethodRef": {"value": "4"},
            "Line": [
                {"Amount": "200.00", "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}
            ],
        },
    )
    assert payment["UnappliedAmt"] == 50
    read = (await qbo.get(f"invoice/{invoice['Id']}")).json()["Invoice"]
    assert read["Balance"] == 9
    assert read["LinkedTxn"] == [{"TxnId": payment["Id"], "TxnType": "Payment"}]
    assert read["SyncToken"] == "1"
    assert qbo.stored("Customer", customer["Id"])["Balance"] == 9
    over = await qbo.post(
        "payment",
        {
            "CustomerRef": {"value": customer["Id"]},
            "TotalAmt": 10,
            "Line": [{"Amount": 10, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}],
        },
    )
    assert fault(over)["code"] == "6000"
    to_expense = await qbo.post(
        "payment",
        {
            "CustomerRef": {"value": customer["Id"]},
            "TotalAmt": 1,
            "DepositToAccountRef": {"value": "6"},
        },
    )
    assert fault(to_expense)["element"] == "DepositToAccountRef"


async def test_credit_memo_applied_through_a_payment(qbo: QuickBooksSession) -> None:
    customer = await qbo.customer()
    invoice = await qbo.invoice(customer["Id"])  # 209.00
    memo = await qbo.create(
        "CreditMemo", {"CustomerRef": {"value": customer["Id"]}, "Line": [sales_line("1", "20.00")]}
    )  # 22.00
    assert memo["RemainingCredit"] == 22
    payment = await qbo.create(
        "Payment",
        {
            "CustomerRef": {"value": customer["Id"]},
            "TotalAmt": 0,
            "Line": [
                {"Amount": 22, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]},
                {"Amount": 22, "LinkedTxn": [{"TxnId": memo["Id"], "TxnType": "CreditMemo"}]},
            ],
        },
    )
    assert payment["UnappliedAmt"] == 0
    assert qbo.stored("Invoice", invoice["Id"])["Balance"] == 187
    assert qbo.stored("CreditMemo", memo["Id"])["RemainingCredit"] == 0


async def test_void_and_delete(qbo: QuickBooksSession) -> None:
    customer = await qbo.customer()
    invoice = await qbo.invoice(customer["Id"])
    payment = await qbo.create(
        "Payment",
        {
            "CustomerRef": {"value": customer["Id"]},
            "TotalAmt": 50,
            "Line": [{"Amount": 50, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}],
        },
    )
    current = qbo.stored("Invoice", invoice["Id"])
    voided = await qbo.post(
        "invoice", {"Id": invoice["Id"], "SyncToken": current["SyncToken"]}, {"operation": "void"}
    )
    body = voided.json()["Invoice"]
    assert (body["TotalAmt"], body["Balance"], body["PrivateNote"]) == (0, 0, "Voided")
    # The payment that paid it keeps its money, now unapplied.
    assert qbo.stored("Payment", payment["Id"])["UnappliedAmt"] == 50
    again = await qbo.post(
        "invoice",
        {"Id": invoice["Id"], "SyncToken": body["SyncToken"], "sparse": True, "PrivateNote": "x"},
    )
    assert fault(again)["code"] == "6000"
    live = qbo.stored("Payment", payment["Id"])
    deleted = await qbo.post(
        "payment", {"Id": payment["Id"], "SyncToken": live["SyncToken"]}, {"operation": "delete"}
    )
    assert deleted.json()["Payment"]["status"] == "Deleted"
    assert fault(await qbo.get(f"payment/{payment['Id']}"))["code"] == "610"
    unsupported = await qbo.post(
        "customer", {"Id": customer["Id"], "SyncToken": "0"}, {"operation": "delete"}
    )
    assert fault(unsupported)["code"] == "500"


async def test_closed_books_refuse_changes_on_or_before_the_date(qbo: QuickBooksSession) -> None:
    customer = await qbo.customer()
    invoice = await qbo.invoice(customer["Id"])  # dated 2026-11-20
    closed = await qbo.http.put(qbo.control("book-close-date"), json={"date": "2026-11-20"})
    assert closed.json()["BookCloseDate"] == "2026-11-20"
    prefs = (await qbo.get("preferences")).json()["Preferences"]
    assert prefs["AccountingInfoPrefs"]["BookCloseDate"] == "2026-11-20"
    change = await qbo.post(
        "invoice", {"Id": invoice["Id"], "SyncToken": "0", "sparse": True, "TxnDate": "2026-11-25"}
    )
    assert fault(change)["code"] == "6200"
    back_dated = await qbo.post(
        "invoice",
        {
            "CustomerRef": {"value": customer["Id"]},
            "TxnDate": "2026-11-01",
            "Line": [sales_line("1", "5")],
        },
    )
    assert fault(back_dated)["code"] == "6200"
    void = await qbo.post("invoice", {"Id": invoice["Id"], "SyncToken": "0"}, {"operation": "void"})
    assert fault(void)["code"] == "6200"
    later = await qbo.create(
        "Invoice",
        {
            "CustomerRef": {"value": customer["Id"]},
            "TxnDate": "2026-11-21",
            "Line": [sales_line("1", "5")],
        },
    )
    assert later["TxnDate"] == "2026-11-21"


async def test_items_hold_the_income_account(qbo: QuickBooksSession) -> None:
    item = await qbo.create(
        "Item",
        {
            "Name": "Labour - Commercial",
            "Type": "Service",
            "IncomeAccountRef": {"value": "5"},
            "UnitPrice": "120.00",
        },
    )
    assert item["IncomeAccountRef"] == {"value": "5", "name": "Sales"}
    missing = await qbo.post("item", {"Name": "No account", "Type": "Service"})
    assert fault(missing)["code"] == "2020"
    bank = await qbo.post(
        "item", {"Name": "Bank", "Type": "Service", "IncomeAccountRef": {"value": "1"}}
    )
    assert fault(bank)["element"] == "IncomeAccountRef"
    duplicate = await qbo.post(
        "item", {"Name": "labour", "Type": "Service", "IncomeAccountRef": {"value": "6"}}
    )
    assert fault(duplicate)["code"] == "6240"


async def test_same_requestid_answers_the_first_answer(qbo: QuickBooksSession) -> None:
    body = {"DisplayName": "Harbour Cafe"}
    first = await qbo.post("customer", body, {"requestid": "req-1"})
    again = await qbo.post("customer", body, {"requestid": "req-1"})
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert len(qbo.company.all("Customer")) == 1
    other = await qbo.post("customer", body, {"requestid": "req-2"})
    assert fault(other)["code"] == "6240"
    too_long = await qbo.post("customer", body, {"requestid": "r" * 51})
    assert fault(too_long)["code"] == "2050"


async def test_minorversion_below_75_is_ignored_and_garbage_refused(qbo: QuickBooksSession) -> None:
    assert (await qbo.get("preferences", {"minorversion": "40"})).status_code == 200
    assert fault(await qbo.get("preferences", {"minorversion": "abc"}))["element"] == "minorversion"


async def test_bad_bodies_are_4xx_faults(qbo: QuickBooksSession) -> None:
    answer = await qbo.http.post(f"{qbo.base}/customer", content=b"{not json", headers=qbo.headers)
    assert fault(answer)["code"] == "2010"
    assert fault(await qbo.post("customer", ["a"]))["code"] == "2010"
    assert fault(await qbo.post("widget", {}))["code"] == "2010"
    customer = await qbo.customer()
    dated = await qbo.post(
        "payment", {"CustomerRef": {"value": customer["Id"]}, "TotalAmt": 1, "TxnDate": "soon"}
    )
    assert fault(dated)["element"] == "TxnDate"


SALES_DETAIL = {"ItemRef": {"value": "2"}, "TaxCodeRef": {"value": "1"}}


@pytest.mark.parametrize(
    ("path", "body", "element"),
    [
        ("customer", {"DisplayName": ["a"]}, "DisplayName"),
        ("customer", {"GivenName": {"x": 1}}, "GivenName"),
        ("customer", {"Id": ["1"], "SyncToken": "0"}, "Id"),
        ("item", {"Name": "x", "IncomeAccountRef": "6"}, "IncomeAccountRef"),
        (
            "item",
            {"Name": "x", "IncomeAccountRef": {"value": "6"}, "UnitPrice": "abc"},
            "UnitPrice",
        ),
        ("invoice", {"CustomerRef": "1"}, "CustomerRef"),
        ("invoice", {"CustomerRef": {"value": "1"}, "Line": "x"}, "Line"),
        (
            "invoice",
            {
                "CustomerRef": {"value": "1"},
                "Line": [{"DetailType": "SalesItemLineDetail", "SalesItemLineDetail": "x"}],
            },
            "Line[0].SalesItemLineDetail",
        ),
        (
            "invoice",
            {
                "CustomerRef": {"value": "1"},
                "Line": [
                    {
                        "DetailType": "SalesItemLineDetail",
                        "Amount": [1],
                        "SalesItemLineDetail": SALES_DETAIL,
                    }
                ],
            },
            "Line[0].Amount",
        ),
        (
            "invoice",
            {
                "CustomerRef": {"value": "1"},
                "DocNumber": ["x"],
                "Line": [
                    {
                        "DetailType": "SalesItemLineDetail",
                        "Amount": 5,
                        "SalesItemLineDetail": SALES_DETAIL,
                    }
                ],
            },
            "DocNumber",
        ),
        (
            "invoice",
            {"CustomerRef": {"value": "1"}, "GlobalTaxCalculation": ["x"], "Line": []},
            "GlobalTaxCalculation",
        ),
        ("payment", {"CustomerRef": {"value": "1"}, "TotalAmt": 5, "Line": ["x"]}, "Line[0]"),
        (
            "payment",
            {
                "CustomerRef": {"value": "1"},
                "TotalAmt": 5,
                "Line": [{"Amount": 5, "LinkedTxn": "x"}],
            },
            "Line[0].LinkedTxn",
        ),
        ("payment", {"CustomerRef": {"value": "1"}, "TotalAmt": "1e400000"}, "TotalAmt"),
    ],
)
async def test_malformed_bodies_are_faults_naming_the_element(
    qbo: QuickBooksSession, path: str, body: dict[str, Any], element: str
) -> None:
    await qbo.customer()
    assert fault(await qbo.post(path, body))["element"] == element


async def test_the_index_matches_the_books_after_every_kind_of_write(
    qbo: QuickBooksSession,
) -> None:
    first, second = await qbo.customer("First"), await qbo.customer("Second")
    invoice = await qbo.invoice(first["Id"], "INV-1")
    other = await qbo.invoice(first["Id"], "INV-2")
    memo = await qbo.create(
        "CreditMemo", {"CustomerRef": {"value": first["Id"]}, "Line": [sales_line("1", "10")]}
    )
    payment = await qbo.create(
        "Payment",
        {
            "CustomerRef": {"value": first["Id"]},
            "TotalAmt": 50,
            "Line": [
                {"Amount": 30, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]},
                {"Amount": 31, "LinkedTxn": [{"TxnId": other["Id"], "TxnType": "Invoice"}]},
                {"Amount": 11, "LinkedTxn": [{"TxnId": memo["Id"], "TxnType": "CreditMemo"}]},
            ],
        },
    )
    moved = await qbo.post(
        "invoice",
        {
            "Id": other["Id"],
            "SyncToken": qbo.stored("Invoice", other["Id"])["SyncToken"],
            "sparse": True,
            "DocNumber": "INV-2b",
        },
    )
    assert moved.status_code == 200, moved.text
    await qbo.post(
        "invoice",
        {"Id": invoice["Id"], "SyncToken": qbo.stored("Invoice", invoice["Id"])["SyncToken"]},
        {"operation": "void"},
    )
    await qbo.post(
        "customer", {"Id": second["Id"], "SyncToken": "0", "sparse": True, "DisplayName": "Third"}
    )
    rebuilt: dict[tuple[str, ...], set[tuple[str, str]]] = {}
    for entity, docs in qbo.company.entities.items():
        for doc in docs.values():
            for key in qbo.company._keys(entity, doc):
                rebuilt.setdefault(key, set()).add((entity, doc["Id"]))
    assert dict(qbo.company.index) == rebuilt
    assert qbo.stored("Payment", payment["Id"])["UnappliedAmt"] == 30  # 50 - 31 + 11
    # INV-2b owes 209 - 31; INV-1 is void; the credit memo is used up.
    assert qbo.stored("Customer", first["Id"])["Balance"] == 178
    assert (await qbo.post("customer", {"DisplayName": "Second"})).status_code == 200
