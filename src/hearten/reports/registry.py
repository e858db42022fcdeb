"""The UK Evaluation Registry's fields, filled from the stored trial, with what is missing.

The Evaluation Registry (the Cabinet Office Evaluation Task Force's register of government
evaluations, mandatory for central departments' evaluations since April 2024) records, per
evaluation: a title, the lead and other departments, a status (planned, ongoing, complete),
the evaluation's design types from its own list (impact, process and value-for-money
evaluation, each with methods beneath it), a brief description, any grant and Government
Major Projects numbers, policy areas, a link to the plan, the reports (title and link),
whether the final report is published (and if not, why), and dated events (evaluation start
and end, first and last participant recruited, intervention start and end, data extraction,
analysis and publication, each intended or actual). The field list follows the registry's
own published source (i.AI's ``evaluation-registry``: the ``Evaluation``, ``Report`` and
``EventDate`` models and the design-type list).

Every value is derived from what Hearten stores (the design file, the allocation, consent
times, delivery, the analysis run, costs and the process evaluation); what Hearten cannot
know (department codes, grant numbers, policy areas, links, publication) is marked **To
write** and listed, as the WHO Trial Registration Data Set export does.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Max, Min

from hearten.analysis.result import AnalysisResult
from hearten.analysis.stepped_result import SteppedResult
from hearten.interventions.models import CostItem, PerkDeployment
from hearten.process.models import DelivererAnswer, Transcript
from hearten.reports.markdown import quoted
from hearten.trials.choices import Consent, TrialStatus
from hearten.trials.lifecycle import design_of
from hearten.trials.models import Participant, Trial
from hearten.trials.public import DEFAULT_TITLE

TO_WRITE = "**To write**"

#: The registry's statuses (``Evaluation.Status``) for each of Hearten's trial statuses.
STATUS: dict[str, str] = {
    TrialStatus.ENROLLING: "A planned evaluation",
    TrialStatus.RANDOMISED: "An ongoing evaluation",
    TrialStatus.ANALYSED: "An ongoing evaluation (analysed: choose 'A complete evaluation "
    "report' once the final report is signed off)",
}


def _month(at: datetime | None) -> str | None:
    return at.strftime("%B %Y") if at is not None else None


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "/").split())


def design_types(trial: Trial, r: AnalysisResult | SteppedResult) -> list[str]:
    """The registry's design types this trial is, as its list names them (parent > child)."""
    design = design_of(trial)
    if trial.allocation.scheme == "stepped-wedge":
        rct = "Stepped wedge RCT"
    elif design.unit == "individual":
        rct = "Individual level RCT"
    else:
        rct = "Cluster RCT"
    out = [f"Impact evaluation > Randomised control trial (RCT) > {rct}"]
    process = []
    if Transcript.objects.filter(trial=trial).exists():
        process.append("Individual interviews")
    if DelivererAnswer.objects.filter(trial=trial).exists():
        process.append("Surveys and polling")
    out += [f"Process evaluation > {p}" for p in process]
    if isinstance(r, AnalysisResult) and r.economics is not None and r.economics.per_point:
        out.append("Value for money evaluation > Cost-effectiveness analysis")
    return out


def _description(trial: Trial, r: AnalysisResult | SteppedResult) -> str:
    design = design_of(trial)
    planned = design.planned_outcomes()
    arms = [quoted(a.label) for a in design.arms if not a.control]
    control = next(quoted(a.label) for a in design.arms if a.control)
    if isinstance(r, SteppedResult):
        # a stepped-wedge run's flow is by sequence and period: its people are period 0's
        people = r.people()
        sequences = len({f.sequence for f in r.flow})
        return (
            f"A stepped-wedge randomised trial of {', '.join(arms)} against {control} for "
            f"staff wellbeing: {people} people in {r.allocation.units} {design.unit}s "
            f"randomised to the order in which they start ({sequences} sequences); primary "
            f"outcome {planned[0].instrument} {planned[0].score} in each period."
        )
    total = sum(f.randomised for f in r.flow)
    units = r.allocation.units if r.allocation else None
    return (
        f"A randomised trial of {', '.join(arms)} against {control} for staff wellbeing: "
        f"{total} people in {units} {design.unit}s randomised; primary "
        f"outcome {planned[0].instrument} {planned[0].score} at the {planned[0].wave} wave."
    )


