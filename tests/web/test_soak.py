"""Soak: participants answer surveys while the production server is killed and restarted.

On PostgreSQL (when ``DATABASE_URL`` is set) with three gunicorn worker processes, otherwise on
SQLite with one waitress process: simulated participants open their link, consent and submit
the survey (the page with its idempotency key), retrying through every outage, while the
server's whole process group is killed (SIGKILL, no clean shutdown) and restarted several
times. Afterwards every acknowledged answer is stored exactly as sent, and none twice.
Bounded: ``HEARTEN_SOAK_SECONDS`` (default 90) on loopback.
"""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.client import HTTPConnection, HTTPException
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

from tests.cli.test_demo import fresh_env, hearten_command
from tests.conftest import ROSTER_HEADER, free_port

SECONDS = float(os.environ.get("HEARTEN_SOAK_SECONDS", "90"))
PEOPLE = 1500
CLIENTS = 10
KILLS = 5
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
RECEIPT = re.compile(rb'name="receipt" value="([^"]+)"')  # the submission's idempotency key


@dataclass
class Server:
    """The server under test, restarted on demand; ``env`` is its environment."""

    env: dict[str, str]
    port: int
    workers: int
    log: Path
    process: subprocess.Popen[str] | None = None
    restarts: int = 0

    def start(self) -> None:
        self.process = subprocess.Popen(
            [*hearten_command(), "serve", "--port", str(self.port), "--workers",
             str(self.workers), "--threads", "4"],
            env=self.env, stdout=self.log.open("a"), stderr=subprocess.STDOUT, text=True,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                c = HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("the server did not come back: " + self.log.read_text()[-2000:])

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)  # master and every worker, at once
        self.process.wait()
        self.restarts += 1


@dataclass
class Ledger:
    """What the server acknowledged: each link's answers, by token."""

    acked: dict[str, dict[str, str]] = field(default_factory=dict)
    retries: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Participant:
    """One person's browser: cookies, and requests retried through outages."""

    def __init__(self, port: int, token: str, ledger: Ledger, stop: float) -> None:
        self.port, self.token, self.ledger, self.stop = port, token, ledger, stop
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        body = urllib.parse.urlencode(form).encode() if form else None
        while time.monotonic() < self.stop + 120:  # finish what is under way after the stop
            try:
                c = HTTPConnection("127.0.0.1", self.port, timeout=10)
                headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
                if body is not None:
                    headers["Content-Type"] = "application/x-www-form-urlencoded"
                    headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
                c.request(method, path, body=body, headers=headers)
                r = c.getresponse()
                data = r.read()
                for raw in r.headers.get_all("Set-Cookie") or []:
                    for key, morsel in SimpleCookie(raw).items():
                        self.cookies[key] = morsel.value
                if r.status >= 500:
                    raise OSError(f"server error {r.status}")
                return r.status, data
            except (OSError, HTTPException):  # refused, reset, cut off mid-answer
                with self.ledger.lock:
                    self.ledger.retries += 1
                time.sleep(0.2)
        raise TimeoutError("gave up")

    def answer(self) -> None:
        path = f"/s/{self.token}/"
        status, page = self.request("GET", path)
        if b'name="consent"' in page:
            token = CSRF.search(page)
            assert token, page[:500]
            self.request("POST", path, {"csrfmiddlewaretoken": token.group(1).decode(),
                                        "consent": "yes"})  # fmt: skip
            status, page = self.request("GET", path)
        if b'name="page"' not in page:
            return  # complete already (a restart lost the acknowledgement)
        token = CSRF.search(page)
        assert token, page[:500]
        answers = {f"swemwbs_{i}": str(random.randint(1, 5)) for i in range(1, 8)}
        key = RECEIPT.search(page)
        assert key, page[:500]
        form = {"csrfmiddlewaretoken": token.group(1).decode(), "page": "swemwbs",
                "receipt": key.group(1).decode(), "checked": "yes", **answers}  # fmt: skip
        time.sleep(random.uniform(0.05, 0.2))  # reading the questions
        status, page = self.request("POST", path, form)
        if status == 302 or b"You have already answered" in page:
            with self.ledger.lock:
                self.ledger.acked[self.token] = answers


