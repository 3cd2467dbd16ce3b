"""A record the provider refused for good is logged once, with the tenant and record ids;
retries and successes are not."""

from __future__ import annotations

import logging
import uuid

import pytest

from syncsvc.oplog import push_failures
from syncsvc.push.outcomes import again, failed, synced
from syncsvc.push.planning import Due


def due(record_id: int, host_id: str) -> Due:
    return Due(record_id, host_id, {}, "h", False, None, None, False, 0)


def test_each_failed_record_is_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    tenant = uuid.uuid4()
    caplog.set_level(logging.INFO, logger="syncsvc.push")
    push_failures(
        tenant,
        "invoice",
        [
            failed(due(7, "inv-7"), "Account code '999' is not a valid code"),
            again(due(8, "inv-8"), "429", None, uncertain=False),
            synced(due(9, "inv-9"), "x"),
        ],
    )
    [line] = [r for r in caplog.records if r.name == "syncsvc.push"]
    assert line.levelno == logging.WARNING
    assert "inv-7" in line.getMessage()
    assert "999" in line.getMessage()
    assert line.__dict__["record_id"] == 7
    assert line.__dict__["tenant_id"] == str(tenant)
