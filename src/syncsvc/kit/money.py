"""Money and quantity arithmetic on Decimal only."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
FOUR_PLACES = Decimal("0.0001")


def to_cents(value: Decimal) -> Decimal:
    """Round half away from zero to two places, as the accounting packages do per line."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def to_four_places(value: Decimal) -> Decimal:
    return value.quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


def decimal_places(value: Decimal) -> int:
    """Number of digits after the point that carry information (trailing zeros ignored)."""
    exponent = value.normalize().as_tuple().exponent
    if not isinstance(exponent, int):  # NaN / Infinity have no places
        return 0
    return max(0, -exponent)
