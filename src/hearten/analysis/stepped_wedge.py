"""The planned analysis of a stepped-wedge trial, run on its stored data.

Every survey answer to the primary instrument in one of the design's ``period_waves`` is a
row: the person's cluster (the randomised team or office), the period, and whether that
cluster had started the change by then under the **drawn** schedule (intention to treat: a
late change recorded by ``hearten trial reschedule`` is listed as a deviation, not analysed
as the allocation). Rows in a cluster's transition periods are left out, as the design says.

Three analyses of those rows, all stored:

* the planned model, Hussey and Hughes' linear mixed model with period fixed effects and
  random cluster intercepts, REML with Satterthwaite df
  (:func:`hearten.stats.stepped_wedge_fit.fit_stepped_wedge`, checked against lme4/lmerTest);
* the robust alternative, least squares with period fixed effects and CR2 standard errors by
  cluster (:func:`hearten.stats.stepped_wedge_fit.cr2_stepped_wedge`);
* randomisation inference that re-draws which clusters start when
  (:func:`hearten.stats.stepped_wedge_ri.sequence_test`, exact when the allocations can be
  enumerated), because stepped-wedge trials rarely have many clusters.

The analysis is a frozen :class:`SteppedWedgeResult`; :func:`stepped_result` makes the run's
typed result from it, a :class:`hearten.analysis.stepped_result.SteppedResult` (the one
definition of the stored shape), whose ``to_json()`` the run stores and which a stored run
reads back as (what the report renders, :mod:`hearten.reports.stepped_wedge`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd
from django.utils import timezone

from hearten.analysis.allocation_record import RunArm
from hearten.analysis.arm_effect import ArmEffect, StandardisedEffect
from hearten.analysis.dataset import dataset_digest
from hearten.analysis.integrity import stepped_allocation
from hearten.analysis.models import AnalysisRun
from hearten.analysis.plan import run_plan_status
from hearten.analysis.result import InstrumentUsed
from hearten.analysis.stepped_hr import SteppedHr, stepped_hr
from hearten.analysis.stepped_result import (
    DrawnSchedule,
    ExposureEffects,
    FlowCell,
    HrByPeriod,
    LateStart,
    ModelFit,
    Redraws,
    RobustEffect,
    SteppedModel,
    SteppedResult,
)
from hearten.analysis.stored import store_run
from hearten.errors import DataError, DesignError, EstimationError
from hearten.stats.effect_size import hedges_g, on_planned_interval
from hearten.stats.estimate import TermEstimate
from hearten.stats.sequences import Schedule
from hearten.stats.stepped_wedge_fit import (
    ExposureTimeFit,
    SteppedWedgeFit,
    cr2_stepped_wedge,
    fit_exposure_time,
    fit_stepped_wedge,
)
from hearten.stats.stepped_wedge_ri import SequenceTest, sequence_test
from hearten.trials.choices import Consent, Unit
from hearten.trials.lifecycle import design_of
from hearten.trials.models import Participant, Trial
from hearten.trials.rollout import Deviation, deviations, trial_schedule

#: Columns of the stepped-wedge analysis dataset (one row per answer in a period wave).
COLUMNS = (
    "pseudonym", "cluster", "stratum", "sequence", "period", "condition", "treated",
    "exposure", "y",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class PeriodFlow:
    """One sequence in one period (CONSORT for stepped-wedge trials, Hemming et al. 2018):
    the ``condition`` its clusters were in, how many clusters and people (on the roster) it
    had, how many were ``invited`` to that period's survey, ``answered`` it and were
    ``analysed`` (transition periods are not analysed)."""

    sequence: int
    period: int
    condition: str
    clusters: int
    people: int
    invited: int
    answered: int
    analysed: int


@dataclass(frozen=True, slots=True)
class SteppedWedgeResult:
    """A stepped-wedge trial's analysis.

    Attributes:
        outcome: what was analysed (instrument, score, the period waves).
        model: the planned mixed model's effect (``SteppedWedgeFit``).
        robust: the CR2 alternative's effect.
        randomisation: the re-drawn sequence test, or ``None`` with ``randomisation_note``.
        schedule: the drawn schedule the analysis used; ``deviations`` the recorded changes.
        flow: a :class:`PeriodFlow` per sequence and period.
        exposure: the effect by time since the change, when the design asks for it, or
            ``None`` (with ``exposure_note`` when it could not be fitted).
        model_note: why the model fitted is not the one planned (a variance at zero).
        hr: absence and leaving by period from HR records (:mod:`.stepped_hr`), or ``None``.
        control_mean, control_sd: the outcome among control cluster-periods.
        n_change, cells: the answers analysed under the change, and the cluster-periods
            analysed (for Hedges' g).
    """

    outcome: str
    model: SteppedWedgeFit
    robust: TermEstimate
    randomisation: SequenceTest | None
    randomisation_note: str | None
    schedule: Schedule
    deviations: tuple[Deviation, ...]
    flow: tuple[PeriodFlow, ...]
    control_mean: float
    control_sd: float
    exposure: ExposureTimeFit | None = None
    exposure_note: str | None = None
    model_note: str | None = None
    hr: SteppedHr | None = None
    n_change: int = 0
    cells: int = 1

    def standardised(self) -> StandardisedEffect | None:
        """Hedges' g as the parallel trials report it (``None`` where it cannot be computed):
        the effect over the model's total standard deviation (cluster, cluster-period and
        residual variances, free of the period effects), with the same small-sample
        correction (:func:`hearten.stats.effect_size.hedges_g`, ``sd_is_total``: clusters
        are the cluster-periods, each in one condition, and the ICC is that of two people in
        one) and the planned model's interval on g's scale
        (:func:`hearten.stats.effect_size.on_planned_interval`), so g agrees with the
        p-value. The programme report pools it. Stored without ``interval`` (it is always the
        planned model's), and with the correction and the total standard deviation (``sd``)
        beside g's keys."""
        m = self.model
        var = m.tau2 + (m.gamma2 or 0.0) + m.sigma2
        try:
            size = hedges_g(
                m.estimate, float(np.sqrt(var)), self.n_change, m.n - self.n_change,
                (var - m.sigma2) / var, m.n / self.cells, m.alpha, sd_is_total=True,
            )  # fmt: skip
        except EstimationError:
            return None  # no spread, or too few: the raw-scale result still stands
        g = on_planned_interval(size, m.std_error, m.conf_low, m.conf_high)
        return StandardisedEffect(
            g=g.g,
            std_error=g.std_error,
            conf_low=g.conf_low,
            conf_high=g.conf_high,
            icc=g.icc,
            scale=g.scale,
            extra=(("correction", g.correction), ("sd", g.sd_pooled)),
        ).without("interval")


def stepped_dataset(trial: Trial) -> tuple[pd.DataFrame, Schedule, list[str]]:
    """The analysis rows (``COLUMNS``), the drawn schedule and the period waves.

    Every consented person's answer to the primary instrument in each period wave, in a
    cluster of the drawn schedule. Pseudonyms only."""
    from hearten.surveys.models import Response

    design = design_of(trial)
    spec = design.stepped_wedge
    if spec is None:  # pragma: no cover - the caller dispatches on the scheme
        raise DesignError(f"trial {trial.slug!r} is not a stepped-wedge trial")
    waves = list(spec.period_waves)
    if not waves:
        raise DesignError(
            f"trial {trial.slug!r} does not say which survey wave measures each period: add "
            f"stepped_wedge.period_waves (one wave per period, {spec.periods} in all) through "
            "`hearten trial amend-plan`"
        )
    planned = design.planned_outcomes()[0]
    plan = trial_schedule(trial, as_drawn=True)
    row_of = {r.unit: r for r in plan.rows}
    answers = Response.objects.filter(
        invitation__wave__trial=trial,
        invitation__wave__name__in=waves,
        instrument=planned.instrument,
        invitation__participant__consent=Consent.CONSENTED,
    ).values_list("invitation__participant_id", "invitation__wave__name", "scores")
    people = _clusters(trial)
    records = []
    for pid, wave, scores in answers:
        pseudonym, cluster = people.get(pid, ("", None))
        if cluster not in row_of or scores.get(planned.score) is None:
            continue
        r = row_of[cluster]
        period = waves.index(wave)
        condition = r.conditions[period]
        # Exposure time: 1 in the first period with the change (after any transition), ...
        exposure = period - r.start - spec.transition + 1 if condition == "change" else 0
        records.append(
            (pseudonym, cluster, r.stratum, r.sequence, period, condition,
             float(condition == "change"), exposure, float(scores[planned.score]))
        )  # fmt: skip
    data = pd.DataFrame.from_records(records, columns=list(COLUMNS))
    return data.sort_values(["period", "cluster", "pseudonym"], ignore_index=True), plan, waves


def _clusters(trial: Trial) -> dict[int, tuple[str, str | None]]:
    """Each participant's pseudonym and cluster code (team or office)."""
    people = Participant.objects.filter(trial=trial).select_related("team", "office")
    if Unit(trial.unit) == Unit.OFFICE:
        return {p.id: (p.pseudonym, p.office.code if p.office else None) for p in people}
    return {p.id: (p.pseudonym, p.team.code) for p in people}


def _flow(trial: Trial, plan: Schedule, waves: list[str], data: pd.DataFrame) -> list[PeriodFlow]:
    from hearten.surveys.models import Invitation

    people = _clusters(trial)
    start = {r.unit: r.sequence for r in plan.rows}
    on_roster = pd.Series([c for _, c in people.values() if c in start], dtype=object)
    roster = on_roster.map(start).value_counts()
    invited = pd.DataFrame.from_records(
        [
            (start[people[pid][1]], waves.index(wave))  # type: ignore[index]
            for pid, wave in Invitation.objects.filter(
                wave__trial=trial, wave__name__in=waves
            ).values_list("participant_id", "wave__name")
            if people.get(pid, ("", None))[1] in start
        ],
        columns=["sequence", "period"],
    ).value_counts()
    answered = data.groupby(["sequence", "period"]).size()
    analysed = data[data["condition"] != "transition"].groupby(["sequence", "period"]).size()
    clusters = pd.Series(list(start.values())).value_counts()
    conditions = {r.sequence: r.conditions for r in plan.rows}
    return [
        PeriodFlow(
            s,
            p,
            conditions[s][p],
            int(clusters[s]),
            int(roster.get(s, 0)),
            int(invited.get((s, p), 0)),
            int(answered.get((s, p), 0)),
            int(analysed.get((s, p), 0)),
        )
        for s in sorted(conditions)
        for p in range(plan.periods)
    ]


def analyse_stepped_wedge(trial: Trial, today: date) -> tuple[SteppedWedgeResult, pd.DataFrame]:
    """Fit the planned model, its CR2 alternative and the sequence re-draws (module
    docstring), and the HR outcomes by period once the roll-out has run on ``today`` (the
    run's day: the caller's clock, :func:`hearten.analysis.stepped_hr.stepped_hr`); return
    the result and the rows analysed."""
    design = design_of(trial)
    plan = design.analysis
    data, schedule, waves = stepped_dataset(trial)
    used = data[data["condition"] != "transition"]
    if used.empty:
        raise DataError(
            f"trial {trial.slug!r} has no answers to analyse in its period waves "
            f"({', '.join(waves)}): send the surveys and collect answers first"
        )
    args = (
        used["y"].to_numpy(),
        used["cluster"].to_numpy(),
        used["period"].to_numpy(),
        used["treated"].to_numpy(),
    )
    spec = design.stepped_wedge
    assert spec is not None
    model_note = None
    try:
        try:
            model = fit_stepped_wedge(*args, alpha=plan.alpha, random_effects=spec.random_effects)
        except EstimationError as exc:
            if spec.random_effects != "cluster-period" or "cluster-period" not in str(exc):
                raise
            # lme4 calls this a singular fit: with no cluster-period variance the model is
            # the random-intercept one, which is fitted and said so.
            model = fit_stepped_wedge(*args, alpha=plan.alpha)
            model_note = (
                f"the {trial.unit}-by-period variance was estimated at zero, so the model "
                f"reduces to random {trial.unit} intercepts, fitted instead"
            )
        robust = cr2_stepped_wedge(*args, alpha=plan.alpha)
    except EstimationError as exc:
        raise EstimationError(
            f"the stepped-wedge model of {trial.slug!r} cannot be fitted: {exc}"
        ) from exc
    seed = plan.seed if plan.seed is not None else int(trial.allocation.seed)
    test: SequenceTest | None = None
    note = None
    if schedule.transition:
        note = (
            "not run: with transition periods the re-drawn allocations would leave out "
            "different cluster-periods"
        )
    else:
        try:
            start = {r.unit: r.start for r in schedule.rows}
            strata = {r.unit: r.stratum for r in schedule.rows} if trial.strata else None
            test = sequence_test(*args[:3], start, strata, seed, plan.reps)
        except DataError as exc:
            note = f"not run: {exc}"
    exposure, exposure_note = None, None
    if spec.exposure_time:
        try:
            exposure = fit_exposure_time(
                *args[:3], used["exposure"].to_numpy(), plan.alpha, model.random_effects
            )
        except (EstimationError, DataError) as exc:
            exposure_note = f"not estimated: {exc}"
    control = used.loc[used["treated"] == 0, "y"]
    result = SteppedWedgeResult(
        outcome=f"{design.planned_outcomes()[0].instrument} {design.planned_outcomes()[0].score} "
        f"in each period ({', '.join(waves)})",
        model=model,
        robust=robust,
        randomisation=test,
        randomisation_note=note,
        schedule=schedule,
        deviations=tuple(deviations(trial)),
        flow=tuple(_flow(trial, schedule, waves, data)),
        control_mean=float(control.mean()),
        control_sd=float(control.std(ddof=1)),
        exposure=exposure,
        exposure_note=exposure_note,
        model_note=model_note,
        n_change=int((used["treated"] == 1).sum()),
        cells=int(used.groupby(["cluster", "period"]).ngroups),
        hr=stepped_hr(trial, schedule, design, today),
    )
    return result, used


def stepped_result(trial: Trial, result: SteppedWedgeResult, now: datetime) -> SteppedResult:
    """The run's typed result, what it stores (its ``to_json()``) and what the trial report,
    the programme report and ``trial analyse`` read: the analysis's fits as stored parts
    (:meth:`~hearten.analysis.keyed.Keyed.of`), the effect in the parallel trials' shape,
    the allocation and how to check it, ``now`` as ``as_of`` and the plan's labels (the
    plan unblinded at the trial's first run, or ``now``)."""
    from hearten.instruments import get_instrument

    design = design_of(trial)
    planned = design.planned_outcomes()[0]
    change = next(a for a in design.arms if a.name != design.control)
    m = result.model
    instrument = get_instrument(planned.instrument)
    effect = ArmEffect(
        term=change.name,
        estimate=m.estimate,
        std_error=m.std_error,
        df=m.df,
        statistic=m.estimate / m.std_error,
        p_value=m.p_value,
        conf_low=m.conf_low,
        conf_high=m.conf_high,
        n=m.n,
        n_clusters=m.clusters,
        vcov_type="LMM",
        alpha=m.alpha,
        alternative="two-sided",
        hedges_g=result.standardised(),
    ).without("resampling")  # the re-drawn sequences are stored as ``randomisation``
    results = ["primary"]
    if result.hr is not None:
        results += [k for k in ("absence", "leaving") if getattr(result.hr, k) is not None]
    return SteppedResult(
        trial=trial.slug,
        instrument=InstrumentUsed(
            name=instrument.name,
            title=instrument.title,
            score=planned.score,
            licence=instrument.licence,
        ),
        model=SteppedModel(
            outcome=result.outcome,
            formula="y ~ treated + factor(period) + (1 | cluster)"
            + (" + (1 | cluster:period)" if m.random_effects == "cluster-period" else ""),
            random_effects=m.random_effects,
            gamma2=m.gamma2,
            alpha=design.analysis.alpha,
            n=m.n,
            n_clusters=m.clusters,
            periods=m.periods,
            cluster=trial.unit,
            tau2=m.tau2,
            sigma2=m.sigma2,
            transition=result.schedule.transition,
        ),
        control=design.control,
        control_mean=result.control_mean,
        control_sd=result.control_sd,
        arms=tuple(RunArm(name=x.name, label=x.label) for x in design.arms),
        effects=(effect,),
        model_fit=ModelFit.of(m),
        robust=RobustEffect.of(result.robust),
        randomisation=Redraws.of(result.randomisation) if result.randomisation else None,
        randomisation_note=result.randomisation_note,
        schedule=DrawnSchedule.of(result.schedule),
        deviations=tuple(LateStart.of(d) for d in result.deviations),
        exposure_time=ExposureEffects.of(result.exposure) if result.exposure else None,
        exposure_note=result.exposure_note,
        model_note=result.model_note,
        hr=HrByPeriod.of(result.hr) if result.hr else None,
        flow=tuple(FlowCell.of(f) for f in result.flow),
        allocation=stepped_allocation(trial),
        as_of=now.isoformat(),
        plan=run_plan_status(trial, now, results),
    )


def run_stepped_wedge(trial: Trial, now: datetime) -> AnalysisRun:
    """Analyse a stepped-wedge trial by its plan; store and return the run (as
    :func:`hearten.analysis.run.run_analysis` does for parallel trials). ``now``: the time of
    the run (the caller's clock), stored as ``as_of``; only whether the roll-out's HR periods
    have run depends on it."""
    result, used = analyse_stepped_wedge(trial, timezone.localdate(now))
    stored = stepped_result(trial, result, now).to_json()
    return store_run(trial, stored, dataset_digest(used), now)
