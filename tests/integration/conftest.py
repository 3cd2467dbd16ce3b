"""The service wired to an in-process Xero sandbox, both clocks at START, for each test that
asks for `link`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.integration.sandbox_helpers import START, Linked, linked


@pytest.fixture
async def link(database_url: str, tmp_path: Path) -> AsyncIterator[Linked]:
    async with linked(database_url, tmp_path, START) as value:
        yield value
