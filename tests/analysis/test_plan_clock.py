"""A plan's lock and its amendments are stamped with the clock they were given, not the
database's time (issue 27, item 2: time is an input)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from hearten.analysis.models import PlanVersion
from hearten.analysis.plan import amend_plan, lock_plan
from tests.analysis.test_plan import _changed
from tests.conftest import CLOCK

pytestmark = pytest.mark.django_db


def test_the_lock_and_an_amendment_are_stamped_with_the_clock_given(trial: Any) -> None:
    locked_at = CLOCK - timedelta(days=40, seconds=3)
    amended_at = CLOCK - timedelta(days=2)
    assert lock_plan(trial, now=locked_at).created_at == locked_at
    version = amend_plan(trial, _changed(trial, alpha=0.1), "The council asked.", now=amended_at)
    assert version is not None
    stored = dict(PlanVersion.objects.filter(trial=trial).values_list("number", "created_at"))
    assert stored == {1: locked_at, 2: amended_at}
