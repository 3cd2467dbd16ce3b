"""A short-lived in-process memory of authenticated API keys, so a hot path skips one query."""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict


class ApiKeyCache:
    """Maps a key's hash to its tenant for `ttl_seconds`; bounded, least recently used out."""

    def __init__(self, ttl_seconds: float = 30.0, max_entries: int = 10_000) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[uuid.UUID, float]] = OrderedDict()

    def get(self, key_hash: str) -> uuid.UUID | None:
        entry = self._entries.get(key_hash)
        if entry is None:
            return None
        tenant_id, expires = entry
        if time.monotonic() >= expires:
            del self._entries[key_hash]
            return None
        self._entries.move_to_end(key_hash)
        return tenant_id

    def put(self, key_hash: str, tenant_id: uuid.UUID) -> None:
        if self.ttl_seconds <= 0:
            return
        self._entries[key_hash] = (tenant_id, time.monotonic() + self.ttl_seconds)
        self._entries.move_to_end(key_hash)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
