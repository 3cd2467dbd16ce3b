"""Xero's read parameters on lists: `where` (parsed in `where.py`), `order`,
`page`/`pageSize`, `If-Modified-Since`, and the id/number/status filters."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from syncsvc.sandbox.xero.documents import Doc
from syncsvc.sandbox.xero.where import WhereError, compile_where

MAX_PAGE_SIZE = 1000


class BadQuery(ValueError):
    pass


def _value(doc: Doc, path: str) -> Any:
    value: Any = doc
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def modified_since(header: str | None) -> datetime | None:
    if not header:
        return None
    try:
        value = datetime.fromisoformat(header.replace("Z", "+00:00"))
    except ValueError:
        try:
            value = parsedate_to_datetime(header)
        except (TypeError, ValueError) as exc:
            raise BadQuery("If-Modified-Since is not a date") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def select(
    docs: list[Doc], params: dict[str, str], since: datetime | None, id_key: str
) -> list[Doc]:
    """Filter, order and page as Xero does."""
    found = [d for d in docs if since is None or d["UpdatedDateUTC"] > since]
    ids = params.get("IDs")
    if ids:
        wanted = set(ids.split(","))
        found = [d for d in found if d[id_key] in wanted]
    for param, key in (("InvoiceNumbers", "InvoiceNumber"), ("Statuses", "Status")):
        if params.get(param):
            wanted = set(params[param].split(","))
            found = [d for d in found if d.get(key) in wanted]
    if params.get("ContactIDs"):
        wanted = set(params["ContactIDs"].split(","))
        found = [d for d in found if (d.get("Contact") or {}).get("ContactID") in wanted]
    if params.get("includeArchived", "false").lower() != "true" and id_key == "ContactID":
        found = [d for d in found if d.get("ContactStatus") != "ARCHIVED"]
    where = params.get("where")
    if where:
        try:
            keep = compile_where(where)
        except WhereError as exc:
            raise BadQuery(str(exc)) from None
        found = [d for d in found if keep(d)]
    order = params.get("order")
    if order:
        field, _, direction = order.partition(" ")
        found.sort(
            key=lambda d: (_value(d, field) is None, _value(d, field) or ""),
            reverse=direction.strip().upper() == "DESC",
        )
    if "page" in params:
        try:
            page = max(1, int(params["page"]))
            size = min(MAX_PAGE_SIZE, max(1, int(params.get("pageSize", "100"))))
        except ValueError as exc:
            raise BadQuery("page and pageSize are numbers") from exc
        found = found[(page - 1) * size : page * size]
    return found
