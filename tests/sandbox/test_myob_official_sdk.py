"""pymyob (the Python MYOB SDK), unmodified, its two base-URL constants pointed at a served
sandbox, consents, creates and reads customers, invoices and payments, refreshes its token and
sees MYOB's rate-limit refusal as MyobRateLimitExceeded: the sandbox speaks MYOB's wire format."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import uvicorn

from syncsvc.sandbox.app import SandboxConfig, create_sandbox_app
from tests.sandbox.conftest import START

pytest.importorskip("myob", reason="pymyob is in the test extra")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def served_sandbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Any]]:
    # The clock stands still, so the per-second limit would refuse the ninth call: off here
    # (test_myob_limits.py covers it); the burst fault below still refuses.
    config = SandboxConfig(auto_consent=True, clock_scale=0, start=START, limits=False)
    app = create_sandbox_app(config)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    # pymyob reads its URLs from module constants and has no other setting for them.
    import myob.credentials
    import myob.managers

    monkeypatch.setattr(myob.credentials, "MYOB_PARTNER_BASE_URL", f"{base}/myob/secure/oauth2/")
    monkeypatch.setattr(myob.managers, "MYOB_BASE_URL", f"{base}/myob/api/accountright/")
    # oauthlib insists on https unless told this is a test.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the sandbox did not start"
        time.sleep(0.01)
    try:
        yield base, app
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_pymyob_customers_invoices_payments(served_sandbox: tuple[str, Any]) -> None:
    from myob import Myob
    from myob.constants import AuthScope
    from myob.credentials import PartnerCredentials
    from myob.exceptions import MyobRateLimitExceeded

    base, app = served_sandbox
    ledger_of = app.state.sandbox.myob.store.company_files
    credentials = PartnerCredentials(
        consumer_key="sandbox-client",
        consumer_secret="sandbox-secret",
        callback_uri="http://app.test/callback",
        scopes=(
            AuthScope.COMPANY_FILE,
            AuthScope.CONTACTS_CUSTOMER,
            AuthScope.SALES,
            AuthScope.GENERAL_LEDGER,
        ),
    )
    assert credentials.url.startswith(f"{base}/myob/secure/oauth2/account/authorize/")
    redirect = httpx.get(credentials.url)
    assert redirect.status_code == 302, redirect.text
    query = parse_qs(urlsplit(redirect.headers["location"]).query)
    credentials.verify(query["code"][0], query["businessId"][0])
    assert credentials.verified
    api = Myob(credentials)
    assert api.business()["Name"] == query["businessName"][0]

    ledger = ledger_of[credentials.business_id].ledger
    gst = next(t["UID"] for t in ledger.tax_codes.values() if t["Code"] == "GST")
    customer = api.contacts.post_customer(
        data={
            "CompanyName": "Harbour Cafe",
            "IsIndividual": False,
            "SellingDetails": {"TaxCode": {"UID": gst}, "FreightTaxCode": {"UID": gst}},
        }
    )
    found = api.contacts.customer(CompanyName="Harbour Cafe")
    assert [c["UID"] for c in found["Items"]] == [customer["UID"]]

    accounts = api.general_ledger.account(DisplayID="4-1000")["Items"]
    invoice = api.invoices.post_service(
        data={
            "Number": "JOB-1",
            "Date": "2026-11-20T00:00:00",
            "Customer": {"UID": customer["UID"]},
            "IsTaxInclusive": False,
            "FreightTaxCode": {"UID": gst},
            "Lines": [
                {
                    "Type": "Transaction",
                    "Description": "Labour",
                    "Account": {"UID": accounts[0]["UID"]},
                    "TaxCode": {"UID": gst},
                    "Total": 190.0,
                }
            ],
        }
    )
    assert invoice["TotalAmount"] == pytest.approx(209.0)
    edited = api.invoices.put_service(uid=invoice["UID"], data={**invoice, "Comment": "Thanks"})
    assert edited["Comment"] == "Thanks"

    bank = api.general_ledger.account(DisplayID="1-1110")["Items"][0]
    payment = api.customer_payments.post(
        data={
            "DepositTo": "Account",
            "Account": {"UID": bank["UID"]},
            "Customer": {"UID": customer["UID"]},
            "Date": "2026-11-21",
            "Invoices": [{"UID": invoice["UID"], "AmountApplied": 209.0, "Type": "Invoice"}],
        }
    )
    assert api.invoices.get_service(uid=invoice["UID"])["Status"] == "Closed"
    since = (START - timedelta(days=1)).date()
    pulled = api.customer_payments.all(LastModified__gt=since, orderby="LastModified")
    assert [p["UID"] for p in pulled["Items"]] == [payment["UID"]]
    api.customer_payments.delete(uid=payment["UID"])
    assert api.invoices.get_service(uid=invoice["UID"])["Status"] == "Open"

    old_refresh = credentials.refresh_token
    credentials.refresh()
    assert credentials.refresh_token != old_refresh
    assert credentials.oauth_expires_at is not None
    # oauthlib read the string expires_in ("1200") into an expiry 20 minutes on.
    left = credentials.oauth_expires_at.timestamp() - time.time()
    assert 1100 < left <= 1201  # oauthlib rounds the issue time to the second
    assert api.contacts.get_customer(uid=customer["UID"])["CompanyName"] == "Harbour Cafe"

    app.state.sandbox.myob.traffic.faults.burst_429 = 1
    with pytest.raises(MyobRateLimitExceeded):
        api.contacts.customer()
