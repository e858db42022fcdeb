"""Run a trial's analysis plan and store the result.

The plan (from the design file): for the primary outcome and each secondary one, the ITT
effect of each arm against control by OLS of the outcome score on arm indicators, the
baseline score (when the plan names a baseline wave; ANCOVA or Lin) and strata fixed effects;
CR2 standard errors with Satterthwaite df clustered on the randomised unit when teams or
offices were randomised, HC2 when people were; Hedges' g; the resampling test the plan asks
for; and each family of outcomes adjusted for multiplicity. Complete cases: participants who
consented and answered the outcome (and baseline) survey.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from django.utils import timezone

from hearten.analysis.dataset import build_dataset, dataset_digest
from hearten.analysis.economics import economics
from hearten.analysis.families import adjust_families
from hearten.analysis.flow import flow_from_dataset
from hearten.analysis.follow_up import follow_up, uptake_end
from hearten.analysis.hr_tests import randomise_effects
from hearten.analysis.models import AnalysisRun
from hearten.analysis.outcomes import (
    OutcomeFit,
    Redraws,
    adjusters,
    fit_outcome,
    multilevel_estimate,
    observed_clustering,
)
from hearten.analysis.plan import plan_status
from hearten.analysis.stored import store_run
from hearten.errors import EstimationError, StateError
from hearten.instruments import get_instrument
from hearten.stats.balance import balance_row, cluster_means, sample_ratio_test
from hearten.stats.compliance import estimate_cace
from hearten.stats.moderators import estimate_moderators
from hearten.stats.stressors import stressor_associations
from hearten.stats.vcov import VcovType
from hearten.trials.allocation import rule_redraws
from hearten.trials.choices import Unit
from hearten.trials.design import AnalysisSpec
from hearten.trials.lifecycle import design_of
from hearten.trials.models import Allocation, AuditEvent, Participant, SeedCommitment, Trial


def _vcov_for(trial: Trial, planned: str) -> VcovType:
    clustered = trial.unit != Unit.INDIVIDUAL
    if planned == "auto":
        return "CR2" if clustered else "HC2"
    if planned == "HC2" and clustered:
        raise EstimationError(
            f"the plan asks for HC2 but {trial.unit}s were randomised: use CR2 (or 'auto')"
        )
    return "CR2" if planned == "CR2" else "HC2"


BALANCE_VARIABLES = (
    ("baseline", "Baseline score"),
    ("fte", "Full-time equivalent"),
    ("caseload", "Caseload"),
    ("years_in_post", "Years in post"),
)


def _balance(data: pd.DataFrame, arms: list[str], control: str) -> list[dict[str, Any]]:
    """Baseline balance of the analysed sample, caseload included (a structural stressor)."""
    return [
        asdict(
            balance_row(
                label,
                {a: data.loc[data["arm"] == a, column].to_numpy(dtype=float) for a in arms},
                control,
            )
        )
        for column, label in BALANCE_VARIABLES
    ]


def _sample_ratio(
    data: pd.DataFrame, arms: list[str], ratio: list[int], clustered: bool
) -> list[dict[str, Any]]:
    """Sample-ratio tests of the consenting and the responding samples (``balance``)."""
    if clustered:  # each arm's share of the people randomised, not of the clusters
        shares = {a: float((data["arm"] == a).sum()) for a in arms}
    else:
        shares = {a: float(r) for a, r in zip(arms, ratio, strict=True)}
    samples = (
        ("consented", data["consented"]),
        ("answered the follow-up", data["consented"] & data["outcome"].notna()),
    )
    out = []
    for label, rows in samples:
        if not rows.any():
            continue
        counts = data.loc[rows, "arm"].value_counts()
        test = sample_ratio_test({a: int(counts.get(a, 0)) for a in arms}, shares)
        out.append({"sample": label, **asdict(test)})
    return out


def _randomisation_balance(
    data: pd.DataFrame, arms: list[str], control: str, clustered: bool, unit: str
) -> dict[str, list[dict[str, Any]]]:
    """Balance of everyone randomised: people, and (cluster trials) the clusters' means."""
    people = _balance(data, arms, control)
    clusters: list[dict[str, Any]] = []
    if clustered:
        arm_of = data.groupby("cluster")["arm"].first()
        columns = [("size", f"People per {unit}")] + [
            (c, f"{label} ({unit} mean)") for c, label in BALANCE_VARIABLES
        ]
        frame = data.assign(size=1.0)
        for column, label in columns:
            if column == "size":
                values = frame.groupby("cluster")["size"].sum()
                means, keys = values.to_numpy(dtype=float), values.index.to_numpy()
            else:
                means, keys = cluster_means(frame[column].to_numpy(dtype=float), frame["cluster"])
            arm = arm_of[keys].to_numpy()
            clusters.append(asdict(balance_row(label, {a: means[arm == a] for a in arms}, control)))
    return {"people": people, "clusters": clusters}


