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
nothing is filled in from a template's wording or a guess.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from hearten.analysis.models import AnalysisRun
from hearten.reports.markdown import quoted
from hearten.trials.choices import WithdrawalReason
from hearten.trials.lifecycle import design_of
from hearten.trials.models import Participant, Trial
from hearten.trials.stepped_wedge import model_warning

NOT_REPORTED = "**Not reported**"

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


def _missing(what: str) -> str:
    return f"{NOT_REPORTED}: {what}"


def _day(value: datetime | str | None) -> str:
    if value is None:
        return "?"
    return value[:10] if isinstance(value, str) else f"{value:%Y-%m-%d}"


def period_dates(trial: Trial) -> list[dict[str, Any]]:
    """Each period's planned first and last day (``[stepped_wedge] period_starts`` and
    ``last_day``, when given) and its survey wave's first invitation and last answer, from the
    database (``None`` where there is none)."""
    from django.db.models import Max, Min

    from hearten.surveys.models import Invitation, Response

    spec = design_of(trial).stepped_wedge
    assert spec is not None
    starts = list(spec.period_starts)
    ends = [b - timedelta(days=1) for b in starts[1:]] + [spec.last_day]
    out = []
    for period, wave in enumerate(spec.period_waves or [None] * spec.periods):
        invited = Invitation.objects.filter(wave__trial=trial, wave__name=wave).aggregate(
            first=Min("created_at")
        )["first"]
        answered = Response.objects.filter(
            invitation__wave__trial=trial, invitation__wave__name=wave
        ).aggregate(last=Max("submitted_at"))["last"]
        out.append(
            {"period": period, "wave": wave, "first": starts[period] if starts else None,
             "last": ends[period] if starts else None, "invited": invited,
             "answered": answered}
        )  # fmt: skip
    return out


def _sequence_of(trial: Trial, r: dict[str, Any]) -> dict[int, int]:
    """Each participant's sequence, by their cluster in the drawn schedule."""
    seq = {x["unit"]: x["sequence"] for x in r["schedule"]["rows"]}
    key = "office__code" if trial.unit == "office" else "team__code"
    people = Participant.objects.filter(trial=trial).values_list("id", key)
    return {pid: seq[c] for pid, c in people if c in seq}


def withdrawals(trial: Trial, r: dict[str, Any]) -> dict[int, Counter[str]]:
    """Withdrawals by sequence, counted by their recorded reason."""
    seq = _sequence_of(trial, r)
    out: dict[int, Counter[str]] = {}
    rows = Participant.objects.filter(trial=trial, withdrawn_at__isnull=False)
    for pid, reason in rows.values_list("id", "withdrawal_reason"):
        if pid in seq:
            why = str(WithdrawalReason(reason).label) if reason else "no reason recorded"
            out.setdefault(seq[pid], Counter())[why] += 1
    return out


def correlations(r: dict[str, Any]) -> dict[str, float]:
    """The correlations the fitted model implies: the within-period ICC (cluster and
    cluster-period variances over the total) and, with cluster-by-period intercepts, the
    cluster autocorrelation (the cluster variance over the cluster and cluster-period
    variances; 1 when the model has cluster intercepts only)."""
    m = r["model"]
    tau2, gamma2, sigma2 = m["tau2"], m.get("gamma2") or 0.0, m["sigma2"]
    between = tau2 + gamma2
    out = {"icc": between / (between + sigma2)}
    if between > 0:
        out["cac"] = tau2 / between
    return out


def _structure(r: dict[str, Any]) -> tuple[Counter[int], int]:
    """Clusters per sequence, and the periods, of the drawn schedule."""
    return Counter(x["sequence"] for x in r["schedule"]["rows"]), r["schedule"]["periods"]


