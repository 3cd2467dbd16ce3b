"""What one resource's read amounts to, and the fingerprint that tells a change from a repeat."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from syncsvc.events.schemas import EventType


@dataclass
class Sighting:
    """Events to send, documents to remember (and, for bills, the payments made on them)."""

    events: list[tuple[EventType, dict[str, Any]]] = field(default_factory=list)
    seen: dict[str, tuple[str, str]] = field(default_factory=dict)
    details: dict[str, dict[str, Any]] = field(default_factory=dict)  # kept beside `seen`
    payments_seen: dict[str, tuple[str, str]] = field(default_factory=dict)


def fingerprint(value: Any) -> str:
    canonical = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
