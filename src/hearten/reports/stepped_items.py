"""The answers to the CONSORT stepped-wedge extension's items
(:mod:`hearten.reports.stepped_consort`), each from what was stored.

:data:`SOURCES` is the table of items: each item's number and the function that answers it
from the :class:`Facts` (the trial, its design, the stored run read typed, the periods'
dates, consent and withdrawals, read once). What Hearten does not hold is answered
:func:`not_reported`, with what is missing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from hearten.analysis.models import AnalysisRun
from hearten.analysis.plan_status import PlanStatus
from hearten.analysis.stepped_result import SteppedResult
from hearten.analysis.stored import read_stepped
from hearten.reports.markdown import quoted
from hearten.trials.choices import WithdrawalReason
from hearten.trials.lifecycle import design_of
from hearten.trials.models import Participant, Trial
from hearten.trials.stepped_wedge import model_warning

if TYPE_CHECKING:
    from hearten.trials.design import Design
    from hearten.trials.stepped_wedge import SteppedWedgeSpec

NOT_REPORTED = "**Not reported**"


def not_reported(what: str) -> str:
    """**Not reported**, with what is missing."""
    return f"{NOT_REPORTED}: {what}"


def day(value: datetime | str | None) -> str:
    """The date of ``value`` (an ISO 8601 text or a datetime), or ``?``."""
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


def _sequence_of(trial: Trial, r: SteppedResult) -> dict[int, int]:
    """Each participant's sequence, by their cluster in the drawn schedule."""
    seq = {x.unit: x.sequence for x in r.schedule.rows}
    key = "office__code" if trial.unit == "office" else "team__code"
    people = Participant.objects.filter(trial=trial).values_list("id", key)
    return {pid: seq[c] for pid, c in people if c in seq}


def withdrawals(trial: Trial, r: SteppedResult) -> dict[int, Counter[str]]:
    """Withdrawals by sequence, counted by their recorded reason."""
    seq = _sequence_of(trial, r)
    out: dict[int, Counter[str]] = {}
    rows = Participant.objects.filter(trial=trial, withdrawn_at__isnull=False)
    for pid, reason in rows.values_list("id", "withdrawal_reason"):
        if pid in seq:
            why = str(WithdrawalReason(reason).label) if reason else "no reason recorded"
            out.setdefault(seq[pid], Counter())[why] += 1
    return out


def correlations(r: SteppedResult) -> dict[str, float]:
    """The correlations the fitted model implies: the within-period ICC (cluster and
    cluster-period variances over the total) and, with cluster-by-period intercepts, the
    cluster autocorrelation (the cluster variance over the cluster and cluster-period
    variances; 1 when the model has cluster intercepts only), from the run read typed."""
    m = r.model
    tau2, gamma2, sigma2 = m.tau2, m.gamma2 or 0.0, m.sigma2
    between = tau2 + gamma2
    out = {"icc": between / (between + sigma2)}
    if between > 0:
        out["cac"] = tau2 / between
    return out


def structure(r: SteppedResult) -> tuple[Counter[int], int]:
    """Clusters per sequence, and the periods, of the drawn schedule."""
    return Counter(x.sequence for x in r.schedule.rows), r.schedule.periods


@dataclass(frozen=True, slots=True)
class Facts:
    """What the items are answered from, read once: the trial and its design, the stored run
    (typed), the schedule's structure, each period's dates, consent and withdrawals."""

    trial: Trial
    design: Design
    spec: SteppedWedgeSpec
    r: SteppedResult
    dates: list[dict[str, Any]]
    timing: Counter[str]
    left: dict[int, Counter[str]]

    @property
    def unit(self) -> str:
        return str(self.trial.unit)

    @property
    def per_seq(self) -> Counter[int]:
        return structure(self.r)[0]

    @property
    def plan(self) -> PlanStatus:
        return self.r.plan or PlanStatus()

    @property
    def people(self) -> dict[int, int]:
        """People on the roster in each sequence (period 0's flow)."""
        return {f.sequence: f.people for f in self.r.first_period()}

    @property
    def lengths(self) -> list[str]:
        return [f"period {d['period']} {d['first']} to {d['last']}" for d in self.dates
                if d["first"]]  # fmt: skip

    @property
    def warning(self) -> str | None:
        return model_warning(self.spec, self.unit)

    def label(self, arm: str) -> str:
        return self.r.labels[arm]


