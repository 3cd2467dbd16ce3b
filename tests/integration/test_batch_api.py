"""POST /v1/batch: each operation answered on its own; one bad operation fails alone."""

from __future__ import annotations

import httpx

from syncsvc.records.schemas import BatchResponse
from tests.factories import customer, invoice, payment


async def test_batch_answers_each_operation_and_keeps_the_good_ones(
    api: httpx.AsyncClient,
) -> None:
    await api.put("/v1/customers/old", json=customer(version=7))
    operations = [
        {"kind": "customer", "id": "c1", "data": customer()},
        {"kind": "invoice", "id": "i1", "data": invoice(lines=[])},  # invalid: no lines
        {"kind": "customer", "id": "old", "data": customer(version=6)},  # conflict
        {"kind": "spaceship", "id": "x"},  # malformed operation
        {"kind": "payment", "id": "p1", "data": payment()},
        {"op": "delete", "kind": "invoice", "id": "missing"},
        {"kind": "customer", "id": "bad id!", "data": customer()},
    ]
    answer = await api.post("/v1/batch", json={"operations": operations})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    BatchResponse.model_validate(body)  # the documented shape
    statuses = [result["status"] for result in body["results"]]
    assert statuses == [202, 422, 409, 422, 202, 404, 422]
    assert body["summary"] == {"accepted": 2, "unchanged": 0, "refused": 5}
    assert [result["index"] for result in body["results"]] == list(range(len(operations)))

    lines_error = body["results"][1]["problem"]["errors"][0]
    assert lines_error["field"] == "operations[1].data.lines"
    assert body["results"][2]["problem"]["current_version"] == 7
    kind_error = body["results"][3]["problem"]["errors"]
    assert {e["field"] for e in kind_error} == {"operations[3].kind"}

    assert (await api.get("/v1/customers/c1")).status_code == 200
    assert (await api.get("/v1/payments/p1")).status_code == 200
    assert (await api.get("/v1/invoices/i1")).status_code == 404
    assert (await api.get("/v1/customers/old")).json()["version"] == 7


async def test_batch_repeating_a_record_applies_in_order(api: httpx.AsyncClient) -> None:
    operations = [
        {"kind": "customer", "id": "c1", "data": customer(version=1)},
        {"kind": "customer", "id": "c1", "data": customer(version=2, name="Second")},
        {"kind": "customer", "id": "c1", "data": customer(version=2, name="Second")},
        {"kind": "customer", "id": "c1", "data": customer(version=1)},
        {"op": "delete", "kind": "customer", "id": "c1", "version": 3},
    ]
    body = (await api.post("/v1/batch", json={"operations": operations})).json()
    assert [r["status"] for r in body["results"]] == [202, 202, 200, 409, 202]
    stored = (await api.get("/v1/customers/c1")).json()
    assert stored["version"] == 3
    assert stored["deleted"] is True
    assert stored["data"]["name"] == "Second"


async def test_batch_of_a_thousand_is_accepted_and_more_is_refused(
    api: httpx.AsyncClient,
) -> None:
    operations = [
        {"kind": "customer", "id": f"c{n}", "data": customer(name=f"Customer {n}")}
        for n in range(1000)
    ]
    answer = await api.post("/v1/batch", json={"operations": operations})
    assert answer.status_code == 200
    assert answer.json()["summary"]["accepted"] == 1000
    status = (await api.get("/v1/sync/status")).json()
    assert status["records"]["customer"]["pending"] == 1000

    too_many = [*operations, {"kind": "customer", "id": "c-extra", "data": customer()}]
    refused = await api.post("/v1/batch", json={"operations": too_many})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "operations"


async def test_batch_resent_is_all_unchanged(api: httpx.AsyncClient) -> None:
    operations = [{"kind": "customer", "id": f"c{n}", "data": customer()} for n in range(20)]
    await api.post("/v1/batch", json={"operations": operations})
    again = (await api.post("/v1/batch", json={"operations": operations})).json()
    assert again["summary"] == {"accepted": 0, "unchanged": 20, "refused": 0}


async def test_empty_batch_is_refused(api: httpx.AsyncClient) -> None:
    answer = await api.post("/v1/batch", json={"operations": []})
    assert answer.status_code == 422
