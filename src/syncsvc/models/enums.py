"""The closed vocabularies stored in the tables."""

from enum import StrEnum


class RecordKind(StrEnum):
    CUSTOMER = "customer"
    INVOICE = "invoice"
    PAYMENT = "payment"
    CREDIT_NOTE = "credit_note"
    SUPPLIER = "supplier"
    SUPPLIER_INVOICE = "supplier_invoice"  # a bill
    EXPENSE = "expense"


class SyncState(StrEnum):
    PENDING = "pending"
    SYNCED = "synced"
    FAILED = "failed"
    BLOCKED = "blocked"


class ConnectionStatus(StrEnum):
    CONNECTING = "connecting"
    CHOOSING_ORGANISATION = "choosing_organisation"
    ACTIVE = "active"
    PAUSED = "paused"
    NEEDS_REAUTH = "needs_reauth"
    DISCONNECTED = "disconnected"


class OverrideScope(StrEnum):
    JOB_TYPE = "job_type"
    SUPPLY = "supply"
    PAYMENT_METHOD = "payment_method"
