"""Writing documents to Xero in batches, and finding them again by the keys the service set.

A batch goes as one PUT/POST with `summarizeErrors=false`, so each element answers for itself:
an element Xero refused becomes that record's typed error with Xero's own words, the rest
succeed. Elements are matched to records by the service's own key (contact number, invoice
or credit-note number), never by position, as Xero advises. A request whose answer is lost
raises `Transient(uncertain=True)`: the caller then looks the records up with `find` before
writing again, because Xero keeps idempotency keys only minutes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from syncsvc.providers.errors import RecordError, Rejected
from syncsvc.providers.xero.client import (
    XeroClient,
    record_error,
    validation_messages,
    wire_json,
)

# Per resource: the envelope key, the id field, and the key the service sets and finds by.
RESOURCES: dict[str, tuple[str, str]] = {
    "Contacts": ("ContactID", "ContactNumber"),
    "Invoices": ("InvoiceID", "InvoiceNumber"),
    "CreditNotes": ("CreditNoteID", "CreditNoteNumber"),
    "Payments": ("PaymentID", "Reference"),
    "BankTransactions": ("BankTransactionID", "Reference"),
}
# Bills (ACCPAY) keep the supplier's own numbers, which two suppliers may share: a bill is
# known by its contact and number together.
BILL = 'Type=="ACCPAY"'

FIND_CHUNK = 50  # about what fits in one URL of ids or numbers


@dataclass(frozen=True)
class WriteItem:
    key: str  # the service's key, as the element carries it (ContactNumber, InvoiceNumber, ...)
    body: dict[str, Any]


@dataclass(frozen=True)
class WriteOutcome:
    key: str
    provider_id: str | None
    updated: str | None  # Xero's UpdatedDateUTC: the provider's version of the record
    document: dict[str, Any] | None
    error: RecordError | None


def idempotency_key(resource: str, items: Sequence[WriteItem]) -> str:
    """Same records with the same content: the same key (so a retry inside Xero's window is
    answered from its memory); anything else: another key."""
    digest = hashlib.sha256(resource.encode())
    for item in items:
        digest.update(item.key.encode())
        digest.update(wire_json(item.body))
    return f"syncsvc-{digest.hexdigest()}"


async def write(
    client: XeroClient,
    resource: str,
    items: Sequence[WriteItem],
    *,
    method: str = "POST",
    key_of: Callable[[dict[str, Any]], str] | None = None,
) -> list[WriteOutcome]:
    """`key_of`: how an answered element is matched to its item (default: the resource's
    key field); `WriteItem.key` must be what it gives for the item's body."""
    id_field, key_field = RESOURCES[resource]
    answer = await client.write(
        method,
        resource,
        {resource: [item.body for item in items]},
        idempotency_key=idempotency_key(resource, items),
        params={"summarizeErrors": "false", "unitdp": "4"},
    )
    elements: list[dict[str, Any]] = list(answer.get(resource) or [])
    by_key: dict[str, dict[str, Any]] = {}
    for position, element in enumerate(elements):
        key = key_of(element) if key_of is not None else element.get(key_field)
        if key is None and position < len(items):  # an element without the key echoed back
            key = items[position].key
        by_key.setdefault(str(key), element)
    outcomes = []
    for item in items:
        answered = by_key.get(item.key)
        if answered is None:
            outcomes.append(
                WriteOutcome(item.key, None, None, None, Rejected("Xero did not answer for it"))
            )
            continue
        failed = answered.get("StatusAttributeString") == "ERROR" or answered.get(
            "ValidationErrors"
        )
        if failed:
            error = record_error(validation_messages(answered))
            outcomes.append(WriteOutcome(item.key, None, None, answered, error))
            continue
        outcomes.append(
            WriteOutcome(
                item.key,
                str(answered.get(id_field)),
                str(answered.get("UpdatedDateUTC")) if answered.get("UpdatedDateUTC") else None,
                answered,
                None,
            )
        )
    return outcomes


async def find(client: XeroClient, resource: str, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Xero's copies of the records with these keys (those it has), in a few calls."""
    _, key_field = RESOURCES[resource]
    found: dict[str, dict[str, Any]] = {}
    wanted = list(dict.fromkeys(keys))
    for start in range(0, len(wanted), FIND_CHUNK):
        chunk = wanted[start : start + FIND_CHUNK]
        if resource == "Invoices":  # sales invoices: their numbers are unique
            params = {"InvoiceNumbers": ",".join(chunk), "where": 'Type=="ACCREC"', "unitdp": "4"}
        else:
            quoted = " OR ".join(f'{key_field}=="{key}"' for key in chunk)
            params = {"where": quoted, "includeArchived": "true"}
        answer = await client.get(resource, params=params)
        for document in answer.get(resource) or []:
            key = document.get(key_field)
            if key in chunk:
                found[str(key)] = document
    return found


async def contacts_named(client: XeroClient, names: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Active contacts holding these names (Xero keeps names unique among active ones)."""
    found: dict[str, dict[str, Any]] = {}
    wanted = [name for name in dict.fromkeys(names) if '"' not in name]
    for start in range(0, len(wanted), FIND_CHUNK):
        chunk = wanted[start : start + FIND_CHUNK]
        where = " OR ".join(f'Name=="{name}"' for name in chunk)
        answer = await client.get("Contacts", params={"where": where})
        for document in answer.get("Contacts") or []:
            if document.get("Name") in chunk and document.get("ContactStatus") == "ACTIVE":
                found[str(document["Name"])] = document
    return found


async def find_bills(client: XeroClient, numbers: Sequence[str]) -> list[dict[str, Any]]:
    """Every bill (ACCPAY) with one of these numbers, whoever its contact."""
    found: list[dict[str, Any]] = []
    wanted = list(dict.fromkeys(numbers))
    for start in range(0, len(wanted), FIND_CHUNK):
        chunk = wanted[start : start + FIND_CHUNK]
        params = {"InvoiceNumbers": ",".join(chunk), "where": BILL, "unitdp": "4"}
        answer = await client.get("Invoices", params=params)
        found += [d for d in answer.get("Invoices") or [] if d.get("InvoiceNumber") in chunk]
    return found
