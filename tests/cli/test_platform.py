"""Every platform command, with its bad-input cases, as a user types it."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hearten.surveys.models import Invitation
from hearten.trials.models import Participant, Trial
from tests.conftest import ROSTER_HEADER, roster_text

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def test_create_import_randomise_invite(
    hearten: Callable[..., Any],
    design_file: Path,
    write_roster: Callable[[str], Path],
    hearten_home: Path,
) -> None:
    r = hearten("trial", "create", str(design_file))
    assert r.code == 0, r.err
    assert "Created trial letters-test" in r.out
    assert "waves: baseline, follow-up" in r.out
    r = hearten("roster", "import", "letters-test", str(write_roster(roster_text())))
    assert r.code == 0, r.err
    assert "Imported 40 participants in 8 teams across 2 sites" in r.out
    r = hearten("trial", "invite", "letters-test", "baseline")
    assert r.code == 0, r.err
    links = hearten_home / "exports" / "letters-test" / "baseline-links.csv"
    assert links.read_text().count("/s/") == 40
    rows = list(csv.DictReader(links.open(encoding="utf-8")))
    assert list(rows[0]) == ["pseudonym", "name", "email", "link"]  # whom each link is for
    assert all("@" in row["email"] for row in rows)
    assert links.stat().st_mode & 0o777 == 0o600
    assert "`hearten worker` e-mails them itself" in " ".join(r.out.split())
    r = hearten("trial", "randomise", "letters-test", "--seed", "7")
    assert r.code == 0, r.err
    assert "seed 7" in r.out
    r = hearten("trial", "randomise", "letters-test", "--seed", "8")
    assert r.code == 2
    assert "never re-drawn" in r.err
    assert "Traceback" not in r.err
    r = hearten("trial", "list")
    assert "letters-test" in r.out
    assert "randomised" in r.out


def test_a_bad_design_file_names_the_field(
    hearten: Callable[..., Any], tmp_path: Path, design_file: Path
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(design_file.read_text().replace('unit = "team"', 'unit = "squad"'))
    r = hearten("trial", "create", str(bad))
    assert r.code == 2
    assert "unit: Input should be 'individual', 'team' or 'office'" in r.err
    assert not Trial.objects.exists()


def test_a_bad_roster_lists_rows_and_imports_nothing(
    hearten: Callable[..., Any], design_file: Path, write_roster: Callable[[str], Path]
) -> None:
    hearten("trial", "create", str(design_file))
    path = write_roster(
        ROSTER_HEADER + "S1,Dudley,,SW,1,2020-01-01,3,\nS1,Dudley,D-1,SW,1,2020-01-01,3,\n"
    )
    r = hearten("roster", "import", "letters-test", str(path))
    assert r.code == 2
    assert "row 2: has no team" in r.err
    assert "row 3: staff_id 'S1' repeats row 2" in r.err
    assert "Nothing was imported." in r.err
    assert Participant.objects.count() == 0


def test_an_unknown_trial_lists_the_ones_there_are(
    hearten: Callable[..., Any], design_file: Path
) -> None:
    hearten("trial", "create", str(design_file))
    r = hearten("trial", "analyse", "letters")
    assert r.code == 2
    assert "no trial called 'letters' (trials here: letters-test)" in r.err


def test_analyse_and_report_refuse_out_of_order(hearten: Callable[..., Any], trial: Any) -> None:
    r = hearten("trial", "analyse", trial.slug)
    assert r.code == 2
    assert "not randomised yet" in r.err
    hearten("trial", "randomise", trial.slug, "--seed", "1")
    r = hearten("trial", "report", trial.slug)
    assert r.code == 2
    assert "has not been analysed" in r.err


def test_analyse_and_report_print_the_effect_and_the_path(
    hearten: Callable[..., Any], trial: Any
) -> None:
    from hearten.surveys.services import invite
    from tests.analysis.test_run import _answer

    invite(trial.waves.get(name="baseline"), NOW)
    _answer(trial, "baseline", {})
    hearten("trial", "randomise", trial.slug, "--seed", "3")
    hearten("trial", "invite", trial.slug, "follow-up")
    assert Invitation.objects.filter(wave__name="follow-up").count() == 40
    _answer(trial, "follow-up", {})
    r = hearten("trial", "analyse", trial.slug)
    assert r.code == 0, r.err
    assert "letters" in r.out
    assert "CR2 standard errors with Satterthwaite df" in r.out
    assert "n = 40, 8 teams" in r.out
    r = hearten("trial", "report", trial.slug)
    assert r.code == 0, r.err
    path = Path(r.out.split("Report written to ")[1].split()[0])
    assert path.exists()
    assert "Participant flow" in path.read_text()


def test_add_evaluator_creates_the_user_with_a_checked_password(
    hearten: Callable[..., Any], trial: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import typer

    answers = iter(["short"])
    monkeypatch.setattr(typer, "prompt", lambda *a, **k: next(answers))
    r = hearten("trial", "add-evaluator", trial.slug, "ada")
    assert r.code == 2
    assert "the password is too weak" in r.err
    answers = iter(["a long and unusual passphrase 42"])
    r = hearten("trial", "add-evaluator", trial.slug, "ada")
    assert r.code == 0, r.err
    assert trial.evaluators.filter(username="ada").exists()


def test_an_unknown_wave_lists_the_waves(hearten: Callable[..., Any], trial: Any) -> None:
    r = hearten("trial", "invite", trial.slug, "endline")
    assert r.code == 2
    assert "has no wave 'endline' (waves: baseline, follow-up)" in r.err
