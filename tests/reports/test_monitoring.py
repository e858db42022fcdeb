"""The evaluator's monitoring page: every number read from stored data, each figure with its
accessible name and the table behind it, the audit chain and the plan's lock status."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from hearten.analysis.plan import lock_plan
from hearten.reports.monitoring import monitoring
from hearten.surveys.models import Invitation
from hearten.trials.people import add_role
from tests.analysis.test_plan import _ready
from tests.conftest import CLOCK, sign_in

pytestmark = pytest.mark.django_db
PASSWORD = "a long passphrase 1"


def test_the_numbers_and_figures_come_from_the_stored_data(trial: Any) -> None:
    m = monitoring(trial)
    assert (m.people, m.consented, m.recruitment, m.waves) == (40, 0, None, [])
    assert m.plan_locked_at is None
    _ready(trial)
    lock_plan(trial, now=CLOCK)
    m = monitoring(trial)
    assert m.people == 40
    assert m.consented == trial.participants.filter(consent="consented").count() > 0
    assert m.plan_locked_at is not None
    assert m.audit_problems == []
    assert m.recruitment is not None
    assert m.recruitment["rows"][-1][1] == str(m.consented)  # the running total ends there
    baseline = next(w for w in m.waves if w.name == "baseline")
    done = Invitation.objects.filter(wave__name="baseline", wave__trial=trial)
    assert baseline.invited == done.count()
    assert baseline.answered == done.exclude(completed_at=None).count()
    assert baseline.figure is not None
    last = baseline.figure["rows"][-1]
    assert last[1] == str(baseline.answered)
    assert last[2] == str(round(100 * baseline.answered / baseline.invited))
    assert 'role="img"' in baseline.figure["svg"]
    assert "against the target of 70%" in baseline.figure["alt"]


def test_only_the_trials_evaluator_opens_the_page(trial: Any, client: Client) -> None:
    _ready(trial)
    trial.evaluators.add(get_user_model().objects.create_user("eve", password=PASSWORD))
    sign_in(client, "eve", PASSWORD)
    page = client.get(f"/trials/{trial.slug}/monitoring/").content.decode()
    assert "Not locked yet" in page
    assert "Intact" in page
    assert "The data behind this figure" in page
    assert page.count('role="img"') == 1 + trial.waves.exclude(opened_at=None).count()
    add_role(trial, "coord", "coordinator", [], PASSWORD, now=CLOCK)
    sign_in(client, "coord", PASSWORD)
    assert client.get(f"/trials/{trial.slug}/monitoring/").status_code == 404
