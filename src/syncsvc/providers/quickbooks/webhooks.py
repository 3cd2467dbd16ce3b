"""QuickBooks' webhook deliveries: `intuit-signature` (base64 HMAC-SHA256 of the raw body
with the app's verifier token) checked in constant time, then the events: the CloudEvents
array (`type` `qbo.<entity>.<operation>.v1`, `intuitaccountid` the realm, `id` the event's
id, sent again on a retry) and, for companies not yet moved to it, the older
`eventNotifications` form (FACTS.md section 6). Each event is routed by its own realm."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from syncsvc.kit.signatures import constant_time_equals, hmac_sha256_base64
from syncsvc.models.enums import RecordKind
from syncsvc.providers.base import Notification

# A payment changes the invoices it pays (their balance), and QuickBooks notifies both.
KINDS_BY_ENTITY = {
    "customer": frozenset({RecordKind.CUSTOMER}),
    "invoice": frozenset({RecordKind.INVOICE}),
    "payment": frozenset({RecordKind.PAYMENT, RecordKind.INVOICE}),
    "creditmemo": frozenset({RecordKind.INVOICE}),
    # A bill payment changes the bill it pays: bills are read with their payments.
    "bill": frozenset({RecordKind.SUPPLIER_INVOICE}),
    "billpayment": frozenset({RecordKind.SUPPLIER_INVOICE}),
    "vendor": frozenset({RecordKind.SUPPLIER}),
    "purchase": frozenset({RecordKind.EXPENSE}),
}


def signature_is_valid(body: bytes, signature: str | None, key: str) -> bool:
    if not signature or not key:
        return False
    return constant_time_equals(hmac_sha256_base64(key.encode(), body), signature)


def notifications(headers: Mapping[str, str], body: bytes, key: str) -> list[Notification] | None:
    """None: not signed with the verifier token, or not a QuickBooks delivery."""
    if not signature_is_valid(body, headers.get("intuit-signature"), key):
        return None
    try:
        document = json.loads(body)
    except ValueError:
        return None
    if isinstance(document, list):
        if not all(isinstance(event, dict) for event in document):
            return None
        return [_cloud_event(event) for event in document]
    if isinstance(document, dict) and isinstance(document.get("eventNotifications"), list):
        return _legacy(document["eventNotifications"])
    return None


def _cloud_event(event: dict[str, Any]) -> Notification:
    parts = str(event.get("type") or "").split(".")
    entity = parts[1] if len(parts) > 2 else ""
    event_id = str(event.get("id") or "")
    if not event_id:
        event_id = _hash(event.get("intuitaccountid"), entity, event.get("intuitentityid"))
    return Notification(
        organisation_id=str(event.get("intuitaccountid"))[:100],
        kinds=KINDS_BY_ENTITY.get(entity.lower(), frozenset()),
        event_key=event_id[:200],
        category=entity[:30],
        resource_id=str(event.get("intuitentityid"))[:100],
    )


def _legacy(notices: list[Any]) -> list[Notification]:
    found = []
    for notice in notices:
        if not isinstance(notice, dict):
            continue
        realm = str(notice.get("realmId"))
        for entity in (notice.get("dataChangeEvent") or {}).get("entities") or []:
            if not isinstance(entity, dict):
                continue
            name = str(entity.get("name") or "")
            found.append(
                Notification(
                    organisation_id=realm[:100],
                    kinds=KINDS_BY_ENTITY.get(name.lower(), frozenset()),
                    event_key=_hash(
                        realm,
                        name,
                        entity.get("id"),
                        entity.get("operation"),
                        entity.get("lastUpdated"),
                    ),
                    category=name[:30],
                    resource_id=str(entity.get("id"))[:100],
                )
            )
    return found


def _hash(*parts: Any) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()
