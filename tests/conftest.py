"""Shared fixtures. Every test gets its own HEARTEN_HOME; database tests run on whichever
database DATABASE_URL names (SQLite in memory when it is unset).

When DATABASE_URL names PostgreSQL, only the tests that use the database run (those asking
for a pytest-django database fixture, marked ``django_db``, or marked ``database`` because
they start a server or command that reaches it): the rest were run on SQLite already and do
not depend on the database. ``HEARTEN_ALL_TESTS=1`` runs every test anyway. The README's test
command stays the one command CI runs on both databases."""

from __future__ import annotations

import dataclasses
import email
import os
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import Message as EmailMessage
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"

#: The clock tests give the services that take one (issue 27: time is an input, read from
#: the real clock only at the edges): a fixed moment, so a test never depends on the day it
#: runs. A test whose data carry real database timestamps that must fall after it (a plan
#: locked before randomisation, say) gives ``timezone.now()`` instead, and says so.
CLOCK = datetime(2026, 11, 30, 9, tzinfo=UTC)
#: The day of :data:`CLOCK`.
TODAY = date(2026, 11, 30)

#: pytest-django fixtures through which a test reaches the database.
DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "live_server",
    }
)


def on_postgresql() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def uses_database(item: pytest.Item) -> bool:
    names = set(getattr(item, "fixturenames", ()))
    return bool(
        names & DATABASE_FIXTURES
        or item.get_closest_marker("django_db")
        or item.get_closest_marker("database")
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the tests marked ``long`` first, so that the processes of a parallel run
    (``pytest -n auto``) share them out at the start instead of one of them finishing alone
    with a demo build at the end; on PostgreSQL, run only the tests that use the database
    (see the module's docstring)."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)
    if not on_postgresql() or os.environ.get("HEARTEN_ALL_TESTS") == "1":
        return
    keep = [item for item in items if uses_database(item)]
    dropped = [item for item in items if not uses_database(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


def pytest_report_header(config: pytest.Config) -> str | None:
    if on_postgresql() and os.environ.get("HEARTEN_ALL_TESTS") != "1":
        return (
            "DATABASE_URL names PostgreSQL: running only the tests that use the database "
            "(HEARTEN_ALL_TESTS=1 runs them all)"
        )
    return None


def reference_package(name: str) -> Any:
    """Import a package a test compares Hearten with (a peer implementation). Skipped where
    it is missing, except where ``HEARTEN_REQUIRE_REFERENCES=1`` (as in CI): there a missing
    reference fails the test instead of silently dropping the comparison."""
    import importlib

    if os.environ.get("HEARTEN_REQUIRE_REFERENCES") == "1":
        try:
            return importlib.import_module(name)
        except ImportError as exc:
            pytest.fail(f"reference package {name!r} is missing ({exc}); CI requires it")
    return pytest.importorskip(name)


@pytest.fixture(autouse=True)
def hearten_home(tmp_path: Path, settings: Any) -> Path:
    """Point reports and exports at a fresh folder for each test."""
    home = tmp_path / "hearten-home"
    home.mkdir()
    settings.HEARTEN = dataclasses.replace(settings.HEARTEN, home=home)
    return home


@pytest.fixture(autouse=True)
def quick_password_hashing(settings: Any) -> None:
    """Hash test passwords with Argon2id at its lowest cost (``tests/hashers.py``)."""
    settings.PASSWORD_HASHERS = ["tests.hashers.QuickArgon2PasswordHasher",
                                 *settings.PASSWORD_HASHERS]  # fmt: skip


@dataclass(frozen=True)
class DemoBuild:
    """A finished ``hearten demo``: its HEARTEN_HOME (SQLite) and what it printed."""

    home: Path
    out: str
    err: str
    cpu_seconds: float


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> DemoBuild:
    """``hearten demo`` built once per test run (it takes about a minute), through the
    installed entry point in a fresh HEARTEN_HOME. Read it; to change it, copy ``home``
    first (``shutil.copytree``), since other tests share it. With the tests spread over
    processes (pytest-xdist), the first process to need it builds it under a file lock in the
    run's shared temporary folder and the others read what it recorded there."""
    if worker_id == "master":  # one process: nothing to share
        return _build_demo(tmp_path_factory.mktemp("demo") / "home")
    import json

    from filelock import FileLock

    shared = tmp_path_factory.getbasetemp().parent
    record = shared / "demo-build.json"
    with FileLock(str(shared / "demo-build.lock")):
        if record.exists():
            kept = json.loads(record.read_text())
            return DemoBuild(**{**kept, "home": Path(kept["home"])})
        build = _build_demo(shared / "demo" / "home")
        record.write_text(json.dumps({**dataclasses.asdict(build), "home": str(build.home)}))
        return build


def _build_demo(home: Path) -> DemoBuild:
    """Run ``hearten demo`` into ``home`` with SQLite; what it printed and its CPU time."""
    import resource
    import shutil
    import subprocess

    exe = shutil.which("hearten", path=str(Path(sys.executable).parent))
    assert exe, "the hearten entry point is installed with the package"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(HEARTEN_HOME=str(home), COLUMNS="200")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [exe, "demo"], env=env, capture_output=True, text=True, timeout=900, check=False
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert done.returncode == 0, done.stderr
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return DemoBuild(home, done.stdout, done.stderr, cpu)


@pytest.fixture
def design_file() -> Path:
    return FIXTURES / "design.toml"


@pytest.fixture
def write_roster(tmp_path: Path) -> Callable[[str], Path]:
    """Write CSV text to a roster file and return its path."""

    def write(text: str) -> Path:
        path = tmp_path / "roster.csv"
        path.write_text(text.lstrip(), encoding="utf-8")
        return path

    return write


ROSTER_HEADER = "staff_id,site,team,role,fte,start_date,caseload,email\n"


def roster_text(teams_per_site: int = 4, people_per_team: int = 5) -> str:
    """A valid roster: two sites, ``teams_per_site`` teams each."""
    lines = [ROSTER_HEADER.strip()]
    n = 0
    for site in ("Dudley", "Shropshire"):
        for t in range(teams_per_site):
            for _ in range(people_per_team):
                n += 1
                lines.append(
                    f"S{n:04d},{site},{site[:2].upper()}-{t},Social worker,1.0,2020-01-15,"
                    f"{10 + n % 15},s{n}@example.org"
                )
    return "\n".join(lines) + "\n"


@pytest.fixture
def trial(design_file: Path, write_roster: Callable[[str], Path], db: None) -> Any:
    """A created trial with its waves and a 40-person roster, not yet randomised."""
    from hearten.surveys.services import plan_waves
    from hearten.trials.design import load_design
    from hearten.trials.lifecycle import create_trial
    from hearten.trials.roster import import_roster

    t = create_trial(load_design(design_file), now=CLOCK)
    plan_waves(t)
    import_roster(t, write_roster(roster_text()), now=CLOCK)
    return t


@contextmanager
def append_only_lifted() -> Iterator[None]:
    """Lift the audit table's append-only triggers (and the allocation's) for a moment, as
    someone with full rights
    to the database could: for tests of tamper detection, and to empty it after
    transactional tests."""
    from django.db import connection

    from hearten.trials.audit import (
        allocation_frozen_sql,
        allocation_kept_sql,
        append_only_sql,
        remove_allocation_frozen_sql,
        remove_allocation_kept_sql,
        remove_append_only_sql,
    )

    with connection.cursor() as cursor:
        for statement in remove_append_only_sql(connection.vendor):
            cursor.execute(statement)
        for statement in remove_allocation_frozen_sql(connection.vendor):
            cursor.execute(statement)
        for statement in remove_allocation_kept_sql(connection.vendor):
            cursor.execute(statement)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for statement in append_only_sql(connection.vendor):
                cursor.execute(statement)
            for statement in allocation_frozen_sql(connection.vendor):
                cursor.execute(statement)
            for statement in allocation_kept_sql(connection.vendor):
                cursor.execute(statement)


@pytest.fixture
def audit_flushable(transactional_db: None) -> Iterator[None]:
    """Transactional tests end by emptying every table; clear the audit log and the
    allocations (never deleted otherwise) first."""
    yield
    from hearten.trials.models import Allocation, AuditEvent

    with append_only_lifted():
        AuditEvent.objects.all().delete()
        Allocation.objects.all().delete()


@dataclass
class Outcome:
    code: int
    out: str
    err: str


@pytest.fixture
def hearten(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Outcome]:
    """Call ``hearten ARGS...`` through the real entry point; return exit code and output."""
    from hearten.cli.main import run

    def call(*args: str) -> Outcome:
        monkeypatch.setattr(sys, "argv", ["hearten", *args])
        monkeypatch.setenv("COLUMNS", "200")
        code = 0
        try:
            run()
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return call


class Inbox:
    """An aiosmtpd handler keeping every message that arrives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.port = 0
        self.controller: Any = None

    def start(self, port: int = 0) -> None:
        """Start a real SMTP server on loopback (again, on the same port, after ``stop``)."""
        from aiosmtpd.controller import Controller

        self.port = port or self.port or free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        """Stop the server (an outage): connections to its port are refused."""
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    """A TCP port on loopback that nothing is listening on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def worker_in_test(monkeypatch: pytest.MonkeyPatch) -> None:
    """`hearten worker` closes stale connections between tasks; a test runs inside one
    transaction, whose connection must stay open (PostgreSQL would lose it)."""
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )


@pytest.fixture
def smtp(settings: Any, worker_in_test: None) -> Iterator[Inbox]:
    """A real SMTP server on loopback that Hearten's e-mail goes to; read ``.messages``."""
    inbox = Inbox()
    inbox.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", inbox.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.DEFAULT_FROM_EMAIL = "Hearten <hearten@example.org>"
    yield inbox
    inbox.stop()


def sign_in(client: Any, username: str, password: str) -> bool:
    """Sign in through the authentication backends as the sign-in page does (with a request,
    which the sign-in throttle needs), then pass the second step for those who need it, as
    entering a correct code does (tests of the code page itself go through the page)."""
    from django.contrib.auth import get_user_model
    from django.test import RequestFactory
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from hearten.web.twofactor import needs_second_factor

    ok = client.login(request=RequestFactory().post("/sign-in/"), username=username,
                      password=password)  # fmt: skip
    user = get_user_model().objects.get(username=username)
    if ok and needs_second_factor(user):
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return bool(ok)
