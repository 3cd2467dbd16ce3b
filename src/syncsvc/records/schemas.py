"""What the records API answers, and the batch request's envelope."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from syncsvc.models.enums import RecordKind, SyncState
from syncsvc.records.canonical import HOST_ID_PATTERN, VERSION_MAX, Version
from syncsvc.records.repository import RecordState

MAX_BATCH_OPERATIONS = 1000


_LABOUR_LINE = {
    "kind": "labour",
    "description": "Call-out and 2h labour",
    "quantity": "2",
    "unit_price": "95.00",
    "tax_code": "OUTPUT2",
}

# One valid body per kind, as the API reference shows them (and a test sends them).
RECORD_EXAMPLES: dict[RecordKind, dict[str, Any]] = {
    RecordKind.CUSTOMER: {
        "version": 1,
        "name": "Harbour Cafe",
        "email": "accounts@harbourcafe.example",
        "phone": "+64 9 555 0100",
        "customer_number": "C-1001",
        "addresses": [{"type": "street", "line1": "1 Quay St", "city": "Auckland"}],
    },
    RecordKind.INVOICE: {
        "version": 1,
        "number": "INV-1001",
        "customer_id": "cust-1",
        "issue_date": "2026-11-20",
        "due_date": "2026-12-20",
        "job_number": "J-77",
        "lines": [
            _LABOUR_LINE,
            {
                "kind": "material",
                "description": "Valve",
                "quantity": "1",
                "unit_price": "42.50",
                "tax_code": "OUTPUT2",
                "supply_item_id": "valve-15mm",
            },
        ],
        "total": "267.38",
    },
    RecordKind.PAYMENT: {
        "version": 1,
        "invoice_id": "inv-1",
        "amount": "267.38",
        "date": "2026-11-21",
        "payment_method_id": "card",
        "surcharge": "4.01",
        "is_card": True,
    },
    RecordKind.CREDIT_NOTE: {
        "version": 1,
        "number": "CN-1",
        "customer_id": "cust-1",
        "issue_date": "2026-11-22",
        "lines": [
            {"kind": "other", "description": "Goodwill", "quantity": "1", "unit_price": "20.00"}
        ],
        "allocations": [{"invoice_id": "inv-1", "amount": "20.00"}],
    },
    RecordKind.SUPPLIER: {
        "version": 1,
        "name": "Plumbing Supplies Ltd",
        "email": "accounts@plumbingsupplies.example",
        "supplier_number": "S-2001",
    },
    RecordKind.SUPPLIER_INVOICE: {
        "version": 1,
        "number": "PS-88123",
        "supplier_id": "sup-1",
        "issue_date": "2026-11-18",
        "due_date": "2026-12-20",
        "job_id": "job-77",
        "lines": [
            {
                "description": "Copper pipe 15mm x 10",
                "quantity": "10",
                "unit_price": "12.40",
                "tax_code": "INPUT2",
            },
            {
                "description": "Hire of pipe bender",
                "unit_price": "35.00",
                "tax_code": "INPUT2",
                "account_code": "429",
            },
        ],
    },
    RecordKind.EXPENSE: {
        "version": 1,
        "date": "2026-11-19",
        "description": "Fuel for the van",
        "amount": "86.25",
        "tax_code": "INPUT2",
        "payee": "Harbour Fuel",
        "paid_from_account": "090",
        "job_id": "job-77",
    },
}

BATCH_EXAMPLE: dict[str, Any] = {
    "operations": [
        {
            "op": "upsert",
            "kind": "customer",
            "id": "cust-1",
            "data": RECORD_EXAMPLES[RecordKind.CUSTOMER],
        },
        {
            "op": "upsert",
            "kind": "invoice",
            "id": "inv-1",
            "data": RECORD_EXAMPLES[RecordKind.INVOICE],
        },
        {"op": "delete", "kind": "payment", "id": "pay-0", "version": 3},
    ]
}


class SyncStatus(BaseModel):
    state: SyncState
    attempts: int
    last_error: str | None = Field(description="The provider's own words when it refused.")
    provider_id: str | None
    next_attempt_at: datetime | None
    synced_at: datetime | None
    updated_at: datetime


class RecordStatus(BaseModel):
    kind: RecordKind
    id: str
    version: int
    deleted: bool
    sync: SyncStatus


def _iso(value: datetime | None) -> str | None:
    # As pydantic writes a UTC datetime, so every route spells time the same way.
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def status_document(state: RecordState) -> dict[str, Any]:
    """RecordStatus as JSON-ready data, built directly: the batch answers up to 1,000."""
    return {
        "kind": state.kind,
        "id": state.host_id,
        "version": state.host_version,
        "deleted": state.deleted,
        "sync": {
            "state": state.state,
            "attempts": state.attempts,
            "last_error": state.last_error,
            "provider_id": state.provider_id,
            "next_attempt_at": _iso(state.next_attempt_at),
            "synced_at": _iso(state.synced_at),
            "updated_at": _iso(state.updated_at),
        },
    }


class StoredRecord(RecordStatus):
    data: dict[str, Any] = Field(description="The record as last accepted, with its version.")


_OPERATION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["kind", "id"],
    "additionalProperties": False,
    "properties": {
        "op": {"type": "string", "enum": ["upsert", "delete"], "default": "upsert"},
        "kind": {"type": "string", "enum": [kind.value for kind in RecordKind]},
        "id": {"type": "string", "pattern": HOST_ID_PATTERN},
        "data": {
            "type": "object",
            "description": "For `upsert`: the record, as the body of `PUT /v1/{kind}s/{id}`.",
        },
        "version": {
            "type": "integer",
            "minimum": 0,
            "maximum": VERSION_MAX,
            "description": "For `delete`: optional, refused if older than the stored one.",
        },
    },
}

# Each operation is checked on its own, so one malformed operation fails alone.
RawOperation = Annotated[dict[str, Any], WithJsonSchema(_OPERATION_SCHEMA)]


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [BATCH_EXAMPLE]})

    operations: list[RawOperation] = Field(min_length=1, max_length=MAX_BATCH_OPERATIONS)


class BatchOperation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    op: Literal["upsert", "delete"] = "upsert"
    kind: RecordKind
    id: Annotated[str, Field(pattern=HOST_ID_PATTERN)]
    data: dict[str, Any] | None = None
    version: Version | None = None


class BatchResult(BaseModel):
    index: int
    status: int = Field(description="The HTTP status this operation would have had on its own.")
    kind: RecordKind | None = None
    id: str | None = None
    record: RecordStatus | None = None
    problem: dict[str, Any] | None = Field(default=None, description="RFC 9457 problem.")


class BatchSummary(BaseModel):
    accepted: int
    unchanged: int
    refused: int


class BatchResponse(BaseModel):
    summary: BatchSummary
    results: list[BatchResult]


class KindCounts(BaseModel):
    pending: int = 0
    synced: int = 0
    failed: int = 0
    blocked: int = 0


class ConnectionSummary(BaseModel):
    provider: str
    status: str
    status_reason: str | None
    organisation_name: str | None
    paused_until: datetime | None


class SyncOverview(BaseModel):
    records: dict[RecordKind, KindCounts]
    connection: ConnectionSummary | None
    oldest_pending_since: datetime | None
    oldest_pending_age_seconds: float | None
