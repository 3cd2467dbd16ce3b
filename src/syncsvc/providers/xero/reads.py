"""Reading what changed in Xero: paged `If-Modified-Since` reads, and Xero's dates.

Xero answers timestamps as `/Date(1700000000000+0000)/` (milliseconds since the epoch, with
an offset that is `+0000` for UTC values); dates are such a timestamp at midnight UTC.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from syncsvc.providers.xero.client import XeroClient

PAGE_SIZE = 1000  # Xero's largest page for the paged GETs (FACTS.md)
_MS_DATE = re.compile(r"/Date\((-?\d+)([+-]\d{4})?\)/")


def parse_datetime(value: Any) -> datetime | None:
    """A Xero timestamp (`/Date(ms+0000)/` or ISO 8601) as an aware UTC datetime."""
    if not isinstance(value, str) or not value:
        return None
    matched = _MS_DATE.fullmatch(value)
    if matched:
        moment = datetime.fromtimestamp(int(matched.group(1)) / 1000, tz=UTC)
        offset = matched.group(2)
        if offset and offset != "+0000":
            sign = 1 if offset[0] == "+" else -1
            shift = timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5]))
            moment -= sign * shift
        return moment
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_date(value: Any) -> date | None:
    moment = parse_datetime(value)
    return None if moment is None else moment.date()


async def changed_since(
    client: XeroClient, resource: str, since: datetime, params: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """Every document of `resource` changed after `since`, oldest change first, in pages of
    1,000: an unchanged organisation costs one call."""
    documents: list[dict[str, Any]] = []
    page = 1
    header = {"If-Modified-Since": since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")}
    while True:
        query = {
            **(params or {}),
            "order": "UpdatedDateUTC ASC",
            "page": str(page),
            "pageSize": str(PAGE_SIZE),
        }
        answer = await client.get(resource, params=query, headers=header)
        found = list(answer.get(resource) or [])
        documents += found
        if len(found) < PAGE_SIZE:
            return documents
        page += 1


async def pages(
    client: XeroClient, resource: str, params: dict[str, str] | None = None
) -> AsyncIterator[list[dict[str, Any]]]:
    """Every document of `resource`, a page of 1,000 at a time."""
    page = 1
    while True:
        query = {**(params or {}), "page": str(page), "pageSize": str(PAGE_SIZE)}
        answer = await client.get(resource, params=query)
        found = list(answer.get(resource) or [])
        yield found
        if len(found) < PAGE_SIZE:
            return
        page += 1
