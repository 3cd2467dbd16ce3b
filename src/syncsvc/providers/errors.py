"""What a provider call can end in, grouped by what the caller does next.

    ProviderError
    ├── RetryLater                 try again; nothing is wrong with the record
    │   ├── Transient              network failure, timeout, 5xx (`uncertain`: a write may
    │   │                          have been applied, so look it up before writing again)
    │   └── RateLimited            wait `retry_after` seconds (`scope`: minute, day, ...)
    ├── NeedsReauth                the grant is gone: pause the connection, ask the user
    ├── RecordError                give up on this record until it changes; the rest go on
    │   ├── Rejected               validation: the provider's own `message` (and `field`)
    │   ├── Locked                 closed period, paid or reconciled document
    │   └── Conflict               stale concurrency token: re-read, then retry
    └── Misconfigured              a setting names an account / tax code the provider lacks

A RecordError also carries a `Reason`, set by the provider package from its own codes or
words, so that engines and reconciliation's advice never read message text.

Each provider maps its wire errors to these at exactly one boundary (its client), chaining
the original with `raise ... from`; the engines decide on the class, never on a status code.
"""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """Why a record cannot be written as it is, in every package's terms."""

    LOCKED_PERIOD = "locked_period"  # its date is in a closed period
    RECONCILED = "reconciled"  # a payment matched to a bank line
    PAID = "paid"  # a document with payments or credits applied
    ARCHIVED_CONTACT = "archived_contact"
    DUPLICATE = "duplicate"  # a number or name another record holds
    NAME_TAKEN = "name_taken"  # contacts: the name (or number) is held by another contact
    OTHER = "other"


class ProviderError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RetryLater(ProviderError):
    """The call may succeed if repeated later."""


class Transient(RetryLater):
    def __init__(self, message: str, *, uncertain: bool = False) -> None:
        super().__init__(message)
        self.uncertain = uncertain


class RateLimited(RetryLater):
    def __init__(self, message: str, *, retry_after: float, scope: str = "minute") -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.scope = scope

    @property
    def is_daily(self) -> bool:
        return self.scope == "day"


class NeedsReauth(ProviderError):
    """The refresh token or grant is no longer valid; only the user can fix it."""


class RecordError(ProviderError):
    def __init__(
        self, message: str, *, field: str | None = None, reason: Reason = Reason.OTHER
    ) -> None:
        super().__init__(message)
        self.field = field
        self.reason = reason


class Rejected(RecordError):
    """The provider refused the record as invalid; `message` is its own words."""


class Locked(RecordError):
    """The document can no longer change there: closed period, paid, reconciled."""


class Conflict(RecordError):
    """Optimistic concurrency: the provider's copy moved on since it was read."""


class Misconfigured(ProviderError):
    """The tenant's settings name something the provider does not have or accept."""