def _design_3a(f: Facts) -> str:
    per_seq, unit, transition = f.per_seq, f.unit, f.r.schedule.transition
    by_seq = "; ".join(f"sequence {s}: {n} {unit}s" for s, n in sorted(per_seq.items()))
    sampling = {"cross-sectional": "cross-sectional sampling, as the design says: the people "
                "answering may differ from period to period",
                "closed-cohort": "the same people are measured in every period (a closed "
                "cohort)"}[f.spec.sampling]  # fmt: skip
    return (
        f"{unit.capitalize()}s randomised to {len(per_seq)} sequences ({by_seq}); "
        f"{f.r.schedule.periods} periods, the first before any {unit} starts"
        + (f", with {transition} transition period(s) after each start left out"
           if transition else "")
        + (f"; {'; '.join(f.lengths)}" if f.lengths
           else "; the time between steps: not given (no stepped_wedge.period_starts)")
        + f"; {sampling}. Diagram: the staircase and the flow by sequence and period in the "
        "report"
    )  # fmt: skip


def _changes_3b(f: Facts) -> str:
    moved, plan = f.r.deviations, f.plan
    return (
        f"{len(moved)} late change(s) to the schedule recorded"
        + (": " + "; ".join(f"{d.unit} from period {d.was} to {d.moved_to} "
                            f"({day(d.at)}: {quoted(d.reason)})" for d in moved)
           if moved else "")
        + f"; {len(plan.versions)} plan version(s) after the lock"
        + ("" if plan.locked else " (the plan was never locked)")
    )  # fmt: skip


def _settings_4b(f: Facts) -> str:
    councils = f.design.participants.councils
    return (
        f"{f.trial.sites.count()} site(s)"
        + (f"; employers: {', '.join(quoted(c) for c in councils)}" if councils else "")
        + "; " + not_reported("the setting and country")
    )  # fmt: skip


def _outcomes_6a(f: Facts) -> str:
    r = f.r
    return (
        f"{r.instrument.title} ({r.instrument.score} score), answered by "
        f"each person in the survey of each period ({', '.join(f.spec.period_waves)}); measured "
        "on individuals"
        + (f"; {'; '.join(f.lengths)}" if f.lengths else "")
        + ("; absence and leaving by period from HR records" if r.hr else "")
    )


def _sample_size_7a(f: Facts) -> str:
    spec, power = f.spec, f.design.power
    return (
        f"Assumptions stored in the design: ICC {power.icc}, {f.unit} "
        f"autocorrelation {spec.cac:g}"
        + (" decaying with the gap between periods" if spec.decay else "")
        + (f", individual autocorrelation {spec.iac:g}" if spec.sampling == "closed-cohort"
           else "")
        + f", power {power.power}; "
        + ("the pre-registration's *Sample size and power* gives the design's MDES by "
           "Hussey and Hughes' closed form" if f.plan.locked else not_reported(
            "the calculation and the effect it was powered for (`hearten power mdes --design "
            "stepped-wedge` gives it in closed form, `hearten power simulate` by simulation)"))
    )  # fmt: skip


def _sequence_8a(f: Facts) -> str:
    a = f.r.allocation
    return (
        f"Hearten's {a.scheme} scheme, drawn by the computer from seed {a.seed}"
        + (f", committed on {day(a.committed_at)} before the draw" if a.commitment
           else " (no seed commitment was recorded before the draw)")
        + "; `hearten audit verify` re-derives it"
    )  # fmt: skip


def _consent_10c(f: Facts) -> str:
    t = f.timing
    return (
        "Individual staff, through their own survey link: "
        f"{t['before randomisation']} consented before randomisation, "
        f"{t['after randomisation']} after it, {t['not consented']} did not; "
        + not_reported(f"any agreement sought from {f.unit}s or their managers")
    )


