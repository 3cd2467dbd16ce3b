"""The command line: every command explains itself; migrate and tenants work end to end."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from syncsvc.cli import build_parser, main

COMMANDS = [
    ["serve"],
    ["sandbox"],
    ["migrate"],
    ["tenants"],
    ["tenants", "create"],
    ["keygen"],
    ["openapi"],
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
