"""Upsert throughput of the host API on Postgres, against the floor of the stack.

Measures, with wrk as the load generator on this machine:
  1. single `PUT /v1/customers/{id}` of distinct customers, N connections at once;
  2. `POST /v1/batch` of 500 customers;
  3. the floor: a bare FastAPI route validating the same Customer model and upserting it
     into the same Postgres (bench/floor_app.py), under the same single-PUT load.
Prints records/s and p50/p99 latency for each, the single/floor ratio, and checks that every
accepted record was committed (202 answers == rows). Each run makes its own databases and
drops them.

    python bench/ingest.py [--duration 20] [--concurrency 32] [--server postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

BENCH = Path(__file__).resolve().parent
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@dataclass
class Result:
    scenario: str
    requests: int
    records: int
    seconds: float
    p50_ms: float
    p99_ms: float
    failures: int

    @property
    def records_per_second(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def fresh_database(server: str, label: str) -> Iterator[str]:
    name = f"syncsvc_bench_{label}_{uuid.uuid4().hex[:8]}"
    admin = libpq(server)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_ready(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as answer:  # noqa: S310 - loopback
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} never became ready")


@contextmanager
def server(command: list[str], env: dict[str, str], ready_url: str) -> Iterator[None]:
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    try:
        wait_ready(ready_url)
        yield
    finally:
        process.terminate()
        process.wait(timeout=15)


def run_wrk(
    script: str, url: str, concurrency: int, duration: int, env: dict[str, str]
) -> dict[str, object]:
    command = [
        "wrk",
        "-t2",
        f"-c{concurrency}",
        f"-d{duration}s",
        "--latency",
        "-s",
        str(BENCH / script),
        url,
    ]
    output = subprocess.run(
        command,
        env={**os.environ, "BENCH_DIR": str(BENCH), **env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for line in output.splitlines():
        if line.startswith("BENCH "):
            summary: dict[str, object] = json.loads(line.removeprefix("BENCH "))
            return summary
    raise RuntimeError(f"wrk printed no summary:\n{output}")


def to_result(scenario: str, summary: dict[str, object], per_request: int) -> Result:
    statuses = {int(k): int(v) for k, v in dict(summary["statuses"]).items()}  # type: ignore[call-overload]
    ok = sum(n for status, n in statuses.items() if 200 <= status < 300)
    return Result(
        scenario=scenario,
        requests=int(summary["requests"]),  # type: ignore[call-overload]
        records=ok * per_request,
        seconds=float(summary["seconds"]),  # type: ignore[arg-type]
        p50_ms=float(summary["p50_ms"]),  # type: ignore[arg-type]
        p99_ms=float(summary["p99_ms"]),  # type: ignore[arg-type]
        failures=sum(n for status, n in statuses.items() if not 200 <= status < 300),
    )


def count_rows(database_url: str, query: str) -> int:
    with psycopg.connect(libpq(database_url)) as connection:
        row = connection.execute(query).fetchone()
        return int(row[0]) if row else 0


def report_commits(label: str, accepted: int, committed: int, in_flight: int) -> None:
    """Every accepted record must be committed. wrk stops with requests in flight whose
    answers it never reads: those may be committed too, at most one batch per connection."""
    ok = accepted <= committed <= accepted + in_flight
    print(
        f"{label}: {accepted} records acknowledged, {committed} committed "
        f"({committed - accepted} more were in flight at the stop, at most {in_flight}): "
        f"{'OK' if ok else 'LOST RECORDS' if committed < accepted else 'UNEXPECTED ROWS'}"
    )


def syncsvc_env(database_url: str, data_dir: str) -> dict[str, str]:
    return {
        **os.environ,
        "SYNCSVC_DATABASE_URL": database_url,
        "SYNCSVC_DATA_DIR": data_dir,
        "SYNCSVC_LOG_LEVEL": "WARNING",
        "SYNCSVC_WORKER_ENABLED": "false",
    }


def bench_service(server_url: str, args: argparse.Namespace) -> list[Result]:
    syncsvc = shutil.which("syncsvc") or str(Path(sys.executable).parent / "syncsvc")
    with fresh_database(server_url, "svc") as database, tempfile.TemporaryDirectory() as data:
        env = syncsvc_env(database, data)
        subprocess.run([syncsvc, "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
        created = subprocess.run(
            [syncsvc, "tenants", "create", "Bench"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        api_key = json.loads(created)["api_key"]
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        results = []
        command = [syncsvc, "serve", "--port", str(port), "--no-migrate"]
        with server(command, env, f"{base}/readyz"):
            auth = {"BENCH_AUTH": f"Bearer {api_key}"}
            run_wrk("wrk_put.lua", base, 4, 3, {**auth, "BENCH_RUN": "warm"})
            single = run_wrk(
                "wrk_put.lua", base, args.concurrency, args.duration, {**auth, "BENCH_RUN": "s"}
            )
            results.append(to_result("syncsvc single PUT", single, 1))
            batch = run_wrk(
                "wrk_batch.lua",
                base,
                args.batch_concurrency,
                args.duration,
                {**auth, "BENCH_RUN": "b", "BENCH_BATCH_SIZE": str(args.batch_size)},
            )
            results.append(to_result(f"syncsvc batch of {args.batch_size}", batch, args.batch_size))
        committed = count_rows(
            database, "SELECT count(*) FROM sync_records WHERE host_id NOT LIKE 'warm-%'"
        )
        accepted = sum(r.records for r in results)
        in_flight = args.concurrency + args.batch_concurrency * args.batch_size
        report_commits("service", accepted, committed, in_flight)
        return results


def bench_floor(server_url: str, args: argparse.Namespace) -> Result:
    with fresh_database(server_url, "floor") as database:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "FLOOR_DATABASE_URL": database, "PYTHONPATH": str(BENCH)}
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "floor_app:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ]
        with server(command, env, f"{base}/docs"):
            prefix = {"BENCH_PATH_PREFIX": "/customers/"}
            run_wrk("wrk_put.lua", base, 4, 3, {**prefix, "BENCH_RUN": "warm"})
            summary = run_wrk(
                "wrk_put.lua", base, args.concurrency, args.duration, {**prefix, "BENCH_RUN": "f"}
            )
        result = to_result("floor: bare FastAPI PUT", summary, 1)
        committed = count_rows(
            database, "SELECT count(*) FROM floor_customers WHERE id NOT LIKE 'warm-%'"
        )
        report_commits("floor", result.records, committed, args.concurrency)
        return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=20, help="seconds per scenario")
    parser.add_argument("--concurrency", type=int, default=32, help="connections for single PUTs")
    parser.add_argument("--batch-concurrency", type=int, default=4, help="connections for batches")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--server", default=DEFAULT_SERVER, help="Postgres to create databases on")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2

    results = bench_service(args.server, args)
    floor = bench_floor(args.server, args)
    results.append(floor)
    print(
        f"\n{'scenario':<28} {'requests':>9} {'records/s':>10} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'non-2xx':>8}"
    )
    for r in results:
        print(
            f"{r.scenario:<28} {r.requests:>9} {r.records_per_second:>10.0f} {r.p50_ms:>8.1f} "
            f"{r.p99_ms:>8.1f} {r.failures:>8}"
        )
    single = results[0].records_per_second
    ratio = single / floor.records_per_second if floor.records_per_second else 0.0
    print(f"\nsingle PUT / floor: {ratio:.0%} (target >= 70%)")
    print(f"batch records/s: {results[1].records_per_second:.0f} (target >= 10,000)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
