"""Log lines: request ids on every line of a request, refusals once each, no colour codes,
no scheduler chatter."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from syncsvc.logging import JsonFormatter, configure_logging
from syncsvc.requestid import current_request_id


async def test_a_request_id_is_echoed_or_made(client: httpx.AsyncClient) -> None:
    given = await client.get("/healthz", headers={"X-Request-Id": "host-req-42"})
    assert given.headers["x-request-id"] == "host-req-42"
    made = await client.get("/healthz")
    assert len(made.headers["x-request-id"]) == 32
    # An id that could forge log fields is replaced, not kept.
    forged = await client.get("/healthz", headers={"X-Request-Id": 'a" "level": "x'})
    assert forged.headers["x-request-id"] != 'a" "level": "x'


async def test_a_refused_webhook_is_logged_once_with_its_request_id(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="syncsvc.webhooks")
    seen: list[str | None] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(current_request_id.get())

    capture = Capture()
    logging.getLogger("syncsvc.webhooks").addHandler(capture)
    try:
        answer = await client.post(
            "/webhooks/xero",
            content=b'{"events": []}',
            headers={"x-xero-signature": "bm90LXRoZS1zaWduYXR1cmU=", "X-Request-Id": "wh-1"},
        )
    finally:
        logging.getLogger("syncsvc.webhooks").removeHandler(capture)
    assert answer.status_code == 401
    refusals = [r for r in caplog.records if r.name == "syncsvc.webhooks"]
    assert len(refusals) == 1
    assert seen == ["wh-1"]
    assert "bm90LXRoZS1zaWduYXR1cmU=" not in refusals[0].getMessage()


def test_json_lines_carry_no_colour_codes() -> None:
    record = logging.LogRecord("uvicorn.error", logging.INFO, "", 0, "Started %s", ("x",), None)
    record.color_message = "Started \x1b[1m%s\x1b[0m"
    entry = json.loads(JsonFormatter().format(record))
    assert "color_message" not in entry
    assert "\x1b" not in json.dumps(entry)
    token = current_request_id.set("r-9")
    try:
        assert json.loads(JsonFormatter().format(record))["request_id"] == "r-9"
    finally:
        current_request_id.reset(token)


def test_scheduler_notices_and_uvicorn_handlers_are_kept_out() -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        logging.getLogger("uvicorn.error").addHandler(logging.StreamHandler())
        configure_logging("INFO", "json")
        assert not logging.getLogger("apscheduler").isEnabledFor(logging.INFO)
        assert logging.getLogger("apscheduler").isEnabledFor(logging.WARNING)
        assert logging.getLogger("uvicorn.error").handlers == []
        assert logging.getLogger("syncsvc").isEnabledFor(logging.INFO)
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
