"""A seed's commitment is stamped with the clock it was made with, not the database's time
(issue 27, item 2: time is an input)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hearten.trials.allocation import commit_seed
from hearten.trials.models import SeedCommitment
from tests.conftest import CLOCK


def test_a_commitment_is_stamped_with_the_clock_given(trial: Any) -> None:
    earlier = CLOCK - timedelta(days=3, minutes=7)
    c = commit_seed(trial, seed=5, now=earlier)
    assert c.created_at == earlier
    assert SeedCommitment.objects.get(trial=trial).created_at == earlier
