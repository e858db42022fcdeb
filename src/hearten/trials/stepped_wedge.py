"""The ``[stepped_wedge]`` section of a design file: a change rolled out to clusters (teams or
offices) in randomised steps.

::

    [randomisation]
    scheme = "stepped-wedge"

    [stepped_wedge]
    steps = 4                      # sequences; period 0 is before anyone starts
    sampling = "cross-sectional"   # or "closed-cohort" (the same people every period)
    transition = 0                 # periods after each start left out of the analysis
    period_waves = ["p0", "p1", "p2", "p3", "p4"]   # the survey wave of each period
    cac = 0.8                      # assumed cluster autocorrelation, for the power
    decay = false                  # the autocorrelation decays with the gap between periods
    iac = 0.0                      # closed cohorts: assumed individual autocorrelation
    random_effects = "cluster"     # or "cluster-period": (1 | cluster) + (1 | cluster:period)
    exposure_time = false          # also estimate the effect by time since the change
    period_starts = [2026-01-05, 2026-04-06, 2026-07-06, 2026-10-05, 2027-01-04]
    last_day = 2027-04-04          # with period_starts: HR outcomes by period

Clusters are randomised to sequences (stratified by site when the design is): sequence ``k``
starts at period ``k`` (:mod:`hearten.stats.sequences`). The design has two arms: the
control (business as usual) and the change that every cluster receives in its turn.
"""

from __future__ import annotations

from datetime import date
from itertools import pairwise
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hearten.stats.random_effects import RandomEffects


