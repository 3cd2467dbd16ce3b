"""How the contract suite drives each package's sandbox: connecting a tenant, acting as the
package's user, injecting faults, signing webhooks. One driver per registered package that has
a sandbox; the cases in test_books_contract.py are the same for all of them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from syncsvc.kit.signatures import hmac_sha256_base64
from syncsvc.models.enums import RecordKind
from syncsvc.providers.base import Books, Package
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


async def _quickbooks_pay(
    connected: Connected, invoice_key: str, amount: Decimal, day: date
) -> str:
    answer = await connected.control(
        "POST",
        f"/invoices/{invoice_key}/payments",
        json={"amount": str(amount), "date": day.isoformat(), "deposit_account_id": "1"},
    )
    return str(answer.json()["Id"])


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
)

DRIVERS = [XERO, QUICKBOOKS]