def _methods_12a(f: Facts) -> str:
    m, unit = f.r.model, f.unit
    return (
        f"Linear mixed model of each answer: a fixed effect for each period (time "
        f"effects) and of the change, random {unit} intercepts"
        + (f" and {unit}-by-period intercepts" if m.random_effects == "cluster-period" else "")
        + f" (clustering and repeated measures of each {unit}); {m.estimation}, "
        f"{m.df_method} df" + (f". Caution: {f.warning}" if f.warning else "")
    )


def _additional_12b(f: Facts) -> str:
    r = f.r
    return (
        f"CR2 by {f.unit} with period fixed effects; randomisation inference re-drawing "
        "the sequences"
        + ("" if r.randomisation else f" ({r.randomisation_note})")
        + ("; the effect by time since the change" if r.exposure_time else "")
        + ("; absence and leaving by period" if r.hr else "")
    )


def _flow_13a(f: Facts) -> str:
    late = {d.unit for d in f.r.deviations}  # a team moved twice is one late start
    rows = f.r.schedule.rows
    started = {s: n - sum(1 for x in rows if x.sequence == s and x.unit in late)
               for s, n in f.per_seq.items()}  # fmt: skip
    return (
        "; ".join(
            f"sequence {s}: {f.per_seq[s]} {f.unit}s randomised, {started[s]} started as "
            f"scheduled, {f.people.get(s, 0)} people"
            for s in sorted(f.per_seq)
        )
        + f"; {f.r.model.n_clusters} {f.unit}s analysed. Flow by sequence and period below"
    )


def _losses_13b(f: Facts) -> str:
    losses = []
    for s in sorted(f.per_seq):
        cells = [c for c in f.r.flow if c.sequence == s]
        gap = sum(c.invited - c.answered for c in cells)
        out = f.left.get(s, Counter())
        why = ", ".join(f"{n} {k}" for k, n in sorted(out.items()))
        losses.append(
            f"sequence {s}: {gap} invitations unanswered over {len(cells)} periods; "
            f"{sum(out.values())} withdrew" + (f" ({why})" if why else "")
        )
    return "; ".join(losses)


def _recruitment_14a(f: Facts) -> str:
    answered = [d["answered"] for d in f.dates if d["answered"]]
    invited = [d["invited"] for d in f.dates if d["invited"]]
    return (
        f"Randomised {day(f.r.allocation.randomised_at)}"
        + (f"; surveys from {day(min(invited))} to {day(max(answered))}"
           if invited and answered else "; no survey sent yet")
        + (f"; periods from {f.dates[0]['first']} to {f.spec.last_day}" if f.spec.period_starts
           else "; " + not_reported("the calendar of the periods (stepped_wedge.period_starts)"))
    )  # fmt: skip


def _estimation_17a(f: Facts) -> str:
    r, e, m, corr = f.r, f.r.effect, f.r.model, correlations(f.r)
    return (
        f"Mean {r.control_mean:.2f} (SD {r.control_sd:.2f}) under control; effect "
        f"{e.estimate:.3f} ({r.level}% CI {e.conf_low:.3f} to {e.conf_high:.3f}, "
        f"p = {e.p_value:.3g}); observed within-period ICC {corr['icc']:.3f}"
        + (f", {f.unit} autocorrelation {corr['cac']:.3f}" if m.random_effects ==
           "cluster-period" and "cac" in corr else f" ({f.unit} autocorrelation 1 by the model)")
        + "; " + not_reported("the period (time) effects: the run stores the effect and the "
                          "variances, not each period's estimate")
    )  # fmt: skip


def _not_held(what: str) -> Callable[[Facts], str]:
    """An item Hearten does not hold: **Not reported**, with what is missing."""
    return lambda f: not_reported(what)


