"""A programme's report: its trials and their sites pooled by random-effects meta-analysis.

Each trial contributes its latest analysis run's primary effect in standard deviations
(Hedges' g and its standard error, as the trial's own report gives it), so trials that used
different scales can be pooled. Sites contribute their own estimates (the trial report's
"effects by site") divided by their trial's control-arm standard deviation. Pooling is REML
with the Hartung–Knapp interval (:func:`hearten.stats.meta.meta_analyse`), whose coverage
holds with the handful of trials a programme has.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.text import slugify

import hearten
from hearten.analysis.arm_effect import ArmEffect, StandardisedEffect
from hearten.analysis.cost_effectiveness import Economics
from hearten.analysis.models import AnalysisRun
from hearten.analysis.sites_result import SitesResult
from hearten.analysis.stepped_result import SteppedResult
from hearten.analysis.stored import latest_run, read_typed
from hearten.errors import DataError, EstimationError
from hearten.files import write_atomic
from hearten.reports.figures import (
    CostEffectDraws,
    PooledMark,
    acceptability_curve,
    both,
    cost_effectiveness_plane,
    forest_plot,
    interval_rows,
)
from hearten.reports.pdf import write_pdf
from hearten.stats.costs import acceptability, icer
from hearten.stats.meta import MetaAnalysis, meta_analyse
from hearten.trials import audit
from hearten.trials.lifecycle import get_trial


@dataclass(frozen=True, slots=True)
class Study:
    """One trial's or site's standardised effect."""

    label: str
    trial: str
    g: float
    std_error: float
    n: int
    label_status: str
    #: ``parallel``, or ``stepped wedge`` (a structural change every team got in its turn)
    design: str = "parallel"


@dataclass(frozen=True, slots=True)
class _Primary:
    """What the programme reads of a trial's latest run, typed for either design
    (:func:`~hearten.analysis.stored.read_typed`): a stepped-wedge run has no site effects
    or economics."""

    design: str
    status: str  # the primary result's label under the plan ("exploratory" without one)
    effects: tuple[ArmEffect, ...]
    labels: dict[str, str]
    control_sd: float | None
    sites: SitesResult | None
    economics: Economics | None
    instrument: str

    @classmethod
    def of(cls, run: AnalysisRun) -> _Primary:
        r = read_typed(run)
        if isinstance(r, SteppedResult):
            return cls("stepped wedge", r.primary_label, r.effects, r.labels, r.control_sd,
                       None, None, r.instrument.name)  # fmt: skip
        found = r.plan.label("primary") if r.plan else None
        return cls("parallel", found.label if found else "exploratory", r.effects, r.labels,
                   r.control_sd, r.sites, r.economics, r.instrument.name)  # fmt: skip


def _trial_studies(slugs: list[str]) -> tuple[list[Study], list[Study], list[dict[str, Any]]]:
    """Each trial's primary effect and each site's, standardised, and what was skipped."""
    trials, sites, notes = [], [], []
    for slug in slugs:
        trial = get_trial(slug)
        r = _Primary.of(latest_run(trial))
        status = r.status
        for e in r.effects:
            g = e.hedges_g
            arm = r.labels[e.term]
            if g is None or not g.std_error or g.g is None:
                notes.append({"trial": slug, "note": f"{arm}: no standardised effect"})
                continue
            label = trial.name if len(r.effects) == 1 else f"{trial.name}: {arm}"
            trials.append(Study(label, slug, g.g, g.std_error, int(e.n or 0), status, r.design))
        sd = r.control_sd
        for s in r.sites.effects if r.sites else ():
            if sd:
                sites.append(
                    Study(f"{s.site} ({slug})", slug, s.estimate / sd, s.std_error / sd, s.n,
                          "exploratory")
                )  # fmt: skip
    return trials, sites, notes


#: Willingness to pay per standard deviation of wellbeing at which the programme compares.
WTP_PER_SD = (0.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0, 10000.0)


def _points_per_g(r: _Primary, arm: str) -> float | None:
    """Outcome points per unit of the arm's Hedges' g in the trial's report (the inverse of
    its scale), or, for a run stored before g carried its scale, the control-arm SD."""
    g: StandardisedEffect | None = next((e.hedges_g for e in r.effects if e.term == arm), None)
    scale = g.scale if g else None
    return 1.0 / scale if scale else r.control_sd


def _over(value: float | None, sd: float) -> float | None:
    """``value`` per standard deviation; ``None`` stays ``None``."""
    return None if value is None else value / sd


def _value_for_money(slugs: list[str]) -> dict[str, Any] | None:
    """Each intervention's extra cost per standard deviation of its primary outcome (on the
    scale of its trial's Hedges' g, :func:`_points_per_g`), with the bootstrap intervals its
    trial stored, and the acceptability of each at common values."""
    rows: list[dict[str, Any]] = []
    shown: list[CostEffectDraws] = []  # the figures': each by its label, effects in SDs
    for slug in slugs:
        trial = get_trial(slug)
        r = _Primary.of(latest_run(trial))
        for c in r.economics.per_point if r.economics else ():
            sd = _points_per_g(r, c.arm)
            if not sd:
                continue
            arm = r.labels[c.arm]
            draws = c.plane
            per_sd = icer(c.delta_cost, c.delta_effect / sd)
            label = f"{trial.name}: {arm}"
            curve = acceptability([d[0] for d in draws], [d[1] / sd for d in draws], WTP_PER_SD)
            plane = [[d[0], d[1] / sd] for d in draws]
            shown.append(CostEffectDraws(label, c.delta_cost, c.delta_effect / sd, tuple(plane),
                                         WTP_PER_SD, tuple(curve)))  # fmt: skip
            rows.append({
                "label": label, "trial": slug, "arm": c.arm,
                "delta_cost": c.delta_cost, "cost_low": c.cost_low,
                "cost_high": c.cost_high, "effect_sd": c.delta_effect / sd,
                "effect_low": _over(c.effect_low, sd), "effect_high": _over(c.effect_high, sd),
                "per_sd": per_sd.ratio, "quadrant": per_sd.quadrant,
                "per_point": c.icer, "instrument": r.instrument.upper(),
                "per_point_low": c.icer_low, "per_point_high": c.icer_high,
                "per_sd_low": c.icer_low * sd if c.icer_low is not None else None,
                "per_sd_high": c.icer_high * sd if c.icer_high is not None else None,
                "thresholds": list(WTP_PER_SD),
                "acceptability": curve,
                "plane": plane,
                "reps": c.reps,
            })  # fmt: skip
    if not rows:
        return None
    return {
        "rows": rows,
        "curve": [
            [t, *[row["acceptability"][i] for row in rows]] for i, t in enumerate(WTP_PER_SD)
        ],
        "ceac_figure": both(
            acceptability_curve(shown, "standard deviation of wellbeing"),
            summary="Probability each intervention is cost-effective at each willingness to "
            "pay per standard deviation of wellbeing",
            headers=["Willingness to pay per SD (£)", *[row["label"] for row in rows]],
            rows=[
                [f"{t:g}", *[f"{row['acceptability'][i]:.2f}" for row in rows]]
                for i, t in enumerate(WTP_PER_SD)
            ],
        ),
        "plane_figure": both(
            cost_effectiveness_plane(shown, "standard deviations of wellbeing"),
            summary="Cost-effectiveness plane of the programme's interventions, effects in "
            "standard deviations",
            headers=[
                "Intervention",
                "Extra cost per person (£)",
                "Extra effect (SD)",
                "Where it falls",
            ],
            rows=[
                [row["label"], row["delta_cost"], row["effect_sd"], row["quadrant"]] for row in rows
            ],
        ),
    }


def _pool(studies: list[Study], alpha: float) -> MetaAnalysis | None:
    if len(studies) < 2:
        return None
    return meta_analyse(
        [s.g for s in studies], [s.std_error for s in studies], [s.label for s in studies],
        alpha=alpha,
    )  # fmt: skip


def _figure(studies: list[Study], pooled: MetaAnalysis, xlabel: str) -> dict[str, Any]:
    return both(
        forest_plot(
            [s.label for s in studies],
            [s.g for s in studies],
            [st.conf_low for st in pooled.studies],
            [st.conf_high for st in pooled.studies],
            [st.weight for st in pooled.studies],
            PooledMark.of(pooled),
            xlabel,
        ),
        summary=f"{xlabel}: each study and the pooled estimate {pooled.estimate:.2f} "
        f"({pooled.conf_low:.2f} to {pooled.conf_high:.2f})",
        headers=["Study", "Effect", "Lower limit", "Upper limit"],
        rows=interval_rows(
            [s.label for s in studies],
            [s.g for s in studies],
            [st.conf_low for st in pooled.studies],
            [st.conf_high for st in pooled.studies],
        ),
    )


def programme_folder(name: str) -> Path:
    return Path(settings.HEARTEN.reports_dir) / f"programme-{slugify(name)}"


def write_programme_report(
    name: str, slugs: list[str], alpha: float = 0.05, *, now: datetime
) -> Path:
    """Pool ``slugs``' latest analyses; write ``report.html`` and ``report.pdf``; return the
    HTML's path. ``now``: the caller's clock, printed as the time the report was generated."""
    if len(set(slugs)) != len(slugs):
        raise DataError("a trial is named twice: name each trial of the programme once")
    if len(slugs) < 2:
        raise DataError("a programme report pools two or more trials: name at least two")
    trials, sites, notes = _trial_studies(slugs)
    try:
        pooled = _pool(trials, alpha)
        site_pool = _pool(sites, alpha)
    except EstimationError as exc:
        raise DataError(f"the trials could not be pooled: {exc}") from None
    if pooled is None:
        raise DataError("fewer than two trials have a standardised effect: analyse them first")
    level = round(100 * (1 - alpha))
    context = {
        "name": name,
        "trials": trials,
        "trial_rows": [(t, st.weight) for t, st in zip(trials, pooled.studies, strict=True)],
        "structural": any(t.design != "parallel" for t in trials),
        "sites": sites,
        "notes": notes,
        "pooled": pooled,
        "site_pool": site_pool,
        "level": level,
        "version": hearten.__version__,
        "generated_at": now,
        "trial_figure": _figure(trials, pooled, f"Effect in SD (Hedges' g, {level}% interval)"),
        "value": _value_for_money(slugs),
        "site_figure": _figure(sites, site_pool, "Site effect in SD of its trial's control arm")
        if site_pool
        else None,
    }
    html = render_to_string("reports/programme.html", context)
    folder = programme_folder(name)
    path = folder / "report.html"
    write_atomic(path, html)
    printable = render_to_string("reports/programme.html", {**context, "pdf": True})
    write_pdf(printable, folder / "report.pdf", f"{name}: programme report")
    digest = hashlib.sha256(html.encode()).hexdigest()
    for slug in slugs:
        audit.record(
            get_trial(slug),
            "exported",
            {"what": "programme report", "programme": name, "sha256": digest},
            at=now,
        )
    return path
