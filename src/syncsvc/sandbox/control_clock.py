"""The control routes every emulator shares: its clock (read, set, scale, advance) and the
release of answers held back by a `hold_next` fault."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from syncsvc.sandbox.clock import ScaledClock


class ClockChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    now: datetime | None = None
    scale: float | None = Field(default=None, ge=0)
    advance_seconds: float | None = None


class HoldsAnswers(Protocol):
    def release_held(self) -> int: ...


def add_clock_routes(router: APIRouter, clock: ScaledClock, traffic: HoldsAnswers) -> None:
    """`GET/PUT /clock` and `POST /release` on `router` (the emulator's `/_control`)."""

    def clock_state() -> dict[str, Any]:
        return {"now": clock().isoformat(), "scale": clock.scale}

    @router.get("/clock")
    async def get_clock() -> dict[str, Any]:
        return clock_state()

    @router.put("/clock")
    async def put_clock(change: ClockChange) -> dict[str, Any]:
        if change.now is not None:
            clock.set(change.now)
        if change.scale is not None:
            clock.set_scale(change.scale)
        if change.advance_seconds:
            clock.advance(change.advance_seconds)
        return clock_state()

    @router.post("/release")
    async def release() -> dict[str, int]:
        return {"released": traffic.release_held()}
