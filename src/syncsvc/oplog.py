"""Operational log lines written once per occurrence: a refused provider webhook delivery, a
record the provider refused for good. The formatter adds the request id when there is one;
signatures and payloads are never logged."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING

from fastapi import Response

from syncsvc.models.enums import SyncState

if TYPE_CHECKING:
    from syncsvc.push.outcomes import Result

webhook_log = logging.getLogger("syncsvc.webhooks")
push_log = logging.getLogger("syncsvc.push")


def refused_webhook(provider: str, body: bytes, *, key_set: bool) -> Response:
    """Log the refusal once and give the 401 the provider expects."""
    reason = "bad or missing signature" if key_set else "no webhook key is configured"
    webhook_log.warning(
        "refused a %s webhook delivery: %s",
        provider,
        reason,
        extra={"provider": provider, "reason": reason, "body_bytes": len(body)},
    )
    return Response(status_code=401)


def push_failures(tenant_id: uuid.UUID, kind: str, results: Iterable[Result]) -> None:
    """One warning per record that failed (not per retry: those stay pending)."""
    for result in results:
        if result.state is not SyncState.FAILED:
            continue
        push_log.warning(
            "push of %s %s failed: %s",
            kind,
            result.due.host_id,
            result.error,
            extra={
                "tenant_id": str(tenant_id),
                "kind": kind,
                "record_id": result.due.id,
                "host_id": result.due.host_id,
            },
        )
