"""The reporting pack of a stepped-wedge trial: the CONSORT extension for stepped-wedge cluster
randomised trials item by item, the schedule with each period's dates, consent, the observed
correlations, harms, data sharing, the WHO Trial Registration Data Set and the UK Evaluation
Registry's fields (:mod:`hearten.reports.registry`), as Markdown (``hearten trial standards``).

The items follow Hemming K, Taljaard M, McKenzie JE, et al. *Reporting of stepped wedge
cluster randomised trials: extension of the CONSORT 2010 statement with explanation and
elaboration.* BMJ 2018;363:k1614 (doi:10.1136/bmj.k1614), which keeps CONSORT 2010's
numbering. Each item's name below is a paraphrase, not the published wording.

Every answer is derived from what was stored: the design, the drawn schedule and its recorded
late changes, the latest analysis run (flow by sequence and period, the model and its
variances), the survey waves' dates, consent and withdrawal times. What Hearten does not hold
is marked **Not reported**, with what is missing, so the evaluator sees exactly what is left;
nothing is filled in from a template's wording or a guess. Each item's answer comes from
its function in :data:`hearten.reports.stepped_items.SOURCES`.
"""

from __future__ import annotations

from hearten.analysis.models import AnalysisRun
from hearten.analysis.stepped_result import SteppedResult
from hearten.analysis.stored import read_stepped
from hearten.reports.markdown import quoted
from hearten.reports.stepped_items import (
    NOT_REPORTED,
    answers,
    correlations,
    day,
    period_dates,
    structure,
)
from hearten.trials.lifecycle import design_of
from hearten.trials.models import Trial
from hearten.trials.stepped_wedge import model_warning

#: (number, section, what the item asks, paraphrased from Hemming et al. 2018).
SW_CONSORT: tuple[tuple[str, str, str], ...] = (
    ("1a", "Title", "Identified as a stepped-wedge cluster randomised trial in the title"),
    ("1b", "Abstract", "Structured summary (CONSORT for abstracts)"),
    ("2a", "Background", "Background and rationale, including why a stepped-wedge design and "
     "why clusters"),
    ("2b", "Objectives", "Objectives or hypotheses"),
    ("3a", "Trial design", "The cluster, the sequences, clusters per sequence, the periods and "
     "the time between steps; whether the same people are measured in each period; a diagram"),
    ("3b", "Trial design", "Changes to the methods after the trial began, with reasons"),
    ("4a", "Participants", "Eligibility of clusters and of participants"),
    ("4b", "Participants", "Settings and locations"),
    ("5", "Interventions", "The intervention and control conditions, in enough detail to "
     "replicate, and when each cluster changed"),
    ("6a", "Outcomes", "Pre-specified outcomes: how, when and at which level measured, and "
     "the length of each period of measurement"),
    ("6b", "Outcomes", "Changes to the outcomes after the trial began, with reasons"),
    ("7a", "Sample size", "How it was determined, with enough detail to replicate, including "
     "the correlations assumed"),
    ("7b", "Sample size", "Interim analyses and stopping rules"),
    ("8a", "Randomisation: sequence", "How clusters were allocated to sequences at random"),
    ("8b", "Randomisation: type", "Type of randomisation and any restriction (stratification, "
     "matching)"),
    ("9", "Allocation concealment", "Allocation by cluster, and how it was concealed until "
     "clusters were assigned"),
    ("10a", "Implementation", "Who generated the allocation, enrolled clusters and assigned "
     "them to sequences"),
    ("10b", "Implementation", "How individuals were included in clusters (all, or a sample)"),
    ("10c", "Implementation", "From whom consent was sought, and whether before or after "
     "randomisation"),
    ("11a", "Blinding", "Who was blinded after assignment, and how"),
    ("11b", "Blinding", "How alike the conditions were, if relevant"),
    ("12a", "Statistical methods", "Methods comparing the conditions, including how time "
     "effects, clustering and repeated measures were allowed for"),
    ("12b", "Statistical methods", "Additional analyses (subgroup, sensitivity, adjusted)"),
    ("13a", "Participant flow", "For each sequence: clusters randomised, receiving the "
     "intervention as scheduled and analysed; participants by sequence and period (a diagram)"),
    ("13b", "Participant flow", "For each sequence, losses and exclusions of clusters and "
     "participants, with reasons"),
    ("14a", "Recruitment", "Dates of recruitment and follow-up, and of each period"),
    ("14b", "Recruitment", "Why the trial ended or was stopped"),
    ("15", "Baseline data", "Baseline characteristics of clusters and participants"),
    ("16", "Numbers analysed", "Observations and clusters in each analysis, and whether "
     "analysed by the allocated schedule"),
    ("17a", "Outcomes and estimation", "Results for each condition, the effect with its "
     "precision, and the correlations and time effects estimated"),
    ("17b", "Outcomes and estimation", "Absolute and relative effects for binary outcomes"),
    ("18", "Ancillary analyses", "Other analyses, pre-specified or exploratory"),
    ("19", "Harms", "Important harms or unintended effects in each condition"),
    ("20", "Limitations", "Limitations: bias, imprecision, multiplicity"),
    ("21", "Generalisability", "Generalisability of the findings"),
    ("22", "Interpretation", "Interpretation consistent with the results"),
    ("23", "Registration", "Registry and registration number"),
    ("24", "Protocol", "Where the protocol can be read"),
    ("25", "Funding", "Funding and the funders' role"),
)  # fmt: skip


