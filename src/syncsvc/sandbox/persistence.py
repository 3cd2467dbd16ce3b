"""The sandbox's state kept in a file, so a restart keeps its organisations, grants, tokens and
documents (the service beside it still holds those tokens and ids).

Each emulator offers `snapshot() -> dict` and `restore(dict)` (the `Persistent` protocol);
the file holds one entry per emulator by name (`{"xero": {...}, "quickbooks": {...}}`), so a
new emulator plugs in by being listed in `Sandbox.emulators()`. Written when it changed
(looked at every `interval` seconds) and at shutdown; read at start. Tests use it only
when they ask for it."""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger(__name__)

FILE_NAME = "sandbox.json"
FORMAT_VERSION = 1


class Persistent(Protocol):
    def snapshot(self) -> dict[str, Any]: ...
    def restore(self, state: dict[str, Any]) -> None: ...


# --- values JSON has no type for, tagged so they come back as they were ----------------


def encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    return value


def decode(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1:
            ((tag, text),) = value.items()
            if tag == "$datetime":
                return datetime.fromisoformat(text)
            if tag == "$date":
                return date.fromisoformat(text)
            if tag == "$decimal":
                return Decimal(text)
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


# --- the file ------------------------------------------------------------------------------


class SandboxFile:
    def __init__(self, path: Path, emulators: Mapping[str, Persistent]) -> None:
        self.path = path
        self.emulators = emulators
        self._written: str | None = None

    def render(self) -> str:
        state = {name: emulator.snapshot() for name, emulator in self.emulators.items()}
        return json.dumps({"version": FORMAT_VERSION, "emulators": encode(state)}, sort_keys=True)

    def save(self) -> bool:
        """Write the state if it changed since the last write; True if it wrote."""
        text = self.render()
        if text == self._written:
            return False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".json.partial")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, self.path)  # a reader (or a crash) never sees half a file
        self._written = text
        return True

    def load(self) -> bool:
        """Restore each emulator named in the file; False when there is no file yet."""
        if not self.path.exists():
            return False
        document = json.loads(self.path.read_text(encoding="utf-8"))
        if document.get("version") != FORMAT_VERSION:
            log.warning(
                "ignoring %s: format %s is not %s",
                self.path,
                document.get("version"),
                FORMAT_VERSION,
            )
            return False
        state = decode(document.get("emulators", {}))
        for name, emulator in self.emulators.items():
            if name in state:
                emulator.restore(state[name])
        self._written = self.render()
        return True


@asynccontextmanager
async def kept_while_running(
    store: SandboxFile, interval: float = 1.0, sleep: Callable[[float], Any] = asyncio.sleep
) -> AsyncIterator[None]:
    """Load at start, write on change every `interval` seconds, and once more at the end."""
    if store.load():
        log.info("sandbox state restored from %s", store.path)

    async def keep() -> None:
        while True:
            await sleep(interval)
            try:
                store.save()
            except OSError as exc:
                log.warning("could not write %s: %s", store.path, exc)

    task = asyncio.create_task(keep())
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        store.save()