def answers(trial: Trial, run: AnalysisRun) -> dict[str, str]:
    """Each item's answer (module docstring)."""
    r = run.result
    design = design_of(trial)
    spec = design.stepped_wedge
    assert spec is not None
    unit = trial.unit
    per_seq, periods = _structure(r)
    flow = r["flow"]
    dates = period_dates(trial)
    e, m, a = r["effects"][0], r["model"], r["allocation"]
    level = round(100 * (1 - m["alpha"]))
    labels = {x["name"]: x["label"] for x in r["arms"]}
    moved = r["deviations"]
    plan = r.get("plan") or {}
    people = {f["sequence"]: f["people"] for f in flow if f["period"] == 0}
    by_seq = "; ".join(f"sequence {s}: {n} {unit}s" for s, n in sorted(per_seq.items()))
    lengths = [f"period {d['period']} {d['first']} to {d['last']}" for d in dates if d["first"]]
    sampling = {"cross-sectional": "cross-sectional sampling, as the design says: the people "
                "answering may differ from period to period",
                "closed-cohort": "the same people are measured in every period (a closed "
                "cohort)"}[spec.sampling]  # fmt: skip
    from hearten.reports.standards import _consent_timing

    timing = Counter(_consent_timing(trial))
    left = withdrawals(trial, r)
    corr = correlations(r)
    change = labels[e["term"]]
    control = labels[r["control"]]
    late = {d["unit"] for d in moved}  # a team moved twice is one late start
    started = {
        s: n - sum(1 for x in r["schedule"]["rows"] if x["sequence"] == s and x["unit"] in late)
        for s, n in per_seq.items()
    }
    losses = []
    for s in sorted(per_seq):
        cells = [f for f in flow if f["sequence"] == s]
        gap = sum(f["invited"] - f["answered"] for f in cells)
        out = left.get(s, Counter())
        why = ", ".join(f"{n} {k}" for k, n in sorted(out.items()))
        losses.append(
            f"sequence {s}: {gap} invitations unanswered over {len(cells)} periods; "
            f"{sum(out.values())} withdrew" + (f" ({why})" if why else "")
        )
    transition = r["schedule"]["transition"]
    answered = [d["answered"] for d in dates if d["answered"]]
    invited = [d["invited"] for d in dates if d["invited"]]
    warning = model_warning(spec, unit)
    return {
        "1a": _missing("the title, which should say 'stepped-wedge cluster randomised trial'"),
        "1b": _missing("the structured summary (the report's opening gives the main result)"),
        "2a": _missing("the background, and why the change was rolled out in steps to "
                       f"{unit}s rather than to individuals or all at once"),
        "2b": _missing("the objectives"),
        "3a": f"{unit.capitalize()}s randomised to {len(per_seq)} sequences ({by_seq}); "
        f"{periods} periods, the first before any {unit} starts"
        + (f", with {transition} transition period(s) after each start left out"
           if transition else "")
        + (f"; {'; '.join(lengths)}" if lengths
           else "; the time between steps: not given (no stepped_wedge.period_starts)")
        + f"; {sampling}. Diagram: the staircase and the flow by sequence and period in the "
        "report",
        "3b": f"{len(moved)} late change(s) to the schedule recorded"
        + (": " + "; ".join(f"{d['unit']} from period {d['was']} to {d['moved_to']} "
                            f"({_day(d['at'])}: {quoted(d['reason'])})" for d in moved)
           if moved else "")
        + f"; {len(plan.get('versions') or [])} plan version(s) after the lock"
        + ("" if plan.get("locked") else " (the plan was never locked)"),
        "4a": _missing(f"the eligibility of {unit}s and of staff (Hearten holds the roster "
                       "imported, not its rules)"),
        "4b": f"{trial.sites.count()} site(s)"
        + (f"; employers: {', '.join(quoted(c) for c in design.participants.councils)}"
           if design.participants.councils else "")
        + "; " + _missing("the setting and country"),
        "5": f"Control: {quoted(control)}; intervention: {quoted(change)}, started by each "
        f"{unit} at its sequence's period (the schedule below); "
        + _missing("what each condition involved, in enough detail to replicate"),
        "6a": f"{r['instrument']['title']} ({r['instrument']['score']} score), answered by "
        f"each person in the survey of each period ({', '.join(spec.period_waves)}); measured "
        "on individuals"
        + (f"; {'; '.join(lengths)}" if lengths else "")
        + ("; absence and leaving by period from HR records" if r.get("hr") else ""),
        "6b": "Plan amendments: " + (
            "; ".join(f"version {v['number']} ({_day(v['at'])})" for v in
                      (plan.get("versions") or [])[1:]) or "none"),
        "7a": f"Assumptions stored in the design: ICC {design.power.icc}, {unit} "
        f"autocorrelation {spec.cac:g}"
        + (" decaying with the gap between periods" if spec.decay else "")
        + (f", individual autocorrelation {spec.iac:g}" if spec.sampling == "closed-cohort"
           else "")
        + f", power {design.power.power}; "
        + ("the pre-registration's *Sample size and power* gives the design's MDES by "
           "Hussey and Hughes' closed form" if plan.get("locked") else _missing(
            "the calculation and the effect it was powered for (`hearten power mdes --design "
            "stepped-wedge` gives it in closed form, `hearten power simulate` by simulation)")),
        "7b": "No interim analyses or stopping rules are part of a Hearten plan",
        "8a": f"Hearten's {a['scheme']} scheme, drawn by the computer from seed {a['seed']}"
        + (f", committed on {_day(a.get('committed_at'))} before the draw" if a.get("commitment")
           else " (no seed commitment was recorded before the draw)")
        + "; `hearten audit verify` re-derives it",
        "8b": f"{unit.capitalize()}s spread equally over the sequences"
        + (" within each site (stratified)" if a.get("stratified") else " (not stratified)"),
        "9": f"Allocation by {unit}: the whole schedule was drawn at once over the committed "
        f"roster ({_day(a['randomised_at'])}) and recorded in a hash-chained audit log; "
        + _missing("whether teams learnt their start before it was due"),
        "10a": "Generated and assigned by Hearten's draw; "
        + _missing(f"who enrolled the {unit}s"),
        "10b": f"Everyone on the imported roster of each randomised {unit} "
        f"({sum(people.values())} people)",
        "10c": "Individual staff, through their own survey link: "
        f"{timing['before randomisation']} consented before randomisation, "
        f"{timing['after randomisation']} after it, {timing['not consented']} did not; "
        + _missing(f"any agreement sought from {unit}s or their managers"),
        "11a": _missing("who was blinded (the survey never names a condition; the analysis "
                        "runs from the locked plan)"),
        "11b": _missing("how alike the conditions were, if relevant"),
        "12a": f"Linear mixed model of each answer: a fixed effect for each period (time "
        f"effects) and of the change, random {unit} intercepts"
        + (f" and {unit}-by-period intercepts" if m["random_effects"] == "cluster-period" else "")
        + f" (clustering and repeated measures of each {unit}); {m['estimation']}, "
        f"{m['df_method']} df"
        + (f". Caution: {warning}" if warning else ""),
        "12b": f"CR2 by {unit} with period fixed effects; randomisation inference re-drawing "
        "the sequences"
        + ("" if r.get("randomisation") else f" ({r.get('randomisation_note')})")
        + ("; the effect by time since the change" if r.get("exposure_time") else "")
        + ("; absence and leaving by period" if r.get("hr") else ""),
        "13a": "; ".join(f"sequence {s}: {per_seq[s]} {unit}s randomised, {started[s]} started "
                         f"as scheduled, {people.get(s, 0)} people" for s in sorted(per_seq))
        + f"; {m['n_clusters']} {unit}s analysed. Flow by sequence and period below",
        "13b": "; ".join(losses),
        "14a": f"Randomised {_day(a['randomised_at'])}"
        + (f"; surveys from {_day(min(invited))} to {_day(max(answered))}"
           if invited and answered else "; no survey sent yet")
        + (f"; periods from {dates[0]['first']} to {spec.last_day}" if spec.period_starts
           else "; " + _missing("the calendar of the periods (stepped_wedge.period_starts)")),
        "14b": _missing("if the trial stopped early, why"),
        "15": "; ".join(f"sequence {s}: {per_seq[s]} {unit}s, {people.get(s, 0)} people"
                        for s in sorted(per_seq))
        + "; " + _missing("characteristics of clusters and staff beyond their numbers"),
        "16": f"{m['n']} answers from {m['n_clusters']} {unit}s over {m['periods']} periods, "
        f"each {unit} in the condition of the schedule as drawn (intention to treat)",
        "17a": f"Mean {r['control_mean']:.2f} (SD {r['control_sd']:.2f}) under control; effect "
        f"{e['estimate']:.3f} ({level}% CI {e['conf_low']:.3f} to {e['conf_high']:.3f}, "
        f"p = {e['p_value']:.3g}); observed within-period ICC {corr['icc']:.3f}"
        + (f", {unit} autocorrelation {corr['cac']:.3f}" if m["random_effects"] ==
           "cluster-period" and "cac" in corr else f" ({unit} autocorrelation 1 by the model)")
        + "; " + _missing("the period (time) effects: the run stores the effect and the "
                          "variances, not each period's estimate"),
        "17b": "Not applicable: the primary outcome is continuous"
        + ("; absence and leaving are given as rate and hazard ratios with the rates in "
           "each condition" if (r.get("hr") or {}).get("absence") or
           (r.get("hr") or {}).get("leaving") else ""),
        "18": "The CR2 and randomisation analyses (above); "
        + ("the effect by time since the change" if r.get("exposure_time") else
           "no exposure-time analysis was planned"),
        "19": _missing("how harms were defined") + "; the harms section below counts the log",
        "20": _missing("limitations") + ("; the planned model's caution under 12a"
                                         if warning else ""),
        "21": _missing("generalisability"),
        "22": _missing("interpretation"),
        "23": _missing("registry, number and date"),
        "24": "Pre-registration (plan SHA-256 " + str(plan.get("locked_sha256", ""))[:12] + "…)"
        if plan.get("locked") else _missing("the plan was not locked; where it can be read"),
        "25": _missing("funders and their role"),
    }  # fmt: skip


