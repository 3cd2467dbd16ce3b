"""One company file's books and MYOB's rules for them (FACTS.md sections 2, 4 and 7):
customers, sales (a negative one is a credit), payments, credit settlements and refunds,
each part in its own module; a new file comes seeded from `chart.py`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from syncsvc.sandbox.myob.customers import Customers
from syncsvc.sandbox.myob.fields import Record
from syncsvc.sandbox.myob.receipts import Receipts
from syncsvc.sandbox.myob.sales import Sales
from syncsvc.sandbox.myob.seed import seed

__all__ = ["Ledger", "Record"]


class Ledger(Customers, Sales, Receipts):
    def __init__(self, now: Callable[[], datetime]) -> None:
        super().__init__(now)
        seed(self)