def _cell(text: str) -> str:
    return " ".join(str(text).replace("|", "/").split())


def stepped_standards_markdown(trial: Trial, run: AnalysisRun) -> str:
    """The stepped-wedge reporting pack of ``run`` (module docstring), as Markdown."""
    from hearten.reports.standards import harms_line

    r = read_stepped(run)
    given = answers(trial, run)
    unit = trial.unit
    lines = [
        f"# {quoted(trial.name)}: reporting pack", "",
        f"From analysis run {run.id} (Hearten {run.software_version}). Items marked "
        f"{NOT_REPORTED} are what Hearten does not hold: the evaluator writes them.", "",
        "## 1. CONSORT extension for stepped-wedge cluster randomised trials", "",
        "| No | Section | Item (paraphrased) | Answer from the stored data |",
        "| --- | --- | --- | --- |",
    ]  # fmt: skip
    lines += [
        f"| {n} | {section} | {_cell(item)} | {_cell(given[n])} |"
        for n, section, item in SW_CONSORT
    ]
    left = [n for n, _, _ in SW_CONSORT if given[n].startswith(NOT_REPORTED)]
    partly = [n for n, _, _ in SW_CONSORT if NOT_REPORTED in given[n] and n not in left]
    lines += [
        "",
        f"Not reported: items {', '.join(left)}; in part: items {', '.join(partly) or 'none'}.",
        "",
        "Items after Hemming K, Taljaard M, McKenzie JE, et al. Reporting of stepped wedge "
        "cluster randomised trials: extension of the CONSORT 2010 statement with explanation "
        "and elaboration. BMJ 2018;363:k1614 (item names paraphrased; read the published "
        "checklist for the wording).", "",
        "## 2. The schedule, its periods and the flow", "",
        f"| {unit.capitalize()} | Site | Sequence | Starts at period | Moved to |",
        "| --- | --- | --- | --- | --- |",
    ]  # fmt: skip
    moved = r.moved_to()
    lines += [
        f"| {x.unit} | {x.stratum or '–'} | {x.sequence} | {x.start} | {moved.get(x.unit, '–')} |"
        for x in r.schedule.rows
    ]
    lines += ["", "| Period | Planned dates | Survey wave | First invitation | Last answer |",
              "| --- | --- | --- | --- | --- |"]  # fmt: skip
    for d in period_dates(trial):
        planned = f"{d['first']} to {d['last']}" if d["first"] else "not given"
        seen = (day(d["invited"]) if d["invited"] else "none", day(d["answered"])
                if d["answered"] else "none")  # fmt: skip
        lines.append(f"| {d['period']} | {planned} | {d['wave'] or '–'} | {seen[0]} | {seen[1]} |")
    lines += ["", "The flow by sequence and period:", "",
              "| Sequence | Period | Condition | Invited | Answered | Analysed |",
              "| --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    lines += [
        f"| {f.sequence} | {f.period} | {f.condition} | {f.invited} | {f.answered} | {f.analysed} |"
        for f in r.flow
    ]
    corr = correlations(r)
    m = r.model
    lines += [
        "", "## 3. Correlations", "",
        f"Estimated by the planned model ({m.estimation}): {unit} variance {m.tau2:.4f}"
        + (f", {unit}-by-period variance {m.gamma2:.4f}" if m.gamma2 is not None else "")
        + f", residual variance {m.sigma2:.4f}; within-period ICC {corr['icc']:.3f}"
        + (f", {unit} autocorrelation {corr['cac']:.3f}." if m.random_effects ==
           "cluster-period" and "cac" in corr else
           f"; the model fixes the {unit} autocorrelation at 1."),
        "",
    ]  # fmt: skip
    warning = model_warning(design_of(trial).stepped_wedge, unit)
    if warning:
        lines += [f"Caution: {warning}.", ""]
    lines += [
        "## 4. Harms", "",
        f"{NOT_REPORTED}: how harms were defined and collected. {harms_line(trial)}", "",
        "## 5. Data sharing", "",
        "The pseudonymised analysis rows (one per answer in a period wave; no names, staff "
        "numbers or e-mail addresses) can be exported by Hearten "
        f"(dataset SHA-256 {run.dataset_sha256}); the analysis is reproducible with Hearten "
        f"{run.software_version} from the locked plan and the recorded seeds. "
        f"{NOT_REPORTED}: where, when, to whom and under what agreement the data and code are "
        "shared.", "",
    ]  # fmt: skip
    lines += registry_lines(trial, r)
    from hearten.reports.registry import registry_lines as evaluation_registry

    lines += evaluation_registry(trial, r, run.created_at)
    return "\n".join(lines)


