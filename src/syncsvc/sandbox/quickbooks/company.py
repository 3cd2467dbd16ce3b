"""One QuickBooks company (a realm): its entities by type and Id, the change log that CDC
and webhooks read, deleted entities' tombstones, its preferences and the `requestid`
answers it remembers."""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from syncsvc.sandbox.quickbooks.chart import company_info, preferences, seed_entities

Doc = dict[str, Any]
Key = tuple[str, ...]  # an index entry: ("name", entity, name), ("link", type, Id), ...
Ref = tuple[str, str]  # (entity, Id)

# What the API reads and writes, by the name QuickBooks uses in URLs, queries and envelopes.
WRITABLE = (
    "Customer",
    "Item",
    "Invoice",
    "Payment",
    "CreditMemo",
    "Vendor",
    "Bill",
    "Purchase",
    "BillPayment",
)
# Employees are read only here: they are in the sandbox for the one name namespace they
# share with customers and vendors (6240).
READ_ONLY = ("Account", "TaxCode", "TaxRate", "PaymentMethod", "Employee")
NAMED = ("Customer", "Vendor", "Employee")
ENTITIES = WRITABLE + READ_ONLY
# CDC covers every entity but these (FACTS.md section 2).
NOT_IN_CDC = ("TaxCode", "TaxRate")
# Webhooks are sent for these: what the API writes, but Items.
NOTIFIED = tuple(entity for entity in WRITABLE if entity != "Item")


def entity_named(name: str) -> str | None:
    """`invoice`, `Invoice` or `INVOICE` -> `Invoice` (URLs are lower case)."""
    for entity in (*ENTITIES, "Preferences", "CompanyInfo"):
        if entity.lower() == name.lower():
            return entity
    return None


@dataclass
class Change:
    entity: str
    entity_id: str
    operation: str  # Create, Update, Delete, Void (webhook operations)
    at: datetime


@dataclass
class Remembered:
    """A `requestid`'s first answer, given again for the same id."""

    status: int
    body: Doc