def _integrity(trial: Trial, data: pd.DataFrame) -> dict[str, Any]:
    """What the report says about the allocation: how it was drawn and how to check it."""
    a = trial.allocation
    c = SeedCommitment.objects.filter(trial=trial).first()
    head = AuditEvent.objects.order_by("-id").first()
    late_units = a.units.exclude(method="initial").count()
    return {
        "seed": a.seed,
        "scheme": a.scheme,
        "unit": a.unit,
        "randomised_at": a.created_at.isoformat(),
        "parameters": a.parameters,
        "software_version": a.software_version,
        "roster_sha256": a.roster_sha256,
        "units": len(a.snapshot.get("units", [])),
        "commitment": c.commitment if c else None,
        "committed_at": c.created_at.isoformat() if c else None,
        "salt": c.salt if c else None,
        "late_units": late_units,
        "late_people": int(data["late"].sum()),
        "withdrawn": int(data["withdrawn"].sum()),
        "late_scheme": design_of(trial).randomisation.late_joiners,
        "audit_events": AuditEvent.objects.count(),
        "audit_head": head.digest if head else None,
    }


def _hr_outcomes(
    trial: Trial,
    data: pd.DataFrame,
    control: str,
    plan: AnalysisSpec,
    clustered: bool,
    stratified: bool,
    today: date,
) -> dict[str, Any] | None:
    """Sickness absence (negative binomial, FTE-day exposure) and leaving (Cox) from HR
    records over the plan's window from randomisation, cluster-robust by the randomised unit;
    a note instead while the window has not run on ``today`` (:mod:`~.follow_up`)."""
    if plan.hr is None:
        return None
    from hearten.hr.outcomes import derive

    window = follow_up(trial.allocation.created_at.date(), plan.hr.window_days)
    start, end = window.start, window.end
    if not window.has_run(today):
        return {"window": [start.isoformat(), end.isoformat()], "not_run": True,
                "note": window.not_run_note()}  # fmt: skip
    hr = data[["pseudonym", "arm", "stratum", "cluster"]].merge(
        derive(trial, start, end), on="pseudonym", how="inner"
    )
    out: dict[str, Any] = {
        "window": [start.isoformat(), end.isoformat()],
        "n": len(hr),
        "clusters": int(hr["cluster"].nunique()) if clustered else None,
    }
    # Few randomised units: randomisation inference instead of the normal tests (hr_tests).
    few = clustered and int(hr["cluster"].nunique()) < plan.hr.ri_below_clusters
    seed = plan.seed if plan.seed is not None else int(trial.allocation.seed)
    out["ri_below_clusters"] = plan.hr.ri_below_clusters
    if plan.hr.absence and not (hr["absence_days"] > 0).any():
        out["absence"] = {"note": "no sickness absence is recorded in the window: nothing to model"}
    elif plan.hr.absence:
        at_risk = hr[hr["exposure"] > 0]
        try:
            from hearten.stats.counts import estimate_counts

            fit = estimate_counts(
                at_risk["absence_days"].to_numpy(),
                at_risk["arm"].tolist(),
                control,
                at_risk["exposure"].to_numpy(),
                None,
                at_risk["stratum"].tolist() if stratified else None,
                at_risk["cluster"].to_numpy() if clustered else None,
                "negbin",
                plan.alpha,
            )
            sums = at_risk.groupby("arm")[["absence_days", "exposure"]].sum()
            rates = 365.25 * sums["absence_days"] / sums["exposure"]
            effects = [asdict(e) for e in fit.effects]
            tested: dict[str, Any] = {"method": "normal"}
            if few:
                effects, tested = randomise_effects(
                    "absence", at_risk, control, effects, stratified, plan.reps, seed,
                    plan.alpha, fit.family, plan.hr.few_clusters_test,
                )  # fmt: skip
            out["absence"] = {
                "effects": effects,
                "inference": tested,
                "rate_per_fte_year": {str(k): float(v) for k, v in rates.items()},
                "n": fit.n,
                "family": fit.family,
                "theta": fit.theta,
                "theta_se": fit.theta_se,
                "note": fit.note,
            }
        except EstimationError as exc:
            out["absence"] = {"note": str(exc)}
    if plan.hr.leaving:
        # Only people employed in the window are at risk of leaving in it (hr.outcomes).
        followed = hr[hr["in_window"] == 1]
        outside = len(hr) - len(followed)
        try:
            from hearten.stats.survival import estimate_cox

            cox = estimate_cox(
                followed["days_to_leaving"].clip(lower=0.5).to_numpy(),
                followed["left"].to_numpy(),
                followed["arm"].tolist(),
                control,
                None,
                followed["stratum"].tolist() if stratified else None,
                followed["cluster"].to_numpy() if clustered else None,
                plan.alpha,
            )
            left = followed.groupby("arm")["left"].mean()
            effects = [asdict(e) for e in cox.effects]
            tested = {"method": "normal"}
            if few:
                effects, tested = randomise_effects(
                    "leaving",
                    followed,
                    control,
                    effects,
                    stratified,
                    plan.reps,
                    seed,
                    plan.alpha,
                    test_with=plan.hr.few_clusters_test,
                )
            out["leaving"] = {
                "effects": effects,
                "inference": tested,
                "share_left": {str(k): float(v) for k, v in left.items()},
                "events": cox.events,
                "not_at_risk": outside,
            }
        except EstimationError as exc:
            out["leaving"] = {"note": str(exc), "not_at_risk": outside}
    return out


