"""The surveys' shared fixtures."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hearten.surveys.models import Invitation
from hearten.surveys.services import get_wave, invite, record_consent
from tests.conftest import CLOCK, roster_text

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


@pytest.fixture
def multi(design_file: Path, tmp_path: Path) -> Any:
    from hearten.surveys.services import plan_waves
    from hearten.trials.design import parse_design
    from hearten.trials.lifecycle import create_trial
    from hearten.trials.roster import import_roster

    text = design_file.read_text().replace(
        'name = "baseline"\ninstrument = "swemwbs"',
        'name = "baseline"\ninstrument = "swemwbs"\nalso = ["ons4", "caseload"]',
    )
    text += (
        '\n[[analysis.secondary]]\nname = "life-satisfaction"\nwave = "baseline"\n'
        'instrument = "ons4"\nscore = "life_satisfaction"\n'
    )
    trial = create_trial(parse_design(text), now=CLOCK)
    plan_waves(trial)
    roster = tmp_path / "roster.csv"
    roster.write_text(roster_text())
    import_roster(trial, roster, now=CLOCK)
    invite(get_wave(trial, "baseline"), NOW)
    return trial


def consented_link(trial: Any) -> Invitation:
    """The trial's first link, its participant having consented."""
    inv = Invitation.objects.filter(wave__trial=trial).order_by("id").first()
    assert inv is not None
    record_consent(inv, True, now=NOW)
    return inv
