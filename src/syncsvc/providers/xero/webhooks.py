"""Xero's webhook deliveries: the signature (HMAC-SHA256 of the raw body with the webhook
key, base64, in `x-xero-signature`) checked in constant time, and what each event asks to be
polled. Xero sends no payment events: a payment shows as an INVOICE update (FACTS.md)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from syncsvc.kit.signatures import constant_time_equals, hmac_sha256_base64
from syncsvc.models.enums import RecordKind
from syncsvc.providers.base import Notification

KINDS_BY_CATEGORY = {
    # INVOICE covers sales invoices and bills (FACTS.md).
    "INVOICE": frozenset({RecordKind.PAYMENT, RecordKind.INVOICE, RecordKind.SUPPLIER_INVOICE}),
    "CONTACT": frozenset({RecordKind.CUSTOMER}),
    "CREDITNOTE": frozenset({RecordKind.INVOICE}),
}


def signature_is_valid(body: bytes, signature: str | None, key: str) -> bool:
    if not signature or not key:
        return False
    return constant_time_equals(hmac_sha256_base64(key.encode(), body), signature)


def notifications(headers: Mapping[str, str], body: bytes, key: str) -> list[Notification] | None:
    """None: not signed with the key, or not a Xero delivery. An intent-to-receive check is a
    signed delivery with no events: an empty list."""
    if not signature_is_valid(body, headers.get("x-xero-signature"), key):
        return None
    events = _events_of(body)
    if events is None:
        return None
    return [
        Notification(
            organisation_id=str(event.get("tenantId"))[:100],
            kinds=KINDS_BY_CATEGORY.get(str(event.get("eventCategory")), frozenset()),
            event_key=_event_key(event),
            category=str(event.get("eventCategory"))[:30],
            resource_id=str(event.get("resourceId"))[:100],
        )
        for event in events
    ]


def _events_of(body: bytes) -> list[dict[str, Any]] | None:
    try:
        document = json.loads(body)
    except ValueError:
        return None
    events = document.get("events") if isinstance(document, dict) else None
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        return None
    return events


def _event_key(event: Mapping[str, Any]) -> str:
    parts = [str(event.get(k)) for k in ("tenantId", "eventCategory", "eventType", "resourceId")]
    parts.append(str(event.get("eventDateUtc")))
    return hashlib.sha256("|".join(parts).encode()).hexdigest()
