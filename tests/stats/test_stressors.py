"""Structural stressors: associations at baseline, and the treatment effect in their terms."""

from __future__ import annotations

import numpy as np
import pytest

from hearten.errors import EstimationError
from hearten.stats.estimate import fit_ols
from hearten.stats.stressors import stressor_associations


def test_caseload_association_and_its_equivalent_change() -> None:
    rng = np.random.default_rng(2)
    teams = np.repeat(np.arange(30), 12)
    caseload = rng.poisson(18, len(teams)).astype(float)
    y = 25 - 0.25 * caseload + rng.normal(size=30)[teams] + rng.normal(size=len(teams))
    y[::11] = np.nan  # some did not answer
    (a,) = stressor_associations(y, {"caseload": caseload}, cluster=teams, treatment_effect=0.5)
    rows = np.isfinite(y)
    X = np.column_stack([np.ones(rows.sum()), caseload[rows]])
    fit = fit_ols(y[rows], X, ["1", "caseload"], cluster=teams[rows])
    assert a.per_unit == pytest.approx(fit.coef[1], rel=1e-12)
    assert a.conf_low < -0.25 < a.conf_high
    assert a.per_sd == pytest.approx(a.per_unit * np.std(caseload[rows], ddof=1))
    # A 0.5-point benefit goes with as large a difference as 0.5 / b (about 2 children fewer).
    assert a.equivalent_change == pytest.approx(0.5 / a.per_unit)
    assert a.equivalent_change < 0


def test_no_equivalence_is_claimed_when_the_association_is_uncertain() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=200)
    y = rng.normal(size=200)
    (a,) = stressor_associations(y, {"supervision": x}, treatment_effect=0.5)
    assert a.conf_low < 0 < a.conf_high  # unrelated by construction (fixed seed)
    assert a.equivalent_change is None


def test_a_stressor_that_does_not_vary_is_refused() -> None:
    with pytest.raises(EstimationError, match="no variation"):
        stressor_associations(np.arange(20.0), {"vacancy_rate": np.ones(20)})
