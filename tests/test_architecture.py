"""The layers stay as docs/architecture.md draws them."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _stats_contract() -> list[str]:
    """The forbidden modules of the pure-statistics contract in pyproject.toml (one list)."""
    import tomllib

    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (pure,) = [c for c in contracts["contracts"] if c.get("source_modules") == ["hearten.stats"]]
    return list(pure["forbidden_modules"])


def test_the_statistics_core_imports_no_django_database_or_cli() -> None:
    """Every module of ``hearten.stats``, imported in a fresh process, brings in none of the
    modules the import contract forbids it (nor sqlite3): the contract checks the source,
    this what actually loads."""
    forbidden = [*_stats_contract(), "sqlite3"]
    assert {"django", "hearten.web", "hearten.cli", "hearten.analysis"} <= set(forbidden)
    code = (
        "import importlib, pkgutil, sys, hearten.stats\n"
        "names = [m.name for m in pkgutil.iter_modules(hearten.stats.__path__, 'hearten.stats.')]\n"
        "for name in names:\n"
        "    importlib.import_module(name)\n"
        f"forbidden = {forbidden!r}\n"
        "bad = sorted(m for m in sys.modules if any(m == f or m.startswith(f + '.') "
        "for f in forbidden))\n"
        "print(len(names)); print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    count, bad = result.stdout.splitlines()
    modules = list((ROOT / "src" / "hearten" / "stats").glob("*.py"))
    assert int(count) == len([m for m in modules if m.name != "__init__.py"])
    assert bad == ""


def test_import_contracts_hold() -> None:
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint, "import-linter is part of the dev dependencies"
    result = subprocess.run([lint], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_every_model_change_has_a_migration() -> None:
    from django.core.management import call_command

    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out)
    except SystemExit:
        pytest.fail(
            "models changed without a migration: run `django-admin makemigrations "
            "--settings hearten.web.settings`\n" + out.getvalue()
        )
