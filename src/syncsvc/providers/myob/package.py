"""MYOB Business behind the provider protocol: the company file a consent names (the
redirect's `businessId` and `businessName`), where it lives (its `Uri` on a shard host) and
which product it is (AccountRight or Essentials, by its UIAccessFlags), its books; no
webhooks."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from syncsvc.providers.base import (
    Books,
    Notification,
    Organisation,
    ProviderFacts,
    ProviderSession,
    TokenSet,
)
from syncsvc.providers.errors import Rejected
from syncsvc.providers.myob.books import MyobBooks
from syncsvc.providers.myob.client import MyobClient
from syncsvc.providers.myob.spec import ACCOUNTRIGHT, ESSENTIALS, ESSENTIALS_FLAGS, MYOB

_SHARD = re.compile(r"^(api|ar[a-z]?\d+)$")


def trusted_uri(uri: str, api_base_url: str, business_id: str) -> bool:
    """A company file's `Uri` the token may be sent to: this API's own host, or one of its
    shard hosts (`ar2.api.myob.com` below `api.myob.com`), naming the same file."""
    given, base = urlsplit(uri), urlsplit(api_base_url)
    if given.scheme != base.scheme or given.path.rstrip("/").rsplit("/", 1)[-1].lower() != (
        business_id.lower()
    ):
        return False
    if given.netloc == base.netloc:
        return True
    host, base_host = given.hostname or "", base.hostname or ""
    label, _, parent = host.partition(".")
    return bool(_SHARD.match(label)) and parent == base_host


class MyobPackage:
    def __init__(self, facts: ProviderFacts = MYOB, api_key: str | None = None) -> None:
        self._facts = facts
        self._api_key = api_key or ""  # the OAuth client id, sent as x-myobapi-key

    @property
    def facts(self) -> ProviderFacts:
        return self._facts

    async def organisations(
        self, http: httpx.AsyncClient, token: TokenSet, callback: Mapping[str, str]
    ) -> list[Organisation]:
        """The one company file the consent covers, named on the redirect (keys made after
        March 2025 list none: FACTS.md 1.2); its root says where it lives and what it is."""
        business_id = str(callback.get("businessId") or "")
        try:
            business_id = str(uuid.UUID(business_id))
        except ValueError:
            raise Rejected("MYOB named no company file (businessId) on the redirect") from None
        base = f"{self._facts.api_base_url}/{business_id}"
        client = MyobClient(http, self._facts, token, self._api_key, base)
        root = await client.get("")
        nested = root.get("CompanyFile")
        info: dict[str, Any] = nested if isinstance(nested, dict) else root
        uri = str(info.get("Uri") or base).rstrip("/")
        if not trusted_uri(uri, self._facts.api_base_url, business_id):
            raise Rejected(f"MYOB named the company file at an address it does not serve: {uri}")
        flags = info.get("UIAccessFlags")
        essentials = flags is not None and int(flags) in ESSENTIALS_FLAGS
        product = ESSENTIALS if essentials else ACCOUNTRIGHT
        name = str(callback.get("businessName") or info.get("Name") or business_id)
        return [
            Organisation(
                id=business_id, name=name[:255], details={"uri": uri, "product": product.name}
            )
        ]

    async def disconnect(
        self, http: httpx.AsyncClient, token: TokenSet, organisation: Organisation
    ) -> None:
        """MYOB has no revocation endpoint and no per-file connection to delete: forgetting
        the tokens, which the connection service does, is what disconnects."""
        return

    def open(self, session: ProviderSession) -> Books:
        return MyobBooks(session, self._facts, self._api_key)

    def webhook(
        self, headers: Mapping[str, str], body: bytes, secret: str
    ) -> list[Notification] | None:
        """MYOB sends no webhooks (capabilities.webhooks is False): nothing is ever signed."""
        return None
