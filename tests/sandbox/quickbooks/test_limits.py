"""QuickBooks' limits on the sandbox's clock: 500 calls a minute, 10 at once and 40 batch
calls a minute per company, answered 429 with fault 3001 (in XML, as QuickBooks has sent
it); switchable off; and the injected faults."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET

import httpx

from tests.sandbox.quickbooks.conftest import QuickBooksSession

NS = "{http://schema.intuit.com/finance/v3}"


def throttle_code(answer: httpx.Response) -> str:
    assert answer.status_code == 429, answer.text
    assert answer.headers["content-type"].startswith("application/xml")
    error = ET.fromstring(answer.text).find(f"{NS}Fault/{NS}Error")  # noqa: S314 - our own answer
    assert error is not None
    return error.get("code", "")


async def test_500_calls_a_minute_then_429_until_the_minute_passes(qbo: QuickBooksSession) -> None:
    for _ in range(500):
        assert (await qbo.get("preferences")).status_code == 200
    refused = await qbo.get("preferences")
    assert throttle_code(refused) == "3001"
    assert "ThrottleExceeded" in refused.text
    assert "Retry-After" not in refused.headers  # QuickBooks documents none
    qbo.sandbox.config.clock.advance(59)
    assert (await qbo.get("preferences")).status_code == 429
    qbo.sandbox.config.clock.advance(1)
    assert (await qbo.get("preferences")).status_code == 200
    stats = (await qbo.http.get(qbo.control("stats"))).json()
    assert stats["throttled"] == 2
    assert stats["by_route"]["GET /preferences"] == 503


async def test_40_batch_calls_a_minute(qbo: QuickBooksSession) -> None:
    body = {"BatchItemRequest": [{"bId": "1", "Query": "select * from Customer"}]}
    for _ in range(40):
        assert (await qbo.post("batch", body)).status_code == 200
    assert throttle_code(await qbo.post("batch", body)) == "3001"
    assert (await qbo.get("preferences")).status_code == 200  # other calls still go
    qbo.sandbox.config.clock.advance(60)
    assert (await qbo.post("batch", body)).status_code == 200


async def test_ten_at_once(qbo: QuickBooksSession) -> None:
    traffic = qbo.sandbox.quickbooks.traffic
    await qbo.http.put(qbo.control("faults"), json={"hold_next": ["GET /preferences"] * 10})
    held = [asyncio.create_task(qbo.get("preferences")) for _ in range(10)]
    for _ in range(1000):  # let the ten reach their hold; no wall-clock wait
        if traffic.held == 10:
            break
        await asyncio.sleep(0)
    assert traffic.held == 10
    assert throttle_code(await qbo.get("companyinfo/1")) == "3001"
    assert (await qbo.http.post(qbo.control("release"))).json() == {"released": 10}
    assert [a.status_code for a in await asyncio.gather(*held)] == [200] * 10
    assert (await qbo.get("companyinfo/1")).status_code == 200


async def test_limits_switch_off_and_answer_json_when_asked(qbo: QuickBooksSession) -> None:
    await qbo.http.put(qbo.control("limits"), json={"per_minute": 2, "throttle_format": "json"})
    await qbo.get("preferences")
    await qbo.get("preferences")
    refused = await qbo.get("preferences")
    assert refused.status_code == 429
    assert refused.json()["Fault"]["Error"][0]["code"] == "3001"
    await qbo.http.put(qbo.control("limits"), json={"enabled": False})
    assert (await qbo.get("preferences")).status_code == 200


async def test_per_second_limit_when_switched_on(qbo: QuickBooksSession) -> None:
    await qbo.http.put(qbo.control("limits"), json={"per_second": 3})
    for _ in range(3):
        assert (await qbo.get("preferences")).status_code == 200
    assert (await qbo.get("preferences")).status_code == 429
    qbo.sandbox.config.clock.advance(1)
    assert (await qbo.get("preferences")).status_code == 200


async def test_injected_faults(qbo: QuickBooksSession) -> None:
    await qbo.http.put(qbo.control("faults"), json={"burst_429": 2})
    assert (await qbo.get("preferences")).status_code == 429
    assert (await qbo.get("preferences")).status_code == 429
    assert (await qbo.get("preferences")).status_code == 200
    await qbo.http.put(qbo.control("faults"), json={"lose_next": ["POST /customer"]})
    lost = await qbo.post("customer", {"DisplayName": "Lost Answer Ltd"})
    assert lost.status_code == 502
    assert [c["DisplayName"] for c in qbo.company.all("Customer")] == ["Lost Answer Ltd"]
    await qbo.http.put(qbo.control("faults"), json={"error_rate": 1.0, "seed": 7})
    failed = await qbo.post("customer", {"DisplayName": "Never Ltd"})
    assert failed.status_code == 503
    assert failed.json()["Fault"]["type"] == "SystemFault"
    assert len(qbo.company.all("Customer")) == 1
    stats = (await qbo.http.get(qbo.control("stats"))).json()
    assert stats["lost_by_route"] == {"POST /customer": 1}
    assert stats["failed"] == 1


async def test_seeded_faults_repeat_exactly(qbo: QuickBooksSession) -> None:
    async def run() -> list[int]:
        await qbo.http.put(qbo.control("faults"), json={"error_rate": 0.5, "seed": 3})
        return [(await qbo.get("preferences")).status_code for _ in range(12)]

    first = await run()
    assert set(first) == {200, 503}
    assert await run() == first
