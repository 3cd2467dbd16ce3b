"""Xero's read parameters on lists: `where` (the forms a sync service sends), `order`,
`page`/`pageSize`, `If-Modified-Since`, and the id/number/status filters."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from syncsvc.sandbox.xero.documents import Doc, parse_date

MAX_PAGE_SIZE = 1000
_CLAUSE = re.compile(r"^\s*(?P<field>[A-Za-z.]+)\s*(?P<op>==|!=|>=|<=|>|<)\s*(?P<value>.+?)\s*$")
_DATETIME = re.compile(r"^DateTime\((\d+),\s*(\d+),\s*(\d+)(?:,\s*(\d+),\s*(\d+),\s*(\d+))?\)$")
_GUID = re.compile(r'^Guid\("([^"]+)"\)$')


class BadQuery(ValueError):
    pass


def _literal(text: str) -> Any:
    if text.startswith('"') and text.endswith('"'):
        return text[1:-1]
    if text in ("true", "false"):
        return text == "true"
    match = _DATETIME.match(text)
    if match:
        year, month, day, hour, minute, second = (int(p or 0) for p in match.groups())
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    match = _GUID.match(text)
    if match:
        return match.group(1)
    raise BadQuery(f"cannot read the value {text!r}")


def _value(doc: Doc, path: str) -> Any:
    value: Any = doc
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _comparable(left: Any, right: Any) -> tuple[Any, Any]:
    if isinstance(right, datetime):
        if isinstance(left, datetime):
            return left, right
        day = parse_date(left)
        return (None if day is None else datetime(day.year, day.month, day.day, tzinfo=UTC)), right
    return left, right


def matches(doc: Doc, where: str | None) -> bool:
    """`A AND B`, `A && B`, and alternatives joined by `OR` / `||`."""
    if not where:
        return True
    return any(
        _all_match(doc, alternative) for alternative in re.split(r"\s+OR\s+|\s*\|\|\s*", where)
    )


def _all_match(doc: Doc, where: str) -> bool:
    for clause in re.split(r"\s+AND\s+|\s*&&\s*", where):
        match = _CLAUSE.match(clause)
        if match is None:
            raise BadQuery(f"cannot read the filter {clause!r}")
        left, right = _comparable(_value(doc, match["field"]), _literal(match["value"]))
        op = match["op"]
        if op == "==" and left != right:
            return False
        if op == "!=" and left == right:
            return False
        if op in (">", ">=", "<", "<=") and (left is None or not _ordered(left, right, op)):
            return False
    return True


def _ordered(left: Any, right: Any, op: str) -> bool:
    if op == ">":
        return bool(left > right)
    if op == ">=":
        return bool(left >= right)
    if op == "<":
        return bool(left < right)
    return bool(left <= right)


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
    found = [d for d in found if matches(d, params.get("where"))]
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
