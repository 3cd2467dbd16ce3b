"""Xero's arithmetic: each line's amount and tax rounded to cents on their own, then summed
(FACTS.md "Rounding"), so the sandbox's totals disagree with a subtotal-taxing system by the
same cents Xero's do."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def decimal_of(value: Any, default: str = "0") -> Decimal:
    if value is None or value == "":
        return Decimal(default)
    return Decimal(str(value))


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    total_tax: Decimal
    total: Decimal


def line_amount(line: dict[str, Any]) -> Decimal:
    """Quantity * UnitAmount * (1 - DiscountRate/100), to cents; LineAmount when given alone."""
    if line.get("UnitAmount") is None and line.get("LineAmount") is not None:
        return cents(decimal_of(line["LineAmount"]))
    quantity = decimal_of(line.get("Quantity"), "1")
    unit = decimal_of(line.get("UnitAmount"))
    discount = decimal_of(line.get("DiscountRate"))
    return cents(quantity * unit * (HUNDRED - discount) / HUNDRED)


def line_tax(amount: Decimal, rate_percent: Decimal, amount_types: str) -> Decimal:
    if amount_types == "NoTax" or rate_percent == 0:
        return Decimal("0.00")
    rate = rate_percent / HUNDRED
    if amount_types == "Inclusive":
        return cents(amount * rate / (1 + rate))
    return cents(amount * rate)


def compute(lines: list[dict[str, Any]], amount_types: str, rates: dict[str, Decimal]) -> Totals:
    """Fill each line's LineAmount and TaxAmount and return the document's totals."""
    amounts = Decimal("0.00")
    taxes = Decimal("0.00")
    for line in lines:
        amount = line_amount(line)
        tax = line_tax(
            amount, rates.get(str(line.get("TaxType") or "NONE"), Decimal(0)), amount_types
        )
        line["LineAmount"] = amount
        line["TaxAmount"] = tax
        amounts += amount
        taxes += tax
    if amount_types == "Inclusive":
        return Totals(subtotal=amounts - taxes, total_tax=taxes, total=amounts)
    return Totals(subtotal=amounts, total_tax=taxes, total=amounts + taxes)
