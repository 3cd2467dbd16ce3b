"""Reading a company file's collections: OData filters, `$top` pages followed by
`NextPageLink`, and filters over many keys or ids cut into calls of a few each."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime
from typing import Any

from syncsvc.providers.myob.client import MyobClient
from syncsvc.providers.myob.mapping import guid, quoted

PAGE = 1000  # MYOB's largest `$top` (FACTS.md 2.7)
CHUNK = 10  # keys or ids in one `$filter`: short addresses, few calls

Body = dict[str, Any]


async def pages(
    client: MyobClient, path: str, where: str = "", order: str = ""
) -> AsyncIterator[list[Body]]:
    """Every page of a collection (filtered by `where`), following `NextPageLink`."""
    params = {"$top": str(PAGE)}
    if where:
        params["$filter"] = where
    if order:
        params["$orderby"] = order
    answer = await client.get(path, params)
    while True:
        items = [item for item in answer.get("Items") or [] if isinstance(item, dict)]
        if items:
            yield items
        following = answer.get("NextPageLink")
        if not following or not items:
            return
        answer = await client.get(str(following))


def chunks(values: Sequence[str]) -> list[list[str]]:
    return [list(values[i : i + CHUNK]) for i in range(0, len(values), CHUNK)]


async def matching(
    client: MyobClient, path: str, field: str, values: Sequence[str], *, ids: bool = False
) -> list[Body]:
    """The records whose `field` is one of `values` (`ids`: GUID literals)."""
    found: list[Body] = []
    for chunk in chunks(sorted(set(values))):
        literal = guid if ids else quoted
        where = " or ".join(f"{field} eq {literal(value)}" for value in chunk)
        async for page in pages(client, path, where):
            found += page
    return found


def moment(value: datetime) -> str:
    """A `datetime'...'` literal in UTC, as MYOB's LastModified is kept (FACTS.md 2.7)."""
    return f"datetime'{value.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S')}'"


def day(value: date) -> str:
    return f"datetime'{value.isoformat()}T00:00:00'"
