"""openapi.yaml at the repository root is exactly what the app serves at /openapi.json."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[2]


async def test_openapi_yaml_matches_the_served_document(client: httpx.AsyncClient) -> None:
    served = (await client.get("/openapi.json")).json()
    committed = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    assert committed == served, "openapi.yaml is stale: run `syncsvc openapi`"


async def test_docs_page_is_served(client: httpx.AsyncClient) -> None:
    answer = await client.get("/docs")
    assert answer.status_code == 200
    assert "/openapi.json" in answer.text


async def test_every_host_route_of_the_contract_is_documented(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    for kind in ("customers", "invoices", "payments", "credit-notes"):
        assert set(paths[f"/v1/{kind}/{{record_id}}"]) == {"put", "get", "delete"}
        assert set(paths[f"/v1/{kind}/{{record_id}}/retry"]) == {"post"}
    for path in (
        "/v1/tenants",
        "/v1/batch",
        "/v1/sync/status",
        "/v1/settings",
        "/v1/settings/job-types/{scope_id}",
        "/v1/settings/supplies/{scope_id}",
        "/v1/settings/payment-methods/{scope_id}",
        "/v1/events",
        "/healthz",
        "/readyz",
    ):
        assert path in paths, path


async def test_the_documented_examples_are_accepted(api: httpx.AsyncClient) -> None:
    document = (await api.get("/openapi.json")).json()
    paths = document["paths"]
    for kind, path in (
        ("customer", "customers"),
        ("invoice", "invoices"),
        ("payment", "payments"),
        ("credit_note", "credit-notes"),
    ):
        body = paths[f"/v1/{path}/{{record_id}}"]["put"]["requestBody"]["content"]
        example = body["application/json"]["examples"][kind]["value"]
        answer = await api.put(f"/v1/{path}/{kind}-example", json=example)
        assert answer.status_code == 202, answer.text
    batch = document["components"]["schemas"]["BatchRequest"]["examples"][0]
    answer = await api.post("/v1/batch", json=batch)
    assert answer.status_code == 200, answer.text
    assert [result["status"] for result in answer.json()["results"]][:2] == [202, 202]


async def test_routes_declare_their_security_scheme(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    schemes = document["components"]["securitySchemes"]
    assert schemes["TenantApiKey"] == {
        **schemes["TenantApiKey"],
        "type": "http",
        "scheme": "bearer",
    }
    assert schemes["AdminToken"]["scheme"] == "bearer"
    paths = document["paths"]
    assert paths["/v1/tenants"]["post"]["security"] == [{"AdminToken": []}]
    assert paths["/v1/invoices/{record_id}"]["put"]["security"] == [{"TenantApiKey": []}]
    assert paths["/v1/settings"]["get"]["security"] == [{"TenantApiKey": []}]
    assert "security" not in paths["/healthz"]["get"]
    assert "security" not in paths["/webhooks/{provider}"]["post"]


async def test_every_error_is_a_documented_problem(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            if "security" in operation:
                assert "401" in responses, (method, path)
            if "requestBody" in operation:
                assert {"413", "422"} <= set(responses), (method, path)
            for status, response in responses.items():
                if status >= "400" and "content" in response and path != "/readyz":
                    assert set(response["content"]) == {"application/problem+json"}, (path, status)
                    schema = response["content"]["application/problem+json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Problem"}
    record_put = document["paths"]["/v1/invoices/{record_id}"]["put"]["responses"]
    assert set(record_put) == {"200", "202", "401", "409", "413", "415", "422", "503"}


def _unbounded_integers(schema: Any, schemas: dict[str, Any], where: str) -> list[str]:
    """Each integer in an input schema without a maximum, by where it is."""
    if not isinstance(schema, dict):
        return []
    if "$ref" in schema:
        return _unbounded_integers(schemas[schema["$ref"].rpartition("/")[2]], schemas, where)
    found = []
    if schema.get("type") == "integer" and schema.get("maximum", 2**63) > 2**62:
        found.append(where)
    for name, child in schema.get("properties", {}).items():
        found += _unbounded_integers(child, schemas, f"{where}.{name}")
    for key in ("items", "additionalProperties"):
        found += _unbounded_integers(schema.get(key), schemas, f"{where}[]")
    for child in schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", []):
        found += _unbounded_integers(child, schemas, where)
    return found


async def test_every_integer_the_api_takes_is_bounded_within_a_bigint(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]
    unbounded = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                where = f"{method} {path} {parameter['in']} {parameter['name']}"
                unbounded += _unbounded_integers(parameter.get("schema"), schemas, where)
            for media in operation.get("requestBody", {}).get("content", {}).values():
                unbounded += _unbounded_integers(media["schema"], schemas, f"{method} {path} body")
    assert unbounded == []
