"""Account settings and overrides: read, replace, override, remove, per tenant."""

from __future__ import annotations

import httpx

from tests.conftest import TenantHandle, create_tenant


async def test_defaults_before_anything_is_set(api: httpx.AsyncClient) -> None:
    settings = (await api.get("/v1/settings")).json()
    assert settings["push_line_items"] is True
    assert settings["invoice_reference"] == "job_number"
    assert settings["invoice_status"] == "approved"
    assert settings["payments_account"] is None
    assert settings["overrides"] == {"job_types": {}, "supplies": {}, "payment_methods": {}}


async def test_put_replaces_and_overrides_are_listed(api: httpx.AsyncClient) -> None:
    answer = await api.put(
        "/v1/settings",
        json={
            "payments_account": "090",
            "labour_income_account": "200",
            "materials_income_account": "260",
            "rounding_account": "860",
            "push_line_items": False,
            "invoice_status": "draft",
            "default_tracking": [{"category": "Region", "option": "North"}],
        },
    )
    assert answer.status_code == 200, answer.text
    await api.put("/v1/settings/job-types/jt-1", json={"labour_income_account": "201"})
    await api.put("/v1/settings/supplies/valve", json={"income_account": "262"})
    await api.put("/v1/settings/payment-methods/card", json={"surcharge_account": "270"})
    settings = (await api.get("/v1/settings")).json()
    assert settings["payments_account"] == "090"
    assert settings["push_line_items"] is False
    assert settings["invoice_status"] == "draft"
    assert settings["overrides"]["job_types"]["jt-1"]["labour_income_account"] == "201"
    assert settings["overrides"]["supplies"]["valve"] == {"income_account": "262"}
    assert settings["overrides"]["payment_methods"]["card"]["surcharge_account"] == "270"

    # PUT replaces the whole document: what is left out returns to its default.
    await api.put("/v1/settings", json={"payments_account": "091"})
    settings = (await api.get("/v1/settings")).json()
    assert settings["payments_account"] == "091"
    assert settings["labour_income_account"] is None
    assert settings["push_line_items"] is True
    assert settings["overrides"]["supplies"]["valve"] == {"income_account": "262"}


async def test_override_is_replaced_and_removed(api: httpx.AsyncClient) -> None:
    await api.put("/v1/settings/supplies/valve", json={"income_account": "262"})
    await api.put("/v1/settings/supplies/valve", json={"income_account": "263"})
    assert (await api.get("/v1/settings")).json()["overrides"]["supplies"] == {
        "valve": {"income_account": "263"}
    }
    assert (await api.delete("/v1/settings/supplies/valve")).status_code == 204
    assert (await api.delete("/v1/settings/supplies/valve")).status_code == 404
    assert (await api.get("/v1/settings")).json()["overrides"]["supplies"] == {}


async def test_invalid_settings_are_422_naming_the_field(api: httpx.AsyncClient) -> None:
    cases = [
        ({"push_line_items": "no"}, "push_line_items"),
        ({"invoice_reference": "po_number"}, "invoice_reference"),
        ({"payments_account": ""}, "payments_account"),
        ({"colour": "blue"}, "colour"),
        ({"default_tracking": [{"category": "A", "option": "1"}] * 3}, "default_tracking"),
    ]
    for body, field in cases:
        answer = await api.put("/v1/settings", json=body)
        assert answer.status_code == 422, body
        assert field in {e["field"] for e in answer.json()["errors"]}
    answer = await api.put("/v1/settings/supplies/valve", json={})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "income_account"


async def test_settings_are_per_tenant(client: httpx.AsyncClient, tenant: TenantHandle) -> None:
    other = await create_tenant(client, "Other")
    await client.put("/v1/settings", json={"payments_account": "090"}, headers=tenant.headers)
    await client.put(
        "/v1/settings/supplies/valve", json={"income_account": "262"}, headers=tenant.headers
    )
    theirs = (await client.get("/v1/settings", headers=other.headers)).json()
    assert theirs["payments_account"] is None
    assert theirs["overrides"]["supplies"] == {}
    assert (
        await client.delete("/v1/settings/supplies/valve", headers=other.headers)
    ).status_code == 404


async def _with_every_part_set(api: httpx.AsyncClient) -> dict[str, object]:
    answer = await api.put(
        "/v1/settings",
        json={
            "payments_account": "090",
            "rounding_account": "860",
            "default_tracking": [{"category": "Region", "option": "North"}],
            "xero": {"tax_types": {"GST": "OUTPUT2"}},
        },
    )
    assert answer.status_code == 200, answer.text
    await api.put("/v1/settings/job-types/jt-1", json={"labour_income_account": "201"})
    await api.put("/v1/settings/supplies/valve", json={"income_account": "262"})
    await api.put("/v1/settings/payment-methods/card", json={"surcharge_account": "270"})
    settings: dict[str, object] = (await api.get("/v1/settings")).json()
    return settings


async def test_what_get_returns_put_takes_back_unchanged(api: httpx.AsyncClient) -> None:
    before = await _with_every_part_set(api)
    answer = await api.put("/v1/settings", json=before)
    assert answer.status_code == 200, answer.text
    assert answer.json() == before
    assert (await api.get("/v1/settings")).json() == before


async def test_get_modify_put_changes_only_what_was_modified(api: httpx.AsyncClient) -> None:
    before = await _with_every_part_set(api)
    answer = await api.put("/v1/settings", json={**before, "payments_account": "091"})
    assert answer.status_code == 200, answer.text
    assert (await api.get("/v1/settings")).json() == {**before, "payments_account": "091"}


async def test_overrides_left_out_of_put_are_kept(api: httpx.AsyncClient) -> None:
    before = await _with_every_part_set(api)
    document = {key: value for key, value in before.items() if key != "overrides"}
    assert (await api.put("/v1/settings", json=document)).status_code == 200
    assert (await api.get("/v1/settings")).json()["overrides"] == before["overrides"]


async def test_overrides_changed_in_put_are_refused_by_name(api: httpx.AsyncClient) -> None:
    before = await _with_every_part_set(api)
    overrides = before["overrides"]
    assert isinstance(overrides, dict)
    changed = {
        **overrides,
        "supplies": {"valve": {"income_account": "263"}, "pipe": {"income_account": "262"}},
        "payment_methods": {},
    }
    answer = await api.put(
        "/v1/settings", json={**before, "payments_account": "091", "overrides": changed}
    )
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    fields = [error["field"] for error in answer.json()["errors"]]
    assert fields == [
        "overrides.supplies.pipe",
        "overrides.supplies.valve",
        "overrides.payment_methods.card",
    ]
    assert "PUT or DELETE /v1/settings/supplies/pipe" in answer.json()["errors"][0]["message"]
    assert (await api.get("/v1/settings")).json() == before  # nothing changed


async def test_unknown_fields_inside_overrides_are_named(api: httpx.AsyncClient) -> None:
    answer = await api.put("/v1/settings", json={"overrides": {"colours": {}}})
    assert answer.status_code == 422, answer.text
    assert [e["field"] for e in answer.json()["errors"]] == ["overrides.colours"]
