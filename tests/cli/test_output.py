"""Paths and links are printed whole, never wrapped, when the output is not a terminal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hearten.cli.output import LazyConsole, Table, err, out

LINK = "otpauth://totp/Hearten:eve?secret=" + "ABCDEFGHIJKLMNOP" * 4 + "&issuer=Hearten"


def test_a_long_link_is_printed_on_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    out.print(f"  or as a link: {LINK}")
    err.print(f"Error: no file at /{'deep/' * 30}roster.csv; check the path and try again")
    captured = capsys.readouterr()
    assert f"  or as a link: {LINK}\n" == captured.out
    assert f"/{'deep/' * 30}roster.csv;" in captured.err.splitlines()[0]


def test_a_written_path_survives_a_pipe(tmp_path: Path) -> None:
    folder = tmp_path / ("a-folder-with-a-long-name-" * 4) / "figures"
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    result = subprocess.run(
        [sys.executable, "-c", "from hearten.cli.main import run; run()", "power", "figures",
         "--design", "cra2", "--clusters", "20", "--cluster-size", "10", "--out-dir",
         str(folder)],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    written = result.stdout.strip().splitlines()[-1]
    assert written.startswith("Figures written: ")
    paths = written.removeprefix("Figures written: ").split(", ")
    assert paths
    assert all(Path(p).exists() for p in paths), written


def test_a_table_is_printed_whole_into_a_pipe(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")  # what Rich assumes for a pipe
    console = LazyConsole()
    table = Table("arm", "item", "phase", "kind", "quantity", "price", "cost", "discounted")
    cells = ("letters", "printing and postage", "recurring", "materials", "1 (total)",
             "£2,616,000.50", "£123,456.78", "£123,456.78")  # fmt: skip
    table.add_row(*cells)
    console.print(table)
    printed = capsys.readouterr().out
    assert console.rich.width == 80
    assert "…" not in printed
    row = next(line for line in printed.splitlines() if "letters" in line)
    assert [c.strip() for c in row.strip("│").split("│")] == list(cells)
