"""The data of each event the pull engine and reconciliation raise: one shape per type,
whoever raises it, in the service's own words (provider ids under `provider`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from syncsvc.providers.documents import Contact, PurchaseDocument, Receipt, Remote

CENT = Decimal("0.01")


def payment(
    invoice_id: str,
    payment_id: str | None,
    remote: Remote[Receipt] | None = None,
    *,
    amount: Decimal | None = None,
    date: str | None = None,
    provider_payment_id: str | None = None,
    provider_invoice_id: str | None = None,
) -> dict[str, Any]:
    """`payment.received` / `payment.deleted`: a payment on one of the host's invoices, as
    read from the package (`remote`), or as a report found it."""
    if remote is not None:
        receipt = remote.document
        amount, date = receipt.amount, receipt.date.isoformat()
        provider_payment_id = remote.link.id
        provider_invoice_id = receipt.invoice
    return {
        "invoice_id": invoice_id,
        "payment_id": payment_id,
        "amount": str((amount or Decimal(0)).quantize(CENT)),
        "date": date,
        "account_code": (remote.document.deposit_account or None) if remote else None,
        "reference": remote.document.reference if remote else None,
        "provider": {
            "payment_id": provider_payment_id,
            "invoice_id": provider_invoice_id,
            "reconciled": remote.reconciled if remote else False,
        },
    }


def invoice_paid(invoice_id: str, remote: Remote[Any]) -> dict[str, Any]:
    return {
        "invoice_id": invoice_id,
        "amount_paid": str(remote.amount_paid.quantize(CENT)),
        "fully_paid_on": remote.paid_on.isoformat() if remote.paid_on else None,
        "provider": {"invoice_id": remote.link.id},
    }


def invoice_voided(invoice_id: str, remote: Remote[Any], deleted: bool) -> dict[str, Any]:
    return {
        "invoice_id": invoice_id,
        "status": "deleted" if deleted else "voided",
        "provider": {"invoice_id": remote.link.id},
    }


def contact_fields(contact: Contact) -> dict[str, Any]:
    """What `customer.updated` says of a contact (and what its fingerprint is taken of)."""
    return {
        "name": contact.name,
        "email": contact.email,
        "phone": contact.phone,
        "status": "active" if contact.active else "archived",
        "addresses": [
            {
                key: value
                for key, value in (
                    ("type", address.kind),
                    ("line1", address.lines[0] if address.lines else None),
                    ("line2", address.lines[1] if len(address.lines) > 1 else None),
                    ("city", address.city),
                    ("region", address.region),
                    ("postal_code", address.postal_code),
                    ("country", address.country),
                )
                if value
            }
            for address in contact.addresses
        ],
    }


def customer_updated(customer_id: str, remote: Remote[Contact]) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        **contact_fields(remote.document),
        "provider": {"contact_id": remote.link.id},
    }


def supplier_payment(
    host: dict[str, Any], bill: Remote[PurchaseDocument], paid: Remote[Receipt]
) -> dict[str, Any]:
    """`supplier_payment.received`: a payment made in the package on one of the host's bills
    (`host`: the supplier invoice's or the owed expense's id)."""
    return {
        **host,
        "amount": str(paid.document.amount.quantize(CENT)),
        "date": paid.document.date.isoformat(),
        "reference": paid.document.reference,
        "provider": {"payment_id": paid.link.id, "bill_id": bill.link.id},
    }


def bill_paid(host: dict[str, Any], bill: Remote[PurchaseDocument]) -> dict[str, Any]:
    """`bill.paid`: one of the host's bills is paid in full in the package."""
    return {
        **host,
        "amount_paid": str(bill.amount_paid.quantize(CENT)),
        "fully_paid_on": bill.paid_on.isoformat() if bill.paid_on else None,
        "provider": {"bill_id": bill.link.id},
    }
