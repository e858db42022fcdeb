"""A parallel trial's HR outcomes, typed, as its run stores them: sickness absence (a rate
ratio) and leaving (a hazard ratio) over the plan's follow-up window from randomisation
(:func:`hearten.analysis.hr_effects.hr_effects`), with the randomisation or wild score test
below the plan's cluster threshold (:mod:`hearten.analysis.hr_tests`).

While the window has not run, :class:`HrResult` holds only the window, ``not_run`` and the
note. Read from and written back to the stored JSON exactly (:class:`~.keyed.Keyed`). This
module imports nothing heavy (the report reads stored runs through it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from hearten.analysis.keyed import Keyed, closing, many, mapping, one


@dataclass(frozen=True, slots=True)
class HrInference(Keyed):
    """How absence's or leaving's p-values and intervals were found.

    Attributes:
        method: ``"normal"`` (the model's cluster-robust test), ``"ri"`` (randomisation
            inference) or ``"wild-score"`` (the wild score bootstrap).
        reps, enumerated, seed: the re-draws (or sign flips), whether they were every one,
            and their seed (absent for ``"normal"``).
    """

    method: str
    reps: int | None = None
    enumerated: bool | None = None
    seed: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RatioEffect(Keyed):
    """What an arm's effect on absence or leaving stores whatever its ratio: ``term`` first
    and, after each kind's own fields (:func:`~.keyed.closing`), the interval and the
    model's own normal test.

    Attributes:
        term: the arm.
        conf_low, conf_high: the reported ratio's interval (from randomisation inference with
            few clusters; an unbounded end is ``None``).
        normal_p_value, normal_conf_low, normal_conf_high: the model's own normal test's
            values, kept beside the randomisation test's (absent otherwise).
    """

    term: str
    conf_low: float | None = field(default=None, metadata=closing())
    conf_high: float | None = field(default=None, metadata=closing())
    normal_p_value: float | None = field(default=None, metadata=closing())
    normal_conf_low: float | None = field(default=None, metadata=closing())
    normal_conf_high: float | None = field(default=None, metadata=closing())


@dataclass(frozen=True, slots=True, kw_only=True)
class RateRatioEffect(RatioEffect):
    """One arm's effect on days of sickness absence (:class:`hearten.stats.counts.RateRatio`):
    :class:`RatioEffect`'s fields around these.

    Attributes:
        log_rr, std_error, statistic: the model's log rate ratio and its test.
        p_value, rate_ratio: the p-value and ratio reported.
    """

    log_rr: float
    std_error: float | None = None
    statistic: float | None = None
    p_value: float | None = None
    rate_ratio: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class HazardRatioEffect(RatioEffect):
    """One arm's effect on leaving (:class:`hearten.stats.survival.HazardRatio`):
    :class:`RatioEffect`'s fields around these, read as :class:`RateRatioEffect`'s on the
    hazard ratio (the Cox model stores no test statistic)."""

    log_hr: float
    std_error: float | None = None
    p_value: float | None = None
    hazard_ratio: float | None = None


@dataclass(frozen=True, slots=True)
class AbsenceResult(Keyed):
    """Sickness absence over the window, or only a ``note`` when it could not be modelled.

    Attributes:
        effects: each non-control arm's rate ratio.
        inference: how its p-values and intervals were found.
        rate_per_fte_year: days of absence per full-time-equivalent year, by arm (read-only).
        n: people at risk (FTE-days employed in the window).
        family: ``"negbin"`` or ``"poisson"``; theta, theta_se: the negative binomial's θ.
        note: why the model fell back to Poisson, or why absence could not be modelled.
    """

    effects: tuple[RateRatioEffect, ...] = field(default=(), metadata=many(RateRatioEffect))
    inference: HrInference | None = field(default=None, metadata=one(HrInference))
    rate_per_fte_year: Mapping[str, float] | None = field(default=None, metadata=mapping())
    n: int | None = None
    family: str | None = None
    theta: float | None = None
    theta_se: float | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class LeavingResult(Keyed):
    """Leaving over the window (a Cox model), or a ``note`` when it could not be modelled.

    Attributes:
        effects: each non-control arm's hazard ratio.
        inference: how its p-values and intervals were found.
        share_left: the share of each arm who left in the window, by arm (read-only).
        events: leavers in the window.
        not_at_risk: people employed on no day of the window, left out of the model.
        note: why leaving could not be modelled.
    """

    effects: tuple[HazardRatioEffect, ...] = field(default=(), metadata=many(HazardRatioEffect))
    inference: HrInference | None = field(default=None, metadata=one(HrInference))
    share_left: Mapping[str, float] | None = field(default=None, metadata=mapping())
    events: int | None = None
    not_at_risk: int | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class HrResult(Keyed):
    """Sickness absence and leaving from HR records over the plan's window.

    Attributes:
        window: its first and last day (ISO 8601).
        not_run: ``True`` while the window has not run on the run's day (then only ``note``
            is stored beside it).
        note: what the report says while the window has not run.
        n: people randomised with HR records; clusters: their randomised units (``None``
            when people were randomised).
        ri_below_clusters: the plan's threshold below which the tests are resampled.
        absence, leaving: each outcome the plan names, or ``None``.
    """

    window: tuple[str, ...] = field(default=(), metadata=many())
    not_run: bool = False
    note: str | None = None
    n: int | None = None
    clusters: int | None = None
    ri_below_clusters: int | None = None
    absence: AbsenceResult | None = field(default=None, metadata=one(AbsenceResult))
    leaving: LeavingResult | None = field(default=None, metadata=one(LeavingResult))
