"""The command line starts instantly, and a usage error is a message, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer._click import Command
from typer.core import TyperGroup

from hearten.cli.help import GROUPS
from hearten.cli.main import app, main

HEAVY = ("numpy", "pandas", "scipy", "statsmodels", "django")


def test_importing_the_command_line_pulls_in_no_heavy_module() -> None:
    code = (
        "import pkgutil, importlib, sys, hearten.cli\n"
        "for m in pkgutil.walk_packages(hearten.cli.__path__, 'hearten.cli.'):\n"
        "    importlib.import_module(m.name)\n"
        f"heavy = {HEAVY!r}\n"
        "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in heavy)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [], (
        "a hearten.cli module imports a heavy module at top level; import it inside the "
        "command function that needs it"
    )


#: Modules a usage error or ``--help`` never needs: converting values (Pydantic, through Typer)
#: and printing with Rich cost more than half of the 0.3 s a usage error may take.
NOT_FOR_USAGE = ("pydantic", "pydantic_core", "rich")


@pytest.mark.parametrize(
    "words",
    [
        ["--help"],
        ["analyse", "--bogus"],
        ["trial", "create"],
        ["analyse", "--help"],
        ["power", "mdes", "--design", "cra2", "--clustres", "4"],
    ],
    ids=" ".join,
)
def test_help_and_a_usage_error_import_neither_pydantic_nor_rich(words: list[str]) -> None:
    code = (
        "import sys\n"
        "from hearten.cli.main import main\n"
        "main(sys.argv[1:])\n"
        f"light = {NOT_FOR_USAGE!r}\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules} & set(light))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *words], capture_output=True, text=True, check=False
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stdout.splitlines()[-1].strip() == "", (
        "help or a usage error imported a module it does not need; see hearten.cli.parsing "
        "and hearten.cli.output"
    )


def test_a_given_value_is_still_converted_and_checked_by_typer(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The lazy converter (``hearten.cli.parsing``) hands real values to Typer's own (a
    value of the wrong type is refused: test_a_value_of_the_wrong_type_...)."""
    assert main(["power", "mdes", "--design", "cra2", "--clusters", "40", "--cluster-size",
                 "12", "--icc2", "0.05", "--json"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert json.loads(out)["mdes"] == pytest.approx(0.3268, abs=1e-4)  # converted to numbers


def leaf_commands() -> list[tuple[list[str], Command]]:
    """Every command a user can run, as its words after ``hearten``."""
    found: list[tuple[list[str], Command]] = []

    def walk(words: list[str], cmd: Command) -> None:
        if isinstance(cmd, TyperGroup):
            for name, sub in cmd.commands.items():
                walk([*words, name], sub)
        else:
            found.append((words, cmd))

    walk([], typer.main.get_command(app))
    return found


NEEDING_SOMETHING = [
    pytest.param(words, id=" ".join(words))
    for words, cmd in leaf_commands()
    if any(p.required for p in cmd.params)
]


def assert_usage_error(code: int, err: str, says: str) -> None:
    assert code == 2
    assert "Traceback" not in err
    assert err.startswith("Usage: hearten")
    errors = [line for line in err.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, err
    assert says in errors[0], err
    assert len(err.strip().splitlines()) <= 4, err


def test_most_commands_need_something() -> None:
    assert len(NEEDING_SOMETHING) >= 30


@pytest.mark.parametrize("words", NEEDING_SOMETHING)
def test_a_command_missing_what_it_needs_prints_one_line_and_the_usage(
    words: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(words)
    captured = capsys.readouterr()
    assert_usage_error(code, captured.err, "Missing")
    assert captured.out == ""


def test_an_unknown_command_prints_one_line_and_the_usage(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["trail", "create"])
    assert_usage_error(code, capsys.readouterr().err, "No such command 'trail'")


def test_an_unknown_option_prints_one_line_and_the_usage(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["power", "mdes", "--design", "cra2", "--clustres", "40"])
    assert_usage_error(code, capsys.readouterr().err, "No such option: --clustres")


def test_a_value_of_the_wrong_type_prints_one_line_and_the_usage(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["power", "mdes", "--design", "cra2", "--clusters", "forty"])
    assert_usage_error(code, capsys.readouterr().err, "--clusters")


def test_the_installed_script_prints_no_traceback_for_a_usage_error() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from hearten.cli.main import run; run()", "trial", "create"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "Missing argument 'design'" in result.stderr


def test_the_help_groups_every_command_with_an_example(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    for group in GROUPS:
        assert f"{group.title}:" in text
        assert f"e.g.  {group.example}\n" in text, "an example is printed whole, never wrapped"
    listed = {line.split()[0] for line in text.splitlines() if line.startswith("  ")}
    root = typer.main.get_command(app)
    assert isinstance(root, TyperGroup)
    assert set(root.commands) <= listed
    assert "More commands" not in text, "put a new top-level command in one of GROUPS"


def test_a_command_that_reads_no_database_sets_django_up_itself(tmp_path: Path) -> None:
    """In a fresh process (not under pytest-django), ``costs rates`` lists the shipped unit
    costs instead of failing on Django's unconfigured settings."""
    code = (
        "import sys; from hearten.cli.main import run; sys.argv = ['hearten', *sys.argv[1:]]; run()"
    )
    env = {**os.environ, "HEARTEN_HOME": str(tmp_path)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "-c", code, "costs", "rates"], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "Source:" in result.stdout
    assert "Price index pss-pay-prices" in result.stdout
    assert "Not in this table:" in result.stdout
