"""The command line: every command explains itself; migrate and tenants work end to end."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from syncsvc.cli import build_parser, main

CLI = "import sys; from syncsvc.cli import main; sys.exit(main(sys.argv[1:]))"
COMMANDS = [
    ["serve"],
    ["sandbox"],
    ["migrate"],
    ["tenants"],
    ["tenants", "create"],
    ["keygen"],
    ["openapi"],
    ["demo"],
    ["reconcile"],
]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([*command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "usage: syncsvc" in out
    assert len(out.splitlines()) > 3


def test_migrate_then_create_tenant(
    fresh_database: Callable[[], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SYNCSVC_DATABASE_URL", fresh_database())
    monkeypatch.setenv("SYNCSVC_DATA_DIR", str(tmp_path))
    assert main(["migrate"]) == 0
    assert "database at revision" in capsys.readouterr().out
    assert main(["tenants", "create", "Acme"]) == 0
    created = json.loads(capsys.readouterr().out)
    assert created["name"] == "Acme"
    assert created["api_key"].startswith("sk_")


def test_keygen_prints_a_usable_key(capsys: pytest.CaptureFixture[str]) -> None:
    from syncsvc.kit.cipher import TokenCipher

    assert main(["keygen"]) == 0
    key = capsys.readouterr().out.strip()
    assert TokenCipher([key]).decrypt(TokenCipher([key]).encrypt(b"x")) == b"x"


# The invoice the package's user pays in the walk-through, taxed as each package taxes it.
DEMO_PAID = {
    "xero": ("Xero", "organisation", "465.75"),  # 3 h at 95.00 and 120.00 of parts, 15%
    "quickbooks": ("QuickBooks Online", "company", "445.50"),  # the same at 10%
}


@pytest.mark.parametrize("provider", sorted(DEMO_PAID))
def test_demo_once_walks_the_whole_loop_on_a_fresh_install(tmp_path: Path, provider: str) -> None:
    """The README's first command, as a new user runs it: nothing configured, a fresh
    directory, the embedded database; it pushes, a payment comes back, and it exits 0."""
    name, books, amount = DEMO_PAID[provider]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCSVC_")}
    command = [sys.executable, "-c", CLI, "demo", "--once", "--port", str(port)]
    if provider != "xero":  # Xero is the default
        command += ["--provider", provider]
    done = subprocess.run(  # noqa: S603 - our own CLI
        command,
        cwd=tmp_path,
        env={**env, "SYNCSVC_LOG_LEVEL": "WARNING"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # It names the package it talks to, at every step where that matters.
    assert f"with the {name} sandbox at http://127.0.0.1:{port}/{provider}" in done.stdout
    assert f"2. Connected to {name} {books} " in done.stdout
    assert f"5. Pushed to {name}, each once: " in done.stdout
    assert "each once: customers 3, invoices 4, payments 1, credit notes 1.\n" in done.stdout
    assert f"7. {name}'s webhook arrived" in done.stdout
    assert f"payment.received: invoice_id inv-3, amount {amount}" in done.stdout
    assert "invoice.paid: invoice_id inv-3" in done.stdout
    assert (tmp_path / "data" / "syncsvc.db").exists()
    # The walk-through alone on the terminal: the logs are in the file it names.
    assert "Tenant id: " in done.stdout
    assert f"logs go to {tmp_path / 'data' / 'demo.log'}" in done.stdout
    assert '"level"' not in done.stdout + done.stderr
    assert (tmp_path / "data" / "demo.log").exists()


def test_reconcile_names_what_is_wrong(
    fresh_database: Callable[[], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SYNCSVC_DATABASE_URL", fresh_database())
    monkeypatch.setenv("SYNCSVC_DATA_DIR", str(tmp_path))
    assert main(["migrate"]) == 0
    capsys.readouterr()
    assert main(["tenants", "create", "Acme"]) == 0
    tenant_id = json.loads(capsys.readouterr().out)["id"]
    window = ["--from", "2026-11-01", "--to", "2026-11-30"]
    assert main(["reconcile", "--tenant", "not-an-id", *window]) == 2
    assert "is not a tenant id" in capsys.readouterr().err
    # Known tenant, never connected: the report fails and says why.
    assert main(["reconcile", "--tenant", tenant_id, *window]) == 3  # could not run
    assert "not connected to an accounting package" in capsys.readouterr().err


def test_the_public_url_follows_the_port_unless_it_is_set(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from syncsvc.cli import with_public_url
    from syncsvc.config import Settings

    monkeypatch.delenv("SYNCSVC_PUBLIC_URL", raising=False)
    derived = with_public_url(Settings.from_env(), "127.0.0.1", 8123)
    assert derived.api.public_url == "http://127.0.0.1:8123"
    assert capsys.readouterr().err == ""
    wildcard = with_public_url(Settings.from_env(), "0.0.0.0", 9000)  # noqa: S104
    assert wildcard.api.public_url == "http://127.0.0.1:9000"
    assert "SYNCSVC_PUBLIC_URL is not set" in capsys.readouterr().err
    monkeypatch.setenv("SYNCSVC_PUBLIC_URL", "https://sync.example.com")
    kept = with_public_url(Settings.from_env(), "0.0.0.0", 9000)  # noqa: S104
    assert kept.api.public_url == "https://sync.example.com"


def test_the_demo_says_a_port_asked_for_is_taken() -> None:
    from syncsvc.demo import DemoError, choose_port

    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        taken = held.getsockname()[1]
        with pytest.raises(DemoError, match=f"port {taken} on 127.0.0.1 is taken"):
            choose_port("127.0.0.1", taken)
    assert choose_port("127.0.0.1", taken) == taken  # free again once let go
