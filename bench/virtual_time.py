"""Emulated time for many connections at once: a sleep waits until the emulated clock reaches
its end, and the clock moves only when nothing else can run — no call to the sandbox under
way, no database statement running, nothing ready on the event loop — and then straight
to the earliest end. So waits of concurrent connections overlap as they would in real time,
and a run of many emulated minutes still takes seconds. Calls to the sandbox can be given an
emulated latency, which overlaps the same way."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

Advance = Callable[[float], None]


class VirtualTime:
    def __init__(self, now: Callable[[], datetime], advance: Advance) -> None:
        self.now = now
        self._advance = advance
        self._sleepers: list[tuple[datetime, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self.busy = 0  # calls under way and statements running
        self._driver: asyncio.Task[None] | None = None

    def watch(self, engine: AsyncEngine) -> None:
        """Count the database statements running as work under way (not the connections
        checked out: a request may hold one while it waits on the package)."""

        def started(*_: Any) -> None:
            self.busy += 1

        def ended(*_: Any) -> None:
            self.busy -= 1

        event.listen(engine.sync_engine, "before_cursor_execute", started)
        event.listen(engine.sync_engine, "after_cursor_execute", ended)
        event.listen(engine.sync_engine, "handle_error", ended)

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        end = self.now() + timedelta(seconds=seconds)
        heapq.heappush(self._sleepers, (end, next(self._order), future))
        self._start()
        await future

    def _start(self) -> None:
        if self._driver is None or self._driver.done():
            self._driver = asyncio.get_running_loop().create_task(self._drive())

    async def _drive(self) -> None:
        loop = asyncio.get_running_loop()
        quiet = 0
        while self._sleepers:
            # Real time passes only so threads (SQLite's) can finish what they hold.
            await asyncio.sleep(0 if quiet < 3 else 0.0005)
            ready = len(getattr(loop, "_ready", ()))
            if self.busy > 0 or ready > 0:
                quiet = 0
                continue
            quiet += 1
            if quiet < 5:
                continue
            end = self._sleepers[0][0]
            gap = (end - self.now()).total_seconds()
            if gap > 0:
                self._advance(gap)
            while self._sleepers and self._sleepers[0][0] <= self.now():
                _, _, future = heapq.heappop(self._sleepers)
                if not future.done():
                    future.set_result(None)
            quiet = 0


class LatentTransport(httpx.AsyncBaseTransport):
    """Each call takes `latency` emulated seconds before it reaches the sandbox, and counts as
    work under way while the sandbox serves it."""

    def __init__(self, inner: httpx.AsyncBaseTransport, time: VirtualTime, latency: float):
        self.inner = inner
        self.time = time
        self.latency = latency

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await self.time.sleep(self.latency)
        self.time.busy += 1
        try:
            response = await self.inner.handle_async_request(request)
            await response.aread()
            return response
        finally:
            self.time.busy -= 1
