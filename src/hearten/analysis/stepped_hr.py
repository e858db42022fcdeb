"""Sickness absence and leaving by period in a stepped-wedge trial, from HR records.

Each person in a randomised cluster contributes a row for each period (the dates
``[stepped_wedge] period_starts`` and ``last_day`` give): the days of sickness absence in it
with their FTE-days of exposure, and whether they left in it with the days they were at risk.
People who had left before a period starts are not in it. Transition periods are left out, as
for the survey.

The periods are fixed by the design, whatever day the analysis runs, so re-running a locked
plan gives the same numbers on any later day (as the parallel trials' follow-up window,
:mod:`hearten.analysis.follow_up`). Until the roll-out has run (``last_day`` is the run's day
or later: that day's records may not be in) the HR outcomes are not analysed at all, rather
than cut at the day of the run: periods cut short would be another outcome than the plan's,
and would change from one day to the next.

* **Absence**: a negative binomial model (Poisson when the data sit on its boundary) of the
  days absent with ``log(FTE-days)`` as offset, the change and a fixed effect for each period,
  cluster-robust by the randomised unit (:func:`hearten.stats.counts.estimate_counts`);
  the rate ratio of the change.
* **Leaving**: the piecewise-exponential model of leaving, a Poisson model of the leavers with
  ``log(days at risk)`` as offset, the change and a fixed effect for each period (a constant
  hazard within each period), cluster-robust; the hazard ratio of the change.

With fewer randomised clusters than ``analysis.hr.ri_below_clusters`` the normal tests
over-reject (as for the parallel trials), so each gets a randomisation test that re-draws the
allocation to sequences (:func:`hearten.stats.stepped_wedge_ri.sequence_test`) on the
cluster-period rates, absence days per FTE-year and leavers per year at risk; its p-value is
the one the report leads with.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from hearten.errors import DataError, EstimationError
from hearten.stats.counts import RateRatio, estimate_counts
from hearten.stats.sequences import Schedule
from hearten.stats.stepped_wedge_ri import SequenceTest, sequence_test
from hearten.trials.design import Design
from hearten.trials.models import Participant, Trial

YEAR = 365.25


@dataclass(frozen=True, slots=True)
class PeriodRatio:
    """One HR outcome's effect: ``ratio`` (rate or hazard ratio) from the model with its
    normal interval (``None``, with ``note``, when one condition has no events); the
    ``rate`` per FTE-year (absence) or per person-year (leaving) with and without the
    change; the re-drawn sequence test (``randomisation``, ``None`` when not run, with
    ``note``) and whether that test leads (few clusters)."""

    outcome: str
    family: str
    ratio: RateRatio | None
    events: int
    rows: int
    rate_control: float
    rate_change: float
    randomisation: SequenceTest | None
    leads: bool
    note: str | None


@dataclass(frozen=True, slots=True)
class SteppedHr:
    """HR outcomes by period: the ``periods`` analysed (first and last day of each), the
    ``clusters`` in them and the plan's ``ri_below_clusters``, and
    ``absence`` and ``leaving`` (each a :class:`PeriodRatio`, or ``None`` with its note in
    ``notes``). ``not_run``: while the roll-out has not run on the run's day, what the report
    says instead (nothing is analysed; ``periods`` are the planned ones)."""

    periods: tuple[tuple[str, str], ...]
    clusters: int
    ri_below_clusters: int
    absence: PeriodRatio | None
    leaving: PeriodRatio | None
    notes: tuple[str, ...]
    not_run: str | None = None


def _windows(starts: list[date], last_day: date) -> list[tuple[int, date, date]]:
    """Each period's number, first and last day (inclusive), as the design gives them."""
    ends = [b - timedelta(days=1) for b in starts[1:]] + [last_day]
    return [(p, a, b) for p, (a, b) in enumerate(zip(starts, ends, strict=True))]


def not_run_note(design: Design) -> str:
    """What the report says while the roll-out's last period has not run."""
    spec = design.stepped_wedge
    assert spec is not None
    assert spec.last_day is not None
    first, last = spec.period_starts[0], spec.last_day
    return (
        f"the roll-out's periods run from {first:%d %B %Y} to {last:%d %B %Y}: absence and "
        f"leaving by period are analysed once they have run (from "
        f"{last + timedelta(days=1):%d %B %Y})"
    )


def period_panel(trial: Trial, schedule: Schedule, design: Design) -> pd.DataFrame:
    """A row per person and period of the design (module docstring)."""
    from hearten.hr.outcomes import derive

    spec = design.stepped_wedge
    assert spec is not None
    assert spec.last_day is not None
    rows = {r.unit: r for r in schedule.rows}
    unit = "office__code" if trial.unit == "office" else "team__code"
    cluster_of = dict(Participant.objects.filter(trial=trial).values_list("pseudonym", unit))
    frames = []
    for period, start, end in _windows(spec.period_starts, spec.last_day):
        d = derive(trial, start, end)
        d["cluster"] = d["pseudonym"].map(cluster_of)
        d = d[d["cluster"].isin(list(rows))].copy()
        d["period"] = period
        d["condition"] = [rows[c].conditions[period] for c in d["cluster"]]
        d["days_at_risk"] = (d["days_to_leaving"].clip(lower=0) + 1).astype(float)
        frames.append(d[d["exposure"] > 0])
    if not frames:
        raise DataError("the roll-out has no periods: nothing to count")
    panel = pd.concat(frames, ignore_index=True)
    return panel[panel["condition"] != "transition"].reset_index(drop=True)


