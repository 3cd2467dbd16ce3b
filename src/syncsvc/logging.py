"""Structured logs: one JSON object a line (or plain text for a terminal).

Every logger goes through the one handler set here, uvicorn's included (their own colour
formatters are dropped), and each line carries the request id of the request it was written
for, if any.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from syncsvc.requestid import current_request_id

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": _plain(record.getMessage()),
        }
        request_id = current_request_id.get()
        if request_id is not None:
            entry["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_") and key != "color_message":
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = _plain(super().format(record))
        request_id = current_request_id.get()
        return line if request_id is None else f"{line} [request {request_id}]"


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _plain(text: str) -> str:
    """Without terminal colour codes (a log file or a JSON parser reads them as noise)."""
    return _ANSI.sub("", text)


# Loggers that add their own handlers (uvicorn's) or say "ran once more" at INFO on every run
# of a job (APScheduler's): theirs go through ours, and the per-run notices are kept out.
_OWN_HANDLERS = ("uvicorn", "uvicorn.error", "uvicorn.access")
_QUIETER = {
    "httpx": logging.WARNING,  # logs full URLs at INFO; provider URLs may carry codes
    "alembic": logging.WARNING,
    "apscheduler": logging.WARNING,  # "Running job ..." / "... executed successfully"
}


def configure_logging(level: str = "INFO", fmt: str = "json", file: Path | None = None) -> None:
    """One handler on the root logger: stderr, or `file` (appended to) when given."""
    handler: logging.Handler
    if file is None:
        handler = logging.StreamHandler(sys.stderr)
    else:
        file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(file, encoding="utf-8")
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in _OWN_HANDLERS:
        own = logging.getLogger(name)
        own.handlers[:] = []
        own.propagate = True
    for name, quieter in _QUIETER.items():
        logging.getLogger(name).setLevel(max(quieter, root.level))
