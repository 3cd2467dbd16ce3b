"""A small checker of QuickBooks JSON against Intuit's XSDs (shared/reference/quickbooks),
read with xml.etree: for each complexType the child elements and attributes it allows (its
base types' included), for each simpleType its enumeration; a JSON object is checked key by
key, recursively by the type each key has. JSON uses the XSD's element and attribute names;
a simpleContent type (ReferenceType) is `{"value": ..., <attributes>}`."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest

XS = "{http://www.w3.org/2001/XMLSchema}"
REFERENCE = Path(__file__).resolve().parents[4] / "shared" / "reference" / "quickbooks"
FILES = ("IntuitBaseTypes.xsd", "IntuitNamesTypes.xsd", "Finance.xsd", "IntuitRestServiceDef.xsd")


@dataclass
class ComplexType:
    base: str | None = None
    children: dict[str, str | None] = field(default_factory=dict)  # name -> type
    attributes: dict[str, str | None] = field(default_factory=dict)
    simple_content: bool = False
    any_children: bool = False


@dataclass
class Schema:
    types: dict[str, ComplexType] = field(default_factory=dict)
    enums: dict[str, set[str]] = field(default_factory=dict)
    elements: dict[str, str] = field(default_factory=dict)  # top-level element -> type
    groups: dict[str, ET.Element] = field(default_factory=dict)
    substitutes: dict[str, list[str]] = field(default_factory=dict)  # head -> members

    def allowed(self, type_name: str) -> ComplexType:
        """The type with its bases' children and attributes merged in."""
        own = self.types[type_name]
        if own.base is None or own.base not in self.types:
            return own
        base = self.allowed(own.base)
        return ComplexType(
            None,
            {**base.children, **own.children},
            {**base.attributes, **own.attributes},
            own.simple_content or base.simple_content,
            own.any_children or base.any_children,
        )


def _local(name: str | None) -> str | None:
    return None if name is None else name.split(":")[-1]


def _fill(schema: Schema, node: ET.Element, into: ComplexType, anonymous: str) -> None:
    for child in node:
        tag = child.tag.removeprefix(XS)
        if tag == "element":
            ref = _local(child.get("ref"))
            if ref is not None:
                members = schema.substitutes.get(ref)
                if members is None:
                    into.children[ref] = schema.elements.get(ref)
                else:
                    for member in members:
                        into.children[member] = schema.elements[member]
                continue
            name = child.get("name", "")
            inline = child.find(f"{XS}complexType")
            if inline is not None:
                type_name = f"{anonymous}.{name}"
                schema.types[type_name] = _complex(schema, inline, type_name)
                into.children[name] = type_name
            else:
                into.children[name] = _local(child.get("type"))
        elif tag == "attribute":
            into.attributes[child.get("name", "")] = _local(child.get("type"))
        elif tag == "group":
            _fill(schema, schema.groups[_local(child.get("ref")) or ""], into, anonymous)
        elif tag == "any":
            into.any_children = True
        elif tag in ("extension", "restriction"):
            into.base = _local(child.get("base"))
            _fill(schema, child, into, anonymous)
        elif tag == "simpleContent":
            into.simple_content = True
            _fill(schema, child, into, anonymous)
        elif tag in ("sequence", "choice", "all", "complexContent"):
            _fill(schema, child, into, anonymous)


def _complex(schema: Schema, node: ET.Element, name: str) -> ComplexType:
    found = ComplexType()
    _fill(schema, node, found, name)
    return found


@cache
def schema() -> Schema:
    if not REFERENCE.exists():
        pytest.skip(f"Intuit's XSDs are not beside the project ({REFERENCE})")
    # Intuit's own schema files, read from the reference folder: trusted input.
    roots = [ET.parse(REFERENCE / name).getroot() for name in FILES]  # noqa: S314
    found = Schema()
    for root in roots:
        for node in root.findall(f"{XS}group"):
            found.groups[node.get("name", "")] = node
        for node in root.findall(f"{XS}element"):
            found.elements[node.get("name", "")] = _local(node.get("type")) or ""
            head = _local(node.get("substitutionGroup"))
            if head is not None:
                found.substitutes.setdefault(head, []).append(node.get("name", ""))
        for node in root.findall(f"{XS}simpleType"):
            values = {e.get("value", "") for e in node.iter(f"{XS}enumeration")}
            if values:
                found.enums[node.get("name", "")] = values
    for root in roots:
        for node in root.findall(f"{XS}complexType"):
            name = node.get("name", "")
            found.types[name] = _complex(found, node, name)
    return found


def problems(value: Any, type_name: str | None, path: str = "") -> list[str]:
    """Every place `value` strays from `type_name`: unknown keys, values outside an enum."""
    known = schema()
    if type_name is None or type_name.startswith("xs") or type_name == "id":
        return [] if not isinstance(value, dict) else [f"{path}: an object for a simple value"]
    if type_name in known.enums:
        if isinstance(value, str) and value not in known.enums[type_name]:
            return [f"{path}: {value!r} is not one of {type_name}"]
        return []
    if type_name not in known.types:
        return []  # a simpleType without an enumeration (a restricted string)
    if isinstance(value, list):
        return [
            p for i, item in enumerate(value) for p in problems(item, type_name, f"{path}[{i}]")
        ]
    shape = known.allowed(type_name)
    if not isinstance(value, dict):
        return [] if shape.simple_content else [f"{path}: {type_name} must be an object"]
    found: list[str] = []
    for key, item in value.items():
        where = f"{path}.{key}" if path else key
        if key in shape.children:
            found += problems(item, shape.children[key], where)
        elif key in shape.attributes:
            found += problems(item, shape.attributes[key], where)
        elif shape.simple_content and key == "value":
            continue
        elif not shape.any_children:
            found.append(f"{where}: not an element or attribute of {type_name}")
    return found


def assert_entity(entity: str, value: Any) -> None:
    """`value` is a valid `<entity>` (Invoice, Customer, ...) by Intuit's XSDs."""
    found = problems(value, schema().elements[entity], entity)
    assert not found, "; ".join(found[:8])


def assert_response(value: Any) -> None:
    """A whole answer (`{"Invoice": ..., "time": ...}`, QueryResponse, Fault) is an
    IntuitResponse by Intuit's XSDs."""
    found = problems(value, "IntuitResponse", "IntuitResponse")
    assert not found, "; ".join(found[:8])
