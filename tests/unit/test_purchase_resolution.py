"""Where a cost lands: the line's own account > the job type's expenses account > the default
(`supplier_invoice_account` for bills, `expenses_account` for expenses); a missing one fails
the record naming the setting; tax codes go through the package's tax mapping."""

from __future__ import annotations

from decimal import Decimal

import pytest

from syncsvc.providers.errors import Misconfigured
from syncsvc.providers.xero.spec import XERO
from syncsvc.push import prepare
from syncsvc.push.prepare import Policy, policy_for
from syncsvc.records.canonical import Expense, SupplierInvoice
from syncsvc.settings.resolution import purchase_account
from syncsvc.settings.schemas import AccountSettings, JobTypeOverride, Overrides, XeroSettings
from tests.factories import expense, supplier_invoice

OVERRIDES = Overrides(
    job_types={
        "install": JobTypeOverride(expenses_account="400"),
        "repair": JobTypeOverride(labour_income_account="200"),  # no expense override
    }
)


def policy(**settings: object) -> Policy:
    chosen = AccountSettings.model_validate(
        {
            "supplier_invoice_account": "310",
            "expenses_account": "429",
            "xero": XeroSettings(tax_types={"GST-IN": "INPUT2"}),
            **settings,
        }
    )
    return policy_for(chosen, OVERRIDES, XERO, True)


@pytest.mark.parametrize(
    ("line_account", "job_type", "default", "expected"),
    [
        ("500", "install", "310", "500"),  # the line's own wins over everything
        (None, "install", "310", "400"),  # then the job type's expenses account
        (None, "repair", "310", "310"),  # a job type without one: the default
        (None, "unknown", "310", "310"),
        (None, None, "310", "310"),
        (None, None, None, None),  # nothing configured
        (None, "install", None, "400"),
    ],
)
def test_a_costs_account_resolves_line_then_job_type_then_default(
    line_account: str | None, job_type: str | None, default: str | None, expected: str | None
) -> None:
    assert purchase_account(line_account, job_type, default, OVERRIDES) == expected


def test_a_bills_lines_take_their_accounts_and_mapped_tax_codes() -> None:
    record = SupplierInvoice.model_validate(
        supplier_invoice(
            job_type_id="install",
            lines=[
                {"description": "a", "unit_price": "1", "tax_code": "GST-IN"},
                {"description": "b", "unit_price": "2", "account_code": "429", "tax_code": "X"},
                {"description": "c", "unit_price": "3", "job_type_id": "repair"},
            ],
        )
    )
    document = prepare.bill(record, "bill-1", "contact-1", policy())
    assert document.kind == "bill"
    assert document.number == "PS-88123"
    assert document.contact == "contact-1"
    assert document.paid_from is None
    assert [line.account for line in document.lines] == ["400", "429", "310"]
    assert [line.tax_code for line in document.lines] == ["INPUT2", "X", None]
    assert document.lines[0].quantity == Decimal("1.0000")


def test_an_expense_is_one_line_in_the_expenses_account_paid_from_its_bank() -> None:
    record = Expense.model_validate(expense())
    document = prepare.expense(record, "exp-1", "", policy())
    assert document.kind == "expense"
    assert document.paid_from == "090"
    assert document.payee == "Harbour Fuel"
    assert document.due_date is None
    [line] = document.lines
    assert (line.account, line.unit_price, line.quantity) == ("429", Decimal("86.25"), Decimal(1))
    assert document.tax_mode == "inclusive"


def test_an_expense_owed_is_due_on_its_date_unless_it_says_otherwise() -> None:
    owed = expense(supplier_id="sup-1", payee=None, paid_from_account=None)
    document = prepare.expense(Expense.model_validate(owed), "exp-1", "c-1", policy())
    assert document.paid_from is None
    assert document.due_date == document.issue_date


def test_a_missing_account_names_the_setting_to_set() -> None:
    bill = SupplierInvoice.model_validate(supplier_invoice())
    with pytest.raises(
        Misconfigured, match="line 1: no expense account; set supplier_invoice_account"
    ):
        prepare.bill(bill, "bill-1", "c-1", policy(supplier_invoice_account=None))
    spent = Expense.model_validate(expense(job_type_id="repair"))
    with pytest.raises(
        Misconfigured,
        match="expense exp-1: no expense account; set expenses_account or an expenses_account "
        "for job type repair",
    ):
        prepare.expense(spent, "exp-1", "", policy(expenses_account=None))


def test_cost_lines_take_the_purchases_defaults_never_the_sales_ones() -> None:
    record = SupplierInvoice.model_validate(
        supplier_invoice(
            lines=[
                {"description": "a", "unit_price": "1", "tax_code": "GST-IN"},
                {"description": "b", "unit_price": "2", "tax_code": "X"},
                {"description": "c", "unit_price": "3"},
            ],
        )
    )
    chosen = policy(
        xero=XeroSettings(
            tax_types={"GST-IN": "INPUT2"},
            purchases_tax_type="INPUT3",
            purchases_tax_free_type="NONE",
        )
    )
    document = prepare.bill(record, "bill-1", "contact-1", chosen)
    assert [line.tax_code for line in document.lines] == ["INPUT2", "INPUT3", "NONE"]
    spent = prepare.expense(Expense.model_validate(expense(tax_code=None)), "e", "", chosen)
    assert [line.tax_code for line in spent.lines] == ["NONE"]
