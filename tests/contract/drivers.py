"""How the contract suite drives each package's sandbox: connecting a tenant, acting as the
package's user, injecting faults, signing webhooks. One driver per registered package that has
a sandbox; the cases in test_books_contract.py are the same for all of them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from syncsvc.kit.signatures import hmac_sha256_base64
from syncsvc.models.enums import RecordKind
from syncsvc.providers.base import Books, Package
from syncsvc.providers.registry import build_registry
from tests.conftest import TenantHandle
from tests.integration.sandbox_helpers import START, WEBHOOK_KEY, Linked, connected_tenant, linked


@dataclass
class Connected:
    """A tenant connected to the package's sandbox, and the package's books for it."""

    link: Linked
    tenant: TenantHandle
    books: Books
    package: Package
    driver: Driver

    async def control(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        answer = await self.link.browser.request(method, f"{self.driver.control}{path}", **kwargs)
        assert answer.is_success, answer.text
        return answer


@dataclass(frozen=True)
class Driver:
    name: str
    control: str  # the sandbox's control surface
    income_account: str
    bank_account: str
    tax_code: str
    # Routes (as the sandbox's stats name them) a kind is written through.
    write_routes: dict[RecordKind, str]
    # The longest key the package holds, per kind.
    key_limits: dict[RecordKind, int]
    connect: Callable[[str, Path], AbstractAsyncContextManager[Connected]]
    pay_in_package: Callable[[Connected, str, Decimal, date], Any]  # -> the payment's id
    delete_payment_in_package: Callable[[Connected, str], Any]
    signed_webhook: Callable[[str, str], tuple[dict[str, str], bytes]]  # (secret, org id)
    webhook_secret: str
    # Close the books up to and including a day, as the package's user does.
    lock_books: Callable[[Connected, date], Any]
    # The user takes the app's access away: the refresh token stops working.
    revoke_grant: Callable[[Connected, str], Any]
    # The control surface's fault that refuses the next call for the rate limit.
    rate_limit_fault: dict[str, int]
    variant: str = ""  # one package, another kind of organisation (MYOB: Essentials)
    # Purchases (where the package writes them): an expense account, a tax code for costs,
    # and paying a bill as the package's user (-> the payment's id).
    expense_account: str = ""
    purchase_tax_code: str = ""
    pay_bill_in_package: Callable[[Connected, str, Decimal, date], Any] | None = None

    @property
    def label(self) -> str:
        return f"{self.name}-{self.variant}" if self.variant else self.name

    @property
    def writes_purchases(self) -> bool:
        """Whether the package takes bills, as its facts say."""
        facts = build_registry(None)[self.name].facts
        return RecordKind.SUPPLIER_INVOICE in facts.capabilities.writes


async def _revoke_by_oauth(connected: Connected, refresh_token: str) -> None:
    hub = connected.link.app.state.syncsvc.providers
    await hub.oauth_for(connected.driver.name).revoke(refresh_token)


# --- Xero --------------------------------------------------------------------------------------


@asynccontextmanager
async def _xero_connect(database_url: str, data_dir: Path) -> AsyncIterator[Connected]:
    async with linked(database_url, data_dir, START) as link:
        tenant = await connected_tenant(link)
        hub = link.app.state.syncsvc.providers
        active = await hub.tokens.active(uuid.UUID(tenant.id))
        yield Connected(link, tenant, hub.books(active), hub.adapter("xero"), XERO)


async def _xero_lock(connected: Connected, day: date) -> None:
    await connected.control("PUT", "/lock-date", json={"date": day.isoformat()})


async def _xero_pay(connected: Connected, invoice_key: str, amount: Decimal, day: date) -> str:
    answer = await connected.control(
        "POST",
        f"/invoices/{invoice_key}/payments",
        json={"amount": str(amount), "date": day.isoformat(), "account_code": "090"},
    )
    return str(answer.json()["PaymentID"])


async def _xero_delete_payment(connected: Connected, payment_id: str) -> None:
    await connected.control("DELETE", f"/payments/{payment_id}")


async def _xero_pay_bill(connected: Connected, bill_id: str, amount: Decimal, day: date) -> str:
    return await _xero_pay(connected, bill_id, amount, day)


def _xero_webhook(secret: str, organisation_id: str) -> tuple[dict[str, str], bytes]:
    body = (
        '{"events":[{"resourceUrl":"https://api.xero.com/api.xro/2.0/Invoices/1",'
        '"resourceId":"1","eventDateUtc":"2026-11-23T09:00:00.000","eventType":"UPDATE",'
        f'"eventCategory":"INVOICE","tenantId":"{organisation_id}","tenantType":"ORGANISATION"}}],'
        '"firstEventSequence":1,"lastEventSequence":1,"entropy":"ABC"}'
    ).encode()
    return {"x-xero-signature": hmac_sha256_base64(secret.encode(), body)}, body


XERO = Driver(
    name="xero",
    control="/xero/_control",
    income_account="200",
    bank_account="090",
    tax_code="OUTPUT2",
    write_routes={
        RecordKind.CUSTOMER: "POST /Contacts",
        RecordKind.INVOICE: "POST /Invoices",
        RecordKind.CREDIT_NOTE: "POST /CreditNotes",
        RecordKind.PAYMENT: "POST /Payments",
        RecordKind.SUPPLIER: "POST /Contacts",
        RecordKind.SUPPLIER_INVOICE: "POST /Invoices",
        RecordKind.EXPENSE: "POST /BankTransactions",
    },
    key_limits={
        RecordKind.CUSTOMER: 50,
        RecordKind.INVOICE: 255,
        RecordKind.CREDIT_NOTE: 255,
        RecordKind.PAYMENT: 255,
    },
    connect=_xero_connect,
    pay_in_package=_xero_pay,
    delete_payment_in_package=_xero_delete_payment,
    signed_webhook=_xero_webhook,
    webhook_secret=WEBHOOK_KEY,
    lock_books=_xero_lock,
    revoke_grant=_revoke_by_oauth,
    rate_limit_fault={"burst_429": 1},
    expense_account="429",  # General Expenses
    purchase_tax_code="INPUT2",
    pay_bill_in_package=_xero_pay_bill,
)


# --- QuickBooks Online -------------------------------------------------------------------------


@asynccontextmanager
async def _quickbooks_connect(database_url: str, data_dir: Path) -> AsyncIterator[Connected]:
    async with linked(database_url, data_dir, START, provider="quickbooks") as link:
        tenant = await connected_tenant(link, "quickbooks")
        hub = link.app.state.syncsvc.providers
        active = await hub.tokens.active(uuid.UUID(tenant.id))
        package = hub.adapter("quickbooks")
        yield Connected(link, tenant, hub.books(active), package, QUICKBOOKS)


async def _quickbooks_paid(connected: Connected, path: str, body: dict[str, str]) -> str:
    """The user's payment (or bill payment) from the Business Cheque Account: its Id."""
    answer = await connected.control("POST", path, json=body)
    return str(answer.json()["Id"])


