"""An invoice line's income account: line > supply item > job type > default."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from syncsvc.records.canonical import Line
from syncsvc.settings.resolution import income_account, surcharge_account
from syncsvc.settings.schemas import (
    AccountSettings,
    JobTypeOverride,
    Overrides,
    PaymentMethodOverride,
    SupplyOverride,
)

SETTINGS = AccountSettings(
    labour_income_account="200", materials_income_account="210", default_income_account="260"
)
OVERRIDES = Overrides(
    job_types={"jt": JobTypeOverride(labour_income_account="201")},
    supplies={"valve": SupplyOverride(income_account="212")},
    payment_methods={"card": PaymentMethodOverride(surcharge_account="270")},
)


def make_line(**changes: Any) -> Line:
    fields: dict[str, Any] = {
        "kind": "labour",
        "description": "x",
        "quantity": Decimal(1),
        "unit_price": Decimal(1),
    }
    fields.update(changes)
    return Line(**fields)


@pytest.mark.parametrize(
    ("line", "job_type", "expected"),
    [
        (make_line(account_code="999", supply_item_id="valve"), "jt", "999"),
        (make_line(kind="material", supply_item_id="valve"), "jt", "212"),
        (make_line(kind="labour", supply_item_id="unknown"), "jt", "201"),
        (make_line(kind="labour"), None, "200"),
        (make_line(kind="material"), "jt", "210"),
        (make_line(kind="other"), "jt", "260"),
    ],
)
def test_income_account_precedence(line: Line, job_type: str | None, expected: str) -> None:
    assert income_account(line, job_type, SETTINGS, OVERRIDES) == expected


def test_falls_back_to_default_then_nothing() -> None:
    only_default = AccountSettings(default_income_account="260")
    assert income_account(make_line(), None, only_default, Overrides()) == "260"
    assert income_account(make_line(), None, AccountSettings(), Overrides()) is None


def test_surcharge_account() -> None:
    assert surcharge_account("card", SETTINGS, OVERRIDES) == "270"
    assert surcharge_account("cash", SETTINGS, OVERRIDES) == "260"
    assert surcharge_account(None, AccountSettings(), Overrides()) is None
