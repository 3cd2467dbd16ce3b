"""Money and quantity arithmetic on Decimal only."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
FOUR_PLACES = Decimal("0.0001")


def to_cents(value: Decimal) -> Decimal:
    """Round half away from zero to two places, as the accounting packages do per line."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def to_four_places(value: Decimal) -> Decimal:
    return value.quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)
