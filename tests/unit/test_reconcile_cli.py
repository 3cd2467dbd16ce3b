"""What `syncsvc reconcile` prints from a finished report, and the status it exits with."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from syncsvc.models import Reconciliation
from syncsvc.reconciliation.cli import AGREE, DIFFER, FAILED, _report
from syncsvc.reconciliation.compare import Row, summary


def job(rows: list[Row], *, status: str = "done") -> Reconciliation:
    return Reconciliation(
        id=uuid.uuid4(),
        tenant_id=uuid.uuid4(),
        kind="invoices",
        date_from=date(2026, 11, 1),
        date_to=date(2026, 11, 30),
        fix=False,
        status=status,
        progress={},
        summary=summary(rows) if status == "done" else None,
        rows=[r.as_dict() for r in rows],
        calls=1,
        provider="xero",
        error=None if status == "done" else "not connected to an accounting package",
        created_at=datetime(2026, 12, 1, tzinfo=UTC),
    )


def row(number: str, outcome: str, host: str, package: str | None) -> Row:
    return Row(
        f"inv-{number}",
        number,
        outcome,
        customer="Harbour Cafe",
        date="2026-11-20",
        currency="NZD",
        host_total=Decimal(host),
        provider_total=None if package is None else Decimal(package),
    )


def test_the_table_names_each_differing_row_with_what_to_do(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows = [row("INV-1", "ok", "100.00", "100.00"), row("INV-2", "missing", "50.00", None)]
    assert _report(job(rows), "Xero", "table") == DIFFER
    out = capsys.readouterr().out
    assert "the host against Xero" in out
    [line] = [text for text in out.splitlines() if text.startswith("INV-2")]
    assert "Harbour Cafe" in line
    assert "2026-11-20" in line
    assert "NZD" in line
    assert "50.00" in line
    assert "not in Xero: --fix pushes it again" in line
    assert "INV-1" not in out  # rows that agree are counted, not listed
    [total] = [text for text in out.splitlines() if text.startswith("Total (2 invoices)")]
    assert "150.00" in total
    assert "100.00" in total
    assert "1 differ" in total


def test_agreeing_sides_exit_0_and_a_failed_run_3(capsys: pytest.CaptureFixture[str]) -> None:
    assert _report(job([row("INV-1", "ok", "1.00", "1.00")]), "Xero", "table") == AGREE
    assert _report(job([], status="failed"), "Xero", "table") == FAILED
    assert "not connected" in capsys.readouterr().err


def test_json_and_csv_carry_the_whole_report(capsys: pytest.CaptureFixture[str]) -> None:
    rows = [row("INV-1", "ok", "1.00", "1.00"), row("INV-2", "missing", "2.00", None)]
    assert _report(job(rows), "Xero", "json") == DIFFER
    document = json.loads(capsys.readouterr().out)
    assert document["provider"] == "xero"
    assert [r["number"] for r in document["rows"]] == ["INV-1", "INV-2"]
    assert _report(job(rows), "Xero", "csv") == DIFFER
    sheet = capsys.readouterr().out.splitlines()
    assert sheet[0].startswith("host_id,number,outcome")
    assert len(sheet) == 3
