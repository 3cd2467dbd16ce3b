"""The XSD checker the tests use: Intuit's schema files read afresh from
shared/reference/quickbooks with xml.etree (`syncsvc.sandbox.quickbooks.schema`), so what
the sandbox accepts and answers is held to the XSDs themselves, not only to the table the
sandbox loads."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from syncsvc.sandbox.quickbooks.schema import Schema, read_xsds

if TYPE_CHECKING:
    from tests.sandbox.quickbooks.conftest import QuickBooksSession

REFERENCE = Path(__file__).resolve().parents[4] / "shared" / "reference" / "quickbooks"


@cache
def schema() -> Schema:
    if not REFERENCE.exists():
        pytest.skip(f"Intuit's XSDs are not beside the project ({REFERENCE})")
    return read_xsds(REFERENCE)


def problems(value: Any, type_name: str | None, path: str = "") -> list[str]:
    return schema().problems(value, type_name, path)


def assert_entity(entity: str, value: Any) -> None:
    """`value` is a valid `<entity>` (Invoice, Customer, ...) by Intuit's XSDs."""
    found = schema().entity_problems(entity, value)
    assert not found, "; ".join(found[:8])


def assert_response(value: Any) -> None:
    """A whole answer (`{"Invoice": ..., "time": ...}`, QueryResponse, Fault) is an
    IntuitResponse by Intuit's XSDs."""
    found = problems(value, "IntuitResponse", "IntuitResponse")
    assert not found, "; ".join(found[:8])


async def sent(qbo: QuickBooksSession, entity: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST a request entity that conforms, and check the answer conforms too."""
    assert_entity(entity, body)
    answer = await qbo.post(entity.lower(), body)
    assert answer.status_code == 200, answer.text
    assert_response(answer.json())
    created: dict[str, Any] = answer.json()[entity]
    return created
