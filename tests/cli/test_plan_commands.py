"""`hearten trial lock-plan`, `amend-plan`, `report` and `hearten programme report`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.analysis.test_plan import _ready

pytestmark = pytest.mark.django_db


def test_lock_amend_analyse_and_report(
    hearten: Callable[..., Any], trial: Any, hearten_home: Path, tmp_path: Path, design_file: Path
) -> None:
    r = hearten("trial", "lock-plan", trial.slug)
    assert r.code == 0, r.err
    assert "locked as version 1" in r.out
    folder = hearten_home / "reports" / trial.slug
    assert (folder / "preregistration.md").exists()
    assert (folder / "preregistration.pdf").read_bytes().startswith(b"%PDF")
    r = hearten("trial", "lock-plan", trial.slug)
    assert r.code == 2
    assert "was locked on" in r.err
    changed = tmp_path / "changed.toml"
    changed.write_text(design_file.read_text() + 'covariates = ["caseload"]\n')
    r = hearten("trial", "amend-plan", trial.slug, str(changed))
    assert r.code == 2
    assert "needs its reason" in r.err
    r = hearten("trial", "amend-plan", trial.slug, str(changed), "--reason", "Caseload matters.")
    assert r.code == 0, r.err
    assert 'analysis.covariates: [] → ["caseload"]' in r.out
    assert "Plan version 2" in r.out
    _ready(trial)
    assert hearten("trial", "analyse", trial.slug).code == 0
    r = hearten("trial", "report", trial.slug)
    assert r.code == 0, r.err
    assert (folder / "report.pdf").exists()
    assert "Caseload matters." in (folder / "report.html").read_text()


def test_amending_another_trials_design_is_refused(
    hearten: Callable[..., Any], trial: Any, tmp_path: Path, design_file: Path
) -> None:
    other = tmp_path / "other.toml"
    other.write_text(design_file.read_text().replace("letters-test", "another"))
    r = hearten("trial", "amend-plan", trial.slug, str(other), "--reason", "long enough reason")
    assert r.code == 2
    assert "is for trial 'another'" in r.err


def test_programme_report_needs_analysed_trials(hearten: Callable[..., Any], trial: Any) -> None:
    r = hearten("programme", "report", trial.slug, "nope")
    assert r.code == 2
    assert "no trial called 'nope'" in r.err or "has not been analysed" in r.err
    assert "Traceback" not in r.err