def _assessed(trial: Trial) -> dict[str, int]:
    """Everyone on the trial's roster: sites, randomisable units and people (CONSORT's
    "assessed for eligibility"); people not randomised joined after the draw unallocated."""
    people = Participant.objects.filter(trial=trial)
    unit = {Unit.TEAM: "team", Unit.OFFICE: "office"}.get(Unit(trial.unit))
    return {
        "sites": people.values("site").distinct().count(),
        "units": people.values(unit).distinct().count() if unit else people.count(),
        "people": people.count(),
    }


def _uptake(trial: Trial) -> dict[str, Any]:
    """Uptake, fidelity and cost for the report (the uptake page's figures)."""
    from hearten.interventions.uptake import uptake
    from hearten.process.deliverers import reported_times

    u = uptake(trial, reported=reported_times(trial))
    return {
        "min_group": u.min_group,
        "funnel": u.funnel_shown,
        "letters": u.letters,
        "letter_score": u.letter_score,
        "perks": u.perks,
        "costs": [asdict(c) for c in u.costs],
    }


def _took_part(
    trial: Trial, data: pd.DataFrame, definition: str, wave: str, today: date
) -> pd.Series:
    """Each analysed person's uptake under the plan's compliance definition (0/1), perks
    counted from randomisation to the day the outcome's ``wave`` closed (the run's day
    ``today`` while it is open: :func:`~hearten.analysis.follow_up.uptake_end`)."""
    from hearten.interventions.goals import complied
    from hearten.interventions.models import Letter
    from hearten.interventions.perks import exposure_days

    ids = dict(Participant.objects.filter(trial=trial).values_list("pseudonym", "id"))
    if definition in ("any-module", "all-modules"):
        by_id = complied(trial, definition)  # type: ignore[arg-type]
    elif definition == "letter-delivered":
        delivered = Letter.objects.filter(trial=trial, status__in=["posted", "emailed"])
        by_id = {pid: True for pid in delivered.values_list("participant_id", flat=True)}
    else:
        start = trial.allocation.created_at.date()
        w = trial.waves.get(name=wave)
        closed = timezone.localdate(w.closed_at) if w.closed_at is not None else None
        end = uptake_end(closed, w.closes_on, today)
        by_id = {pid: days > 0 for pid, days in exposure_days(trial, start, end).items()}
    return data["pseudonym"].map(lambda code: float(by_id.get(ids.get(code, -1), False)))


