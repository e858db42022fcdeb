"""A randomised trial with named staff, the online programme for the intervention arm, and two
coders: the ground the process evaluation works on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CLOCK, TODAY

NAMES = ["Amara Okafor", "Ben Hughes", "Chloe Price", "Ben Carter"]


@pytest.fixture
def named_trial(trial: Any) -> Any:
    """The shared 40-person trial, randomised, with four staff named on the roster and the
    intervention arm enrolled in the programme: of its people, the first never opened it,
    the second opened one module, the third completed all six."""
    from hearten.interventions.goals import MODULES, enrol, log
    from hearten.interventions.models import EngagementKind, Enrolment, ModuleWork
    from hearten.trials.allocation import arms_by_participant, randomise_trial
    from hearten.trials.models import IdentityKey

    randomise_trial(trial, seed=23, now=CLOCK)
    keys = list(IdentityKey.objects.filter(participant__trial=trial).order_by("staff_id"))
    for key, name in zip(keys, NAMES, strict=False):
        key.name = name
        key.save()
    enrol(trial, "letters", TODAY - timedelta(days=60), now=CLOCK)
    arms = arms_by_participant(trial)
    enrolments = sorted(Enrolment.objects.filter(trial=trial), key=lambda e: e.participant_id)
    assert all(arms[e.participant_id] == "letters" for e in enrolments)
    _, opened, completed = enrolments[:3]
    log(opened, EngagementKind.OPENED, CLOCK)
    ModuleWork.objects.create(enrolment=opened, module=1, completed_at=CLOCK)
    log(completed, EngagementKind.OPENED, CLOCK)
    for m in range(1, MODULES + 1):
        ModuleWork.objects.create(enrolment=completed, module=m, completed_at=CLOCK)
    return trial


@pytest.fixture
def coders(db: None) -> tuple[Any, Any]:
    from django.contrib.auth import get_user_model

    users = get_user_model()
    return (
        users.objects.create_user("coder-one", password="a long coder password 1"),
        users.objects.create_user("coder-two", password="a long coder password 2"),
    )


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[str, str], Path]:
    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
