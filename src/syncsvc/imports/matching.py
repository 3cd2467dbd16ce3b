"""Which host customer a contact in the accounting package is: by customer number, then email,
then normalised name. A key two host customers share matches neither (it is reported)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from syncsvc.providers.documents import Contact

# Words that say what kind of company it is, not which: "Harbour Cafe Ltd" is "Harbour Cafe".
LEGAL_SUFFIXES = {"ltd", "limited", "pty", "inc", "llc", "co", "company", "corp", "plc"}


def normalise_name(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = text.replace("&", " and ")
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    while words and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


@dataclass(frozen=True)
class HostCustomer:
    host_id: str
    number: str | None
    email: str | None
    name: str
    provider_id: str | None


@dataclass(frozen=True)
class Match:
    host_id: str | None
    by: str | None  # customer_number, email, name
    ambiguous: tuple[str, ...] = ()


class Matcher:
    def __init__(self, customers: list[HostCustomer]) -> None:
        keys: list[tuple[str, Callable[[HostCustomer], str]]] = [
            ("customer_number", lambda c: (c.number or "").strip()),
            ("email", lambda c: (c.email or "").strip().lower()),
            ("name", lambda c: normalise_name(c.name)),
        ]
        self.indexes: list[tuple[str, dict[str, list[str]]]] = []
        for by, key in keys:
            index: dict[str, list[str]] = {}
            for customer in customers:
                value = key(customer)
                if value:
                    index.setdefault(value, []).append(customer.host_id)
            self.indexes.append((by, index))

    def match(self, contact: Contact) -> Match:
        keys = {
            "customer_number": (contact.number or "").strip(),
            "email": (contact.email or "").strip().lower(),
            "name": normalise_name(contact.name),
        }
        for by, index in self.indexes:
            found = index.get(keys[by]) if keys[by] else None
            if not found:
                continue
            if len(found) > 1:
                return Match(None, None, tuple(sorted(found)))
            return Match(found[0], by)
        return Match(None, None)
