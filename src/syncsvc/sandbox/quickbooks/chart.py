"""The seeded company: an Australian QuickBooks Online company (GST 10% per line, tax
exclusive by default), because outside the US each line carries its own `TaxCodeRef` and
QuickBooks computes `TxnTaxDetail` from it; a US company since 2017 taxes by address
(Automated Sales Tax) and ignores line codes (FACTS.md section 5)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

Doc = dict[str, Any]

# Id, name, AccountType, AccountSubType, Classification
ACCOUNTS = (
    ("1", "Business Cheque Account", "Bank", "Checking", "Asset"),
    ("2", "Business Savings Account", "Bank", "Savings", "Asset"),
    ("3", "Undeposited Funds", "Other Current Asset", "UndepositedFunds", "Asset"),
    ("4", "Accounts Receivable (A/R)", "Accounts Receivable", "AccountsReceivable", "Asset"),
    ("5", "Sales", "Income", "SalesOfProductIncome", "Revenue"),
    ("6", "Services", "Income", "ServiceFeeIncome", "Revenue"),
    ("7", "Materials Income", "Income", "SalesOfProductIncome", "Revenue"),
    ("8", "Card Surcharges", "Other Income", "OtherMiscellaneousIncome", "Revenue"),
    ("9", "GST Liabilities Payable", "Other Current Liability", "GlobalTaxPayable", "Liability"),
    ("10", "Accounts Payable (A/P)", "Accounts Payable", "AccountsPayable", "Liability"),
    ("11", "Business Credit Card", "Credit Card", "CreditCard", "Liability"),
    ("12", "Cost of Sales", "Cost of Goods Sold", "SuppliesMaterialsCogs", "Expense"),
    ("13", "Subcontractors", "Cost of Goods Sold", "CostOfLaborCos", "Expense"),
    ("14", "Motor Vehicle Expenses", "Expense", "Auto", "Expense"),
    ("15", "Tools and Equipment Hire", "Expense", "EquipmentRental", "Expense"),
)
UNDEPOSITED_FUNDS = "3"
RECEIVABLES = "4"
PAYABLES = "10"
# Expense accounts and the tax code a line without its own takes (GST on purchases).
ACCOUNT_TAX_CODES = {"12": "1", "13": "1", "14": "1", "15": "1"}

# TaxRate Id, name, rate; TaxCode Id, name, description, rate id
TAX_RATES = (
    ("1", "GST (sales)", Decimal("10")),
    ("2", "GST free (sales)", Decimal("0")),
    ("3", "GST (purchases)", Decimal("10")),
    ("4", "GST free (purchases)", Decimal("0")),
)
# TaxCode Id, name, description, sales rate id, purchase rate id
TAX_CODES = (
    ("1", "GST", "GST 10%", "1", "3"),
    ("2", "FRE", "GST free", "2", "4"),
)

# Id, name, Type (the PaymentMethod `Type` is CREDIT_CARD or NON_CREDIT_CARD)
PAYMENT_METHODS = (
    ("1", "Cash", "NON_CREDIT_CARD"),
    ("2", "Cheque", "NON_CREDIT_CARD"),
    ("3", "EFT", "NON_CREDIT_CARD"),
    ("4", "Visa", "CREDIT_CARD"),
    ("5", "MasterCard", "CREDIT_CARD"),
)

# Sales-form custom fields (DefinitionId, name, shown on forms): QuickBooks has three, named
# in the UI only; one a person named and then switched off.
SALES_CUSTOM_FIELDS = (("1", "Lead source", True), ("2", "Crew #", False))

# Id, name, Type, income account Id, unit price
ITEMS = (
    ("1", "Services", "Service", "6", Decimal("0")),
    ("2", "Labour", "Service", "6", Decimal("95.00")),
    ("3", "Materials", "NonInventory", "7", Decimal("0")),
)


def _meta(now: datetime) -> Doc:
    return {"CreateTime": now, "LastUpdatedTime": now}


def seed_entities(now: datetime) -> dict[str, dict[str, Doc]]:
    """Every list entity a new company starts with, keyed by entity then Id."""
    accounts = {
        account_id: {
            "Id": account_id,
            "SyncToken": "0",
            "Name": name,
            "FullyQualifiedName": name,
            "SubAccount": False,
            "Active": True,
            "Classification": classification,
            "AccountType": account_type,
            "AccountSubType": sub_type,
            "CurrentBalance": Decimal("0"),
            "CurrentBalanceWithSubAccounts": Decimal("0"),
            "CurrencyRef": {"value": "AUD", "name": "Australian Dollar"},
            "domain": "QBO",
            "sparse": False,
            "MetaData": _meta(now),
        }
        for account_id, name, account_type, sub_type, classification in ACCOUNTS
    }
    for account_id, code_id in ACCOUNT_TAX_CODES.items():
        accounts[account_id]["TaxCodeRef"] = {"value": code_id}
    rates = {
        rate_id: {
            "Id": rate_id,
            "SyncToken": "0",
            "Name": name,
            "Description": name,
            "Active": True,
            "RateValue": rate,
            "AgencyRef": {"value": "1"},
            "SpecialTaxType": "NONE" if rate else "ZERO_RATE",
            "DisplayType": "ReadOnly",
            "EffectiveTaxRate": [
                {"RateValue": rate, "EffectiveDate": datetime(2000, 7, 1, tzinfo=UTC)}
            ],
            "domain": "QBO",
            "sparse": False,
            "MetaData": _meta(now),
        }
        for rate_id, name, rate in TAX_RATES
    }
    codes = {
        code_id: {
            "Id": code_id,
            "SyncToken": "0",
            "Name": name,
            "Description": description,
            "Active": True,
            "Hidden": False,
            "Taxable": True,
            "TaxGroup": False,
            "SalesTaxRateList": {
                "TaxRateDetail": [
                    {
                        "TaxRateRef": {"value": rate_id, "name": rates[rate_id]["Name"]},
                        "TaxTypeApplicable": "TaxOnAmount",
                        "TaxOrder": 0,
                    }
                ]
            },
            "PurchaseTaxRateList": {
                "TaxRateDetail": [
                    {
                        "TaxRateRef": {"value": purchase_id, "name": rates[purchase_id]["Name"]},
                        "TaxTypeApplicable": "TaxOnAmount",
                        "TaxOrder": 0,
                    }
                ]
            },
            "domain": "QBO",
            "sparse": False,
            "MetaData": _meta(now),
        }
        for code_id, name, description, rate_id, purchase_id in TAX_CODES
    }
    methods = {
        method_id: {
            "Id": method_id,
            "SyncToken": "0",
            "Name": name,
            "Active": True,
            "Type": method_type,
            "domain": "QBO",
            "sparse": False,
            "MetaData": _meta(now),
        }
        for method_id, name, method_type in PAYMENT_METHODS
    }
    items = {
        item_id: {
            "Id": item_id,
            "SyncToken": "0",
            "Name": name,
            "FullyQualifiedName": name,
            "Active": True,
            "Type": item_type,
            "UnitPrice": price,
            "Taxable": False,
            "TrackQtyOnHand": False,
            "IncomeAccountRef": {"value": account_id, "name": accounts[account_id]["Name"]},
            "SalesTaxCodeRef": {"value": "1", "name": "GST"},
            "domain": "QBO",
            "sparse": False,
            "MetaData": _meta(now),
        }
        for item_id, name, item_type, account_id, price in ITEMS
    }
    return {
        "Account": accounts,
        "TaxRate": rates,
        "TaxCode": codes,
        "PaymentMethod": methods,
        "Item": items,
        # In the name namespace customers share (6240): a supplier and the owner.
        "Vendor": {
            "1": {
                "Id": "1",
                "SyncToken": "0",
                "DisplayName": "Reece Plumbing Supplies",
                "CompanyName": "Reece Plumbing Supplies",
                "PrintOnCheckName": "Reece",
                "Active": True,
                "Balance": Decimal("0"),
                "domain": "QBO",
                "sparse": False,
                "MetaData": _meta(now),
            }
        },
        "Employee": {
            "1": {
                "Id": "1",
                "SyncToken": "0",
                "DisplayName": "Sam Harbour",
                "GivenName": "Sam",
                "FamilyName": "Harbour",
                "PrintOnCheckName": "Sam Harbour",
                "Active": True,
                "domain": "QBO",
                "sparse": False,
                "MetaData": _meta(now),
            }
        },
    }


def sales_custom_fields() -> list[Doc]:
    """As Preferences answers them: one group of switches, one of names."""
    switches = [
        {"Name": f"SalesFormsPrefs.UseSalesCustom{n}", "Type": "BooleanType", "BooleanValue": on}
        for n, _, on in SALES_CUSTOM_FIELDS
    ]
    names = [
        {"Name": f"SalesFormsPrefs.SalesCustomName{n}", "Type": "StringType", "StringValue": name}
        for n, name, _ in SALES_CUSTOM_FIELDS
    ]
    return [{"CustomField": switches}, {"CustomField": names}]


def preferences(now: datetime, book_close_date: date | None) -> Doc:
    accounting: Doc = {
        "TrackDepartments": False,
        "ClassTrackingPerTxn": False,
        "ClassTrackingPerTxnLine": False,
        "FirstMonthOfFiscalYear": "July",
        "TaxYearMonth": "July",
        "CustomerTerminology": "Customers",
        "UseAccountNumbers": False,
    }
    if book_close_date is not None:
        accounting["BookCloseDate"] = book_close_date.isoformat()
    return {
        "AccountingInfoPrefs": accounting,
        "SalesFormsPrefs": {
            "CustomTxnNumbers": True,
            "AllowServiceDate": True,
            "AllowDiscount": False,
            "AllowDeposit": False,
            "AutoApplyCredit": True,
            "AutoApplyPayments": True,
            "CustomField": sales_custom_fields(),
        },
        "TaxPrefs": {"UsingSalesTax": True, "PartnerTaxEnabled": False},
        "CurrencyPrefs": {
            "MultiCurrencyEnabled": False,
            "HomeCurrency": {"value": "AUD"},
        },
        "Id": "1",
        "SyncToken": "0",
        "domain": "QBO",
        "sparse": False,
        "MetaData": _meta(now),
    }


def company_info(realm_id: str, name: str, now: datetime) -> Doc:
    address = {
        "Line1": "1 Harbour St",
        "City": "Sydney",
        "Country": "AU",
        "CountrySubDivisionCode": "NSW",
        "PostalCode": "2000",
    }
    return {
        "Id": "1",
        "SyncToken": "0",
        "CompanyName": name,
        "LegalName": name,
        "CompanyAddr": address,
        "LegalAddr": address,
        "CustomerCommunicationAddr": address,
        "Email": {"Address": "books@example.com"},
        "CompanyStartDate": now.date().isoformat(),
        "FiscalYearStartMonth": "July",
        "Country": "AU",
        "SupportedLanguages": "en",
        "DefaultTimeZone": "Australia/Sydney",
        "NameValue": [
            {"Name": "CompanyType", "Value": "Other"},
            {"Name": "OfferingSku", "Value": "QuickBooks Online Plus"},
        ],
        "domain": "QBO",
        "sparse": False,
        "MetaData": _meta(now),
    }