#: Each item's number and the function answering it from the :class:`Facts`, in the order
#: of :data:`hearten.reports.stepped_consort.SW_CONSORT`.
SOURCES: tuple[tuple[str, Callable[[Facts], str]], ...] = (
    ("1a", _not_held("the title, which should say 'stepped-wedge cluster randomised trial'")),
    ("1b", _not_held("the structured summary (the report's opening gives the main result)")),
    ("2a", lambda f: not_reported("the background, and why the change was rolled out in "
                                  f"steps to {f.unit}s rather than to individuals or all at "
                                  "once")),
    ("2b", _not_held("the objectives")),
    ("3a", _design_3a),
    ("3b", _changes_3b),
    ("4a", lambda f: not_reported(f"the eligibility of {f.unit}s and of staff (Hearten holds "
                                  "the roster imported, not its rules)")),
    ("4b", _settings_4b),
    ("5", lambda f: f"Control: {quoted(f.label(f.r.control))}; intervention: "
     f"{quoted(f.label(f.r.effect.term))}, started by each {f.unit} at its sequence's period "
     "(the schedule below); "
     + not_reported("what each condition involved, in enough detail to replicate")),
    ("6a", _outcomes_6a),
    ("6b", lambda f: "Plan amendments: " + (
        "; ".join(f"version {v.number} ({day(v.at)})" for v in f.plan.versions[1:])
        or "none")),
    ("7a", _sample_size_7a),
    ("7b", lambda f: "No interim analyses or stopping rules are part of a Hearten plan"),
    ("8a", _sequence_8a),
    ("8b", lambda f: f"{f.unit.capitalize()}s spread equally over the sequences"
     + (" within each site (stratified)" if f.r.allocation.stratified else " (not stratified)")),
    ("9", lambda f: f"Allocation by {f.unit}: the whole schedule was drawn at once over the "
     f"committed roster ({day(f.r.allocation.randomised_at)}) and recorded in a hash-chained "
     "audit log; " + not_reported("whether teams learnt their start before it was due")),
    ("10a", lambda f: "Generated and assigned by Hearten's draw; "
     + not_reported(f"who enrolled the {f.unit}s")),
    ("10b", lambda f: f"Everyone on the imported roster of each randomised {f.unit} "
     f"({sum(f.people.values())} people)"),
    ("10c", _consent_10c),
    ("11a", _not_held("who was blinded (the survey never names a condition; the analysis runs "
                      "from the locked plan)")),
    ("11b", _not_held("how alike the conditions were, if relevant")),
    ("12a", _methods_12a),
    ("12b", _additional_12b),
    ("13a", _flow_13a),
    ("13b", _losses_13b),
    ("14a", _recruitment_14a),
    ("14b", _not_held("if the trial stopped early, why")),
    ("15", lambda f: "; ".join(f"sequence {s}: {f.per_seq[s]} {f.unit}s, {f.people.get(s, 0)} "
                               "people" for s in sorted(f.per_seq))
     + "; " + not_reported("characteristics of clusters and staff beyond their numbers")),
    ("16", lambda f: f"{f.r.model.n} answers from {f.r.model.n_clusters} {f.unit}s over "
     f"{f.r.model.periods} periods, each {f.unit} in the condition of the schedule as drawn "
     "(intention to treat)"),
    ("17a", _estimation_17a),
    ("17b", lambda f: "Not applicable: the primary outcome is continuous"
     + ("; absence and leaving are given as rate and hazard ratios with the rates in each "
        "condition" if f.r.hr and (f.r.hr.absence or f.r.hr.leaving) else "")),
    ("18", lambda f: "The CR2 and randomisation analyses (above); "
     + ("the effect by time since the change" if f.r.exposure_time else
        "no exposure-time analysis was planned")),
    ("19", lambda f: not_reported("how harms were defined")
     + "; the harms section below counts the log"),
    ("20", lambda f: not_reported("limitations")
     + ("; the planned model's caution under 12a" if f.warning else "")),
    ("21", _not_held("generalisability")),
    ("22", _not_held("interpretation")),
    ("23", _not_held("registry, number and date")),
    ("24", lambda f: "Pre-registration (plan SHA-256 "
     + (f.plan.locked_sha256 or "")[:12] + "…)" if f.plan.locked
     else not_reported("the plan was not locked; where it can be read")),
    ("25", _not_held("funders and their role")),
)  # fmt: skip


def answers(trial: Trial, run: AnalysisRun) -> dict[str, str]:
    """Each item's answer (module docstring), by :data:`SOURCES`."""
    from hearten.reports.standards import consent_timing

    r = read_stepped(run)
    design = design_of(trial)
    spec = design.stepped_wedge
    assert spec is not None
    facts = Facts(trial, design, spec, r, period_dates(trial),
                  Counter(consent_timing(trial)), withdrawals(trial, r))  # fmt: skip
    return {n: source(facts) for n, source in SOURCES}
