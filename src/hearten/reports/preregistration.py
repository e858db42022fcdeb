"""The pre-registration document written when a plan is locked (Markdown and PDF).

Its sections follow the OSF Preregistration template (study information, design plan,
sampling plan, variables, analysis plan), which covers the fields of the AEA RCT Registry
(interventions, outcomes, randomisation method and unit, clusters and people planned, power
calculation), so an evaluator can copy each section into either registry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import transaction

from hearten.analysis.models import PlanVersion
from hearten.analysis.plan import lock_plan
from hearten.files import write_atomic
from hearten.instruments import REGISTRY
from hearten.reports.chronology import relative
from hearten.reports.markdown import markdown_pdf, quoted
from hearten.stats.power import PowerDesign, PowerResult, solve_mdes
from hearten.trials.design import AnalysisSpec, Design
from hearten.trials.models import Allocation, Participant, SeedCommitment, Trial


@dataclass(frozen=True, slots=True)
class PlannedPower:
    """The closed-form MDES of one arm against control, from the roster's numbers."""

    arm: str
    result: PowerResult
    sites: int
    units: int
    people: int
    mean_size: float
    cv: float


def planned_power(trial: Trial, design: Design) -> list[PlannedPower]:
    """MDES for each arm against control: PowerUp!'s ``ira``/``bira`` for people randomised
    (within sites when stratified), ``cra2``/``bcra3f2`` for teams or offices."""
    people = list(
        Participant.objects.filter(trial=trial).values_list("site_id", "team_id", "office_id")
    )
    if not people:
        return []
    column = {"team": 1, "office": 2}.get(design.unit)
    sites = len({p[0] for p in people})
    if column is None:
        sizes = np.ones(len(people))
    else:
        _, counts = np.unique([str(p[column]) for p in people], return_counts=True)
        sizes = counts.astype(float)
    units, mean = len(sizes), float(sizes.mean())
    cv = float(sizes.std(ddof=0) / mean) if column is not None else 0.0
    p = design.power
    a = design.analysis
    control = next(x for x in design.arms if x.control)
    total = sum(x.ratio for x in design.arms)
    out = []
    for arm in (x for x in design.arms if not x.control):
        pair = (arm.ratio + control.ratio) / total  # the share of units in this comparison
        treated = arm.ratio / (arm.ratio + control.ratio)
        one_sided = a.alternative != "two-sided"
        stratified = design.strata == "site" and sites > 1
        blocks = sites if stratified else 1
        if column is None:
            d = PowerDesign(
                "bira" if stratified else "ira",
                n=len(people) * pair / blocks,
                sites=sites if stratified else None,
                r2_1=p.r2_individual,
                treated=treated,
                alpha=a.alpha,
                one_sided=one_sided,
                attrition=p.attrition,
            )
        else:
            d = PowerDesign(
                "bcra3f2" if stratified else "cra2",
                n=mean,
                clusters=units * pair / blocks,
                sites=sites if stratified else None,
                icc2=p.icc,
                r2_1=p.r2_individual,
                r2_2=p.r2_cluster,
                covariates=1 if p.r2_cluster > 0 else 0,
                treated=treated,
                alpha=a.alpha,
                one_sided=one_sided,
                attrition=p.attrition,
                cv=cv,
            )
        out.append(
            PlannedPower(arm.name, solve_mdes(d, p.power), sites, units, len(people), mean, cv)
        )
    return out


def _outcome_lines(design: Design) -> list[str]:
    lines = []
    for o in design.planned_outcomes():
        instrument = REGISTRY[o.instrument]
        role = (
            "primary"
            if o.name == "primary"
            else next(s.role for s in design.analysis.secondary if s.name == o.name)
        )
        baseline = f", adjusted for the same score at {o.baseline_wave}" if o.baseline_wave else ""
        transform = "" if o.transform == "none" else f", transformed: {o.transform}"
        lines.append(
            f"- **{o.name}** ({role}): {instrument.title}, score `{o.score}`, at the "
            f"{o.wave} wave{baseline}{transform}."
        )
    hr = design.analysis.hr
    if hr is not None:
        kinds = [
            k
            for k, on in (
                ("sickness absence days (per FTE-day employed)", hr.absence),
                ("leaving (time to leaving, censored)", hr.leaving),
            )
            if on
        ]
        test = {
            "ri": "randomisation inference re-drawing the design",
            "wild-score": "the wild score bootstrap by randomised unit",
        }[hr.few_clusters_test]
        few = (
            f" With fewer than {hr.ri_below_clusters} randomised units their p-values and "
            f"intervals come from {test}."
            if hr.ri_below_clusters
            else ""
        )
        lines.append(
            f"- **HR records** ({hr.role}): {' and '.join(kinds)}, over {hr.window_days} days "
            f"from randomisation, from the council's HR system.{few}"
        )
    return lines


