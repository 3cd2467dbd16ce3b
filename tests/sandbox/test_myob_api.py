"""The MYOB Business API's door and reads: required headers refused as MYOB refuses them,
the company-file list and its shard `Uri`, Essentials and AccountRight files, OData
filters, paging by NextPageLink, ETags."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.sandbox.conftest import START
from tests.sandbox.myob_session import MyobSession, authorize


async def test_every_required_header_is_checked(myob: MyobSession) -> None:
    url = f"{myob.cf}/Contact/Customer"
    no_key = await myob.http.get(url, headers={**myob.headers, "x-myobapi-key": ""})
    assert no_key.status_code == 403
    assert no_key.json()["Errors"][0]["Name"] == "DeveloperInactive"
    assert no_key.json()["Errors"][0]["Message"] == "API key is missing or inactive"
    no_version = {k: v for k, v in myob.headers.items() if k != "x-myobapi-version"}
    assert (await myob.http.get(url, headers=no_version)).status_code == 400
    old_version = await myob.http.get(url, headers={**myob.headers, "x-myobapi-version": "v0"})
    assert old_version.status_code == 400
    no_token = {k: v for k, v in myob.headers.items() if k != "Authorization"}
    refused = await myob.http.get(url, headers=no_token)
    assert refused.status_code == 401
    error = refused.json()["Errors"][0]
    assert set(error) == {
        "Name",
        "Message",
        "AdditionalDetails",
        "ErrorCode",
        "Severity",
        "LearnMore",
    }
    assert error["Severity"] == "Error"
    assert "Information" in refused.json()
    ok = await myob.http.get(url, headers=myob.headers)
    assert ok.status_code == 200
    assert ok.headers["x-myobapi-requestid"]


async def test_another_business_or_scope_is_access_denied(myob: MyobSession) -> None:
    store = myob.sandbox.myob.store
    other = next(uid for uid in store.company_files if uid != myob.business_id)
    denied = await myob.http.get(
        f"/myob/api/accountright/{other}/Sale/Invoice", headers=myob.headers
    )
    assert denied.status_code == 403
    assert denied.json() == [{"Message": "Access denied"}]
    token, _ = await authorize(myob.http, "sme-contacts-customer")
    narrow = MyobSession(myob.http, myob.sandbox, myob.business_id, token)
    assert (await narrow.get("Contact/Customer")).status_code == 200
    assert (await narrow.get("Sale/Invoice")).status_code == 403


async def test_company_file_uri_names_its_shard_and_answers_there(myob: MyobSession) -> None:
    listed = await myob.http.get("/myob/api/accountright/", headers=myob.headers)
    assert listed.status_code == 200
    (entry,) = listed.json()
    assert entry["Id"] == myob.business_id
    shard = myob.sandbox.myob.store.company_files[myob.business_id].shard
    assert entry["Uri"] == f"http://sandbox.test/myob/{shard}/accountright/{myob.business_id}"
    # A client that follows the Uri works on the shard host.
    followed = await myob.http.get(entry["Uri"] + "/Contact/Customer/", headers=myob.headers)
    assert followed.status_code == 200
    assert followed.json() == {"Items": [], "NextPageLink": None, "Count": 0}
    wrong = "ar9" if shard != "ar9" else "ar8"
    elsewhere = await myob.http.get(
        f"/myob/{wrong}/accountright/{myob.business_id}/Contact/Customer", headers=myob.headers
    )
    assert elsewhere.status_code == 404
    root = await myob.get("")
    assert root.json()["CompanyFile"]["Id"] == myob.business_id


async def test_essentials_and_accountright_files_say_which_they_are(myob: MyobSession) -> None:
    listed = (await myob.http.get("/myob/_control/companies")).json()
    by_product = {entry["Product"]: entry for entry in listed}
    assert by_product["AccountRight"]["UIAccessFlags"] == 1
    assert by_product["Essentials"]["UIAccessFlags"] == 2
    assert by_product["Essentials"]["ProductLevel"]["Name"] == "Essentials"
    store = myob.sandbox.myob.store
    essentials = next(f for f in store.company_files.values() if f.product == "Essentials")
    store.consent_business = essentials.uid
    token, query = await authorize(myob.http)
    assert query["businessId"] == [essentials.uid]
    session = MyobSession(myob.http, myob.sandbox, essentials.uid, token)
    info = (await session.get("")).json()["CompanyFile"]
    assert info["UIAccessFlags"] == 2
    # The same API and the same seeded books on both.
    codes = (await session.get("GeneralLedger/TaxCode")).json()["Items"]
    assert {"GST", "FRE", "N-T", "CAP"} <= {c["Code"] for c in codes}


async def test_seeded_chart_tax_codes_categories_items(myob: MyobSession) -> None:
    accounts = (await myob.get("GeneralLedger/Account", {"$top": "1000"})).json()["Items"]
    by_id = {a["DisplayID"]: a for a in accounts}
    assert by_id["4-1000"]["Classification"] == "Income"
    assert by_id["1-1110"]["Type"] == "Bank"
    assert by_id["4-0000"]["IsHeader"] is True
    assert by_id["4-1000"]["ParentAccount"]["DisplayID"] == "4-0000"
    gst = (await myob.get("GeneralLedger/TaxCode", {"$filter": "Code eq 'GST'"})).json()
    assert gst["Items"][0]["Rate"] == 10
    assert (await myob.get("GeneralLedger/Category")).json()["Count"] == 2
    items = (await myob.get("Inventory/Item")).json()["Items"]
    assert {i["Number"] for i in items} == {"CALLOUT", "VALVE15"}
    one = await myob.get(f"GeneralLedger/Account/{by_id['4-1000']['UID']}")
    assert one.json()["Name"] == "Sales - Services"


async def _customers(myob: MyobSession, names: list[str]) -> list[dict[str, Any]]:
    made = []
    for name in names:
        made.append(await myob.customer(name))
        await myob.http.put("/myob/_control/clock", json={"advance_seconds": 60})
    return made


async def test_paging_follows_next_page_link(myob: MyobSession) -> None:
    myob.sandbox.myob.traffic.key_limits.enabled = False
    await _customers(myob, [f"Customer {n}" for n in range(5)])
    page = (await myob.get("Contact/Customer", {"$top": "2", "$orderby": "CompanyName"})).json()
    assert page["Count"] == 5
    seen = [c["CompanyName"] for c in page["Items"]]
    while page["NextPageLink"]:
        assert "$skip=" in page["NextPageLink"]
        page = (await myob.http.get(page["NextPageLink"], headers=myob.headers)).json()
        seen += [c["CompanyName"] for c in page["Items"]]
    assert seen == [f"Customer {n}" for n in range(5)]


@pytest.mark.parametrize("top", ["0", "1001", "many"])
async def test_top_is_bounded(myob: MyobSession, top: str) -> None:
    answer = await myob.get("Contact/Customer", {"$top": top})
    assert answer.status_code == 400
    assert answer.json()["Errors"][0]["AdditionalDetails"] == "$top"


async def test_filters(myob: MyobSession) -> None:
    myob.sandbox.myob.traffic.key_limits.enabled = False
    made = await _customers(myob, ["Acme Plumbing", "Beta Cafe", "Gamma Acme"])
    middle = START + timedelta(seconds=60)

    async def names(expression: str, order: str = "CompanyName") -> list[str]:
        answer = await myob.get("Contact/Customer", {"$filter": expression, "$orderby": order})
        assert answer.status_code == 200, answer.text
        return [c["CompanyName"] for c in answer.json()["Items"]]

    stamp = middle.strftime("%Y-%m-%dT%H:%M:%S")
    assert await names(f"LastModified gt datetime'{stamp}'") == ["Gamma Acme"]
    assert await names(f"LastModified ge datetime'{stamp}'") == ["Beta Cafe", "Gamma Acme"]
    assert await names(f"LastModified lt datetime'{stamp}'") == ["Acme Plumbing"]
    assert await names(f"LastModified le datetime'{stamp}'") == ["Acme Plumbing", "Beta Cafe"]
    assert await names("CompanyName eq 'Beta Cafe'") == ["Beta Cafe"]
    assert await names("CompanyName ne 'Beta Cafe'") == ["Acme Plumbing", "Gamma Acme"]
    assert await names("substringof('acme', CompanyName)") == ["Acme Plumbing", "Gamma Acme"]
    assert await names("startswith(CompanyName, 'Acme')") == ["Acme Plumbing"]
    assert await names(
        "(CompanyName eq 'Beta Cafe' or startswith(CompanyName, 'Gamma')) and IsActive eq true"
    ) == ["Beta Cafe", "Gamma Acme"]
    assert await names(f"UID eq guid'{made[0]['UID'].upper()}'") == ["Acme Plumbing"]
    assert await names("IsActive eq true", "CompanyName desc") == [
        "Gamma Acme",
        "Beta Cafe",
        "Acme Plumbing",
    ]
    assert await names("Addresses/any(a: a/City eq 'Nelson')") == []
    broken = await myob.get("Contact/Customer", {"$filter": "CompanyName eq"})
    assert broken.status_code == 400
    assert broken.json()["Errors"][0]["AdditionalDetails"] == "$filter"


async def test_unchanged_collection_answers_304_to_its_etag(myob: MyobSession) -> None:
    first = await myob.get("Contact/Customer")
    etag = first.headers["etag"]
    again = await myob.http.get(
        f"{myob.cf}/Contact/Customer", headers={**myob.headers, "If-None-Match": etag}
    )
    assert again.status_code == 304
    await myob.customer()
    changed = await myob.http.get(
        f"{myob.cf}/Contact/Customer", headers={**myob.headers, "If-None-Match": etag}
    )
    assert changed.status_code == 200


async def test_unknown_resources_and_methods(myob: MyobSession) -> None:
    assert (await myob.get("Sale/Nothing")).status_code == 404
    refused = await myob.http.patch(f"{myob.cf}/Contact/Customer", headers=myob.headers)
    assert refused.status_code == 405
    assert (await myob.post("Sale/Invoice", {})).status_code == 405
    bad = await myob.http.post(
        f"{myob.cf}/Contact/Customer", content=b"{nope", headers=myob.headers
    )
    assert bad.status_code == 400
    assert bad.json()["Errors"][0]["Name"] == "SerializationError"


async def test_control_surface_needs_no_token(myob: MyobSession) -> None:
    async with httpx.AsyncClient(
        transport=myob.http._transport, base_url="http://sandbox.test"
    ) as bare:
        assert (await bare.get("/myob/_control/clock")).status_code == 200


async def test_the_services_myob_urls_map_onto_the_sandbox(myob: MyobSession) -> None:
    """What `providers/myob/spec.py` names, through `sandbox_address`, is served here."""
    from syncsvc.providers.base import sandbox_address
    from syncsvc.providers.myob.spec import MYOB

    def mapped(url: str) -> str:
        return sandbox_address(url, "myob", "http://sandbox.test")

    assert mapped(MYOB.authorize_url).endswith("/myob/secure/oauth2/account/authorize")
    assert mapped(MYOB.token_url).endswith("/myob/secure/oauth2/v1/authorize")
    listed = await myob.http.get(mapped(MYOB.api_base_url + "/"), headers=myob.headers)
    assert listed.status_code == 200
    shard = myob.sandbox.myob.store.company_files[myob.business_id].shard
    real_uri = f"https://{shard}.api.myob.com/accountright/{myob.business_id}"
    assert listed.json()[0]["Uri"] == mapped(real_uri)
    invoices = await myob.http.get(mapped(f"{real_uri}/Sale/Invoice"), headers=myob.headers)
    assert invoices.status_code == 200
    assert set(MYOB.scopes) <= myob.sandbox.myob.store.scopes_allowed()


def test_any_matches_an_element_of_a_list() -> None:
    from syncsvc.sandbox.myob.odata import parse_filter

    records: list[dict[str, Any]] = [
        {"Name": "a", "Addresses": [{"City": "Nelson"}, {"City": "Motueka"}]},
        {"Name": "b", "Addresses": [{"City": "Hobart"}]},
        {"Name": "c", "Addresses": []},
    ]
    matches = parse_filter("Addresses/any(x: x/City eq 'Motueka') or Name eq 'c'")
    assert [r["Name"] for r in records if matches(r)] == ["a", "c"]
    none = parse_filter("not Addresses/any(x: x/City eq 'Hobart')")
    assert [r["Name"] for r in records if none(r)] == ["a", "c"]
