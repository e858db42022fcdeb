"""Survey load: throughput and latency of opening and submitting a survey page.

Run from the repository:  python3 -m uv run python benchmarks/survey_load.py
Options: --seconds 30 --clients 32 --workers 2 --people 6000 --out FILE.md

Runs the production server (`hearten serve`) on loopback against a fresh database: SQLite
with one waitress process, and, when ``DATABASE_URL`` points at a PostgreSQL server, a fresh
PostgreSQL database with ``--workers`` gunicorn processes. The participants have consented
before the run (set in the database: consent is a one-off step, not what is measured).
``--clients`` simulated participants (closed loop, no think time) each open their survey page
(timed: "open") and submit it with its idempotency key (timed: "submit"); each submission is
acknowledged by the redirect to the thank-you page. Prints submissions per second and the
50th, 95th and 99th percentiles of each step's latency, SQLite beside PostgreSQL, measured in
the same run, with the CPU time per submission of the server's processes and of the load
generator, how busy the machine's cores were, and the server's peak resident memory (all its
processes). The load generator shares the machine's cores with the server.
Target (issue 10): at least 200 submissions per second at a p99 under 300 ms on 2 cores with
PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import free_port
from tests.web.test_soak import CSRF, RECEIPT, Ledger, Server, _database, invited
from tests.web.test_soak import Participant as Browser

DESIGN = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "design.toml"


def _consent_everyone(env: dict[str, str], home: Path) -> None:
    """Mark every participant as consented, straight in the database (not timed)."""
    sql = "UPDATE trials_participant SET consent = 'consented'"
    if "DATABASE_URL" in env:
        import psycopg

        with psycopg.connect(env["DATABASE_URL"]) as c:
            c.execute(sql)
    else:
        with sqlite3.connect(home / "hearten.sqlite3") as c:
            c.execute(sql)


def _group(pgid: int) -> Iterator[tuple[Path, list[str]]]:
    """Each process of the server's process group (its workers too): its ``/proc`` folder and
    the fields of its ``stat`` after the command name."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # process group id
            yield stat.parent, fields


def _cpu_seconds(pgid: int) -> float:
    """User and system CPU time of the server's whole process group."""
    tick = os.sysconf("SC_CLK_TCK")
    return sum((int(f[11]) + int(f[12])) / tick for _, f in _group(pgid))


def _peak_rss_mb(pgid: int) -> float:
    """The server's peak resident memory: each process's high-water mark, summed (MB)."""
    total = 0
    for folder, _ in _group(pgid):
        try:
            status = (folder / "status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1])  # kB
    return total / 1024


def _machine_busy() -> tuple[int, int]:
    """Busy and total CPU ticks of the whole machine so far (``/proc/stat``)."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle and iowait
    return sum(ticks) - idle, sum(ticks)


def _run(env: dict[str, str], folder: Path, workers: int, args: argparse.Namespace) -> dict:
    tokens = invited(env, folder, DESIGN, args.people, teams=90)
    _consent_everyone(env, folder / "home")
    server = Server(env, free_port(), workers, folder / "serve.log")
    server.start()
    assert server.process is not None
    cpu_before = _cpu_seconds(server.process.pid)
    client_before, busy_before = time.process_time(), _machine_busy()
    opens: list[float] = []
    submits: list[float] = []
    lock = threading.Lock()
    queue = iter(tokens)
    stop = time.monotonic() + args.seconds
    ledger = Ledger()

    def client() -> None:
        while time.monotonic() < stop:
            with lock:
                token = next(queue, None)
            if token is None:
                return
            b = Browser(server.port, token, ledger, stop)
            path = f"/s/{token}/"
            t0 = time.perf_counter()
            _, page = b.request("GET", path)
            t1 = time.perf_counter()
            csrf, key = CSRF.search(page), RECEIPT.search(page)
            assert csrf, page[:300]
            assert key, page[:300]
            form = {"csrfmiddlewaretoken": csrf.group(1).decode(), "page": "swemwbs",
                    "receipt": key.group(1).decode(), "checked": "yes",
                    **{f"swemwbs_{i}": "3" for i in range(1, 8)}}  # fmt: skip
            status, _ = b.request("POST", path, form)
            t2 = time.perf_counter()
            if status == 302 and time.monotonic() < stop:
                with lock:
                    opens.append(t1 - t0)
                    submits.append(t2 - t1)

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = min(time.monotonic(), stop) - started
    cpu = _cpu_seconds(server.process.pid) - cpu_before
    rss = _peak_rss_mb(server.process.pid)
    client = time.process_time() - client_before
    busy, total = (b - a for a, b in zip(busy_before, _machine_busy(), strict=True))
    os.killpg(server.process.pid, signal.SIGTERM)
    server.process.wait()
    if len(submits) >= len(tokens) - args.clients:
        print(f"warning: ran out of participants ({len(tokens)}); raise --people")
    ms = {
        k: 1000 * np.percentile(v, [50, 95, 99])
        for k, v in {"open": opens, "submit": submits}.items()
    }
    return {
        "rate": len(submits) / elapsed,
        "n": len(submits),
        "cpu_ms": 1000 * cpu / max(1, len(submits)),
        "client_ms": 1000 * client / max(1, len(submits)),
        "busy": busy / total,
        "rss": rss,
        **ms,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--people", type=int, default=6000)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    rows = []
    url = os.environ.pop("DATABASE_URL", "")
    with TemporaryDirectory() as tmp:
        folder = Path(tmp) / "sqlite"
        folder.mkdir()
        env = next(_database(folder))
        rows.append(("SQLite", 1, _run(env[0], folder, 1, args)))
        if url.startswith("postgres"):
            os.environ["DATABASE_URL"] = url
            folder = Path(tmp) / "postgresql"
            folder.mkdir()
            databases = _database(folder)
            env = next(databases)
            try:
                rows.append(("PostgreSQL", args.workers, _run(env[0], folder, args.workers, args)))
            finally:
                next(databases, None)  # drops the benchmark's database
        else:
            print("PostgreSQL: missing (set DATABASE_URL to a PostgreSQL server to compare)")
    lines = [
        f"Survey load, {args.clients} clients for {args.seconds:g} s on {os.cpu_count()} cores",
        "",
        "| database | processes | submissions/s | open p50 / p95 / p99 (ms) | submit p50 / p95 / "
        "p99 (ms) | CPU per submission: server / load generator (ms) | machine busy | "
        "server peak memory | target (200/s, p99 < 300 ms) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, workers, r in rows:
        met = r["rate"] >= 200 and max(r["open"][2], r["submit"][2]) < 300
        lines.append(
            f"| {name} | {workers} | {r['rate']:.0f} | "
            + " / ".join(f"{x:.0f}" for x in r["open"])
            + " | "
            + " / ".join(f"{x:.0f}" for x in r["submit"])
            + f" | {r['cpu_ms']:.1f} / {r['client_ms']:.1f} | {100 * r['busy']:.0f}%"
            + f" | {r['rss']:.0f} MB"
            + f" | {'met' if met else 'not met'} |"
        )
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
