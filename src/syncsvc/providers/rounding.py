"""How far a package's total may fall from the host's before it is not rounding any more:
the same rule for every package. Each package computes its own total (its own per-line tax
arithmetic) and adds its own kind of rounding line; this decides whether one is due."""

from __future__ import annotations

from decimal import Decimal

from syncsvc.providers.documents import SalesDocument
from syncsvc.providers.errors import Misconfigured, Rejected

ROUNDING_TOLERANCE = Decimal("0.10")


def rounding_gap(
    document: SalesDocument,
    total: Decimal,
    label: str,
    package_possessive: str,
    account_hint: str = "",
) -> Decimal | None:
    """The amount a rounding line must carry so the package's `total` meets the host's
    (None: no line is due). More than the tolerance is a wrong tax code or rate, refused;
    a gap with no rounding account set is a setting to fix. `package_possessive`: "Xero's";
    `account_hint`: what the package needs of that account (" to an income account")."""
    if document.host_total is None:
        return None
    difference = document.host_total - total
    if difference == 0:
        return None
    if abs(difference) > ROUNDING_TOLERANCE:
        raise Rejected(
            f"{label}: the host's total {document.host_total} and {package_possessive} {total} "
            f"differ by {difference}, more than rounding; check the lines' tax codes"
        )
    if not document.rounding_account:
        raise Misconfigured(
            f"{label}: {package_possessive} total differs from the host's by {difference}; set "
            f"rounding_account in the settings{account_hint}"
        )
    return difference
