"""Writes to QuickBooks through `/batch`: at most 30 items a call, each with its `bId` and
answered alone (its Fault becomes that record's error), the call carrying a `requestid`
that is the same for the same writes, so a repeat after a lost answer is answered with the
first answer instead of being applied twice (FACTS.md section 4: 36 characters for a batch,
and bIds of at most 10 then). Items of one batch cannot see what earlier items created, so
a batch holds one entity's writes only."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from syncsvc.providers.errors import RecordError, Rejected
from syncsvc.providers.quickbooks.client import QuickBooksClient, record_error, wire_json

BATCH_SIZE = 30
Body = dict[str, Any]


@dataclass(frozen=True)
class Write:
    entity: str  # Customer, Item, Invoice, CreditMemo, Payment
    operation: str  # create, update, delete, void
    body: Body
    idempotency_key: str = ""


@dataclass(frozen=True)
class Written:
    document: Body | None
    error: RecordError | None


def request_id(writes: Sequence[Write]) -> str:
    """Same writes, same content: the same id (34 characters)."""
    digest = hashlib.sha256()
    for write in writes:
        digest.update(f"{write.entity}|{write.operation}|{write.idempotency_key}|".encode())
        digest.update(wire_json(write.body))
    return f"sv{digest.hexdigest()[:32]}"


async def run(client: QuickBooksClient, writes: Sequence[Write]) -> list[Written]:
    """One answer per write, in order. A failure of a whole call raises (Transient with
    `uncertain`, RateLimited, NeedsReauth) after the calls before it were answered."""
    answers: list[Written] = []
    for start in range(0, len(writes), BATCH_SIZE):
        chunk = writes[start : start + BATCH_SIZE]
        body = {
            "BatchItemRequest": [
                {"bId": str(index), "operation": write.operation, write.entity: write.body}
                for index, write in enumerate(chunk)
            ]
        }
        answer = await client.post(
            "batch", body, params={"requestid": request_id(chunk)}, batch=True
        )
        by_bid = {
            str(item.get("bId")): item
            for item in answer.get("BatchItemResponse") or []
            if isinstance(item, dict)
        }
        for index, write in enumerate(chunk):
            item = by_bid.get(str(index))
            if item is None:
                answers.append(Written(None, Rejected("QuickBooks did not answer for it")))
            elif "Fault" in item:
                answers.append(Written(None, record_error(item["Fault"])))
            else:
                document = item.get(write.entity)
                answers.append(Written(document if isinstance(document, dict) else None, None))
    return answers