def _cace(
    took_part: pd.Series | None,
    primary: OutcomeFit,
    control: str,
    plan: AnalysisSpec,
    vcov: VcovType,
    stratified: bool,
) -> dict[str, Any] | None:
    """The effect on those who took part (CACE), when the plan names a compliance rule;
    ``took_part`` is :func:`_took_part` for every row of the dataset."""
    if took_part is None or plan.compliance is None:
        return None
    used = primary.used
    took = took_part.loc[used.index]
    try:
        fit = estimate_cace(
            used["y"].to_numpy(),
            used["arm"].tolist(),
            took.to_numpy(),
            control,
            adjusters(used) or None,
            used["stratum"].tolist() if stratified else None,
            used["cluster"].to_numpy() if vcov == "CR2" else None,
            vcov,
            plan.alpha,
        )
    except EstimationError as exc:
        return {"definition": plan.compliance, "note": str(exc)}
    share = {a: float(took[used["arm"] == a].mean()) for a in used["arm"].unique()}
    return {
        "definition": plan.compliance,
        "effects": [asdict(e) for e in fit.effects],
        "took_part": share,
    }


def _by_site(
    primary: OutcomeFit, control: str, alpha: float, vcov: VcovType
) -> dict[str, Any] | None:
    """Each site's own effect on the primary outcome, and their random-effects pool.

    Only for two-arm trials in more than one site; a site that cannot give its own estimate
    (one arm, too few people) is named in ``note`` instead.
    """
    used = primary.used
    if used["site"].nunique() < 2 or used["arm"].nunique() != 2:
        return None
    try:
        from hearten.stats.meta import pool_sites

        found = pool_sites(
            used["y"].to_numpy(),
            used["arm"].tolist(),
            control,
            used["site"].tolist(),
            adjusters(used) or None,
            used["cluster"].to_numpy() if vcov == "CR2" else None,
            vcov,
            alpha,
        )
        effects, pooled = found.effects, found.pooled
    except EstimationError as exc:
        return {"note": str(exc)}
    return {
        "effects": [{"site": e.site, **asdict(e.effect)} for e in effects],
        "pooled": {k: v for k, v in asdict(pooled).items() if k != "studies"},
        "weights": [st.weight for st in pooled.studies],
    }


#: Working conditions beside the effect: caseload from the roster; supervision sessions in
#: the 90 days before randomisation and the team's vacancy rate over the three months before
#: it, when HR records bring them.
STRESSORS = ("caseload", "supervision sessions (90 days)", "team vacancy rate (%)")