def _imputation_words(a: AnalysisSpec, by_site: bool) -> str:
    """How the plan's multiple imputation is done, in words."""
    spec = a.imputes
    assert spec is not None
    predictors = (["the baseline score"] if a.baseline_wave else []) + list(a.covariates)
    predictors += ["site"] if by_site else []
    return (
        f"each consenting person's missing scores imputed {spec.imputations} times "
        f"(seed {a.seed}) by chained equations with predictive mean matching "
        f"({spec.donors} donors, {spec.iterations} iterations, as R's mice), "
        "separately within each arm, from "
        + ", ".join([*predictors, "the other scores"])
        + "; each completed data set analysed by the model above and the results pooled by "
        "Rubin's rules with Barnard-Rubin degrees of freedom"
    )


def _analysis_words(design: Design) -> dict[str, str]:
    """The plan's analysis choices in words, for the document's sections."""
    a = design.analysis
    clustered = design.unit != "individual"
    vcov = "HC2"
    if a.vcov == "CR2" or (a.vcov == "auto" and clustered):
        vcov = f"CR2 with Satterthwaite degrees of freedom, clustered by {design.unit}"
    method = {
        "analytic": "the t-test of the estimate",
        "wild": f"the wild cluster restricted bootstrap ({a.reps} draws, seed {a.seed})",
        "ri": f"randomisation inference re-drawing the design ({a.reps} draws, seed {a.seed})",
    }[a.method]
    covariates = ["the baseline score"] if a.baseline_wave else []
    covariates += list(a.covariates)
    imputed = _imputation_words(a, design.strata == "site") if a.imputes else ""
    if a.missing_data == "ipw":
        missing = (
            "inverse probability weighting: each analysed person weighted by 1 / the share of "
            "consenting people in their arm and site who answered"
        )
    elif a.missing_data == "mice":
        missing = f"multiple imputation: {imputed}"
    else:
        missing = "complete cases (no imputation)"
    if a.missing_data != "mice" and a.imputes is not None:
        missing += f"; as a sensitivity analysis, multiple imputation: {imputed}"
    if a.lee_bounds:
        missing += "; Lee bounds on the primary outcome as a sensitivity analysis"
    cace = "Not planned."
    if a.compliance:
        cace = (
            f'"Took part" means {quoted(a.compliance)}; the complier average causal effect is '
            "estimated by two-stage least squares with the same adjustment."
        )
    sided = "two-sided" if a.alternative == "two-sided" else f"one-sided ({a.alternative})"
    confirmatory = "The primary outcome"
    if a.hr is not None and a.hr.role == "primary":
        confirmatory += " and the HR outcomes"
    return {
        "vcov": vcov,
        "method": method,
        "covariates": ", ".join(covariates) or "none",
        "strata": "site fixed effects" if design.strata == "site" else "no strata",
        "missing": missing,
        "cace": cace,
        "sided": sided,
        "confirmatory": confirmatory,
        "g": " (What Works Clearinghouse cluster adjustment)" if clustered else "",
        "study": f"cluster-randomised by {design.unit}" if clustered else "individually randomised",
    }


def _stepped_wedge_power_line(trial: Trial, design: Design) -> str | None:
    """A stepped-wedge trial's power by its own closed form (Hussey and Hughes 2007, with the
    design's autocorrelations), not PowerUp!'s parallel designs: the roster's teams spread
    over the steps, the mean team (less the expected attrition) measured each period."""
    from hearten.stats.stepped_wedge import SteppedWedgeDesign, equal_sequences, solve_mdes

    sw, p, a = design.stepped_wedge, design.power, design.analysis
    assert sw is not None
    column = "office_id" if design.unit == "office" else "team_id"
    people = list(Participant.objects.filter(trial=trial).values_list(column, flat=True))
    if not people:
        return None
    units = len(set(people))
    mean = len(people) / units
    if units < sw.steps:
        return (
            f"- {units} {design.unit}s on the roster cannot fill {sw.steps} steps, so no power "
            "calculation could be made."
        )
    d = SteppedWedgeDesign(
        equal_sequences(units, sw.steps),
        mean * (1 - p.attrition),
        p.icc,
        cac=sw.cac,
        iac=sw.iac,
        sampling=sw.sampling,
        decay=sw.decay,
        transition=sw.transition,
        alpha=a.alpha,
    )
    result = solve_mdes(d, p.power)
    spread = "-".join(str(k) for k in d.sequences)
    decay = ", decaying with the gap" if sw.decay else ""
    cohort = f", individual autocorrelation {sw.iac}" if sw.sampling == "closed-cohort" else ""
    return (
        f"- Stepped wedge, closed form (Hussey and Hughes 2007; Hooper et al. 2016 for an "
        f"autocorrelation below 1 or a closed cohort): {units} {design.unit}s on the roster in "
        f"{sw.steps} steps ({spread} per step), {d.periods} periods, mean {mean:.1f} people per "
        f"{design.unit} each period ({sw.sampling}), attrition {p.attrition:.0%}; ICC {p.icc}, "
        f"cluster autocorrelation {sw.cac}{decay}{cohort}; alpha {a.alpha} (two-sided, normal "
        f"approximation): minimum detectable effect **{result.effect:.3f} SD** with "
        f"{p.power:.0%} power. With few {design.unit}s the small-sample analysis has less "
        "power than this."
    )


