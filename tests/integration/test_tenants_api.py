"""GET /v1/tenants: the operator's list of tenants with their ids, paged, admin only."""

from __future__ import annotations

import httpx

from syncsvc.kit.clock import FrozenClock
from tests.conftest import ADMIN_TOKEN, create_tenant

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


async def _all_pages(client: httpx.AsyncClient, limit: int) -> list[dict[str, object]]:
    seen: list[dict[str, object]] = []
    params: dict[str, str | int] = {"limit": limit}
    while True:
        answer = await client.get("/v1/tenants", params=params, headers=ADMIN)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        seen += page["tenants"]
        assert len(page["tenants"]) <= limit
        if page["next_after"] is None:
            return seen
        params["after"] = page["next_after"]


async def test_tenants_are_listed_once_each_across_pages(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    made = []
    for n in range(5):
        made.append(await create_tenant(client, f"Lister {n}"))
        clock.advance(seconds=1 if n != 2 else 0)  # two made at one instant: ties by id
    listed = await _all_pages(client, limit=2)
    ids = [row["id"] for row in listed]
    assert len(ids) == len(set(ids))
    mine = [row for row in listed if row["id"] in {t.id for t in made}]
    names = [row["name"] for row in mine]
    assert names[:2] == ["Lister 0", "Lister 1"]
    assert set(names[2:4]) == {"Lister 2", "Lister 3"}
    assert names[4] == "Lister 4"
    assert all(row["connection"] is None for row in mine)
    assert all(
        str(row["created_at"]).endswith("Z") or "+" in str(row["created_at"]) for row in mine
    )


async def test_a_full_last_page_says_there_is_no_next(client: httpx.AsyncClient) -> None:
    everyone = await _all_pages(client, limit=500)
    answer = await client.get("/v1/tenants", params={"limit": len(everyone)}, headers=ADMIN)
    assert answer.json()["next_after"] is None


async def test_listing_needs_the_admin_token(client: httpx.AsyncClient) -> None:
    tenant = await create_tenant(client)
    assert (await client.get("/v1/tenants")).status_code == 401
    answer = await client.get("/v1/tenants", headers=tenant.headers)
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/problem+json")


async def test_an_unknown_cursor_names_the_field(client: httpx.AsyncClient) -> None:
    answer = await client.get(
        "/v1/tenants", params={"after": "00000000-0000-4000-8000-000000000000"}, headers=ADMIN
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "after"
    bad = await client.get("/v1/tenants", params={"after": "nope"}, headers=ADMIN)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "after"