async def _quickbooks_pay(
    connected: Connected, invoice_key: str, amount: Decimal, day: date
) -> str:
    paid = {"amount": str(amount), "date": day.isoformat(), "deposit_account_id": "1"}
    return await _quickbooks_paid(connected, f"/invoices/{invoice_key}/payments", paid)


async def _quickbooks_pay_bill(
    connected: Connected, bill_id: str, amount: Decimal, day: date
) -> str:
    paid = {"amount": str(amount), "date": day.isoformat(), "account_id": "1"}
    return await _quickbooks_paid(connected, f"/bills/{bill_id}/payments", paid)


async def _quickbooks_delete_payment(connected: Connected, payment_id: str) -> None:
    await connected.control("DELETE", f"/payments/{payment_id}")


def _quickbooks_webhook(secret: str, organisation_id: str) -> tuple[dict[str, str], bytes]:
    body = (
        '[{"specversion":"1.0","id":"5e0c1f7a-2b1d-4c39-9a51-0d6c2f1e8b11",'
        '"source":"intuit.sandbox","type":"qbo.invoice.updated.v1",'
        '"datacontenttype":"application/json","time":"2026-11-23T09:00:00.000Z",'
        f'"intuitentityid":"1","intuitaccountid":"{organisation_id}","data":{{}}}}]'
    ).encode()
    return {"intuit-signature": hmac_sha256_base64(secret.encode(), body)}, body


async def _quickbooks_lock(connected: Connected, day: date) -> None:
    await connected.control("PUT", "/book-close-date", json={"date": day.isoformat()})


