"""Reading QuickBooks: queries paged by STARTPOSITION/MAXRESULTS (1,000 at most), lists
matched `IN` 50 values at a time (the language has no OR), change data capture with its
deletions, and the payments that link sales documents (their receipts and credits)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any

from syncsvc.providers.quickbooks.client import QuickBooksClient, quoted
from syncsvc.providers.quickbooks.mapping import linked_payment_ids

PAGE = 1000
IN_CHUNK = 50
Body = dict[str, Any]
# Lists answer active records only unless a query names `Active`.
LISTS = ("Customer", "Vendor", "Item", "Account", "TaxCode", "TaxRate", "PaymentMethod")


def in_list(values: Sequence[str]) -> str:
    return "(" + ", ".join(quoted(value) for value in values) + ")"


def chunks(values: Sequence[str], size: int = IN_CHUNK) -> list[list[str]]:
    unique = list(dict.fromkeys(values))
    return [unique[start : start + size] for start in range(0, len(unique), size)]


def moment(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds")


async def pages(
    client: QuickBooksClient, entity: str, where: str = "", order: str = ""
) -> AsyncIterator[list[Body]]:
    """Every record of `entity` matching `where`, a page at a time."""
    start = 1
    while True:
        # QuickBooks' query language, not SQL: values are quoted by `quoted`.
        statement = f"select * from {entity}"  # noqa: S608
        if where:
            statement += f" where {where}"
        if order:
            statement += f" orderby {order}"
        statement += f" startposition {start} maxresults {PAGE}"
        found = await client.query(statement)
        docs = [doc for doc in found.get(entity) or [] if isinstance(doc, dict)]
        yield docs
        if len(docs) < PAGE:
            return
        start += PAGE


async def matching(
    client: QuickBooksClient, entity: str, field: str, values: Sequence[str], extra: str = ""
) -> list[Body]:
    """The records whose `field` is one of `values`."""
    found: list[Body] = []
    for chunk in chunks(values):
        where = f"{field} in {in_list(chunk)}"
        if extra:
            where = f"{where} and {extra}"
        async for page in pages(client, entity, where):
            found += page
    return found


def every_state(entity: str) -> str:
    """The condition that includes inactive list records (a customer made inactive)."""
    return "Active in (true, false)" if entity in LISTS else ""


async def changes(client: QuickBooksClient, entity: str, since: datetime) -> list[Body]:
    """CDC: every change since `since` (deletions as `status: Deleted`), oldest first."""
    answer = await client.get("cdc", {"entities": entity, "changedSince": moment(since)})
    found: list[Body] = []
    for cdc in answer.get("CDCResponse") or []:
        for response in cdc.get("QueryResponse") or []:
            if isinstance(response, dict):
                found += [doc for doc in response.get(entity) or [] if isinstance(doc, dict)]
    return found


async def payments_linking(client: QuickBooksClient, docs: Sequence[Body]) -> dict[str, Body]:
    """The payments these sales documents' LinkedTxn name, by Id."""
    ids = [payment_id for doc in docs for payment_id in linked_payment_ids(doc)]
    if not ids:
        return {}
    return {str(p["Id"]): p for p in await matching(client, "Payment", "Id", ids)}