def _working_conditions(trial: Trial, data: pd.DataFrame) -> pd.DataFrame:
    """``data`` with the HR working conditions added as columns, where any were imported."""
    from datetime import timedelta

    from hearten.hr.models import Supervision, TeamRate

    randomised = trial.allocation.created_at.date()
    ids = dict(Participant.objects.filter(trial=trial).values_list("pseudonym", "id"))
    held = Supervision.objects.filter(
        participant__trial=trial,
        held_on__gt=randomised - timedelta(days=90),
        held_on__lte=randomised,
    ).values_list("participant_id", flat=True)
    if Supervision.objects.filter(participant__trial=trial).exists():
        counts = pd.Series(list(held), dtype=object).value_counts()
        data = data.assign(
            **{
                STRESSORS[1]: data["pseudonym"].map(
                    lambda code: float(counts.get(ids.get(code), 0))
                )
            }
        )
    rates = TeamRate.objects.filter(
        trial=trial, month__gt=randomised - timedelta(days=92), month__lte=randomised
    ).values_list("team__code", "vacancy_rate")
    if rates:
        frame = pd.DataFrame(list(rates), columns=["team", "rate"])
        by_team = 100 * frame.groupby("team")["rate"].mean()
        data = data.assign(**{STRESSORS[2]: data["team"].map(by_team)})
    return data


def _stressors(
    trial: Trial,
    data: pd.DataFrame,
    primary: OutcomeFit,
    alpha: float,
    vcov: VcovType,
    stratified: bool,
) -> tuple[list[dict[str, Any]], str | None]:
    """Each working condition's association with the baseline score, beside the effect, and
    why there are none when there could have been (the report keeps the section, saying so)."""
    if "baseline" not in data:
        return [], None  # the plan names no baseline survey: nothing to relate them to
    if data["baseline"].notna().sum() < 10:
        return [], "fewer than 10 people have a baseline score to relate working conditions to"
    data = _working_conditions(trial, data)
    effect = primary.effects[0]["estimate"] if len(primary.effects) == 1 else None
    present = {
        s: data[s].to_numpy(dtype=float)
        for s in STRESSORS
        if s in data and data[s].notna().sum() >= 10 and data[s].nunique() > 1
    }
    if not present:
        return [], (
            "no working condition (caseload, supervision, vacancies) is recorded for 10 or more "
            "people with differing values"
        )
    try:
        found = stressor_associations(
            data["baseline"].to_numpy(dtype=float),
            present,
            data["stratum"].tolist() if stratified else None,
            # People of one team share its conditions (its vacancy rate, its manager, its
            # office), so their errors are clustered by team at least, even when people were
            # randomised one by one; HC2 would make the associations look too precise.
            (data["cluster"] if vcov == "CR2" else data["team"]).to_numpy(),
            effect,
            alpha,
        )
    except EstimationError as exc:
        return [], f"the associations could not be estimated: {exc}"
    return [asdict(a) for a in found], None


def _moderators(
    primary: OutcomeFit,
    data: pd.DataFrame,
    control: str,
    planned: Sequence[str],
    vcov: VcovType,
    alpha: float,
    stratified: bool,
) -> list[dict[str, Any]]:
    """The plan's pre-registered moderators of the primary effect, adjusted by Holm."""
    if not planned:
        return []
    used = primary.used
    rows = data.loc[used.index]
    try:
        terms = estimate_moderators(
            used["y"].to_numpy(),
            used["arm"].tolist(),
            control,
            {m: rows[m].to_numpy() for m in planned},
            set(planned),
            adjusters(used) or None,
            used["stratum"].tolist() if stratified else None,
            used["cluster"].to_numpy() if vcov == "CR2" else None,
            vcov,
            alpha,
        )
    except EstimationError as exc:
        return [{"note": str(exc)}]
    return [asdict(t) for t in terms]


