"""ORM tables; migrations/env.py imports this package's metadata."""

from syncsvc.models.base import Base
from syncsvc.models.connection import Connection, OAuthState, PullCursor
from syncsvc.models.customer_import import CustomerImport
from syncsvc.models.event import Event
from syncsvc.models.pull import ProviderNotification, PulledDocument
from syncsvc.models.reconciliation import Reconciliation
from syncsvc.models.record import SyncRecord
from syncsvc.models.settings import AccountOverride, TenantSettings
from syncsvc.models.tenant import ApiKey, Tenant
from syncsvc.models.webhook import HostWebhook, WebhookDelivery

__all__ = [
    "AccountOverride",
    "ApiKey",
    "Base",
    "Connection",
    "CustomerImport",
    "Event",
    "HostWebhook",
    "OAuthState",
    "ProviderNotification",
    "PullCursor",
    "PulledDocument",
    "Reconciliation",
    "SyncRecord",
    "Tenant",
    "TenantSettings",
    "WebhookDelivery",
]