def _cell(text: str) -> str:
    return " ".join(str(text).replace("|", "/").split())


def stepped_standards_markdown(trial: Trial, run: AnalysisRun) -> str:
    """The stepped-wedge reporting pack of ``run`` (module docstring), as Markdown."""
    from hearten.reports.standards import _harms_line

    r = run.result
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
    moved = {d["unit"]: d["moved_to"] for d in r["deviations"]}
    lines += [
        f"| {x['unit']} | {x['stratum'] or '–'} | {x['sequence']} | {x['start']} | "
        f"{moved.get(x['unit'], '–')} |"
        for x in r["schedule"]["rows"]
    ]
    lines += ["", "| Period | Planned dates | Survey wave | First invitation | Last answer |",
              "| --- | --- | --- | --- | --- |"]  # fmt: skip
    for d in period_dates(trial):
        planned = f"{d['first']} to {d['last']}" if d["first"] else "not given"
        seen = (_day(d["invited"]) if d["invited"] else "none", _day(d["answered"])
                if d["answered"] else "none")  # fmt: skip
        lines.append(f"| {d['period']} | {planned} | {d['wave'] or '–'} | {seen[0]} | {seen[1]} |")
    lines += ["", "The flow by sequence and period:", "",
              "| Sequence | Period | Condition | Invited | Answered | Analysed |",
              "| --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    lines += [
        f"| {f['sequence']} | {f['period']} | {f['condition']} | {f['invited']} | "
        f"{f['answered']} | {f['analysed']} |"
        for f in r["flow"]
    ]
    corr = correlations(r)
    m = r["model"]
    lines += [
        "", "## 3. Correlations", "",
        f"Estimated by the planned model ({m['estimation']}): {unit} variance {m['tau2']:.4f}"
        + (f", {unit}-by-period variance {m['gamma2']:.4f}" if m.get("gamma2") is not None
           else "")
        + f", residual variance {m['sigma2']:.4f}; within-period ICC {corr['icc']:.3f}"
        + (f", {unit} autocorrelation {corr['cac']:.3f}." if m["random_effects"] ==
           "cluster-period" and "cac" in corr else
           f"; the model fixes the {unit} autocorrelation at 1."),
        "",
    ]  # fmt: skip
    warning = model_warning(design_of(trial).stepped_wedge, unit)
    if warning:
        lines += [f"Caution: {warning}.", ""]
    lines += [
        "## 4. Harms", "",
        f"{NOT_REPORTED}: how harms were defined and collected. {_harms_line(trial)}", "",
        "## 5. Data sharing", "",
        "The pseudonymised analysis rows (one per answer in a period wave; no names, staff "
        "numbers or e-mail addresses) can be exported by Hearten "
        f"(dataset SHA-256 {run.dataset_sha256}); the analysis is reproducible with Hearten "
        f"{run.software_version} from the locked plan and the recorded seeds. "
        f"{NOT_REPORTED}: where, when, to whom and under what agreement the data and code are "
        "shared.", "",
    ]  # fmt: skip
    lines += registry_lines(trial, run)
    from hearten.reports.registry import registry_lines as evaluation_registry

    lines += evaluation_registry(trial, r, run.created_at)
    return "\n".join(lines)


