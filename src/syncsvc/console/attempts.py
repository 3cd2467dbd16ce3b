"""Failed console sign-ins, counted so the admin token cannot be guessed at speed: after
`per_address` failures from one address within `window`, that address is refused until its
oldest failure leaves the window; after `overall` failures from all addresses together, every
address is (many addresses guessing at once). A successful sign-in clears its address.

Kept in memory: a restart forgets the count, which costs a guesser a restart per few tries.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=15)
PER_ADDRESS = 5
OVERALL = 50


@dataclass
class SignInAttempts:
    window: timedelta = WINDOW
    per_address: int = PER_ADDRESS
    overall: int = OVERALL
    _failures: dict[str, deque[datetime]] = field(default_factory=dict)
    _all: deque[datetime] = field(default_factory=deque)

    def _forget_before(self, now: datetime) -> None:
        oldest = now - self.window
        while self._all and self._all[0] <= oldest:
            self._all.popleft()
        for address in list(self._failures):
            failures = self._failures[address]
            while failures and failures[0] <= oldest:
                failures.popleft()
            if not failures:
                del self._failures[address]

    def wait(self, address: str, now: datetime) -> timedelta | None:
        """How long `address` must wait before it may try again; None: it may try now."""
        self._forget_before(now)
        waits = []
        failures = self._failures.get(address)
        if failures is not None and len(failures) >= self.per_address:
            waits.append(failures[-self.per_address] + self.window - now)
        if len(self._all) >= self.overall:
            waits.append(self._all[-self.overall] + self.window - now)
        return max(waits) if waits else None

    def failed(self, address: str, now: datetime) -> None:
        self._failures.setdefault(address, deque()).append(now)
        self._all.append(now)

    def succeeded(self, address: str) -> None:
        self._failures.pop(address, None)
