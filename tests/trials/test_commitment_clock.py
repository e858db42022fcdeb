"""A seed's commitment is stamped with the clock it was made with, not the database's time
(issue 27, item 2: time is an input), and `hearten audit verify` faults one stamped after
the draw."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hearten.trials.allocation import commit_seed, randomise_trial
from hearten.trials.models import Allocation, SeedCommitment
from hearten.trials.verify import verify_trial
from tests.conftest import CLOCK


def test_a_commitment_is_stamped_with_the_clock_given(trial: Any) -> None:
    earlier = CLOCK - timedelta(days=3, minutes=7)
    c = commit_seed(trial, seed=5, now=earlier)
    assert c.created_at == earlier
    assert SeedCommitment.objects.get(trial=trial).created_at == earlier


def _check(trial: Any) -> Any:
    return {c.name: c for c in verify_trial(trial)}["commitment before randomisation"]


def test_verify_allows_a_commitment_at_the_draws_instant(trial: Any) -> None:
    commit_seed(trial, seed=5, now=CLOCK)
    randomise_trial(trial, now=CLOCK)
    check = _check(trial)
    assert check.ok, check.detail
    assert all(c.ok for c in verify_trial(trial))


def test_verify_faults_a_commitment_stamped_after_the_draw(trial: Any) -> None:
    commit_seed(trial, seed=5, now=CLOCK + timedelta(minutes=1))
    randomise_trial(trial, now=CLOCK)
    check = _check(trial)
    assert not check.ok
    assert "stamped after the draw" in check.detail
    assert Allocation.objects.get(trial=trial).created_at == CLOCK
