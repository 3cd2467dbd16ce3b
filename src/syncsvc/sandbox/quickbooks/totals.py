"""Sales lines and their tax as QuickBooks computes them outside the US: each line's
`Amount` is `Qty x UnitPrice` to the cent (6070 if a sent Amount disagrees), each line taxed
by its own `TaxCodeRef` and rounded line by line, `TxnTaxDetail` built from the lines (one
`TaxLine` per rate), a `SubTotalLine` appended, and `TotalAmt` from both."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from syncsvc.sandbox.quickbooks.company import Company
from syncsvc.sandbox.quickbooks.wire import (
    QboFault,
    business,
    decimal_of,
    not_found,
    object_of,
    objects_of,
    required,
    text_of,
)

Doc = dict[str, Any]
CENT = Decimal("0.01")
ZERO = Decimal("0")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Totals:
    lines: list[Doc]
    tax_detail: Doc
    total: Decimal


def ref_of(doc: Doc, key: str, element: str = "") -> str | None:
    """The Id a `{"value": ...}` reference names, or None when it is absent."""
    value = object_of(doc.get(key), f"{element}{key}").get("value")
    return None if value in (None, "") else text_of(value, f"{element}{key}.value")


def _rate(company: Company, code_id: str, element: str) -> tuple[str, Decimal]:
    code = company.get("TaxCode", code_id)
    if code is None or not code.get("Active", True):
        raise not_found("TaxCode", code_id)
    details = code.get("SalesTaxRateList", {}).get("TaxRateDetail", [])
    if not details:
        raise business(f"Tax code {code['Name']} cannot be used on sales", element)
    rate_id = str(details[0]["TaxRateRef"]["value"])
    rate = company.get("TaxRate", rate_id)
    if rate is None:
        raise not_found("TaxRate", rate_id)
    return rate_id, Decimal(rate["RateValue"])


def _amounts(line: Doc, detail: Doc, element: str) -> tuple[Decimal, Decimal, Decimal]:
    qty = decimal_of(detail.get("Qty"), f"{element}.SalesItemLineDetail.Qty")
    price = decimal_of(detail.get("UnitPrice"), f"{element}.SalesItemLineDetail.UnitPrice")
    amount = decimal_of(line.get("Amount"), f"{element}.Amount")
    if qty and price is not None and (price or amount is None):
        expected = cents(qty * price)
        if amount is not None and amount != expected:
            raise QboFault(
                6070,
                "Amount calculation incorrect in the request",
                f"Amount is not equal to UnitPrice * Qty. Supplied value:{amount}",
                f"{element}.Amount",
            )
        return qty, price, expected
    if amount is None:
        raise required(f"{element}.Amount")
    if qty:
        return qty, amount / qty, cents(amount)
    return Decimal("1"), amount, cents(amount)


def taxed_line(
    amount: Decimal, rate: Decimal, calculation: str
) -> tuple[Decimal, Decimal, Decimal]:
    """(tax, net, gross) of a line of `amount` taxed at `rate` percent, rounded line by line:
    inclusive, the tax is inside the amount; exclusive, on top of it."""
    if calculation == "TaxInclusive":
        tax = cents(amount * rate / (100 + rate))
        return tax, amount - tax, amount
    tax = cents(amount * rate / 100)
    return tax, amount, amount + tax


def tax_detail(taxed: dict[str, list[Decimal]], percents: dict[str, Decimal]) -> Doc:
    """`TxnTaxDetail` from the tax and the net amount taxed at each rate (rate Id ->
    [tax, net]), one `TaxLine` a rate."""
    return {
        "TotalTax": sum((tax for tax, _ in taxed.values()), ZERO),
        "TaxLine": [
            {
                "Amount": tax,
                "DetailType": "TaxLineDetail",
                "TaxLineDetail": {
                    "TaxRateRef": {"value": rate_id},
                    "PercentBased": True,
                    "TaxPercent": percents[rate_id],
                    "NetAmountTaxable": net,
                },
            }
            for rate_id, (tax, net) in sorted(taxed.items())
        ],
    }


class TaxTally:
    """A transaction's tax, rate by rate, as its lines are taxed one at a time."""

    def __init__(self) -> None:
        self.taxed: defaultdict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
        self.percents: dict[str, Decimal] = {}

    def add(
        self, amount: Decimal, rate_id: str, rate: Decimal, calculation: str, detail: Doc
    ) -> tuple[Decimal, Decimal]:
        """(tax, gross) of one line; an inclusive line's amount is kept on its `detail`."""
        self.percents[rate_id] = rate
        tax, net, gross = taxed_line(amount, rate, calculation)
        if calculation == "TaxInclusive":
            detail["TaxInclusiveAmt"] = amount
        self.taxed[rate_id][0] += tax
        self.taxed[rate_id][1] += net
        return tax, gross

    def detail(self) -> Doc:
        return tax_detail(self.taxed, self.percents)


