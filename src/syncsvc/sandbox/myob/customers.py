"""Customer cards (`Contact/Customer`): the fields MYOB requires, names, addresses, the
selling details every sale takes its tax codes and terms from."""

from __future__ import annotations

from syncsvc.sandbox.myob.books import Books
from syncsvc.sandbox.myob.errors import MyobError, required, serialization, validation
from syncsvc.sandbox.myob.fields import ZERO, Record, text_field
from syncsvc.sandbox.myob.wire import Rel, parse_whole


class Customers(Books):
    # --- customers ------------------------------------------------------------------------

    def create_customer(self, body: Record) -> Record:
        uid = self.new_uid()
        customer: Record = {
            "UID": uid,
            "Type": "Customer",
            "URI": Rel(f"Contact/Customer/{uid}"),
            "CurrentBalance": ZERO,
        }
        self._apply_customer(customer, body, creating=True)
        self._touch(customer)
        self.customers[uid] = customer
        return customer

    def update_customer(self, uid: str, body: Record) -> Record:
        customer = self.customer(uid)
        self._check_version(customer, body)
        candidate = dict(customer)
        self._apply_customer(candidate, body, creating=False)
        customer.update(candidate)
        self._touch(customer)
        self._relink_customer(customer)
        return customer

    def customer(self, uid: str) -> Record:
        customer = self.customers.get(uid.lower())
        if customer is None:
            raise MyobError(404, "NotFound", "The customer was not found", "UID")
        return customer

    def _apply_customer(self, customer: Record, body: Record, *, creating: bool) -> None:
        individual = body.get("IsIndividual", None if creating else customer["IsIndividual"])
        if individual is None:
            raise required("IsIndividual")
        if not isinstance(individual, bool):
            raise serialization("IsIndividual", individual)
        merged = {**customer, **body}
        if individual:
            last = text_field(merged, "LastName", 30, needed=True)
            first = text_field(merged, "FirstName", 20)
            company = None
        else:
            company = text_field(merged, "CompanyName", 50, needed=True)
            last = first = None
        display_id = text_field(merged, "DisplayID", 15) or f"CUS{next(self._card_numbers):06d}"
        addresses = merged.get("Addresses") or []
        if not isinstance(addresses, list) or len(addresses) > 5:
            raise validation("MaxLength", "A card has at most five addresses", "Addresses")
        for position, address in enumerate(addresses, 1):
            if not isinstance(address, dict):
                raise serialization("Addresses", address)
            location = parse_whole(address.get("Location"), "Addresses.Location", position)
            if not 1 <= location <= 5:
                raise validation("OutOfRange", "Location must be 1 to 5", "Addresses.Location")
            address["Location"] = location
        selling = dict(customer.get("SellingDetails") or {})
        selling_in = body.get("SellingDetails") or {}
        if not isinstance(selling_in, dict):
            raise serialization("SellingDetails", selling_in)
        selling.update(selling_in)
        tax = self._find(self.tax_codes, selling, "TaxCode", "TaxCode")
        freight = self._find(self.tax_codes, selling, "FreightTaxCode", "TaxCode")
        income = (
            self._posting_account(selling, "IncomeAccount")
            if selling.get("IncomeAccount")
            else None
        )
        layout = selling.get("SaleLayout", "NoDefault")
        credit = selling.get("Credit") or {"Limit": ZERO, "OnHold": False}
        if not isinstance(credit, dict) or not isinstance(credit.get("OnHold", False), bool):
            raise serialization("SellingDetails.Credit", credit)
        customer.update(
            {
                "CompanyName": company,
                "LastName": last,
                "FirstName": first,
                "IsIndividual": individual,
                "DisplayID": display_id,
                "IsActive": bool(merged.get("IsActive", True)),
                "Addresses": addresses,
                "Notes": text_field(merged, "Notes", 255),
                "SellingDetails": {
                    "SaleLayout": layout,
                    "InvoiceDelivery": selling.get("InvoiceDelivery", "Print"),
                    "IncomeAccount": self._link_account(income) if income else None,
                    "ABN": selling.get("ABN"),
                    "TaxCode": self._link_tax(tax),
                    "FreightTaxCode": self._link_tax(freight),
                    "UseCustomerTaxCode": bool(selling.get("UseCustomerTaxCode", False)),
                    "Terms": selling.get("Terms")
                    or {"PaymentIsDue": "InAGivenNumberOfDays", "BalanceDueDate": 30},
                    "Credit": credit,
                },
            }
        )

    def delete_customer(self, uid: str) -> None:
        customer = self.customer(uid)
        in_use = any(i["Customer"]["UID"] == customer["UID"] for i in self.invoices.values())
        if in_use:
            raise validation(
                "CardHasTransactions",
                "The card cannot be deleted because it has transactions",
                "UID",
            )
        del self.customers[customer["UID"]]

    def change_customer(self, uid: str, name: str | None, active: bool | None) -> Record:
        """The MYOB user edits the card: its name (the company name, or a person's last
        name) and whether it is active."""
        customer = self.customer(uid)
        if name is not None:
            customer["LastName" if customer["IsIndividual"] else "CompanyName"] = name
        if active is not None:
            customer["IsActive"] = active
        self._touch(customer)
        self._relink_customer(customer)
        return customer

    def _relink_customer(self, customer: Record) -> None:
        # Links answer the card's current name, as MYOB's do.
        link = self._link_customer(customer)
        for record in [*self.invoices.values(), *self.payments.values()]:
            if record["Customer"]["UID"] == customer["UID"]:
                record["Customer"] = link