def _events(
    trial: Trial, r: AnalysisResult | SteppedResult, analysed: str | None
) -> list[tuple[str, str, str | None]]:
    """(category, intended or actual, month) for each of the registry's event dates
    (``analysed``: the month of this analysis run)."""
    consents = Participant.objects.filter(trial=trial, consent=Consent.CONSENTED).aggregate(
        first=Min("consent_at"), last=Max("consent_at")
    )
    perks = PerkDeployment.objects.filter(trial=trial).aggregate(first=Min("starts_on"))
    opened = trial.delivery_opened_at or (
        datetime.combine(perks["first"], datetime.min.time()) if perks["first"] else None
    )
    spec = design_of(trial).stepped_wedge
    as_of = r.as_of
    if spec is not None and spec.period_starts and as_of:
        # a roll-out starts when the first sequence does, at period 1 of the design's calendar:
        # an actual date once the run's day has reached it
        start = spec.period_starts[1]
        if start <= datetime.fromisoformat(as_of).date():
            opened = datetime.combine(start, datetime.min.time())
    last = _month(consents["last"])
    return [
        ("Evaluation start", "actual", None),
        ("First participant recruited", "actual", _month(consents["first"])),
        ("Last participant recruited", "actual",
         f"{last} (the latest consent recorded so far)" if last else None),
        ("Intervention start date", "actual", _month(opened)),
        ("Intervention end date", "actual", None),
        ("Final data analysis end", "actual",
         f"{analysed} (this analysis run; enter it once the report is final)"
         if analysed else None),
        ("Publication of final results", "intended", None),
        ("Evaluation end", "intended", None),
    ]  # fmt: skip


def registry_lines(
    trial: Trial, r: AnalysisResult | SteppedResult, analysed_at: datetime
) -> list[str]:
    """The Evaluation Registry section of the reporting pack (Markdown) from the run ``r`` of
    either design, typed (:func:`hearten.analysis.stored.read_typed`), ending with what is
    missing."""
    design = design_of(trial)
    who = design.participants
    lead = design.privacy.controller or who.team
    others = list(who.councils) or sorted(
        {s for s in trial.sites.values_list("name", flat=True) if s}
    )
    title = who.title if who.title != DEFAULT_TITLE else trial.name
    costed = CostItem.objects.filter(trial=trial).exists()
    fields: list[tuple[str, str | None]] = [
        ("Title", quoted(title)),
        ("Lead department", f"{quoted(lead)} (choose its entry in the registry's list)"
         if lead else None),
        ("Other departments", "; ".join(quoted(o) for o in others)
         + " (the organisations taking part; choose their entries)" if others else None),
        ("Status", STATUS.get(str(trial.status))),
        ("Evaluation design types", "; ".join(design_types(trial, r))),
        ("Brief description", _description(trial, r)),
        ("Grant number", None),
        ("Government Major Projects number", None),
        ("Policy areas (the registry's taxonomy)", None),
        ("Link to the evaluation plan", None),
        ("Reports (title and link)", None),
        ("Final report published", None),
        ("Reasons unpublished (if not published)", None),
    ]  # fmt: skip
    lines = [
        "## 7. UK Evaluation Registry", "",
        "The fields of the Cabinet Office Evaluation Task Force's Evaluation Registry, from the "
        "design file and the stored trial.", "",
        "| Field | Value |", "| --- | --- |",
    ]  # fmt: skip
    missing = []
    for name, value in fields:
        if value is None:
            missing.append(name)
        lines.append(f"| {name} | {_cell(value) if value else TO_WRITE} |")
    lines += ["", "Dates (the registry records a month and year, intended or actual):", "",
              "| Event | Intended or actual | Month |", "| --- | --- | --- |"]  # fmt: skip
    for category, status, month in _events(trial, r, _month(analysed_at)):
        if month is None:
            missing.append(category if category.endswith(" date") else f"{category} date")
        lines.append(f"| {category} | {status} | {_cell(month) if month else TO_WRITE} |")
    hint = [
        "the plan to link is `statistical-analysis-plan-v1.pdf` (or the pre-registration), "
        "once published",
    ]
    if costed:
        hint.append("the value-for-money evaluation is the report's *Value for money* section")
    lines += ["", "Missing, to add before registering: " + "; ".join(missing) + ".",
              "Where to find the rest: " + "; ".join(hint) + ".", ""]  # fmt: skip
    return lines
