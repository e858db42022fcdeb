"""An analysis run is stamped with the clock it ran at, not the database's time (issue 27,
item 2: time is an input); the latest run is the one with the newest clock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from hearten.analysis.models import AnalysisRun
from hearten.analysis.run import run_analysis
from hearten.analysis.stored import latest_run
from tests.analysis.test_plan import _ready
from tests.conftest import CLOCK

pytestmark = pytest.mark.django_db


def test_a_run_is_stamped_with_its_clock(trial: Any) -> None:
    _ready(trial)
    later = CLOCK + timedelta(days=9, seconds=5)
    run = run_analysis(trial, later)
    assert run.created_at == later
    assert AnalysisRun.objects.get(pk=run.pk).created_at == later
    assert run.result["as_of"] == later.isoformat()
    again = run_analysis(trial, later + timedelta(days=1))
    assert latest_run(trial).pk == again.pk