class SteppedWedgeSpec(BaseModel):
    """A stepped-wedge roll-out: steps, sampling, transition periods and the waves of each
    period, and the correlations assumed for its power."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    steps: int = Field(ge=1, le=24, description="sequences, each starting at its own period")
    sampling: Literal["cross-sectional", "closed-cohort"] = "cross-sectional"
    transition: int = Field(default=0, ge=0, le=6)
    period_waves: list[str] = Field(default_factory=list)
    cac: float = Field(default=1.0, ge=0.0, le=1.0)
    decay: bool = False
    iac: float = Field(default=0.0, ge=0.0, lt=1.0)
    random_effects: RandomEffects = Field(
        default="cluster", description="the analysis model's random intercepts"
    )
    exposure_time: bool = Field(
        default=False, description="also estimate the effect of each period since the change"
    )
    period_starts: list[date] = Field(
        default_factory=list, description="the first day of each period (for HR outcomes)"
    )
    last_day: date | None = Field(default=None, description="the last day of the last period")

    @property
    def periods(self) -> int:
        """Periods in all: the one before anyone starts, one per step, and the transition."""
        return self.steps + 1 + self.transition

    @model_validator(mode="after")
    def _consistent(self) -> SteppedWedgeSpec:
        if self.period_waves and len(self.period_waves) != self.periods:
            raise ValueError(
                f"stepped_wedge.period_waves lists {len(self.period_waves)} waves but the "
                f"design has {self.periods} periods (steps + 1 + transition): give one wave "
                "per period"
            )
        if len(set(self.period_waves)) != len(self.period_waves):
            raise ValueError("stepped_wedge.period_waves names a wave twice")
        starts = self.period_starts
        if starts and len(starts) != self.periods:
            raise ValueError(
                f"stepped_wedge.period_starts lists {len(starts)} dates but the design has "
                f"{self.periods} periods: give the first day of each"
            )
        if any(b <= a for a, b in pairwise(starts)):
            raise ValueError("stepped_wedge.period_starts must be in order, each after the last")
        if (self.last_day is None) != (not starts):
            raise ValueError(
                "stepped_wedge.period_starts and last_day go together: the HR outcomes by "
                "period need both"
            )
        if starts and self.last_day is not None and self.last_day < starts[-1]:
            raise ValueError("stepped_wedge.last_day is before the last period starts")
        if self.iac > 0 and self.sampling != "closed-cohort":
            raise ValueError(
                'stepped_wedge.iac is for a closed cohort: set sampling = "closed-cohort"'
            )
        return self


def check_fits(
    spec: SteppedWedgeSpec | None,
    scheme: str,
    unit: str,
    arms: int,
    waves: list[str],
    outcome_wave: str | None = None,
) -> None:
    """Refuse a stepped-wedge section that does not fit the rest of the design, including an
    ``[analysis] outcome_wave`` outside ``period_waves``: the analysis takes its outcome from
    every period wave and the plan times the final analysis after ``outcome_wave``, so a wave
    outside the periods would time it after a survey the analysis never uses."""
    if (spec is None) != (scheme != "stepped-wedge"):
        raise ValueError(
            'a stepped-wedge trial needs both randomisation.scheme = "stepped-wedge" '
            "and a [stepped_wedge] section"
        )
    if spec is None:
        return
    if unit == "individual":
        raise ValueError(
            'a stepped-wedge trial rolls out to teams or offices: set unit = "team" or "office"'
        )
    if arms != 2:
        raise ValueError(
            "a stepped-wedge trial has two arms: the control and the change every team "
            "receives in its turn"
        )
    unknown = [w for w in spec.period_waves if w not in waves]
    if unknown:
        raise ValueError(
            f"stepped_wedge.period_waves names {', '.join(unknown)}, not among the waves "
            f"({', '.join(waves)})"
        )
    if spec.period_waves and outcome_wave is not None and outcome_wave not in spec.period_waves:
        raise ValueError(
            f"analysis.outcome_wave is {outcome_wave!r}, which is not one of "
            f"stepped_wedge.period_waves ({', '.join(spec.period_waves)}): name the last "
            f"period's wave, {spec.period_waves[-1]!r}"
        )


def model_warning(spec: SteppedWedgeSpec | None, unit: str) -> str | None:
    """A warning when the design assumes a team's periods are less alike than its people
    within a period (a cluster autocorrelation ``cac`` below 1, or a closed cohort) but the
    planned model has only cluster intercepts, which assume they are all alike; ``None``
    otherwise (not a stepped-wedge design, or one whose model fits its assumptions).

    The size of the harm is the simulation's (``tests/stats/test_stepped_wedge_sim.py``:
    cac 0.5 decaying by period, 24 clusters): such a model's standard errors are about a third
    too small and its 95% intervals cover the truth about 80% of the time, while adding
    cluster-by-period intercepts keeps the coverage near 95%."""
    if spec is None or spec.random_effects != "cluster":
        return None
    reasons = []
    if spec.cac < 1:
        reasons.append(
            f"a {unit} autocorrelation of {spec.cac:g} between periods"
            + (" (decaying with the gap)" if spec.decay else "")
        )
    if spec.sampling == "closed-cohort":
        reasons.append("a closed cohort (the same people every period)")
    if not reasons:
        return None
    return (
        f"the design assumes {' and '.join(reasons)}, but the planned model has only random "
        f"{unit} intercepts, which treat every period of a {unit} as alike: in simulation "
        f"(autocorrelation 0.5 decaying by period) that model's standard errors are about a "
        "third too small and its 95% intervals cover the truth about 80% of the time"
    )


def model_advice(spec: SteppedWedgeSpec | None, unit: str, locked: bool) -> str | None:
    """:func:`model_warning` with what to do about it, for the command line: change the
    design's ``random_effects`` before the plan is locked, or amend it with a reason after."""
    warning = model_warning(spec, unit)
    if warning is None:
        return None
    how = (
        "amend the plan (`hearten trial amend-plan`) with the reason, before the results are seen"
        if locked
        else "change it before locking the plan (`hearten trial amend-plan` replaces the draft)"
    )
    return (
        f'{warning}. Set random_effects = "cluster-period" in [stepped_wedge] (random '
        f"{unit}-by-period intercepts as well): {how}; `hearten power simulate` checks the "
        "planned model on your design."
    )
