"""Intuit's XSDs as the sandbox uses them: which keys each type allows and which values each
enumeration has, so a body naming a property QuickBooks does not have is refused (2010)
instead of kept. JSON uses the XSDs' element and attribute names; a simpleContent type
(ReferenceType) is `{"value": ..., <attributes>}`.

`read_xsds` reads the schema files with xml.etree; the table the sandbox loads
(`schema.json`, beside this module) is written from them by
`python -m syncsvc.sandbox.quickbooks.schema <folder with the XSDs>`."""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

XS = "{http://www.w3.org/2001/XMLSchema}"
FILES = ("IntuitBaseTypes.xsd", "IntuitNamesTypes.xsd", "Finance.xsd", "IntuitRestServiceDef.xsd")
TABLE = Path(__file__).with_name("schema.json")


@dataclass
class Shape:
    """What one complexType allows, its base types' keys included."""

    keys: dict[str, str | None] = field(default_factory=dict)  # element or attribute -> type
    value: bool = False  # simpleContent: `{"value": ...}`
    open: bool = False  # xs:any: anything goes
    base: str | None = None


@dataclass
class Schema:
    shapes: dict[str, Shape] = field(default_factory=dict)
    enums: dict[str, list[str]] = field(default_factory=dict)
    elements: dict[str, str] = field(default_factory=dict)  # top-level element -> type

    def problems(self, value: Any, type_name: str | None, path: str = "") -> list[str]:
        """Every place `value` strays from `type_name`: keys the type does not have, values
        outside an enumeration, objects where a simple value belongs."""
        if type_name is None or type_name.startswith("xs") or type_name == "id":
            return [f"{path}: an object for a simple value"] if isinstance(value, dict) else []
        if type_name in self.enums:
            if isinstance(value, str) and value not in self.enums[type_name]:
                return [f"{path}: {value!r} is not one of {type_name}"]
            return []
        shape = self.shapes.get(type_name)
        if shape is None:
            return []  # a simpleType without an enumeration (a restricted string)
        if isinstance(value, list):
            return [
                p
                for i, item in enumerate(value)
                for p in self.problems(item, type_name, f"{path}[{i}]")
            ]
        if not isinstance(value, dict):
            return [] if shape.value else [f"{path}: {type_name} must be an object"]
        found: list[str] = []
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            if key in shape.keys:
                found += self.problems(item, shape.keys[key], where)
            elif not (shape.value and key == "value") and not shape.open:
                found.append(f"{where}: not an element or attribute of {type_name}")
        return found

    def entity_problems(self, entity: str, value: Any) -> list[str]:
        return self.problems(value, self.elements[entity], entity)

    def table(self) -> dict[str, Any]:
        return {
            "elements": dict(sorted(self.elements.items())),
            "enums": {k: sorted(v) for k, v in sorted(self.enums.items())},
            "shapes": {
                name: {"keys": dict(sorted(s.keys.items())), "value": s.value, "open": s.open}
                for name, s in sorted(self.shapes.items())
            },
        }


def _local(name: str | None) -> str | None:
    return None if name is None else name.split(":")[-1]


class _Reader:
    def __init__(self, roots: list[ET.Element]) -> None:
        self.schema = Schema()
        self.groups: dict[str, ET.Element] = {}
        self.substitutes: dict[str, list[str]] = {}
        for root in roots:
            for node in root.findall(f"{XS}group"):
                self.groups[node.get("name", "")] = node
            for node in root.findall(f"{XS}element"):
                self.schema.elements[node.get("name", "")] = _local(node.get("type")) or ""
                head = _local(node.get("substitutionGroup"))
                if head is not None:
                    self.substitutes.setdefault(head, []).append(node.get("name", ""))
            for node in root.findall(f"{XS}simpleType"):
                values = sorted({e.get("value", "") for e in node.iter(f"{XS}enumeration")})
                if values:
                    self.schema.enums[node.get("name", "")] = values
        for root in roots:
            for node in root.findall(f"{XS}complexType"):
                name = node.get("name", "")
                self.schema.shapes[name] = self._complex(node, name)
        for name in list(self.schema.shapes):
            self.schema.shapes[name] = self._flattened(name)

    def _complex(self, node: ET.Element, name: str) -> Shape:
        found = Shape()
        self._fill(node, found, name)
        return found

    def _fill(self, node: ET.Element, into: Shape, anonymous: str) -> None:
        for child in node:
            tag = child.tag.removeprefix(XS)
            if tag == "element":
                ref = _local(child.get("ref"))
                if ref is not None:
                    for member in self.substitutes.get(ref, [ref]):
                        into.keys[member] = self.schema.elements.get(member)
                    continue
                name = child.get("name", "")
                inline = child.find(f"{XS}complexType")
                if inline is not None:
                    type_name = f"{anonymous}.{name}"
                    self.schema.shapes[type_name] = self._complex(inline, type_name)
                    into.keys[name] = type_name
                else:
                    into.keys[name] = _local(child.get("type"))
            elif tag == "attribute":
                into.keys[child.get("name", "")] = _local(child.get("type"))
            elif tag == "group":
                self._fill(self.groups[_local(child.get("ref")) or ""], into, anonymous)
            elif tag == "any":
                into.open = True
            elif tag in ("extension", "restriction"):
                into.base = _local(child.get("base"))
                self._fill(child, into, anonymous)
            elif tag == "simpleContent":
                into.value = True
                self._fill(child, into, anonymous)
            elif tag in ("sequence", "choice", "all", "complexContent"):
                self._fill(child, into, anonymous)

    def _flattened(self, name: str) -> Shape:
        own = self.schema.shapes[name]
        if own.base is None or own.base not in self.schema.shapes:
            return Shape(dict(own.keys), own.value, own.open)
        base = self._flattened(own.base)
        return Shape({**base.keys, **own.keys}, own.value or base.value, own.open or base.open)


def read_xsds(folder: Path) -> Schema:
    """The schema from Intuit's XSD files in `folder` (trusted input: Intuit's own files)."""
    roots = [ET.parse(folder / name).getroot() for name in FILES]  # noqa: S314
    return _Reader(roots).schema


@cache
def load() -> Schema:
    """The table checked in beside this module."""
    table = json.loads(TABLE.read_text())
    return Schema(
        shapes={
            name: Shape(dict(s["keys"]), s["value"], s["open"])
            for name, s in table["shapes"].items()
        },
        enums={name: list(values) for name, values in table["enums"].items()},
        elements=dict(table["elements"]),
    )


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m syncsvc.sandbox.quickbooks.schema <folder with the XSDs>")
        return 2
    TABLE.write_text(json.dumps(read_xsds(Path(argv[0])).table(), indent=1) + "\n")
    print(f"wrote {TABLE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