def registry_lines(trial: Trial, r: SteppedResult) -> list[str]:
    """The WHO Trial Registration Data Set for a stepped-wedge trial: the items Hearten can
    fill from the design, the schedule and the stored run ``r``, and the list of those to
    add."""
    from hearten.reports.consort import who_registration
    from hearten.trials.public import DEFAULT_TITLE

    design = design_of(trial)
    spec = design.stepped_wedge
    assert spec is not None
    who = design.participants
    contact = ", ".join(x for x in (who.email, who.phone) if x)
    per_seq, periods = structure(r)
    people = r.people()
    labels = r.labels
    change = labels[r.effect.term]
    values = {
        5: quoted(who.team) if who.team else None,
        7: quoted(f"{who.team}: {contact}" if who.team else contact) if contact else None,
        9: quoted(who.title if who.title != DEFAULT_TITLE else trial.name),
        10: f"{quoted(trial.name)}: a stepped-wedge cluster randomised trial of "
        f"{quoted(change)} ({trial.unit}s randomised to the order in which they start)",
        12: "staff wellbeing",
        13: f"{quoted(change)}, started by each {trial.unit} in turn; before it starts, "
        f"{quoted(labels[r.control])} (comparator)",
        15: f"interventional; randomised, stepped-wedge, {trial.unit}s randomised to "
        f"{len(per_seq)} sequences over {periods} periods, {spec.sampling}",
        16: day(r.allocation.randomised_at) + " (randomisation; first enrolment: to write)",
        17: f"{people} people in {sum(per_seq.values())} {trial.unit}s",
        18: f"Hearten's status: {trial.status} (choose the registry's wording)",
        19: f"{r.instrument.name} {r.instrument.score} in each period "
        f"({', '.join(spec.period_waves)})",
        20: "absence and leaving by period (HR records)" if r.hr else "none",
    }
    return who_registration(values, NOT_REPORTED)[0]