def compute(company: Company, raw_lines: Any, calculation: str) -> Totals:
    """The stored lines, the tax detail and the total for a sales transaction's `Line`."""
    if raw_lines is None:
        raise required("Line")
    raw_lines = objects_of(raw_lines, "Line")
    lines: list[Doc] = []
    tally = TaxTally()
    subtotal = ZERO
    gross_total = ZERO
    for index, line in enumerate(raw_lines):
        element = f"Line[{index}]"
        kind = line.get("DetailType")
        number = len(lines) + 1
        if kind == "SubTotalLineDetail":
            continue  # derived: QuickBooks adds its own
        if kind == "DescriptionOnly":
            lines.append(
                {
                    "Id": str(number),
                    "LineNum": number,
                    "Description": text_of(line.get("Description", ""), f"{element}.Description"),
                    "DetailType": "DescriptionOnly",
                    "DescriptionLineDetail": object_of(
                        line.get("DescriptionLineDetail"), f"{element}.DescriptionLineDetail"
                    ),
                }
            )
            continue
        if kind != "SalesItemLineDetail":
            raise QboFault(
                2010,
                "Request has invalid or unsupported property",
                f"Property Name:DetailType specified is unsupported or invalid: {kind}",
                f"{element}.DetailType",
            )
        detail = object_of(line.get("SalesItemLineDetail"), f"{element}.SalesItemLineDetail")
        prefix = f"{element}.SalesItemLineDetail."
        item_id = ref_of(detail, "ItemRef", prefix)
        if item_id is None:
            raise required(f"{element}.SalesItemLineDetail.ItemRef")
        item = company.get("Item", item_id)
        if item is None or not item.get("Active", True):
            raise not_found("Item", item_id)
        qty, price, amount = _amounts(line, detail, element)
        code_id = ref_of(detail, "TaxCodeRef", prefix)
        stored_detail: Doc = {
            "ItemRef": {"value": item_id, "name": item["Name"]},
            "Qty": qty,
            "UnitPrice": price,
        }
        for key in ("ServiceDate", "ClassRef"):
            if detail.get(key):
                stored_detail[key] = detail[key]
        stored_detail["ItemAccountRef"] = item["IncomeAccountRef"]
        gross = amount
        if calculation != "NotApplicable":
            if code_id is None:
                raise business(
                    "Make sure all your transactions have a GST rate before you save.",
                    f"{element}.SalesItemLineDetail.TaxCodeRef",
                )
            rate_id, rate = _rate(company, code_id, element)
            _, gross = tally.add(amount, rate_id, rate, calculation, stored_detail)
            stored_detail["TaxCodeRef"] = {"value": code_id}
        elif code_id is not None:
            stored_detail["TaxCodeRef"] = {"value": code_id}
        subtotal += amount
        gross_total += gross
        stored: Doc = {
            "Id": str(number),
            "LineNum": number,
            "Amount": amount,
            "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": stored_detail,
        }
        if line.get("Description"):
            stored["Description"] = text_of(line["Description"], f"{element}.Description")
        lines.append(stored)
    if not any(line["DetailType"] == "SalesItemLineDetail" for line in lines):
        raise required("Line")
    lines.append({"Amount": subtotal, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}})
    return Totals(lines, tally.detail(), gross_total)