def _attrition(
    data: pd.DataFrame,
    arms: list[str],
    control: str,
    plan: AnalysisSpec,
    vcov: VcovType,
    stratified: bool,
) -> dict[str, Any] | None:
    """Attrition on the primary outcome among everyone randomised, and Lee bounds."""
    y = data["outcome"].where(data["consented"])
    if not y.isna().any():
        return None
    clusters = data["cluster"].to_numpy() if vcov == "CR2" else None
    strata = data["stratum"].tolist() if stratified else None
    from hearten.stats.attrition import attrition_by_arm, lee_bounds

    summary = attrition_by_arm(
        y.to_numpy(), data["arm"].tolist(), control, strata, clusters, plan.alpha
    )
    result: dict[str, Any] = asdict(summary)
    if plan.lee_bounds and len(arms) == 2:
        treated = next(a for a in arms if a != control)
        try:
            bounds = lee_bounds(
                y.to_numpy(),
                (data["arm"] == treated).to_numpy(dtype=float),
                data["stratum"].to_numpy() if stratified else None,
                clusters,
                reps=499,
                seed=plan.seed or 0,
                alpha=plan.alpha,
                arm_names=(control, treated),
            )
            result["lee"] = asdict(bounds)
        except EstimationError as exc:
            result["lee_note"] = str(exc)
    return result