def registry_lines(trial: Trial, run: AnalysisRun) -> list[str]:
    """The WHO Trial Registration Data Set for a stepped-wedge trial: the items Hearten can
    fill from the design, the schedule and the stored run, and the list of those to add."""
    from hearten.reports.consort import WHO_TRDS
    from hearten.trials.public import DEFAULT_TITLE

    r = run.result
    design = design_of(trial)
    spec = design.stepped_wedge
    assert spec is not None
    who = design.participants
    contact = ", ".join(x for x in (who.email, who.phone) if x)
    per_seq, periods = _structure(r)
    people = sum(f["people"] for f in r["flow"] if f["period"] == 0)
    labels = {x["name"]: x["label"] for x in r["arms"]}
    change = labels[r["effects"][0]["term"]]
    values = {
        5: quoted(who.team) if who.team else None,
        7: quoted(f"{who.team}: {contact}" if who.team else contact) if contact else None,
        9: quoted(who.title if who.title != DEFAULT_TITLE else trial.name),
        10: f"{quoted(trial.name)}: a stepped-wedge cluster randomised trial of "
        f"{quoted(change)} ({trial.unit}s randomised to the order in which they start)",
        12: "staff wellbeing",
        13: f"{quoted(change)}, started by each {trial.unit} in turn; before it starts, "
        f"{quoted(labels[r['control']])} (comparator)",
        15: f"interventional; randomised, stepped-wedge, {trial.unit}s randomised to "
        f"{len(per_seq)} sequences over {periods} periods, {spec.sampling}",
        16: _day(r["allocation"]["randomised_at"]) + " (randomisation; first enrolment: to write)",
        17: f"{people} people in {sum(per_seq.values())} {trial.unit}s",
        18: f"Hearten's status: {trial.status} (choose the registry's wording)",
        19: f"{r['instrument']['name']} {r['instrument']['score']} in each period "
        f"({', '.join(spec.period_waves)})",
        20: "absence and leaving by period (HR records)" if r.get("hr") else "none",
    }
    lines = ["## 6. WHO Trial Registration Data Set (for ISRCTN)", "",
             "| No | Item | Value |", "| --- | --- | --- |"]  # fmt: skip
    missing = []
    for n, item in WHO_TRDS:
        value = values.get(n)
        if value is None:
            missing.append(f"{n}. {item}")
        lines.append(f"| {n} | {item} | {_cell(value) if value else NOT_REPORTED} |")
    lines += ["", "Missing, to add before registering: " + "; ".join(missing) + ".", ""]
    return lines
