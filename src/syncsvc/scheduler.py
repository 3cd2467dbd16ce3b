"""APScheduler jobs. They only trigger work that lives in the features' tasks modules."""

from __future__ import annotations

import logging
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from syncsvc.connections.tasks import refresh_idle_tokens
from syncsvc.events.delivery import EventDeliverer
from syncsvc.events.retention import drop_expired
from syncsvc.pull.poller import poller_for
from syncsvc.reconciliation.retention import drop_expired_reports
from syncsvc.state import AppState

log = logging.getLogger(__name__)


def build_scheduler(state: AppState) -> AsyncIOScheduler:
    settings = state.settings.worker
    scheduler = AsyncIOScheduler(timezone="UTC")
    # The safety net: the push loop is woken by every accepted change; this catches the rest
    # (retries coming due, a replica's missed notification).
    scheduler.add_job(
        state.push_wakeup.poke,
        "interval",
        seconds=settings.push_interval_seconds,
        id="push",
        max_instances=1,
        coalesce=True,
    )
    # Each connection is polled every poll interval (with jitter, kept on the connection);
    # the job looks for due ones more often than that, so none waits long past its time.
    poller = poller_for(state)
    scheduler.add_job(
        poller.run_once,
        "interval",
        seconds=min(60.0, max(5.0, settings.poll_interval_seconds / 5)),
        id="poll",
        max_instances=1,
        coalesce=True,
    )
    if state.host_http is not None:
        deliverer = EventDeliverer(state.sessions, state.cipher, state.host_http, state.clock)
        scheduler.add_job(
            deliverer.run_once,
            "interval",
            seconds=settings.delivery_interval_seconds,
            id="deliver-events",
            max_instances=1,
            coalesce=True,
        )
    scheduler.add_job(
        drop_expired,
        "interval",
        args=[state.sessions, state.clock, timedelta(days=settings.event_retention_days)],
        hours=1,
        id="drop-expired-events",
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        drop_expired_reports,
        "interval",
        args=[state.sessions, state.clock, timedelta(days=settings.report_retention_days)],
        hours=6,
        id="drop-expired-reports",
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        refresh_idle_tokens,
        "interval",
        args=[state.providers],
        seconds=settings.token_refresh_interval_seconds,
        jitter=max(1, int(settings.token_refresh_interval_seconds / 10)),
        id="refresh-idle-tokens",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=int(timedelta(minutes=5).total_seconds()),
    )
    return scheduler
