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
