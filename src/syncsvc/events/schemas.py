"""Event feed shapes."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class EventType(StrEnum):
    PAYMENT_RECEIVED = "payment.received"
    PAYMENT_DELETED = "payment.deleted"
    INVOICE_PAID = "invoice.paid"
    INVOICE_VOIDED = "invoice.voided"
    CUSTOMER_UPDATED = "customer.updated"
    CUSTOMER_IMPORTED = "customer.imported"
    BILL_PAID = "bill.paid"
    SUPPLIER_PAYMENT_RECEIVED = "supplier_payment.received"
    SYNC_FAILED = "sync.failed"
    CONNECTION_NEEDS_REAUTH = "connection.needs_reauth"


class EventOut(BaseModel):
    id: int = Field(description="Rises by one per tenant; pass the last one seen as `after`.")
    type: EventType
    created_at: datetime
    data: dict[str, Any]


class EventPage(BaseModel):
    events: list[EventOut]
    next_after: int = Field(description="The cursor to send as `after` next time.")
