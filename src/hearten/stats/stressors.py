"""Structural stressors beside the treatment effect.

Staff know that caseloads, supervision and vacancies shape their wellbeing more than any
letter. For each working condition, the association with the baseline outcome is estimated
by ``y = a + b · stressor + strata + e`` (CR2 by the cluster, HC2 otherwise), reported per
unit and per standard deviation of the stressor. It is an association, not an effect: the
conditions were not randomised. Set beside a treatment effect ``τ``, ``τ / b`` is the change
in the stressor that goes with as large a difference in wellbeing (e.g. "as much as 1.6
fewer children on a caseload"), so a reader can weigh a light-touch effect against the
working conditions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from hearten.errors import EstimationError
from hearten.stats.estimate import fit_ols, strata_columns


@dataclass(frozen=True, slots=True)
class StressorAssociation:
    """How a working condition goes with the outcome at baseline.

    Attributes:
        stressor: its name; n: people with both values; sd: its standard deviation.
        per_unit, std_error, df, p_value, conf_low, conf_high: the slope ``b`` per unit.
        per_sd: the slope per standard deviation (``b · sd``).
        equivalent_change: ``τ / b``, the change in the stressor that goes with as large a
            difference as the treatment effect ``τ`` (``None`` without ``τ``, or when the
            association's interval includes zero and the ratio would mislead).
    """

    stressor: str
    n: int
    sd: float
    per_unit: float
    std_error: float
    df: float
    p_value: float
    conf_low: float
    conf_high: float
    per_sd: float
    equivalent_change: float | None


def stressor_associations(
    outcome: ArrayLike,
    stressors: Mapping[str, ArrayLike],
    strata: Sequence[str] | None = None,
    cluster: ArrayLike | None = None,
    treatment_effect: float | None = None,
    alpha: float = 0.05,
) -> tuple[StressorAssociation, ...]:
    """Each stressor's association with ``outcome`` (NaN where missing), module docstring."""
    y = np.asarray(outcome, dtype=np.float64)
    out = []
    for name, values in stressors.items():
        x = np.asarray(values, dtype=np.float64)
        rows = np.isfinite(y) & np.isfinite(x)
        if rows.sum() < 10 or np.std(x[rows]) == 0:
            raise EstimationError(
                f"{name!r}: too few people, or no variation, to relate it to the outcome"
            )
        cols = {"(Intercept)": np.ones(int(rows.sum())), name: x[rows]}
        if strata is not None:
            cols.update(strata_columns(list(np.asarray(strata, dtype=object)[rows])))
        fit = fit_ols(
            y[rows],
            np.column_stack(list(cols.values())),
            list(cols),
            cluster=None if cluster is None else np.asarray(cluster)[rows],
            alpha=alpha,
        )
        e = fit.term(name)
        sd = float(np.std(x[rows], ddof=1))
        excludes_zero = e.conf_low > 0 or e.conf_high < 0
        out.append(
            StressorAssociation(
                stressor=name,
                n=int(rows.sum()),
                sd=sd,
                per_unit=e.estimate,
                std_error=e.std_error,
                df=e.df,
                p_value=e.p_value,
                conf_low=e.conf_low,
                conf_high=e.conf_high,
                per_sd=e.estimate * sd,
                equivalent_change=(
                    treatment_effect / e.estimate
                    if treatment_effect is not None and excludes_zero
                    else None
                ),
            )
        )
    return tuple(out)
