"""The `syncsvc` command: serve the API, migrate the database, manage tenants, export OpenAPI."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

import yaml

from syncsvc.config import Settings
from syncsvc.demo_packages import DEMO_PACKAGES
from syncsvc.logging import configure_logging


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from syncsvc.app import create_app
    from syncsvc.startup import check_before_serving

    settings = Settings.from_env()
    migrate = False if args.no_migrate else None
    check_before_serving(
        settings, migrations_run_at_start=settings.uses_embedded_database and not args.no_migrate
    )
    settings = with_public_url(settings, args.host, args.port)
    if args.sandbox:
        from syncsvc.sandbox.app import SandboxConfig, build_sandbox, keep_state, mount_sandbox

        # The service talks to the sandbox it serves itself, over loopback, exactly as it
        # would talk to the real hosts.
        here = f"http://{_loopback(args.host)}:{args.port}"
        settings = replace(
            settings, providers=settings.providers.model_copy(update={"sandbox_url": here})
        )
        sandbox = build_sandbox(SandboxConfig(auto_consent=_auto_consent(args)))
        app = create_app(settings, migrate=migrate)
        mount_sandbox(app, sandbox)
        kept = keep_state(app, sandbox, settings.runtime.data_dir)
        print(f"sandbox: its organisations, tokens and documents are kept in {kept}", flush=True)
    else:
        app = create_app(settings, migrate=migrate)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_config=None,
        access_log=args.access_log,
        proxy_headers=True,
        use_colors=False,
    )
    return 0


_WILDCARDS = ("0.0.0.0", "::", "")  # noqa: S104 - names of the wildcard address, not a bind


def _loopback(host: str) -> str:
    """How this machine reaches a server listening on `host`."""
    if host in _WILDCARDS:
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def with_public_url(settings: Settings, host: str, port: int) -> Settings:
    """OAuth redirects come back to the public URL: unless SYNCSVC_PUBLIC_URL says otherwise,
    that is where this process listens (a wildcard address is reached as 127.0.0.1)."""
    if "public_url" in settings.api.model_fields_set:
        return settings
    here = f"http://{_loopback(host)}:{port}"
    if host in _WILDCARDS:
        print(
            f"syncsvc: SYNCSVC_PUBLIC_URL is not set; OAuth redirects go to {here}, "
            "which only this machine reaches: set it to the address users' browsers use",
            file=sys.stderr,
        )
    return replace(settings, api=settings.api.model_copy(update={"public_url": here}))


def _reconcile(args: argparse.Namespace) -> int:
    from syncsvc.reconciliation.cli import Output, reconcile

    output: Output = "json" if args.json else "csv" if args.csv else "table"
    return asyncio.run(
        reconcile(args.tenant, args.date_from, args.date_to, args.fix, args.kind, output)
    )


def _demo(args: argparse.Namespace) -> int:
    from syncsvc.demo import run_demo

    return asyncio.run(run_demo(args.host, args.port, once=args.once, provider=args.provider))


def _auto_consent(args: argparse.Namespace) -> bool:
    flag = os.environ.get("SYNCSVC_SANDBOX_AUTO_CONSENT", "").strip().lower()
    return bool(args.auto_consent) or flag in {"1", "true", "yes"}


def _sandbox(args: argparse.Namespace) -> int:
    import uvicorn

    from syncsvc.sandbox.app import SandboxConfig, create_sandbox_app, keep_state

    config = SandboxConfig(
        auto_consent=_auto_consent(args), clock_scale=args.clock_scale, limits=not args.no_limits
    )
    app = create_sandbox_app(config)
    kept = keep_state(app, app.state.sandbox, Settings.from_env().runtime.data_dir)
    print(
        f"sandbox: Xero at http://{args.host}:{args.port}/xero "
        f"(client sandbox-client / sandbox-secret); control at /xero/_control; "
        f"state kept in {kept}",
        flush=True,
    )
    print(
        f"sandbox: QuickBooks Online at http://{args.host}:{args.port}/quickbooks "
        f"(client sandbox-client / sandbox-secret); control at /quickbooks/_control",
        flush=True,
    )
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_config=None,
        use_colors=False,
    )
    return 0


def _migrate(_: argparse.Namespace) -> int:
    from syncsvc.db import head_revision, upgrade_to_head

    settings = Settings.from_env()
    upgrade_to_head(settings.database_url)
    print(f"database at revision {head_revision()}")
    return 0


def _tenants_create(args: argparse.Namespace) -> int:
    from syncsvc.db import create_engine, session_factory, transaction, upgrade_to_head
    from syncsvc.kit.clock import utcnow
    from syncsvc.tenants.service import create_tenant

    settings = Settings.from_env()
    if settings.uses_embedded_database:
        upgrade_to_head(settings.database_url)

    async def run() -> tuple[str, str]:
        engine = create_engine(settings.database_url)
        try:
            async with transaction(session_factory(engine)) as session:
                created = await create_tenant(session, args.name, utcnow)
                return str(created.tenant.id), created.api_key
        finally:
            await engine.dispose()

    tenant_id, api_key = asyncio.run(run())
    print(json.dumps({"id": tenant_id, "name": args.name, "api_key": api_key}, indent=2))
    return 0


def _keygen(_: argparse.Namespace) -> int:
    from syncsvc.kit.cipher import TokenCipher

    print(TokenCipher.generate_key())
    return 0


def render_openapi() -> str:
    from syncsvc.app import create_app

    return yaml.safe_dump(create_app(Settings.from_env()).openapi(), sort_keys=False)


def _openapi(args: argparse.Namespace) -> int:
    document = render_openapi()
    target = Path(args.output)
    if args.check:
        if not target.exists() or target.read_text() != document:
            print(f"{target} is out of date: run `syncsvc openapi`", file=sys.stderr)
            return 1
        print(f"{target} is up to date")
        return 0
    target.write_text(document)
    print(f"wrote {target}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="syncsvc",
        description="Two-way sync between a job-management host and its accounting package.",
        epilog=_exit_codes_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="serve the host API",
        description="Serve the host API. On the embedded SQLite default the database is "
        "created and migrated first; on Postgres run `syncsvc migrate` once per release.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on")
    serve.add_argument("--no-migrate", action="store_true", help="never run migrations at start-up")
    serve.add_argument("--access-log", action="store_true", help="log every request")
    serve.add_argument(
        "--sandbox",
        action="store_true",
        help="also serve the accounting-package sandbox and point the service at it",
    )
    serve.add_argument(
        "--auto-consent",
        action="store_true",
        help="with --sandbox: consent is given at once (or SYNCSVC_SANDBOX_AUTO_CONSENT=1)",
    )
    serve.set_defaults(handler=_serve)

    demo = commands.add_parser(
        "demo",
        help="the whole loop on this machine: serve with a package's sandbox (Xero or "
        "QuickBooks Online), connect, push, pay, pull; then keep serving",
        description="Serve on the embedded SQLite database with the accounting package's "
        "sandbox beside it (--provider: xero, the default, or quickbooks); create a tenant, "
        "connect it through OAuth, set its accounts, send customers, invoices, a payment and "
        "a credit note, pay an invoice in the package, and print what came back. Then keep "
        "serving, or exit with --once.",
    )
    demo.add_argument(
        "--provider",
        choices=sorted(DEMO_PACKAGES),
        default="xero",
        help="the accounting package whose sandbox the demo connects to (default xero)",
    )
    demo.add_argument("--host", default="127.0.0.1", help="address to listen on")
    demo.add_argument(
        "--port",
        type=int,
        default=None,
        help="port to listen on (default 8000; a free one, said so, when 8000 is taken)",
    )
    demo.add_argument("--once", action="store_true", help="exit after the walk-through")
    demo.set_defaults(handler=_demo)

    reconcile = commands.add_parser(
        "reconcile",
        help="a tenant's invoices in a date range against the accounting package",
        description="Compare the tenant's invoices issued in the range with the accounting "
        "package's copies (missing, different, payments on one side only) and print the rows "
        "that differ with what to do; --fix pushes again what it can and says why not for the "
        "rest. Exit status: 0 the sides agree, 1 differences remain, 2 a usage mistake, 3 it "
        "could not run.",
    )
    reconcile.add_argument("--tenant", required=True, help="the tenant's id")
    reconcile.add_argument(
        "--from", dest="date_from", required=True, type=date.fromisoformat, help="YYYY-MM-DD"
    )
    reconcile.add_argument(
        "--to", dest="date_to", required=True, type=date.fromisoformat, help="YYYY-MM-DD"
    )
    reconcile.add_argument("--fix", action="store_true", help="repair what can be repaired")
    reconcile.add_argument(
        "--kind", choices=("invoices", "payments"), default="invoices", help="what to compare"
    )
    formats = reconcile.add_mutually_exclusive_group()
    formats.add_argument("--json", action="store_true", help="print the whole report as JSON")
    formats.add_argument("--csv", action="store_true", help="print the whole report as CSV")
    reconcile.set_defaults(handler=_reconcile)

    sandbox = commands.add_parser(
        "sandbox",
        help="serve the emulated accounting packages alone",
        description="Serve the sandbox: Xero's OAuth server, connections and API under /xero, "
        "its control surface under /xero/_control. Point a service at it with "
        "SYNCSVC_SANDBOX_URL=http://HOST:PORT.",
    )
    sandbox.add_argument("--host", default="127.0.0.1", help="address to listen on")
    sandbox.add_argument("--port", type=int, default=8001, help="port to listen on")
    sandbox.add_argument(
        "--auto-consent",
        action="store_true",
        help="authorize redirects at once with a code (or SYNCSVC_SANDBOX_AUTO_CONSENT=1)",
    )
    sandbox.add_argument(
        "--clock-scale", type=float, default=1.0, help="emulated seconds per real second"
    )
    sandbox.add_argument("--no-limits", action="store_true", help="switch rate limits off")
    sandbox.set_defaults(handler=_sandbox)

    migrate = commands.add_parser(
        "migrate",
        help="bring the database schema to the newest revision",
        description="Apply every pending Alembic migration to SYNCSVC_DATABASE_URL "
        "(or the embedded SQLite file).",
    )
    migrate.set_defaults(handler=_migrate)

    tenants = commands.add_parser(
        "tenants", help="manage tenants", description="Manage tenants from the command line."
    )
    tenant_commands = tenants.add_subparsers(dest="tenant_command", required=True, metavar="ACTION")
    create = tenant_commands.add_parser(
        "create",
        help="create a tenant and print its API key (shown once)",
        description="Create a tenant and print its id and API key as JSON; only the key's "
        "hash is kept.",
    )
    create.add_argument("name", help="the host business's name")
    create.set_defaults(handler=_tenants_create)

    keygen = commands.add_parser(
        "keygen",
        help="print a new key for SYNCSVC_SECRET_KEY",
        description="Print a new Fernet key for encrypting provider tokens at rest.",
    )
    keygen.set_defaults(handler=_keygen)

    openapi = commands.add_parser(
        "openapi",
        help="write the OpenAPI document (openapi.yaml)",
        description="Write the app's OpenAPI document as YAML, or check that it is current.",
    )
    openapi.add_argument("--output", default="openapi.yaml", help="file to write")
    openapi.add_argument("--check", action="store_true", help="fail if the file differs")
    openapi.set_defaults(handler=_openapi)
    return parser


def _exit_codes_help() -> str:
    from syncsvc.startup import EXIT_CODES

    lines = ["exit codes:", "  0  done", "  1  failed (the message says why)", "  2  bad usage"]
    lines += [f"  {code}  {meaning}" for code, meaning in EXIT_CODES.items()]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    from syncsvc.startup import StartupError

    args = build_parser().parse_args(argv)
    settings = Settings.from_env()
    configure_logging(settings.runtime.log_level, settings.runtime.log_format)
    try:
        code: int = args.handler(args)
    except StartupError as exc:
        print(f"syncsvc: {exc}", file=sys.stderr)
        return exc.exit_code
    return code


if __name__ == "__main__":
    sys.exit(main())