def _database(tmp_path: Path) -> Iterator[tuple[dict[str, str], int]]:
    """An environment for a fresh database, and the worker processes to run."""
    env = fresh_env(tmp_path / "home")
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield env, 1
        return
    import psycopg

    name = f"hearten_soak_{os.getpid()}"
    admin = urllib.parse.urlsplit(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = urllib.parse.urlsplit(url)._replace(path=f"/{name}").geturl()
    try:
        yield env, 3
    finally:
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _stored(env: dict[str, str], home: Path) -> list[tuple[str, dict[str, str]]]:
    """Every stored survey page: (token, answers), straight from the database."""
    import json

    query = ("SELECT i.token, r.answers FROM surveys_response r JOIN surveys_invitation i "
             "ON r.invitation_id = i.id")  # fmt: skip
    if "DATABASE_URL" in env:
        import psycopg

        with psycopg.connect(env["DATABASE_URL"]) as c:
            rows = c.execute(query).fetchall()
        return [(t, a if isinstance(a, dict) else json.loads(a)) for t, a in rows]
    with sqlite3.connect(home / "hearten.sqlite3") as c:
        return [(t, json.loads(a)) for t, a in c.execute(query)]


def invited(env: dict[str, str], folder: Path, design: Path, people: int, teams: int) -> list[str]:
    """Through the command line in ``env`` (home ``folder/home``): a trial with ``people`` on
    its roster in ``teams`` teams across three sites, invited to the baseline survey; their
    link tokens."""
    roster = folder / "roster.csv"
    roster.write_text(ROSTER_HEADER + "".join(
        f"S{n:05d},Site{n % 3},Site{n % 3}-T{n % teams},social worker,1.0,2020-01-01,15,\n"
        for n in range(people)))  # fmt: skip
    for args in (["db", "upgrade"], ["trial", "create", str(design)],
                 ["roster", "import", "letters-test", str(roster)],
                 ["trial", "invite", "letters-test", "baseline"]):  # fmt: skip
        done = subprocess.run([*hearten_command(), *args], env=env, capture_output=True,
                              text=True, timeout=300)  # fmt: skip
        assert done.returncode == 0, done.stderr
    links = (folder / "home" / "exports" / "letters-test" / "baseline-links.csv").read_text()
    return re.findall(r"/s/([\w-]+)/", links)


@pytest.fixture
def database(tmp_path: Path) -> Iterator[tuple[dict[str, str], int]]:
    yield from _database(tmp_path)


@pytest.mark.long
@pytest.mark.database
def test_every_acknowledged_answer_survives_kills_exactly_once(
    tmp_path: Path, design_file: Path, database: tuple[dict[str, str], int]
) -> None:
    env, workers = database
    tokens = invited(env, tmp_path, design_file, PEOPLE, teams=60)
    assert len(tokens) == PEOPLE
    server = Server(env, free_port(), workers, tmp_path / "serve.log")
    server.start()
    ledger = Ledger()
    stop = time.monotonic() + SECONDS
    queue = iter(tokens)
    take = threading.Lock()

    def client() -> None:
        while time.monotonic() < stop:
            with take:
                token = next(queue, None)
            if token is None:
                return
            try:
                Participant(server.port, token, ledger, stop).answer()
            except Exception as exc:  # reported below: a client must never fail
                with ledger.lock:
                    ledger.errors.append(f"{token}: {exc!r}")

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    try:
        began = stop - SECONDS
        for k in range(1, KILLS + 1):  # evenly spread through the run
            time.sleep(max(0.0, began + k * SECONDS / (KILLS + 1) - time.monotonic()))
            server.kill()
            time.sleep(0.5)
            server.start()
        for t in threads:
            t.join()
    finally:
        if server.process and server.process.poll() is None:
            os.killpg(server.process.pid, signal.SIGKILL)
    log = server.log.read_text()
    assert not ledger.errors, (ledger.errors[:5], log[-3000:])
    assert server.restarts == KILLS
    assert ledger.retries > 0, "no request met an outage: the test proved nothing"
    assert len(ledger.acked) > 100
    stored = _stored(env, tmp_path / "home")
    by_token: dict[str, list[dict[str, str]]] = {}
    for token, answers in stored:
        by_token.setdefault(token, []).append(answers)
    twice = {t: a for t, a in by_token.items() if len(a) > 1}
    assert not twice, f"stored twice: {list(twice)[:3]}"
    lost = [t for t in ledger.acked if t not in by_token]
    assert not lost, f"{len(lost)} acknowledged answers lost, e.g. {lost[:3]}"
    changed = [
        t for t, a in ledger.acked.items() if {k: str(v) for k, v in by_token[t][0].items()} != a
    ]
    assert not changed, f"{len(changed)} answers differ from what was acknowledged"
