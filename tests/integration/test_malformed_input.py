"""Bad input always gets a clear 4xx problem naming the field, never a 500."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.factories import customer, invoice, line, payment

PROBLEM = "application/problem+json"


def assert_problem(answer: httpx.Response, status: int, *fields: str) -> dict[str, object]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == PROBLEM
    problem: dict[str, object] = answer.json()
    assert problem["status"] == status
    assert problem["title"]
    if fields:
        named = {error["field"] for error in problem["errors"]}  # type: ignore[attr-defined]
        assert set(fields) <= named, named
    return problem


async def test_missing_key_is_401_with_a_challenge(client: httpx.AsyncClient) -> None:
    answer = await client.get("/v1/sync/status")
    assert_problem(answer, 401)
    assert answer.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    ["Bearer sk_not-a-real-key", "Bearer ", "Basic dXNlcjpwYXNz", "sk_raw-key-without-scheme"],
)
async def test_wrong_key_is_401(client: httpx.AsyncClient, header: str) -> None:
    answer = await client.put(
        "/v1/customers/c1", json=customer(), headers={"Authorization": header}
    )
    assert_problem(answer, 401)


async def test_admin_routes_refuse_tenant_keys_and_bad_tokens(
    client: httpx.AsyncClient, api: httpx.AsyncClient
) -> None:
    answer = await api.post("/v1/tenants", json={"name": "Sneaky"})
    assert_problem(answer, 401)


async def test_malformed_json_is_422(api: httpx.AsyncClient) -> None:
    answer = await api.put(
        "/v1/customers/c1",
        content=b'{"version": 1, "name": ',
        headers={"content-type": "application/json"},
    )
    problem = assert_problem(answer, 422)
    assert "not valid JSON" in str(problem["errors"])


async def test_json_that_is_not_an_object_is_422(api: httpx.AsyncClient) -> None:
    assert_problem(await api.put("/v1/customers/c1", json=[1, 2]), 422)
    assert_problem(await api.put("/v1/customers/c1", json="text"), 422)


async def test_form_body_is_415(api: httpx.AsyncClient) -> None:
    answer = await api.put("/v1/customers/c1", data={"version": "1", "name": "x"})
    assert_problem(answer, 415)


async def test_unknown_fields_are_named(api: httpx.AsyncClient) -> None:
    answer = await api.put("/v1/customers/c1", json=customer(nickname="Bob"))
    assert_problem(answer, 422, "nickname")
    nested = invoice(lines=[line(colour="red")])
    assert_problem(await api.put("/v1/invoices/i1", json=nested), 422, "lines[0].colour")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (customer(version="1"), "version"),
        (customer(version=1.5), "version"),
        (customer(version=-1), "version"),
        (customer(name=12), "name"),
        (customer(name=""), "name"),
        (customer(name="x" * 256), "name"),
        (customer(email="not-an-email"), "email"),
        (customer(customer_number="n" * 51), "customer_number"),
        (customer(addresses=[{"type": "street"}, {"type": "street"}]), "addresses"),
        (customer(addresses=[{"type": "moon"}]), "addresses[0].type"),
        (customer(addresses=[{"postal_code": "9" * 51}]), "addresses[0].postal_code"),
    ],
)
async def test_customer_field_errors(
    api: httpx.AsyncClient, body: dict[str, object], field: str
) -> None:
    assert_problem(await api.put("/v1/customers/c1", json=body), 422, field)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (invoice(issue_date="2026-13-01"), "issue_date"),
        (invoice(due_date="2026-11-01"), "due_date"),
        (invoice(currency="nzd"), "currency"),
        (invoice(tax_mode="gross"), "tax_mode"),
        (invoice(status="paid"), "status"),
        (invoice(lines=[]), "lines"),
        (invoice(lines="none"), "lines"),
        (invoice(lines=[line(unit_price="1.23456")]), "lines[0].unit_price"),
        (invoice(lines=[line(quantity="-1")]), "lines[0].quantity"),
        (invoice(lines=[line(quantity="NaN")]), "lines[0].quantity"),
        (invoice(lines=[line(quantity="Infinity")]), "lines[0].quantity"),
        (invoice(lines=[line(unit_price="abc")]), "lines[0].unit_price"),
        (invoice(lines=[line(kind="travel")]), "lines[0].kind"),
        (invoice(lines=[line(description="")]), "lines[0].description"),
        (invoice(lines=[line(discount_rate="101")]), "lines[0].discount_rate"),
        (
            invoice(
                lines=[
                    line(
                        tracking=[
                            {"category": "Region", "option": "North"},
                            {"category": "Dept", "option": "A"},
                            {"category": "Other", "option": "B"},
                        ]
                    )
                ]
            ),
            "lines[0].tracking",
        ),
        (
            invoice(
                lines=[
                    line(
                        tracking=[
                            {"category": "Region", "option": "North"},
                            {"category": "Region", "option": "South"},
                        ]
                    )
                ]
            ),
            "lines[0].tracking",
        ),
        (invoice(total="12.345"), "total"),
        (invoice(customer_id="has space"), "customer_id"),
        (invoice(number=None), "number"),
    ],
)
async def test_invoice_field_errors(
    api: httpx.AsyncClient, body: dict[str, object], field: str
) -> None:
    assert_problem(await api.put("/v1/invoices/i1", json=body), 422, field)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (payment(amount="0"), "amount"),
        (payment(amount="-5"), "amount"),
        (payment(amount="1e20"), "amount"),
        (payment(surcharge="-1"), "surcharge"),
        (payment(is_card="yes"), "is_card"),
        (payment(date="yesterday"), "date"),
    ],
)
async def test_payment_field_errors(
    api: httpx.AsyncClient, body: dict[str, object], field: str
) -> None:
    assert_problem(await api.put("/v1/payments/p1", json=body), 422, field)


async def test_money_as_a_json_number_keeps_every_digit(api: httpx.AsyncClient) -> None:
    raw = (
        b'{"version": 1, "number": "INV-9", "customer_id": "c1", "issue_date": "2026-11-01",'
        b' "lines": [{"kind": "labour", "description": "x", "quantity": 3,'
        b' "unit_price": 123456789012.3456}]}'
    )
    answer = await api.put(
        "/v1/invoices/i9", content=raw, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 202, answer.text
    stored = (await api.get("/v1/invoices/i9")).json()
    assert stored["data"]["lines"][0]["unit_price"] == "123456789012.3456"


async def test_bad_path_id_is_422(api: httpx.AsyncClient) -> None:
    answer = await api.put("/v1/customers/" + "x" * 101, json=customer())
    problem = assert_problem(answer, 422, "record_id")
    assert problem["errors"][0]["location"] == "path"  # type: ignore[index]


async def test_body_over_the_limit_is_413(api: httpx.AsyncClient) -> None:
    big = customer(name="x" * 10, addresses=[{"line1": "y" * 500}])
    big["padding"] = "z" * (300 * 1024)
    answer = await api.put("/v1/customers/c1", json=big)
    assert_problem(answer, 413)


async def test_streamed_body_over_the_limit_is_413(api: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"version": 1, "name": "'
        for _ in range(300):
            yield b"x" * 1024
        yield b'"}'

    answer = await api.put(
        "/v1/customers/c1", content=chunks(), headers={"content-type": "application/json"}
    )
    assert_problem(answer, 413)


async def test_bad_query_parameters_are_422(api: httpx.AsyncClient) -> None:
    assert_problem(await api.get("/v1/events", params={"after": "soon"}), 422, "after")
    assert_problem(await api.get("/v1/events", params={"limit": 5000}), 422, "limit")
    assert_problem(await api.delete("/v1/invoices/i1", params={"version": "-3"}), 422, "version")


async def test_unknown_route_and_method_are_problems(api: httpx.AsyncClient) -> None:
    assert_problem(await api.get("/v1/nothing-here"), 404)
    assert_problem(await api.post("/v1/customers/c1", json=customer()), 405)


async def test_nothing_accepted_is_lost_by_a_later_bad_request(api: httpx.AsyncClient) -> None:
    await api.put("/v1/customers/c1", json=customer(version=1))
    await api.put("/v1/customers/c1", content=b"{", headers={"content-type": "application/json"})
    await api.put("/v1/customers/c1", json=customer(version=2, name=""))
    stored = (await api.get("/v1/customers/c1")).json()
    assert stored["version"] == 1
    assert stored["data"]["name"] == "Harbour Cafe"


BEYOND_A_BIGINT = 32589158477190044731  # what schemathesis sent: over 2**64


async def test_integers_past_a_bigint_are_422_naming_the_field(api: httpx.AsyncClient) -> None:
    assert_problem(await api.get("/v1/events", params={"after": BEYOND_A_BIGINT}), 422, "after")
    hook = {"url": "https://host.example/hooks", "secret": "s" * 16, "after": BEYOND_A_BIGINT}
    assert_problem(await api.put("/v1/webhook", json=hook), 422, "after")
    too_new = {"version": BEYOND_A_BIGINT}
    assert_problem(await api.delete("/v1/invoices/i1", params=too_new), 422, "version")
    batch = {"operations": [{"op": "delete", "kind": "invoice", "id": "i1", **too_new}]}
    answer = await api.post("/v1/batch", json=batch)
    assert answer.status_code == 200, answer.text
    assert answer.json()["results"][0]["status"] == 422


async def test_the_largest_documented_cursor_is_still_a_cursor(api: httpx.AsyncClient) -> None:
    answer = await api.get("/v1/events", params={"after": 2**62})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"events": [], "next_after": 2**62}
    assert_problem(await api.get("/v1/events", params={"after": 2**62 + 1}), 422, "after")


@pytest.mark.parametrize(
    ("method", "path"),
    [("PUT", "/v1/customers/c1"), ("PUT", "/v1/webhook"), ("PUT", "/v1/settings")],
)
async def test_a_body_that_is_not_utf8_is_422_naming_the_body(
    api: httpx.AsyncClient, method: str, path: str
) -> None:
    answer = await api.request(
        method, path, content=b'{"name": "Caf\xe9"}', headers={"content-type": "application/json"}
    )
    problem = assert_problem(answer, 422, "(root)")
    assert problem["type"] == "/problems/validation"
    errors = problem["errors"]
    assert isinstance(errors, list)
    [error] = errors
    assert error["location"] == "body"
    assert error["code"] == "body_not_utf8"
    assert "not UTF-8" in error["message"]


async def test_a_body_nested_too_deeply_is_422_naming_the_body(api: httpx.AsyncClient) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    answer = await api.put(
        "/v1/customers/c1", content=deep, headers={"content-type": "application/json"}
    )
    problem = assert_problem(answer, 422, "(root)")
    errors = problem["errors"]
    assert isinstance(errors, list)
    assert errors[0]["code"] == "body_too_deep"