def run_analysis(trial: Trial, now: datetime | None = None) -> AnalysisRun:
    """Run the trial's stored plan on its stored data; store and return the run.

    ``now``: the time of the run (the clock, for the tests; the present when not given),
    stored in the result as ``as_of``. Only whether the HR window has run depends on it once
    the outcome's wave has closed: the window's end is fixed by the plan and the
    randomisation, and perks count to the day the wave closed (to ``now`` while it is open)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if not Allocation.objects.filter(trial=trial).exists():
        raise StateError(
            f"trial {trial.slug!r} is not randomised yet: run `hearten trial "
            f"randomise {trial.slug} --seed N` first"
        )
    design = design_of(trial)
    if trial.allocation.scheme == "stepped-wedge":
        # Every cluster crosses to the change in its turn: its own planned model.
        from hearten.analysis.stepped_wedge import run_stepped_wedge

        return run_stepped_wedge(trial, now)  # the same clock
    plan = design.analysis
    planned = design.planned_outcomes()
    instrument = get_instrument(planned[0].instrument)
    data = build_dataset(trial)
    arms = [a.name for a in design.arms]
    control = design.control
    vcov = _vcov_for(trial, plan.vcov)
    stratified = bool(trial.strata)
    redraws = None
    if plan.method == "ri" and trial.allocation.scheme in ("rerandomised", "matched-pairs"):
        # Inference must re-draw by the rule the allocation was drawn by (Morgan and Rubin).
        units, drawn = rule_redraws(trial, plan.reps)
        redraws = Redraws(units, np.asarray(drawn, dtype=str))
    columns: dict[str, tuple[str, str | None]] = {}
    fits: dict[str, OutcomeFit] = {}
    for o in planned:
        suffix = "" if o.name == "primary" else f":{o.name}"
        columns[o.name] = (f"outcome{suffix}", f"baseline{suffix}" if o.baseline_wave else None)
        fits[o.name] = fit_outcome(
            data, *columns[o.name], arms, control, plan, vcov, stratified, redraws, o.transform
        )
    primary = fits["primary"]
    control_outcome = primary.used.loc[primary.used["arm"] == control, "y"]
    analysed = data.loc[primary.used.index]
    # Who took part, read once: the CACE and the flow diagram both use it.
    took_part = (
        _took_part(trial, data, plan.compliance, planned[0].wave, today)
        if plan.compliance
        else None
    )
    stressors, stressors_note = _stressors(trial, data, primary, plan.alpha, vcov, stratified)
    result: dict[str, Any] = {
        "trial": trial.slug,
        "instrument": {
            "name": instrument.name,
            "title": instrument.title,
            "score": planned[0].score,
            "licence": instrument.licence,
        },
        "model": {
            "outcome": f"{instrument.name} {planned[0].score} at {plan.outcome_wave}",
            "baseline": plan.baseline_wave,
            "strata_fixed_effects": stratified,
            "vcov": vcov,
            "cluster": trial.unit if vcov == "CR2" else None,
            "alpha": plan.alpha,
            "adjustment": plan.adjustment,
            "method": plan.method,
            "seed": plan.seed,
            "transform": plan.transform,
            "covariates": list(plan.covariates),
            "missing_data": plan.missing_data,
            "alternative": plan.alternative,
            "n": primary.fit.fit.n,
            "n_clusters": primary.fit.fit.n_clusters,
        },
        "control": control,
        "control_mean": float(control_outcome.mean()),
        "control_sd": float(control_outcome.std(ddof=1)),
        "effects": primary.effects,
        # CONSORT 17a: the primary outcome's observed ICC with its interval, and the MDES
        # recomputed from the sample analysed (None unless teams or offices were randomised).
        "observed_icc": observed_clustering(
            primary.used, control, stratified, vcov == "CR2", plan.alpha, primary.effects
        ),
        # A pre-specifiable sensitivity analysis: random team intercepts, fixed strata.
        # The plan's multiple imputation (its missing-data analysis or a sensitivity one).
        "imputation": primary.imputation,
        "multilevel": multilevel_estimate(
            primary.used, control, stratified, vcov == "CR2", plan.alpha
        ),
        "cace": _cace(took_part, primary, control, plan, vcov, stratified),
        "uptake": _uptake(trial),
        "hr": _hr_outcomes(
            trial, data, control, plan, trial.unit != Unit.INDIVIDUAL, stratified, today
        ),
        "coefficients": primary.fit.fit.tidy().to_dict(orient="records"),
        "secondary": [
            {
                "name": o.name,
                "role": next(x.role for x in plan.secondary if x.name == o.name),
                "outcome": f"{o.instrument} {o.score} at {o.wave}",
                "transform": o.transform,
                "baseline": o.baseline_wave,
                "n": fits[o.name].fit.fit.n,
                "effects": fits[o.name].effects,
                "imputation": fits[o.name].imputation,
                "observed_icc": observed_clustering(
                    fits[o.name].used,
                    control,
                    stratified,
                    vcov == "CR2",
                    plan.alpha,
                    fits[o.name].effects,
                ),
            }
            for o in planned[1:]
        ],
        "sites": _by_site(primary, control, plan.alpha, vcov),
        "stressors": stressors,
        "stressors_note": stressors_note,
        "moderators": _moderators(
            primary, data, control, plan.moderators, vcov, plan.alpha, stratified
        ),
        "attrition": _attrition(data, arms, control, plan, vcov, stratified),
        "families": adjust_families(data, fits, columns, control, plan, stratified, vcov == "CR2"),
        "flow": [
            asdict(r)
            for r in flow_from_dataset(
                data,
                arms,
                plan.baseline_wave is not None,
                took_part,
            )
        ],
        "assessed": _assessed(trial),
        "balance": _balance(analysed, arms, control),
        "randomisation_balance": _randomisation_balance(
            data, arms, control, trial.unit != Unit.INDIVIDUAL, trial.unit
        ),
        "sample_ratio": _sample_ratio(
            data, arms, [a.ratio for a in design.arms], trial.unit != Unit.INDIVIDUAL
        ),
        "allocation": _integrity(trial, data),
        "arms": [{"name": a.name, "label": a.label} for a in design.arms],
    }
    result["economics"] = economics(
        trial, data, arms, control, plan, stratified, result["stressors"], primary.used,
        primary.effects, today,
    )  # fmt: skip
    result["as_of"] = now.isoformat()
    first = AnalysisRun.objects.filter(trial=trial).order_by("created_at").first()
    results = [o.name for o in planned]
    if plan.hr is not None:
        results += [k for k in ("absence", "leaving") if getattr(plan.hr, k)]
    result["plan"] = plan_status(trial, first.created_at if first else now, results)
    return store_run(trial, result, dataset_digest(data))
