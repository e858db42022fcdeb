"""What a staggered-adoption estimate is asked: the specification, checked once.

:class:`StaggeredSpec` holds every choice of one Callaway–Sant'Anna estimate (the panel's
columns and their roles, the comparison group, the 2 × 2 estimator, anticipation, the
multiplier bootstrap's seed and draws, the level) and refuses, when it is made, a choice
that cannot be estimated, with one line saying what to change. The panel is checked later,
by :func:`hearten.stats.staggered.estimate`, against the columns the specification names.
Nothing here touches data or imports numpy or pandas.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hearten.errors import DataError


class Comparison(StrEnum):
    """Which units serve as the comparison for a group in a period."""

    NOT_YET_TREATED = "not-yet-treated"
    NEVER_TREATED = "never-treated"

    @property
    def control_group(self) -> str:
        """The name ``csdid`` (and R ``did``) gives this comparison."""
        return "notyettreated" if self is Comparison.NOT_YET_TREATED else "nevertreated"


class Method(StrEnum):
    """The 2 × 2 estimator within each cell (identical when there are no covariates)."""

    DOUBLY_ROBUST = "dr"
    OUTCOME_REGRESSION = "reg"
    INVERSE_PROBABILITY = "ipw"


class Aggregation(StrEnum):
    """How the group-time effects are averaged: all post cells weighted by group size
    (``simple``), by time since adoption (``dynamic``, the event study) or by group."""

    SIMPLE = "simple"
    DYNAMIC = "dynamic"
    GROUP = "group"


@dataclass(frozen=True, slots=True)
class StaggeredSpec:
    """One staggered-adoption estimate on a balanced panel.

    Attributes:
        outcome: the outcome column.
        unit: the unit column (a team, or a person).
        time: the period column (whole numbers).
        first_treated: the column of each unit's first treated period (0: never treated).
        seed: the multiplier bootstrap's seed (recorded in the result).
        cluster: the column the inference clusters on (``None``: the unit).
        covariates: adjustment columns (the 2 × 2 estimator ``method`` uses them).
        comparison: the not-yet-treated (the default: a council rarely keeps teams that
            never get the change) or the never-treated.
        method: doubly robust (the default, as ``did``), outcome regression or inverse
            probability weighting.
        anticipation: periods before adoption in which units may already have changed.
        draws: multiplier bootstrap draws for the uniform bands.
        alpha: one minus the level of every interval and band.

    Making one refuses a negative ``anticipation`` (:class:`~hearten.errors.DataError`);
    the panel's columns are checked when it is estimated.
    """

    outcome: str
    unit: str
    time: str
    first_treated: str
    seed: int
    cluster: str | None = None
    covariates: tuple[str, ...] = ()
    comparison: Comparison = Comparison.NOT_YET_TREATED
    method: Method = Method.DOUBLY_ROBUST
    anticipation: int = 0
    draws: int = 999
    alpha: float = 0.05

    def __post_init__(self) -> None:
        object.__setattr__(self, "covariates", tuple(self.covariates))
        if self.anticipation < 0:
            raise DataError("anticipation must be zero or a positive number of periods")

    @property
    def cluster_column(self) -> str:
        """The column the inference clusters on: ``cluster``, or the unit."""
        return self.cluster or self.unit

    @property
    def columns(self) -> list[str]:
        """Every column the estimate reads, each once, in the order the estimator is given
        them (outcome, unit, time, first treated, cluster, covariates)."""
        named = [self.outcome, self.unit, self.time, self.first_treated, self.cluster_column]
        return list(dict.fromkeys([*named, *self.covariates]))

    @property
    def formula(self) -> str | None:
        """The covariates as ``csdid``'s formula (``y~x1+x2``), ``None`` without any."""
        return f"{self.outcome}~" + "+".join(self.covariates) if self.covariates else None
