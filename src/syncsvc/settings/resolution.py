"""Which account a host line lands in. Income (invoice lines): line > supply item > job type >
default. Costs (supplier invoice lines, expenses): line > job type's expenses account > the
default for the document (`supplier_invoice_account` for bills, `expenses_account` for
expenses)."""

from __future__ import annotations

from syncsvc.records.canonical import Line
from syncsvc.settings.schemas import AccountSettings, Overrides


def income_account(
    line: Line, job_type_id: str | None, settings: AccountSettings, overrides: Overrides
) -> str | None:
    """The account code for a line, or None when nothing is configured for it."""
    if line.account_code:
        return line.account_code
    if line.supply_item_id and line.supply_item_id in overrides.supplies:
        return overrides.supplies[line.supply_item_id].income_account
    job_type = overrides.job_types.get(job_type_id) if job_type_id else None
    if line.kind == "labour":
        by_job_type = job_type.labour_income_account if job_type else None
        return by_job_type or settings.labour_income_account or settings.default_income_account
    if line.kind == "material":
        by_job_type = job_type.materials_income_account if job_type else None
        return by_job_type or settings.materials_income_account or settings.default_income_account
    return settings.default_income_account


def surcharge_account(
    payment_method_id: str | None, settings: AccountSettings, overrides: Overrides
) -> str | None:
    method = overrides.payment_methods.get(payment_method_id) if payment_method_id else None
    if method and method.surcharge_account:
        return method.surcharge_account
    return settings.default_income_account


def purchase_account(
    line_account: str | None, job_type_id: str | None, default: str | None, overrides: Overrides
) -> str | None:
    """The account for a cost: the line's own, its job type's expenses account, `default`."""
    if line_account:
        return line_account
    job_type = overrides.job_types.get(job_type_id) if job_type_id else None
    return (job_type.expenses_account if job_type else None) or default
