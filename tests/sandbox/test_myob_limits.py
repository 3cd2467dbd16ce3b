"""MYOB's rate limits on the sandbox's scaled clock: 8 calls a second per API key, whichever
company file they go to, and a daily cap; both 403 `RateLimitError`; switchable off."""

from __future__ import annotations

import httpx

from tests.sandbox.myob_session import MyobSession, authorize


async def second_file(myob: MyobSession) -> MyobSession:
    """The same app (so the same API key) consented to the Essentials file too."""
    store = myob.sandbox.myob.store
    other = next(f for f in store.company_files.values() if f.uid != myob.business_id)
    store.consent_business = other.uid
    token, _ = await authorize(myob.http)
    return MyobSession(myob.http, myob.sandbox, other.uid, token)


def assert_rate_limited(answer: httpx.Response) -> None:
    assert answer.status_code == 403, answer.text
    error = answer.json()["Errors"][0]
    assert error["Name"] == "RateLimitError"
    assert error["AdditionalDetails"] == "Header: x-myobapi-key"
    assert "retry-after" not in answer.headers


async def test_eight_a_second_across_two_company_files_on_one_key(myob: MyobSession) -> None:
    other = await second_file(myob)
    for n in range(8):
        session = myob if n % 2 else other
        answer = await session.get("GeneralLedger/TaxCode")
        assert answer.status_code == 200, (n, answer.text)
    assert_rate_limited(await myob.get("GeneralLedger/TaxCode"))
    assert_rate_limited(await other.get("GeneralLedger/TaxCode"))
    # The window is the emulated second: 0.9 s on is still inside it, a full second is not.
    await myob.http.put("/myob/_control/clock", json={"advance_seconds": 0.9})
    assert_rate_limited(await other.get("GeneralLedger/TaxCode"))
    await myob.http.put("/myob/_control/clock", json={"advance_seconds": 0.1})
    assert (await other.get("GeneralLedger/TaxCode")).status_code == 200
    stats = (await myob.http.get("/myob/_control/stats")).json()
    assert stats["refusals"]["RateLimitError"] == 3
    assert stats["by_route"]["GET /GeneralLedger/TaxCode"] == 12


async def test_another_key_has_its_own_budget(myob: MyobSession) -> None:
    await myob.http.post(
        "/myob/_control/apps", json={"client_id": "second-key", "client_secret": "s2"}
    )
    token, query = await authorize(myob.http, client=("second-key", "s2"))
    other = MyobSession(myob.http, myob.sandbox, query["businessId"][0], token, "second-key")
    for _ in range(8):
        assert (await myob.get("Contact/Customer")).status_code == 200
    assert_rate_limited(await myob.get("Contact/Customer"))
    assert (await other.get("Contact/Customer")).status_code == 200


async def test_daily_cap_then_the_next_day(myob: MyobSession) -> None:
    limits = await myob.http.put("/myob/_control/limits", json={"per_day": 3})
    assert limits.json()["per_day"] == 3
    for _ in range(3):
        assert (await myob.get("Contact/Customer")).status_code == 200
        await myob.http.put("/myob/_control/clock", json={"advance_seconds": 60})
    refused = await myob.get("Contact/Customer")
    assert_rate_limited(refused)
    assert refused.json()["Errors"][0]["Message"] == "API key has exceeded the daily rate limit"
    await myob.http.put("/myob/_control/clock", json={"advance_seconds": 86_400})
    myob.token, _ = await authorize(myob.http)  # the old token has long expired
    assert (await myob.get("Contact/Customer")).status_code == 200


async def test_limits_switch_off(myob: MyobSession) -> None:
    await myob.http.put("/myob/_control/limits", json={"enabled": False})
    for _ in range(20):
        assert (await myob.get("Contact/Customer")).status_code == 200


async def test_burst_of_refusals_from_the_fault_switch(myob: MyobSession) -> None:
    faults = await myob.http.put("/myob/_control/faults", json={"rate_limit_burst": 2})
    assert faults.json()["rate_limit_burst"] == 2
    assert_rate_limited(await myob.get("Contact/Customer"))
    assert_rate_limited(await myob.get("Contact/Customer"))
    assert (await myob.get("Contact/Customer")).status_code == 200