def _power_lines(trial: Trial, design: Design) -> list[str]:
    if design.stepped_wedge is not None:
        line = _stepped_wedge_power_line(trial, design)
        return [line or "- No roster has been imported, so no power calculation could be made."]
    lines = []
    p, a = design.power, design.analysis
    for pw in planned_power(trial, design):
        d = pw.result.design
        if design.unit == "individual":
            sizes = f"{pw.people} people on the roster; R² {p.r2_individual}"
        else:
            sizes = (
                f"{pw.units} {design.unit}s on the roster, mean {pw.mean_size:.1f} people each "
                f"(CV {pw.cv:.2f}); ICC {p.icc}, R² {p.r2_individual} (people) and "
                f"{p.r2_cluster} ({design.unit}s)"
            )
        lines.append(
            f"- {pw.arm} against control: PowerUp! design `{d.design}`, {pw.sites} site(s), "
            f"{sizes}, attrition {p.attrition:.0%}, alpha {a.alpha} "
            f"({'one' if d.one_sided else 'two'}-sided): minimum detectable effect "
            f"**{pw.result.mdes:.3f} SD** with {p.power:.0%} power ({pw.result.df:.0f} df)."
        )
    return lines or ["- No roster has been imported, so no power calculation could be made."]


def _draw_order(trial: Trial, version: PlanVersion) -> str:
    """What is recorded of the seed, the draw and this plan's lock, in the order recorded."""
    drawn = Allocation.objects.filter(trial=trial).first()
    seed = SeedCommitment.objects.filter(trial=trial).first()
    words = []
    if seed is None:
        words.append("No seed has been committed" + (": it was chosen at the draw." if drawn
                     else "; its SHA-256 is to be published before the draw."))  # fmt: skip
    elif drawn is None:
        words.append(f"The seed's SHA-256 was committed on {seed.created_at:%Y-%m-%d}, before "
                     "the draw.")  # fmt: skip
    else:
        when = relative(seed.created_at.isoformat(), drawn.created_at.isoformat(), "the draw")
        words.append(f"The seed's SHA-256 was committed on {seed.created_at:%Y-%m-%d}, {when}.")
    if drawn is None:
        words.append("This plan was locked before randomisation.")
    else:
        when = relative(version.created_at.isoformat(), drawn.created_at.isoformat(),
                        "randomisation")  # fmt: skip
        words.append(f"This plan was locked {when} (the draw was on {drawn.created_at:%Y-%m-%d}).")
    return " ".join(words)


def _late_joiners(design: Design) -> str:
    """What happens to people and units added after randomisation, as
    :func:`hearten.trials.joiners.allocate_joiners` does it: a stepped wedge allocates no
    late units (its schedule is fixed), so its design's ``late_joiners`` scheme is unused."""
    if design.stepped_wedge is None:
        return f"late joiners: {design.randomisation.late_joiners}"
    unit = design.unit
    return (
        f"late joiners: new people in a randomised {unit} share its sequence; a {unit} added "
        "after randomisation is not allocated (the roll-out's schedule is fixed) and is not "
        "analysed"
    )


def _model_words(design: Design, w: dict[str, str]) -> str:
    """The statistical model: the parallel trials' ITT regression, or a stepped-wedge
    trial's planned mixed model (:func:`hearten.reports.stepped_wedge.planned_model_words`)."""
    if design.stepped_wedge is not None:
        from hearten.reports.stepped_wedge import planned_model_words

        return f"**Statistical model.** {planned_model_words(design)}"
    a = design.analysis
    return (
        "**Statistical model.** Intention to treat: OLS of the outcome on arm indicators, "
        f"{w['covariates']} and {w['strata']} ({a.adjustment}); standard errors {w['vcov']}; "
        f"p-values from {w['method']}. Effect size: Hedges' g{w['g']}."
    )


