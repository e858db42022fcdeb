"""``docs/tutorials/run-your-first-trial.md`` works exactly as written.

The test reads the tutorial's Markdown: it saves each file the text says to save, and runs
every command of every ``sh`` block in order, through the installed ``hearten`` entry point,
in a fresh folder and ``HEARTEN_HOME``. What people do rather than type is done as they
would: ``hearten serve`` runs in the background, and after each ``trial invite`` every
person opens their link and answers over HTTP; ``add-evaluator`` is given its password on
standard input. The install block is checked, not run (the test runs inside that
environment already). The tutorial must end in a locked, confirmatory report.
"""

from __future__ import annotations

import csv
import os
import re
import shlex
import signal
import subprocess
import time
from http.client import HTTPConnection
from pathlib import Path

import pytest

from tests.cli.test_demo import fresh_env, hearten_command
from tests.conftest import free_port
from tests.web.test_soak import Ledger, Participant

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = ROOT / "docs" / "tutorials" / "run-your-first-trial.md"
BLOCK = re.compile(r"^```(\w*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
SAVE_AS = re.compile(r"Save this as `([^`]+)`")
INSTALL = ("python3 -m pip install", "python3 -m uv sync", "source .venv/bin/activate")

pytestmark = [pytest.mark.slow, pytest.mark.database, pytest.mark.long]


def steps(markdown: str) -> list[tuple[str, str]]:
    """``("file", NAME + "\\n" + TEXT)`` for each file to save, ``("sh", LINE)`` for each
    command, in the tutorial's order."""
    found: list[tuple[str, str]] = []
    end = 0
    for block in BLOCK.finditer(markdown):
        kind, body = block.group(1), block.group(2)
        before = markdown[end : block.start()]
        end = block.end()
        if kind == "sh":
            for line in body.splitlines():
                command = line.split(" #", 1)[0].strip()
                if command:
                    found.append(("sh", command))
        elif (saved := SAVE_AS.findall(before)) and kind in ("toml", "csv"):
            found.append(("file", saved[-1] + "\n" + body))
    return found


def test_the_tutorial_is_read_as_files_and_commands() -> None:
    found = steps(TUTORIAL.read_text(encoding="utf-8"))
    files = [body.split("\n", 1)[0] for kind, body in found if kind == "file"]
    assert files == ["design.toml", "roster.csv"]
    commands = [body for kind, body in found if kind == "sh"]
    assert "python3 -m uv sync --no-dev" in commands, "the tutorial installs no developer tools"
    assert "hearten trial lock-plan letters-2026" in commands
    assert commands.index("hearten trial lock-plan letters-2026") < commands.index(
        "hearten trial randomise letters-2026"
    )


def answer_everyone(home: Path, port: int, wave: str) -> int:
    links = home / "exports" / "letters-2026" / f"{wave}-links.csv"
    with links.open(newline="", encoding="utf-8") as f:
        tokens = [re.findall(r"/s/([\w-]+)/", row["link"])[0] for row in csv.DictReader(f)]
    ledger = Ledger()
    for token in tokens:
        Participant(port, token, ledger, time.monotonic() + 30).answer()
    return len(ledger.acked)


def wait_for(port: int, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "hearten serve stopped"
        try:
            c = HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("hearten serve did not start")


def test_a_newcomer_reaches_a_locked_confirmatory_report(tmp_path: Path) -> None:
    home, work = tmp_path / "home", tmp_path / "work"
    work.mkdir()
    port = free_port()
    env = fresh_env(home)
    env["HEARTEN_BASE_URL"] = f"http://127.0.0.1:{port}"
    server: subprocess.Popen[str] | None = None
    outputs: dict[str, str] = {}
    try:
        for kind, body in steps(TUTORIAL.read_text(encoding="utf-8")):
            if kind == "file":
                name, text = body.split("\n", 1)
                (work / name).write_text(text, encoding="utf-8")
                continue
            if body.startswith(INSTALL):
                continue
            words = shlex.split(body)
            assert words[0] == "hearten", f"not a hearten command: {body}"
            command = [*hearten_command(), *words[1:]]
            if words[1] == "serve":
                server = subprocess.Popen(
                    [*command, "--port", str(port)], cwd=work, env=env, text=True,
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )  # fmt: skip
                wait_for(port, server)
                continue
            stdin = "tutorial-Passw0rd-42\n" * 2 if words[1:3] == ["trial", "add-evaluator"] else ""
            done = subprocess.run(
                command, cwd=work, env=env, input=stdin, capture_output=True, text=True,
                timeout=600, start_new_session=True,  # no terminal: the password comes on stdin
            )  # fmt: skip
            assert done.returncode == 0, f"{body}\n{done.stdout}\n{done.stderr}"
            outputs[body] = done.stdout
            if words[1:3] == ["trial", "invite"]:
                assert server is not None, "the tutorial starts the web app before inviting"
                assert answer_everyone(home, port, words[4]) == 10
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    assert "✓ allocation re-derived" in outputs["hearten audit verify letters-2026"]
    assert "otpauth://totp/" in outputs["hearten user 2fa your-name"]
    html = (home / "reports" / "letters-2026" / "report.html").read_text(encoding="utf-8")
    assert "pre-registered primary outcome, analysed as locked" in html
    assert "whose analysis plan was locked before the results were seen" in html
    assert "so every result is exploratory" not in html
