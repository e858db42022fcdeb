"""The statistical analysis plan of a locked plan version, in the sections of Gamble et al.

Gamble C, Krishan A, Stocken D, et al. *Guidelines for the content of statistical analysis plans
in clinical trials.* JAMA 2017;318(23):2337–2343. Its six sections (administrative information,
introduction, study methods, statistical principles, trial population, analysis) are filled
from the plan version's frozen design, so each version of the plan has its own SAP, named
with the version's number and digest. What a design does not hold (background, roles,
signatures) is marked **To write**.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

import hearten
from hearten.analysis.models import PlanVersion
from hearten.files import write_atomic
from hearten.reports.markdown import markdown_pdf, quoted
from hearten.reports.preregistration import (
    _analysis_words,
    _late_joiners,
    _outcome_lines,
    _power_lines,
)
from hearten.trials.design import Design
from hearten.trials.models import Trial

TO_WRITE = "**To write**"


def sap_markdown(trial: Trial, version: PlanVersion) -> str:
    """The SAP of ``version`` of ``trial``'s plan, as Markdown."""
    design = Design.model_validate(version.design)
    a, w = design.analysis, _analysis_words(design)
    earlier = PlanVersion.objects.filter(trial=trial, number__lt=version.number).order_by("number")
    revisions = [
        f"- Version {v.number} ({v.created_at:%Y-%m-%d}): {quoted(v.reason) or 'the locked plan'}"
        for v in [*earlier, version]
    ]
    families = [f"- {f.name}: {', '.join(f.outcomes)} ({f.method})" for f in a.families]
    level = round(100 * (1 - a.alpha))
    lines = [
        f"# Statistical analysis plan: {quoted(design.name)}", "",
        "## 1. Administrative information", "",
        f"**Trial registration.** {TO_WRITE}: registry and number.", "",
        f"**SAP version.** {version.number}, from plan version {version.number} "
        f"(SHA-256 `{version.sha256}`), locked {version.created_at:%Y-%m-%d %H:%M} UTC; written "
        f"by Hearten {hearten.__version__}.", "",
        "**Protocol version.** The design file this version freezes (same digest).", "",
        "**Revisions.**", "", *revisions, "",
        f"**Roles and responsibility; signatures.** {TO_WRITE}: who wrote the plan, the senior "
        "statistician and the chief investigator, with their signatures.", "",
        "## 2. Introduction", "",
        f"**Background and rationale.** {TO_WRITE}.", "",
        "**Objectives.** Whether offering staff "
        + ", ".join(quoted(x.label) for x in design.arms if not x.control)
        + f" changes the primary outcome compared with business as usual ({w['sided']}).", "",
        "## 3. Study methods", "",
        f"**Trial design.** {_design_sentence(design, w)}", "",
        f"**Randomisation.** Unit: {design.unit}; strata: "
        f"{'sites' if design.strata == 'site' else 'none'}; scheme: {design.randomisation.scheme}"
        "; the seed is committed before the draw and the draw can be re-derived.", "",
        "**Sample size.**", "", *_power_lines(trial, design), "",
        f"**Framework.** Superiority, {w['sided']}.", "",
        "**Interim analyses and stopping.** None planned.", "",
        f"**Timing of final analysis.** After the {a.outcome_wave} wave closes.", "",
        "**Timing of outcome assessments.** "
        + "; ".join(f"{x.name}" + (f" (opens {x.opens})" if x.opens else "")
                    for x in design.waves) + ".", "",
        "## 4. Statistical principles", "",
        f"**Confidence intervals and p-values.** {level}% intervals; alpha {a.alpha}, "
        f"{w['sided']}; p-values from {w['method']}. Multiplicity families:", "",
        *(families or ["- none declared (secondary outcomes are exploratory)"]), "",
        "**Adherence and protocol deviations.** "
        + (f"Taking part defined as {quoted(a.compliance)}; {w['cace']}" if a.compliance
           else "No adherence rule is planned.")
        + " Deviations are recorded in Hearten's audit log and listed in the report.", "",
        f"**Analysis populations.** {_populations(design)}", "",
        "## 5. Trial population", "",
        "**Screening, eligibility and recruitment.** The roster imported is the population "
        f"assessed; {TO_WRITE}: the eligibility rules that made it.", "",
        f"**Withdrawal and follow-up.** {_withdrawal(design)}", "",
        f"**Baseline characteristics.** {_baseline(design)}", "",
        "## 6. Analysis", "",
        "**Outcome definitions.**", "", *_outcome_lines(design), "",
        f"**Analysis methods.** {_methods(design, w)}", "",
        f"**Missing data.** {_missing(design, w)}.", "",
        f"**Additional analyses.** {_additional(design)}", "",
        f"**Harms.** {TO_WRITE}: how harms are defined and collected.", "",
        f"**Statistical software.** Hearten {hearten.__version__} (Python; estimators checked "
        "against R in its test suite).", "",
        "**References.** Gamble C, et al. JAMA 2017;318(23):2337-43.", "",
    ]  # fmt: skip
    return "\n".join(lines)