def _ratio(
    name: str, panel: pd.DataFrame, events: str, exposure: str, family: str, few: bool,
    schedule: Schedule, strata: dict[str, str] | None, seed: int, reps: int, alpha: float,
) -> PeriodRatio:  # fmt: skip
    # A period with no events says nothing about the ratio once it has its own fixed effect
    # (whose estimate would run to minus infinity): it is left out of the model.
    eventful = panel.groupby("period")[events].transform("sum") > 0
    modelled = panel[eventful]
    arm = np.where(modelled["condition"] == "change", "change", "control").tolist()
    sums = panel.groupby(panel["condition"] == "change")[[events, exposure]].sum()
    rate = {bool(k): YEAR * float(v[events]) / float(v[exposure]) for k, v in sums.iterrows()}
    ratio, note, fitted = None, None, family
    if min(rate.get(False, 0.0), rate.get(True, 0.0)) == 0.0:
        # The model's ratio runs to zero or infinity: no estimate, the re-draws still test.
        side = "without" if rate.get(False, 0.0) == 0.0 else "with"
        what = {"absence": "sickness absence", "leaving": "leavers"}[name]
        note = f"no {what} in periods {side} the change, so the model gives no ratio"
    else:
        fit = estimate_counts(
            modelled[events].to_numpy(), arm, "control", modelled[exposure].to_numpy(), None,
            modelled["period"].astype(str).tolist(), modelled["cluster"].to_numpy(),
            family, alpha,  # type: ignore[arg-type]
        )  # fmt: skip
        ratio, fitted = fit.effects[0], fit.family
    test = None
    if schedule.transition:
        note = "; ".join(filter(None, [note, "no randomisation test: transition periods "
                                       "leave cluster-periods out"]))  # fmt: skip
    else:
        cells = panel.groupby(["cluster", "period"])[[events, exposure]].sum().reset_index()
        try:
            test = sequence_test(
                YEAR * cells[events] / cells[exposure], cells["cluster"], cells["period"],
                {r.unit: r.start for r in schedule.rows}, strata, seed, reps,
            )  # fmt: skip
        except DataError as exc:
            note = "; ".join(filter(None, [note, f"no randomisation test: {exc}"]))
    return PeriodRatio(
        name, fitted, ratio, int(panel[events].sum()), len(panel),
        rate.get(False, float("nan")), rate.get(True, float("nan")), test,
        few and test is not None, note,
    )  # fmt: skip


def stepped_hr(trial: Trial, schedule: Schedule, design: Design, today: date) -> SteppedHr | None:
    """Absence and leaving by period, or ``None`` when the plan asks for no HR outcomes or
    the design gives no period dates. ``today``: the run's day (the clock is the caller's),
    which decides only whether the roll-out has run (module docstring)."""
    plan = design.analysis
    spec = design.stepped_wedge
    if plan.hr is None or spec is None or not spec.period_starts or spec.last_day is None:
        return None
    windows = _windows(spec.period_starts, spec.last_day)
    periods = tuple((a.isoformat(), b.isoformat()) for _, a, b in windows)
    if today <= spec.last_day:
        return SteppedHr(periods, len(schedule.rows), plan.hr.ri_below_clusters, None, None, (),
                         not_run_note(design))  # fmt: skip
    panel = period_panel(trial, schedule, design)
    clusters = int(panel["cluster"].nunique())
    few = clusters < plan.hr.ri_below_clusters
    strata = {r.unit: r.stratum for r in schedule.rows} if trial.strata else None
    seed = plan.seed if plan.seed is not None else int(trial.allocation.seed)
    common = (few, schedule, strata, seed, plan.reps, plan.alpha)
    notes: list[str] = []
    absence = leaving = None
    if plan.hr.absence:
        try:
            if not (panel["absence_days"] > 0).any():
                raise EstimationError("no sickness absence is recorded in any period")
            absence = _ratio("absence", panel, "absence_days", "exposure", "negbin", *common)
        except EstimationError as exc:
            notes.append(f"absence: {exc}")
    if plan.hr.leaving:
        try:
            if not (panel["left"] > 0).any():
                raise EstimationError("nobody left in any period")
            leaving = _ratio("leaving", panel, "left", "days_at_risk", "poisson", *common)
        except EstimationError as exc:
            notes.append(f"leaving: {exc}")
    return SteppedHr(periods, clusters, plan.hr.ri_below_clusters, absence, leaving, tuple(notes))
