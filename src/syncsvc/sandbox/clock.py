"""The sandbox's clock: emulated time runs `scale` times faster than real time, and tests can
set or advance it by hand (scale 0 stands still), so a minute of rate limit can pass in a
second, or in no time at all."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta


class ScaledClock:
    def __init__(self, start: datetime | None = None, scale: float = 1.0) -> None:
        self._anchor = start or datetime.now(UTC)
        self._real_anchor = time.monotonic()
        self.scale = scale

    def __call__(self) -> datetime:
        elapsed = (time.monotonic() - self._real_anchor) * self.scale
        return self._anchor + timedelta(seconds=elapsed)

    def set(self, now: datetime, scale: float | None = None) -> None:
        self._anchor = now
        self._real_anchor = time.monotonic()
        if scale is not None:
            self.scale = scale

    def set_scale(self, scale: float) -> None:
        self.set(self(), scale)

    def advance(self, seconds: float) -> datetime:
        self.set(self() + timedelta(seconds=seconds))
        return self()
