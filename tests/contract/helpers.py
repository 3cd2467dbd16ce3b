"""What the contract cases do with a package's books: write one record and expect it written,
build a push item under the key the package chooses, read every page of a scan."""

from __future__ import annotations

from typing import Any

from syncsvc.models.enums import RecordKind
from syncsvc.providers.base import PushItem
from syncsvc.providers.documents import Link
from tests.contract.drivers import Connected


async def push_one(connected: Connected, item: PushItem) -> Link:
    [answer] = await connected.books.push(item.kind, [item])
    assert answer.error is None, answer.error
    assert answer.link is not None
    assert answer.link.id
    return answer.link


def item_for(
    connected: Connected, kind: RecordKind, host_id: str, document: Any, **kw: Any
) -> PushItem:
    """A push item for `document`, linked under the package's key unless `link` is given."""
    key = connected.books.key_for(kind, host_id, document)
    link = kw.pop("link", None) or Link(key=key)
    return PushItem(kind, host_id, document, link, **kw)


async def scan_all(connected: Connected, kind: RecordKind, query: Any) -> list[Any]:
    found: list[Any] = []
    async for page in connected.books.scan(kind, query):
        found += page
    return found
