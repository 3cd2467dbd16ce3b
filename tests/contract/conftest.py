"""Each contract case runs once per package with a sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.contract.drivers import DRIVERS, Connected, Driver


@pytest.fixture(params=DRIVERS, ids=[d.label for d in DRIVERS])
def driver(request: pytest.FixtureRequest) -> Driver:
    chosen: Driver = request.param
    return chosen


@pytest.fixture
async def connected(driver: Driver, database_url: str, tmp_path: Path) -> AsyncIterator[Connected]:
    async with driver.connect(database_url, tmp_path) as value:
        yield value