def preregistration_markdown(trial: Trial, version: PlanVersion) -> str:
    """The pre-registration of ``version`` of ``trial``'s plan, as Markdown."""
    design = Design.model_validate(version.design)
    a, r, w = design.analysis, design.randomisation, _analysis_words(design)
    arms = [
        f"- **{quoted(x.label)}** (`{x.name}`, ratio {x.ratio}){' — control' if x.control else ''}"
        for x in design.arms
    ]
    families = [f"- {f.name}: {', '.join(f.outcomes)} ({f.method})" for f in a.families]
    scheme: str = r.scheme
    if r.balance_on:
        scheme += f" (balance on {', '.join(r.balance_on)})"
    if r.pairs_by:
        scheme += f" (pairs by {r.pairs_by})"
    surveys = "; ".join(f"{x.name} ({', '.join(x.pages)})" for x in design.waves)
    hr = " HR records (absence, leavers) come from the council's HR system." if a.hr else ""
    stratified = "stratified by site" if design.strata == "site" else "not stratified"
    lines = [
        f"# Pre-registration: {quoted(design.name)}",
        "",
        f"Trial `{design.slug}` · plan version {version.number} · locked "
        f"{version.created_at:%Y-%m-%d %H:%M} UTC",
        "",
        f"Plan SHA-256: `{version.sha256}`",
        "",
        "Written by Hearten from the locked design. Every report prints the plan's digest and "
        "lists each later change with its reason.",
        "",
        "## 1. Study information",
        "",
        f"**Title.** {quoted(design.name)}",
        "",
        "**Hypothesis.** Offering staff the intervention changes the primary outcome below, "
        f"compared with business as usual; tested {w['sided']} at alpha {a.alpha}.",
        "",
        "## 2. Design plan",
        "",
        f"**Study type.** Randomised controlled trial, {w['study']}.",
        "",
        "**Arms (interventions).**",
        "",
        *arms,
        "",
        f"**Randomisation.** Unit: {design.unit}; {stratified}; scheme: {scheme}; "
        f"{_late_joiners(design)}. {_draw_order(trial, version)} Anyone can re-derive the "
        f"draw with `hearten audit verify {design.slug}`.",
        "",
        "**Blinding.** Staff cannot be blind to a workplace intervention. Nobody sees outcome "
        "data by arm before this plan is locked; answers are never shown to managers.",
        "",
        "## 3. Sampling plan",
        "",
        f"**Data collection.** Surveys: {surveys}.{hr}",
        "",
        "**Sample size and power.**",
        "",
        *_power_lines(trial, design),
        "",
        "## 4. Variables",
        "",
        "**Manipulated.** Arm, as above.",
        "",
        "**Measured outcomes.**",
        "",
        *_outcome_lines(design),
        "",
        f"**Covariates.** {w['covariates']}; {w['strata']}.",
        "",
        "## 5. Analysis plan",
        "",
        _model_words(design, w),
        "",
        f"**Inference criteria.** Alpha {a.alpha}, {w['sided']}. Multiplicity families:",
        "",
        *(families or ["- none declared (secondary outcomes are exploratory)"]),
        "",
        f"**Missing data.** {w['missing']}.",
        "",
        f"**Taking part (CACE).** {w['cace']}",
        "",
        f"**Moderators (exploratory).** {', '.join(a.moderators) or 'none'}.",
        "",
        f"**Confirmatory and exploratory.** {w['confirmatory']} is confirmatory; every other "
        "analysis is exploratory. Any change to this plan is recorded as a new version with its "
        "reason and listed in the report.",
        "",
    ]
    return "\n".join(lines)


def write_preregistration(trial: Trial, version: PlanVersion) -> tuple[Path, Path]:
    """Write ``preregistration.md`` and ``preregistration.pdf`` beside the trial's report.

    Both are built in memory first, so a document that cannot be laid out writes neither.
    """
    text, pdf = _documents(trial, version)
    return _write(trial, text, pdf)


def lock_and_preregister(trial: Trial, *, now: datetime) -> tuple[PlanVersion, Path, Path]:
    """Lock ``trial``'s plan (stamped ``now``) and write its pre-registration, or do neither.

    The documents are built inside the transaction that locks the plan, so a failure (a
    ``HeartenError`` saying what could not be laid out) leaves the plan unlocked and nothing
    written; the files are written once the lock is committed.
    """
    with transaction.atomic():
        version = lock_plan(trial, now=now)
        text, pdf = _documents(trial, version)
    md, path = _write(trial, text, pdf)
    return version, md, path


def _documents(trial: Trial, version: PlanVersion) -> tuple[str, bytes]:
    text = preregistration_markdown(trial, version)
    return text, markdown_pdf(text, f"{trial.name}: pre-registration")


def _write(trial: Trial, text: str, pdf: bytes) -> tuple[Path, Path]:
    folder = Path(settings.HEARTEN.reports_dir) / trial.slug
    md, path = folder / "preregistration.md", folder / "preregistration.pdf"
    write_atomic(path, pdf)
    write_atomic(md, text)
    return md, path