def _design_sentence(design: Design, w: dict[str, str]) -> str:
    """The trial's design from its stored ``[stepped_wedge]`` section, or the parallel one."""
    sw = design.stepped_wedge
    if sw is None:
        ratio = ":".join(str(x.ratio) for x in design.arms)
        return f"Parallel-group randomised trial, {w['study']}, allocation {ratio}."
    unit = design.unit
    transition = (
        f", then {sw.transition} transition period(s) after each start, left out of the analysis"
        if sw.transition
        else ""
    )
    who = (
        "the same people every period (closed cohort)"
        if sw.sampling == "closed-cohort"
        else f"whoever is in the {unit} each period (cross-sectional)"
    )
    return (
        f"Stepped-wedge cluster-randomised trial: {unit}s randomised to {sw.steps} sequences, "
        f"sequence k starting the change at period k, so every {unit} has it by the end; "
        f"{sw.periods} periods, the first before anyone starts{transition}; measured: {who}."
    )


def _populations(design: Design) -> str:
    """Who is analysed, and late joiners as the pre-registration states them
    (:func:`hearten.reports.preregistration._late_joiners`)."""
    if design.stepped_wedge is None:
        return (
            "Intention to treat: everyone randomised with an outcome, in the arm they were "
            "randomised to (late joiners by their own rule)."
        )
    return (
        f"Intention to treat: everyone in a randomised {design.unit} with an outcome, each "
        f"period in the condition of their {design.unit}'s sequence in the schedule as drawn "
        f"({_late_joiners(design)})."
    )


def _withdrawal(design: Design) -> str:
    if design.stepped_wedge is None:
        return (
            "Withdrawals stop surveys and interventions; the person stays in their arm. The "
            "CONSORT flow diagram reports every stage by arm."
        )
    return (
        "Withdrawals stop surveys; the person stays in their "
        f"{design.unit}'s sequence. The stepped-wedge CONSORT flow diagram reports every stage "
        "by sequence and period."
    )


def _missing(design: Design, w: dict[str, str]) -> str:
    """The parallel plan's missing-data words; a stepped wedge's analysis
    (:func:`hearten.analysis.stepped_wedge.analyse_stepped_wedge`) fits every answer given and
    runs none of the plan's weighting, imputation or Lee bounds, so its SAP says so."""
    if design.stepped_wedge is None:
        return w["missing"]
    a = design.analysis
    unused = [
        words
        for words, on in (
            ("inverse probability weighting", a.missing_data == "ipw"),
            ("multiple imputation", a.missing_data == "mice" or a.imputes is not None),
            ("Lee bounds", a.lee_bounds),
        )
        if on
    ]
    return (
        "every answer given in a period wave is analysed as it is (the mixed model needs no "
        "complete set of periods per person), with no imputation or weighting"
        + (f"; the plan's {' and '.join(unused)} are not run for a stepped wedge" if unused
           else "")
    )  # fmt: skip


def _baseline(design: Design) -> str:
    if design.stepped_wedge is None:
        return (
            "Baseline score, FTE, caseload and years in post by arm (standardised differences), "
            "and cluster means for a cluster trial; no significance tests of balance."
        )
    return (
        f"No table by arm: every {design.unit} is in both conditions in turn; the "
        f"{design.unit}s and people of each sequence are in the stepped-wedge CONSORT flow "
        "diagram. No significance tests of balance."
    )


def _additional(design: Design) -> str:
    """The parallel trials' further analyses, or what the stepped-wedge analysis adds to its
    effect (exposure time; absence and leaving by period when the periods have dates), naming
    the plan's moderators it does not run."""
    a = design.analysis
    sw = design.stepped_wedge
    if sw is None:
        return (
            f"Moderators (exploratory): {', '.join(a.moderators) or 'none'}; effects by site; "
            "working conditions beside the effect; value for money (cost per point by a "
            "cluster bootstrap of costs and effects together)."
        )
    extra = ["the effect by time since the change (exposure time)"] if sw.exposure_time else []
    if a.hr is not None and sw.period_starts:
        extra.append("absence and leaving by period from HR records, once the last period ends")
    words = "; ".join(extra) or "none"
    if a.moderators:
        words += (
            f" (the plan's moderators, {', '.join(a.moderators)}, are not run for a stepped wedge)"
        )
    return words + "."


def _methods(design: Design, w: dict[str, str]) -> str:
    """The planned model: a stepped wedge's mixed model in the pre-registration's words
    (:func:`hearten.reports.stepped_wedge.planned_model_words`), or the parallel OLS."""
    if design.stepped_wedge is not None:
        from hearten.reports.stepped_wedge import planned_model_words

        return planned_model_words(design)
    a = design.analysis
    return (
        f"OLS of the outcome on arm indicators, {w['covariates']} and {w['strata']} "
        f"({a.adjustment}); standard errors {w['vcov']}. Effect size: Hedges' g{w['g']}."
    )


def sap_path(trial: Trial, version: PlanVersion) -> Path:
    folder = Path(settings.HEARTEN.reports_dir) / trial.slug
    return folder / f"statistical-analysis-plan-v{version.number}.md"


def sap_documents(trial: Trial, version: PlanVersion) -> tuple[str, bytes]:
    """The SAP as Markdown and tagged PDF, built in memory (nothing written)."""
    text = sap_markdown(trial, version)
    return text, markdown_pdf(text, f"{trial.name}: statistical analysis plan v{version.number}")


def write_sap(trial: Trial, version: PlanVersion) -> tuple[Path, Path]:
    """Write the SAP of ``version`` as Markdown and PDF beside the trial's report."""
    text, pdf = sap_documents(trial, version)
    md = sap_path(trial, version)
    write_atomic(md.with_suffix(".pdf"), pdf)
    write_atomic(md, text)
    return md, md.with_suffix(".pdf")
