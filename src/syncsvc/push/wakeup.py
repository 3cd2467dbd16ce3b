"""Waking the push worker the moment the host's change is durable, instead of at the next tick.

In one process: the request's session pokes the loop once its transaction has committed,
before the answer goes out. Across replicas
on Postgres: the request's transaction sends `NOTIFY`, which Postgres delivers at commit to
every replica listening, so whichever holds the connection's lease pushes at once. The
scheduler's interval poke stays as the safety net for anything missed (a listener that was
reconnecting, a replica that was starting).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

if TYPE_CHECKING:
    from syncsvc.push.worker import PushWorker

log = logging.getLogger(__name__)
CHANNEL = "syncsvc_push"
RECONNECT_SECONDS = 5.0


class PushWakeup:
    """Pokes count; the loop says how far it has caught up, so a caller (a test, a demo)
    can wait until every change made so far has been looked at."""

    def __init__(self) -> None:
        self._poked = asyncio.Event()
        self._changed = asyncio.Condition()
        self.requested = 0
        self.completed = 0

    def poke(self) -> None:
        self.requested += 1
        self._poked.set()

    async def wait(self) -> int:
        """Until poked; returns the poke count the coming run answers for."""
        await self._poked.wait()
        self._poked.clear()
        return self.requested

    async def done(self, answered: int) -> None:
        async with self._changed:
            self.completed = max(self.completed, answered)
            self._changed.notify_all()

    async def caught_up(self) -> None:
        """Until a run that started after every poke so far has finished."""
        target = self.requested
        async with self._changed:
            await self._changed.wait_for(lambda: self.completed >= target)


PUSH_DUE = "syncsvc.push_due"  # set on a request's session that made records due


async def announce(session: AsyncSession) -> None:
    """This transaction makes records due: other replicas hear of it at its commit (Postgres
    NOTIFY), this one once it has committed (`woken_after_commit`)."""
    session.info[PUSH_DUE] = True
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})


def woken_after_commit(session: AsyncSession, wakeup: PushWakeup) -> None:
    """Called once the request's transaction committed: never before, so the worker it
    wakes finds the change."""
    if session.info.pop(PUSH_DUE, False):
        wakeup.poke()


async def run_push_loop(worker: PushWorker, wakeup: PushWakeup) -> None:
    """One push run per wake-up; pokes arriving during a run make one more run."""
    while True:
        answered = await wakeup.wait()
        try:
            await worker.run_once()
        except Exception:
            log.exception("push run failed; the next wake-up tries again")
        await wakeup.done(answered)


async def listen_for_work(database_url: str, wakeup: PushWakeup) -> None:
    """Poke `wakeup` on every NOTIFY from any replica; reconnect after a lost connection."""
    url = make_url(database_url).set(drivername="postgresql")
    conninfo = url.render_as_string(hide_password=False)
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
                await conn.execute(f"LISTEN {CHANNEL}")
                wakeup.poke()  # whatever was announced while not listening
                async for _ in conn.notifies():
                    wakeup.poke()
        except psycopg.Error as exc:
            log.warning("push wake-up listener lost its connection: %s", type(exc).__name__)
            await asyncio.sleep(RECONNECT_SECONDS)
