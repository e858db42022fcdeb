"""Run the CLI in this process, so its commands use the test database."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass

import pytest


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