@dataclass
class Company:
    realm_id: str
    name: str
    clock: Callable[[], datetime]
    entities: dict[str, dict[str, Doc]] = field(default_factory=dict)
    deleted: dict[str, dict[str, Doc]] = field(default_factory=dict)
    next_ids: dict[str, int] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    requests: dict[str, Remembered] = field(default_factory=dict)
    voided: set[tuple[str, str]] = field(default_factory=set)  # (entity, Id): no more changes
    prefs: Doc = field(default_factory=dict)
    info: Doc = field(default_factory=dict)
    # Duplicate DocNumbers are refused (6140) when this is on: QuickBooks' "warn if duplicate
    # number" preference, which the XSD does not expose.
    unique_doc_numbers: bool = True
    next_doc_number: int = 1001
    # What the rules look up on every write, kept beside the entities so no write scans the
    # whole company: names, DocNumbers, each customer's sales documents, each document's
    # payments. `put` and `remove` keep it.
    index: defaultdict[Key, set[Ref]] = field(default_factory=lambda: defaultdict(set))
    index_keys: dict[Ref, set[Key]] = field(default_factory=dict)
    # Created by earlier items of the batch being run: a later item cannot see them.
    unseen: set[Ref] = field(default_factory=set)

    def __post_init__(self) -> None:
        now = self.clock()
        self.entities = {entity: {} for entity in ENTITIES}
        for entity, seeded in seed_entities(now).items():
            for doc in seeded.values():
                self.put(entity, doc)
        self.deleted = {entity: {} for entity in ENTITIES}
        self.next_ids = {
            entity: 1 + max((int(i) for i in docs), default=0)
            for entity, docs in self.entities.items()
        }
        self.prefs = preferences(now, None)
        self.info = company_info(self.realm_id, self.name, now)

    # --- ids, reads -----------------------------------------------------------------------

    def new_id(self, entity: str) -> str:
        value = self.next_ids[entity]
        self.next_ids[entity] = value + 1
        return str(value)

    def get(self, entity: str, entity_id: str) -> Doc | None:
        if (entity, str(entity_id)) in self.unseen:
            return None
        return self.entities[entity].get(str(entity_id))

    def all(self, entity: str) -> list[Doc]:
        docs = self.entities[entity].values()
        if self.unseen:
            return [doc for doc in docs if (entity, doc["Id"]) not in self.unseen]
        return list(docs)

    def indexed(self, key: Key) -> set[Ref]:
        return self.index.get(key, set())

    # --- writes ---------------------------------------------------------------------------

    @staticmethod
    def _keys(entity: str, doc: Doc) -> set[Key]:
        keys: set[Key] = set()
        if entity in NAMED:
            keys.add(("name", "names", str(doc["DisplayName"]).lower()))
        elif entity == "Item":
            keys.add(("name", entity, str(doc["Name"]).lower()))
        elif entity in ("Invoice", "CreditMemo"):
            keys.add(("customer", doc["CustomerRef"]["value"]))
            if doc.get("DocNumber"):
                keys.add(("doc", entity, doc["DocNumber"]))
        elif entity in ("Payment", "BillPayment"):
            for line in doc["Line"]:
                link = line["LinkedTxn"][0]
                keys.add(("link", link["TxnType"], link["TxnId"]))
        elif entity == "Bill":
            keys.add(("vendor", doc["VendorRef"]["value"]))
        return keys

    def _unindex(self, ref: Ref) -> None:
        for key in self.index_keys.pop(ref, set()):
            self.index[key].discard(ref)
            if not self.index[key]:
                del self.index[key]

    def put(self, entity: str, doc: Doc) -> None:
        """Keep `doc` (new, replaced, or changed in place) and its index entries."""
        ref = (entity, doc["Id"])
        self.entities[entity][doc["Id"]] = doc
        self._unindex(ref)
        keys = self._keys(entity, doc)
        self.index_keys[ref] = keys
        for key in keys:
            self.index[key].add(ref)

    def record(self, entity: str, doc: Doc, operation: str) -> None:
        """Stamp `MetaData` and keep the change for CDC and webhooks."""
        now = self.clock()
        meta = doc.setdefault("MetaData", {})
        meta.setdefault("CreateTime", now)
        meta["LastUpdatedTime"] = now
        if operation != "Create":
            doc["SyncToken"] = str(int(doc.get("SyncToken", "0")) + 1)
        self.changes.append(Change(entity, doc["Id"], operation, now))

    def remove(self, entity: str, entity_id: str) -> Doc:
        doc = self.entities[entity].pop(entity_id)
        self._unindex((entity, entity_id))
        now = self.clock()
        tombstone = {
            "Id": entity_id,
            "status": "Deleted",
            "domain": "QBO",
            "MetaData": {"LastUpdatedTime": now},
        }
        self.deleted[entity][entity_id] = tombstone
        self.changes.append(Change(entity, entity_id, "Delete", now))
        return {**copy.deepcopy(tombstone), "SyncToken": doc.get("SyncToken", "0")}

    # --- preferences ----------------------------------------------------------------------

    @property
    def book_close_date(self) -> date | None:
        value = self.prefs["AccountingInfoPrefs"].get("BookCloseDate")
        return date.fromisoformat(value) if value else None

    def set_book_close_date(self, value: date | None) -> None:
        accounting = self.prefs["AccountingInfoPrefs"]
        if value is None:
            accounting.pop("BookCloseDate", None)
        else:
            accounting["BookCloseDate"] = value.isoformat()
        self.prefs["SyncToken"] = str(int(self.prefs["SyncToken"]) + 1)
        self.prefs["MetaData"]["LastUpdatedTime"] = self.clock()

    def sales_custom_fields(self) -> dict[str, str]:
        """DefinitionId -> name of the sales-form custom fields switched on."""
        names: dict[str, str] = {}
        on: set[str] = set()
        for group in self.prefs["SalesFormsPrefs"].get("CustomField") or []:
            for pair in group.get("CustomField") or []:
                label = str(pair.get("Name") or "")
                number = label[len(label.rstrip("0123456789")) :]
                if label.startswith("SalesFormsPrefs.SalesCustomName"):
                    names[number] = str(pair.get("StringValue") or "")
                elif label.startswith("SalesFormsPrefs.UseSalesCustom") and pair.get(
                    "BooleanValue"
                ):
                    on.add(number)
        return {number: name for number, name in names.items() if number in on and name}

    @property
    def custom_txn_numbers(self) -> bool:
        return bool(self.prefs["SalesFormsPrefs"].get("CustomTxnNumbers", True))