QUICKBOOKS = Driver(
    name="quickbooks",
    control="/quickbooks/_control",
    income_account="5",  # Sales
    bank_account="1",  # Business Cheque Account
    tax_code="1",  # GST 10%
    write_routes=dict.fromkeys(RecordKind, "POST /batch"),
    key_limits={
        RecordKind.CUSTOMER: 100,
        RecordKind.INVOICE: 21,
        RecordKind.CREDIT_NOTE: 21,
        RecordKind.PAYMENT: 100,
    },
    connect=_quickbooks_connect,
    pay_in_package=_quickbooks_pay,
    delete_payment_in_package=_quickbooks_delete_payment,
    signed_webhook=_quickbooks_webhook,
    webhook_secret=WEBHOOK_KEY,
    lock_books=_quickbooks_lock,
    revoke_grant=_revoke_by_oauth,
    rate_limit_fault={"burst_429": 1},
    expense_account="12",  # Cost of Sales
    purchase_tax_code="1",  # GST, whose purchase rate is 10%
    pay_bill_in_package=_quickbooks_pay_bill,
)


# --- MYOB Business -----------------------------------------------------------------------------


def _myob_connector(product: str) -> Callable[[str, Path], AbstractAsyncContextManager[Connected]]:
    @asynccontextmanager
    async def connect(database_url: str, data_dir: Path) -> AsyncIterator[Connected]:
        async with linked(database_url, data_dir, START, provider="myob") as link:
            store = link.sandbox.myob.store
            chosen = next(f for f in store.company_files.values() if f.product == product)
            store.consent_business = chosen.uid
            tenant = await connected_tenant(link, "myob")
            # The sandbox's clock stands still: the connection's own call to the company
            # file is in this second, which the service's budget did not count.
            link.advance(1)
            hub = link.app.state.syncsvc.providers
            active = await hub.tokens.active(uuid.UUID(tenant.id))
            driver = MYOB if product == "AccountRight" else MYOB_ESSENTIALS
            yield Connected(link, tenant, hub.books(active), hub.adapter("myob"), driver)

    return connect


async def _myob_business(connected: Connected) -> dict[str, str]:
    hub = connected.link.app.state.syncsvc.providers
    active = await hub.tokens.active(uuid.UUID(connected.tenant.id))
    return {"business_id": active.organisation_id}


async def _myob_pay(connected: Connected, invoice_key: str, amount: Decimal, day: date) -> str:
    answer = await connected.control(
        "POST",
        f"/invoices/{invoice_key}/payments",
        json={"amount": str(amount), "date": day.isoformat(), "account": "1-1110"},
        params=await _myob_business(connected),
    )
    return str(answer.json()["UID"])


async def _myob_delete_payment(connected: Connected, payment_id: str) -> None:
    await connected.control(
        "DELETE", f"/payments/{payment_id}", params=await _myob_business(connected)
    )


async def _myob_lock(connected: Connected, day: date) -> None:
    # MYOB's lock date refuses entries *before* it: the day after the last one closed.
    await connected.control(
        "PUT",
        "/preferences",
        json={"lock_date": (day + timedelta(days=1)).isoformat()},
        params=await _myob_business(connected),
    )


async def _myob_revoke(connected: Connected, refresh_token: str) -> None:
    await connected.control("POST", "/tokens/revoke")


def _no_webhook(secret: str, organisation_id: str) -> tuple[dict[str, str], bytes]:
    return {}, b"{}"  # MYOB sends none: the service has no door for it


MYOB = Driver(
    name="myob",
    control="/myob/_control",
    income_account="4-1000",  # Sales - Services
    bank_account="1-1110",  # Business Bank Account
    tax_code="GST",
    write_routes={
        RecordKind.CUSTOMER: "POST /Contact/Customer",
        RecordKind.INVOICE: "POST /Sale/Invoice/Service",
        RecordKind.CREDIT_NOTE: "POST /Sale/Invoice/Service",
        RecordKind.PAYMENT: "POST /Sale/CustomerPayment",
    },
    key_limits={
        RecordKind.CUSTOMER: 15,
        RecordKind.INVOICE: 13,
        RecordKind.CREDIT_NOTE: 13,
        RecordKind.PAYMENT: 13,
    },
    connect=_myob_connector("AccountRight"),
    pay_in_package=_myob_pay,
    delete_payment_in_package=_myob_delete_payment,
    signed_webhook=_no_webhook,
    webhook_secret="",
    lock_books=_myob_lock,
    revoke_grant=_myob_revoke,
    rate_limit_fault={"rate_limit_burst": 1},
)
MYOB_ESSENTIALS = replace(MYOB, connect=_myob_connector("Essentials"), variant="essentials")

DRIVERS = [XERO, QUICKBOOKS, MYOB, MYOB_ESSENTIALS]
