"""The layers stay as docs/architecture.md draws them."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_statistics_core_imports_no_django_database_or_cli() -> None:
    code = (
        "import sys, hearten.stats, hearten.stats.estimate, hearten.stats.vcov, "
        "hearten.stats.randomise, hearten.stats.balance\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'django', 'psycopg', 'sqlite3', 'typer', 'rich', 'waitress'} "
        "or m.startswith(('hearten.web', 'hearten.cli', 'hearten.trials', 'hearten.surveys')))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


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
