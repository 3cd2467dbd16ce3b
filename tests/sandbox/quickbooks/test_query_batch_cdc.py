"""The query language (AND, IN, comparisons on MetaData.LastUpdatedTime and TxnDate,
ORDERBY, COUNT(*), paging), /batch with per-item faults, and /cdc with deletions."""

from __future__ import annotations

from typing import Any

from tests.sandbox.quickbooks.conftest import QuickBooksSession, sales_line


async def three_invoices(qbo: QuickBooksSession) -> list[dict[str, Any]]:
    customer = await qbo.customer()
    made = []
    for number, day in (("INV-1", "2026-11-01"), ("INV-2", "2026-11-10"), ("INV-3", "2026-11-20")):
        made.append(
            await qbo.create(
                "Invoice",
                {
                    "CustomerRef": {"value": customer["Id"]},
                    "DocNumber": number,
                    "TxnDate": day,
                    "Line": [sales_line("1", "10")],
                },
            )
        )
        qbo.sandbox.config.clock.advance(60)
    return made


async def found(qbo: QuickBooksSession, statement: str) -> dict[str, Any]:
    answer = await qbo.query(statement)
    assert answer.status_code == 200, answer.text
    response: dict[str, Any] = answer.json()["QueryResponse"]
    return response


def numbers(response: dict[str, Any]) -> list[str]:
    return [invoice["DocNumber"] for invoice in response.get("Invoice", [])]


async def test_where_and_in_and_comparisons(qbo: QuickBooksSession) -> None:
    await three_invoices(qbo)
    assert numbers(await found(qbo, "select * from Invoice where DocNumber = 'INV-2'")) == ["INV-2"]
    assert numbers(
        await found(qbo, "SELECT * FROM Invoice WHERE DocNumber IN ('INV-1', 'INV-3')")
    ) == ["INV-1", "INV-3"]
    assert numbers(
        await found(
            qbo, "select * from Invoice where TxnDate >= '2026-11-10' and TxnDate < '2026-11-20'"
        )
    ) == ["INV-2"]
    assert numbers(
        await found(
            qbo, "select * from Invoice where MetaData.LastUpdatedTime > '2026-11-23T09:00:30Z'"
        )
    ) == ["INV-2", "INV-3"]
    assert numbers(
        await found(
            qbo,
            "select * from Invoice where MetaData.LastUpdatedTime >= '2026-11-23T20:01:00+11:00'",
        )
    ) == ["INV-2", "INV-3"]
    assert numbers(await found(qbo, "select * from Invoice where DocNumber like 'INV-%'")) == [
        "INV-1",
        "INV-2",
        "INV-3",
    ]
    assert await found(qbo, "select * from Invoice where DocNumber = 'none'") == {}


async def test_order_paging_and_count(qbo: QuickBooksSession) -> None:
    await three_invoices(qbo)
    page = await found(
        qbo, "select * from Invoice orderby TxnDate desc startposition 2 maxresults 1"
    )
    assert numbers(page) == ["INV-2"]
    assert (page["startPosition"], page["maxResults"]) == (2, 1)
    assert await found(qbo, "select count(*) from Invoice where TxnDate > '2026-11-05'") == {
        "totalCount": 2
    }
    posted = await qbo.http.post(
        f"{qbo.base}/query",
        content=b"select * from Invoice maxresults 1000",
        headers={**qbo.headers, "Content-Type": "application/text"},
    )
    assert len(posted.json()["QueryResponse"]["Invoice"]) == 3


async def test_lists_and_settings_are_queryable(qbo: QuickBooksSession) -> None:
    accounts = (await found(qbo, "select * from Account where AccountType = 'Bank'"))["Account"]
    assert {a["Name"] for a in accounts} == {"Business Cheque Account", "Business Savings Account"}
    codes = (await found(qbo, "select * from TaxCode"))["TaxCode"]
    assert [c["Name"] for c in codes] == ["GST", "FRE"]
    assert (await found(qbo, "select * from TaxRate where Id = '1'"))["TaxRate"][0][
        "RateValue"
    ] == 10
    assert len((await found(qbo, "select * from PaymentMethod"))["PaymentMethod"]) == 5
    prefs = (await found(qbo, "select * from Preferences"))["Preferences"][0]
    assert prefs["SalesFormsPrefs"]["CustomTxnNumbers"] is True
    assert (await found(qbo, "select * from CompanyInfo"))["CompanyInfo"][0]["Country"] == "AU"


async def test_bad_queries_are_faults(qbo: QuickBooksSession) -> None:
    for statement, code in (
        ("select * from Invoice where DocNumber = '1' or DocNumber = '2'", "4000"),
        ("select * from invoices", "4001"),
        ("select * from Invoice maxresults 1001", "4001"),
        ("select Invoice", "4000"),
        ("select * from Invoice where TxnDate > 'someday'", "4001"),
        ("select * from Invoice where MetaData.LastUpdatedTime > 'soon'", "4001"),
    ):
        answer = await qbo.query(statement)
        assert answer.status_code == 400, statement
        assert answer.json()["Fault"]["Error"][0]["code"] == code, statement
    await three_invoices(qbo)
    answer = await qbo.query("select * from Invoice where TxnDate > 'someday'")
    assert answer.json()["Fault"]["Error"][0]["code"] == "4001"


