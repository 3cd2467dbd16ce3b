"""The Xero emulator's state as plain data and back (for `sandbox/persistence.py`).

Kept: apps, organisations with their charts, settings and documents, grants, refresh and
access tokens, the consent choice and the refresh counters. Not kept: authorisation codes
(five minutes' life), idempotency keys, and changes not yet sent as webhooks."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from syncsvc.sandbox.xero.documents import Books
from syncsvc.sandbox.xero.store import (
    Client,
    Grant,
    Organisation,
    RefreshState,
    TokenSet,
    XeroStore,
)

_BOOKS = ("contacts", "invoices", "payments", "credit_notes", "bank_transactions")


def snapshot(store: XeroStore) -> dict[str, Any]:
    return {
        "clients": [asdict(c) for c in store.clients.values()],
        "organisations": [_organisation(o) for o in store.organisations.values()],
        "grants": [asdict(g) for g in store.grants.values()],
        "refresh_tokens": [
            {
                "token_set": asdict(r.token_set),
                "last_used_at": r.last_used_at,
                "rotated_at": r.rotated_at,
                "successor": asdict(r.successor) if r.successor else None,
            }
            for r in store.refresh_tokens.values()
        ],
        "access_tokens": [asdict(t) for t in store.access_tokens.values()],
        "consent_organisations": list(store.consent_organisations),
        "refreshes_served": store.refreshes_served,
        "refresh_requests": store.refresh_requests,
    }


def _organisation(organisation: Organisation) -> dict[str, Any]:
    books = organisation.documents
    return {
        "tenant_id": organisation.tenant_id,
        "name": organisation.name,
        "created_at": organisation.created_at,
        "accounts": organisation.accounts,
        "tax_rates": organisation.tax_rates,
        "tracking_categories": organisation.tracking_categories,
        "period_lock_date": organisation.period_lock_date,
        "base_currency": organisation.base_currency,
        "items": organisation.items,
        "books": {name: getattr(books, name) for name in _BOOKS},
    }


def restore(store: XeroStore, state: dict[str, Any]) -> None:
    store.clients = {c["client_id"]: Client(**c) for c in state["clients"]}
    store.organisations = {}
    for saved in state["organisations"]:
        organisation = _restore_organisation(store, saved)
        store.organisations[organisation.tenant_id] = organisation
    store.grants = {g["grant_id"]: Grant(**g) for g in state["grants"]}
    store.codes = {}
    store.refresh_tokens = {}
    for saved in state["refresh_tokens"]:
        token_set = TokenSet(**saved["token_set"])
        successor = TokenSet(**saved["successor"]) if saved["successor"] else None
        store.refresh_tokens[token_set.refresh_token] = RefreshState(
            token_set, saved["last_used_at"], saved["rotated_at"], successor
        )
    store.access_tokens = {t["access_token"]: TokenSet(**t) for t in state["access_tokens"]}
    store.consent_organisations = list(state["consent_organisations"])
    store.refreshes_served = int(state["refreshes_served"])
    store.refresh_requests = int(state["refresh_requests"])


def _restore_organisation(store: XeroStore, saved: dict[str, Any]) -> Organisation:
    organisation = Organisation(
        tenant_id=saved["tenant_id"],
        name=saved["name"],
        created_at=saved["created_at"],
        accounts=saved["accounts"],
        tax_rates=saved["tax_rates"],
        tracking_categories=saved["tracking_categories"],
        period_lock_date=saved["period_lock_date"],
        base_currency=saved["base_currency"],
        items=saved["items"],
    )
    organisation.books = Books(
        new_id=store.new_id,
        now=store.clock,
        accounts=organisation.accounts,
        tax_rates=organisation.tax_rates,
        tracking=organisation.tracking_categories,
        lock_date=lambda: organisation.lock_date,
        **saved["books"],
    )
    return organisation