async def test_batch_answers_each_item_alone(qbo: QuickBooksSession) -> None:
    existing = await qbo.customer("Harbour Cafe")
    answer = await qbo.post(
        "batch",
        {
            "BatchItemRequest": [
                {"bId": "1", "operation": "create", "Customer": {"DisplayName": "Bayside Bakery"}},
                {"bId": "2", "operation": "create", "Customer": {"DisplayName": "Harbour Cafe"}},
                {
                    "bId": "3",
                    "operation": "update",
                    "Customer": {
                        "Id": existing["Id"],
                        "SyncToken": "5",
                        "sparse": True,
                        "Notes": "x",
                    },
                },
                {"bId": "4", "Query": "select * from Customer where DisplayName = 'Harbour Cafe'"},
                {"bId": "5", "operation": "delete", "Invoice": {"Id": "99", "SyncToken": "0"}},
            ]
        },
    )
    assert answer.status_code == 200
    items = {item["bId"]: item for item in answer.json()["BatchItemResponse"]}
    assert items["1"]["Customer"]["DisplayName"] == "Bayside Bakery"
    assert items["2"]["Fault"]["Error"][0]["code"] == "6240"
    assert items["3"]["Fault"]["Error"][0]["code"] == "5010"
    assert items["4"]["QueryResponse"]["Customer"][0]["Id"] == existing["Id"]
    assert items["5"]["Fault"]["Error"][0]["code"] == "610"


async def test_batch_takes_at_most_30_items(qbo: QuickBooksSession) -> None:
    items = [
        {"bId": str(n), "operation": "create", "Customer": {"DisplayName": f"C{n}"}}
        for n in range(31)
    ]
    answer = await qbo.post("batch", {"BatchItemRequest": items})
    assert answer.status_code == 400
    assert "30" in answer.json()["Fault"]["Error"][0]["Detail"]
    assert qbo.company.all("Customer") == []
    assert (await qbo.post("batch", {"BatchItemRequest": items[:30]})).status_code == 200
    assert len(qbo.company.all("Customer")) == 30


async def test_batch_requestid_answers_once(qbo: QuickBooksSession) -> None:
    body = {"BatchItemRequest": [{"bId": "1", "Customer": {"DisplayName": "Once"}}]}
    first = await qbo.post("batch", body, {"requestid": "b" * 36})
    again = await qbo.post("batch", body, {"requestid": "b" * 36})
    assert first.json() == again.json()
    assert len(qbo.company.all("Customer")) == 1
    too_long = await qbo.post("batch", body, {"requestid": "b" * 37})
    assert too_long.json()["Fault"]["Error"][0]["code"] == "2050"


async def test_cdc_answers_changes_and_deletions(qbo: QuickBooksSession) -> None:
    invoices = await three_invoices(qbo)
    qbo.sandbox.config.clock.advance(1800)
    since = qbo.sandbox.config.clock().isoformat()
    qbo.sandbox.config.clock.advance(60)
    doomed = invoices[0]
    await qbo.post("invoice", {"Id": doomed["Id"], "SyncToken": "0"}, {"operation": "delete"})
    await qbo.post(
        "invoice",
        {"Id": invoices[1]["Id"], "SyncToken": "0", "sparse": True, "PrivateNote": "called"},
    )
    answer = await qbo.get("cdc", {"entities": "invoice,customer", "changedSince": since})
    assert answer.status_code == 200, answer.text
    invoice_changes, customer_changes = answer.json()["CDCResponse"][0]["QueryResponse"]
    by_id = {doc["Id"]: doc for doc in invoice_changes["Invoice"]}
    assert by_id[doomed["Id"]]["status"] == "Deleted"
    assert by_id[invoices[1]["Id"]]["PrivateNote"] == "called"
    assert set(by_id) == {doomed["Id"], invoices[1]["Id"]}
    assert customer_changes == {}


async def test_cdc_looks_back_30_days_at_most(qbo: QuickBooksSession) -> None:
    answer = await qbo.get("cdc", {"entities": "Invoice", "changedSince": "2026-10-23T08:59:00Z"})
    assert answer.status_code == 400
    assert "30 days" in answer.json()["Fault"]["Error"][0]["Detail"]
    taxes = await qbo.get("cdc", {"entities": "TaxCode", "changedSince": "2026-11-22T00:00:00Z"})
    assert taxes.status_code == 400
    missing = await qbo.get("cdc", {"entities": "Invoice"})
    assert missing.json()["Fault"]["Error"][0]["code"] == "2020"


async def test_a_later_batch_item_cannot_see_what_an_earlier_one_created(
    qbo: QuickBooksSession,
) -> None:
    next_id = str(qbo.company.next_ids["Customer"])
    answer = await qbo.post(
        "batch",
        {
            "BatchItemRequest": [
                {"bId": "c", "operation": "create", "Customer": {"DisplayName": "New Ltd"}},
                {
                    "bId": "i",
                    "operation": "create",
                    "Invoice": {"CustomerRef": {"value": next_id}, "Line": [sales_line("1", "5")]},
                },
                {"bId": "q", "Query": "select * from Customer"},
            ]
        },
    )
    items = {item["bId"]: item for item in answer.json()["BatchItemResponse"]}
    assert items["c"]["Customer"]["Id"] == next_id
    assert items["i"]["Fault"]["Error"][0]["code"] == "610"
    assert items["q"]["QueryResponse"] == {}
    assert (await qbo.invoice(next_id))["CustomerRef"]["value"] == next_id


async def test_batch_ids_are_10_characters_with_a_requestid(qbo: QuickBooksSession) -> None:
    body = {"BatchItemRequest": [{"bId": "b" * 11, "Customer": {"DisplayName": "Long"}}]}
    answer = await qbo.post("batch", body, {"requestid": "r-1"})
    assert answer.json()["BatchItemResponse"][0]["Fault"]["Error"][0]["code"] == "2050"
    assert (await qbo.post("batch", body)).json()["BatchItemResponse"][0]["Customer"]
