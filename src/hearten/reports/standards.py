"""The reporting-standards pack: CONSORT 2025 (with the cluster extension) item by item (for a
stepped-wedge trial, its own extension: :mod:`hearten.reports.stepped_consort`),
consent relative to randomisation, a TIDieR description of every arm, harms, a data-sharing
statement, the WHO Trial Registration Data Set and the UK Evaluation Registry's fields
(``hearten.reports.registry``), as Markdown and a tagged PDF.

Everything is derived from what was stored: the design, the latest analysis run, the
allocation, participants' consent times and the delivery logs. What Hearten does not hold
(funding, background, ethics approval, a registry number) is listed as **to write**, so the
evaluator sees exactly what is left; nothing is filled in with a guess.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from django.conf import settings

from hearten.analysis.allocation_record import recorded
from hearten.analysis.result import AnalysisResult
from hearten.analysis.stored import is_stepped_wedge, latest_run, read_result
from hearten.files import write_atomic
from hearten.interventions.models import CostItem, Letter, LetterPlan, PerkDeployment
from hearten.reports.consort import CLUSTER_NOTES, CONSORT_2025, who_registration
from hearten.reports.markdown import markdown_pdf, quoted
from hearten.reports.registry import registry_lines
from hearten.trials.allocation import arms_by_participant
from hearten.trials.choices import Consent
from hearten.trials.lifecycle import design_of
from hearten.trials.models import Participant, Trial
from hearten.trials.public import DEFAULT_TITLE

TO_WRITE = "**To write**"


def _cell(text: str) -> str:
    """Text for one Markdown table cell (no pipes or line breaks)."""
    return " ".join(text.replace("|", "/").split())


def _report(section: str, fact: str = "") -> str:
    return f"Report, *{section}*" + (f": {fact}" if fact else "")


def consent_timing(trial: Trial) -> dict[str, int]:
    """People who consented before and after randomisation, and those who did not."""
    randomised_at = trial.allocation.created_at
    counts: Counter[str] = Counter()
    for consent, at in Participant.objects.filter(trial=trial).values_list("consent", "consent_at"):
        if consent != Consent.CONSENTED or at is None:
            counts["not consented"] += 1
        elif at < randomised_at:
            counts["before randomisation"] += 1
        else:
            counts["after randomisation"] += 1
    return dict(counts)


def _answers(trial: Trial, r: AnalysisResult) -> dict[str, str]:
    """Each CONSORT item's answer: where the report answers it, or what is left to write."""
    design = design_of(trial)
    a = design.analysis
    unit = design.unit
    clustered = unit != "individual"
    ratio = ":".join(str(x.ratio) for x in design.arms)
    total = sum(f.randomised for f in r.flow)
    sites = None if r.assessed is None else r.assessed.sites
    timing = consent_timing(trial)
    locked = r.plan is not None and r.plan.locked
    icc = None if r.observed_icc is None else r.observed_icc.icc
    allocation = recorded(r.allocation)
    return {
        "1a": f"{TO_WRITE}: the title should say 'randomised'"
        + (f" and that {unit}s were randomised" if clustered else ""),
        "1b": f"{TO_WRITE}: the report's opening summary gives the main result to build it from",
        "2": f"{TO_WRITE}: registry, number, URL and date (see the registry export below)",
        "3": "Pre-registration document (plan SHA-256 in the report's *Reproducing this report*)"
        if locked else f"{TO_WRITE}: the plan was not locked; say where the plan can be read",
        "4": "The data-sharing statement below (complete where and how)",
        "5a": f"{TO_WRITE}: funders and their role",
        "5b": f"{TO_WRITE}: authors' conflicts of interest",
        "6": f"{TO_WRITE}: background and rationale",
        "7": f"{TO_WRITE}: objectives for benefits and harms",
        "8": f"{TO_WRITE}: staff or public involvement",
        "9": _report("Design", f"parallel-group trial, {unit}s randomised, allocation ratio "
                     f"{ratio}, superiority framework ({a.alternative} tests)"),
        "10": _report("Changes to the plan"),
        "11": _report("Design", f"{sites} site(s)")
        + (f"; employers: {', '.join(quoted(c) for c in design.participants.councils)}"
           if design.participants.councils else "")
        + f"; {TO_WRITE}: the setting and country",
        "12a": f"{TO_WRITE}: eligibility (Hearten holds the roster imported, not its rules)",
        "12b": f"{TO_WRITE}: eligibility of sites and of those delivering the interventions",
        "13": "The TIDieR descriptions below",
        "14": _report("Design") + "; the outcome, its score and wave are in the pre-registration",
        "15": "The harms section below",
        "16a": "Pre-registration, *Sampling plan* (power from the roster and the design's "
        f"assumptions: ICC {design.power.icc}, power {design.power.power})",
        "16b": "No interim analyses or stopping rules are part of a Hearten plan",
        "17a": _report("How the trial was randomised, and how to check it",
                       f"Hearten's {allocation.scheme} scheme, seed {allocation.seed}"),
        "17b": _report("How the trial was randomised, and how to check it",
                       "strata: " + ("sites" if design.strata == "site" else "none")),
        "18": _report("How the trial was randomised, and how to check it",
                      "drawn once by the computer over the committed roster, with a seed "
                      "commitment and a hash-chained audit log"),
        "19": f"Consent below ({timing.get('before randomisation', 0)} before and "
        f"{timing.get('after randomisation', 0)} after randomisation); {TO_WRITE}: who "
        "enrolled clusters and whether they knew the allocation",
        "20a": f"{TO_WRITE}: who was blinded (participants answer through a link that never "
        "names their arm; the analysis is run by the software from the locked plan)",
        "20b": f"{TO_WRITE}: if anyone was blinded, how",
        "21a": _report("Effect on wellbeing (intention to treat)",
                       f"{a.adjustment}, {r.model.vcov} standard errors"
                       + (f" clustered by {unit}" if clustered else "")),
        "21b": _report("Participant flow", "everyone randomised with an outcome, in the arm "
                       "they were randomised to"),
        "21c": _report("Design", f"missing data: {a.missing_data}"),
        "21d": _report("Effects on every planned outcome",
                       "each result labelled confirmatory or exploratory with its reason"),
        "22a": _report("Participant flow", f"{total} people randomised"),
        "22b": _report("Participant flow"),
        "23a": f"Randomised {allocation.randomised_at[:10]}; {TO_WRITE}: the recruitment "
        "period and follow-up dates",
        "23b": f"{TO_WRITE}: if the trial stopped early, why",
        "24a": _report("Uptake, fidelity and cost") + "; the TIDieR descriptions below",
        "24b": f"{TO_WRITE}: other support each arm received",
        "25": _report("Baseline balance of the analysed sample"),
        "26": _report("Effects on every planned outcome")
        + ("; observed ICC below" if icc is not None or any(
            e.hedges_g is not None and e.hedges_g.icc is not None for e in r.effects)
           else (f"; {TO_WRITE}: the observed ICC (not stored by this analysis run)"
                 if clustered else "")),
        "27": "The harms section below",
        "28": _report("Does the effect differ between groups?")
        + "; " + _report("Value for money"),
        "29": f"{TO_WRITE}: interpretation",
        "30": f"{TO_WRITE}: limitations (the report's notes on attrition and multiplicity help)",
    }  # fmt: skip


def _arm_delivery(trial: Trial, arm: str) -> dict[str, str]:
    """What the logs say was delivered to ``arm``: for TIDieR's items 3 to 12."""
    out: dict[str, str] = {}
    plan = LetterPlan.objects.filter(trial=trial, arm=arm).first()
    if plan is not None:
        statuses = Counter(Letter.objects.filter(trial=trial).values_list("status", flat=True))
        out["what"] = "a personal letter of recognition on letterhead, in the manager's own words "
        out["what"] += "within fixed wording"
        out["who"] = f"each team's manager writes; {quoted(plan.signatory)} " \
            f"({quoted(plan.signatory_title)}) signs"  # fmt: skip
        out["how"] = "printed and posted, or e-mailed; a check on personalisation before approval"
        out["actual"] = ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())) or "none yet"
    arm_of = arms_by_participant(trial)
    enrolled = trial.enrolments.values_list("participant_id", flat=True)
    if not out and any(arm_of.get(pid) == arm for pid in enrolled):
        out["what"] = "an online six-module goals programme reached by a personal link"
        out["who"] = "self-directed, with reminders by e-mail"
        out["how"] = "online, one module unlocking after another"
    mine = []
    for p in PerkDeployment.objects.filter(trial=trial).select_related("office", "team"):
        people = Participant.objects.filter(trial=trial)
        people = people.filter(office=p.office) if p.office else people.filter(team=p.team)
        if any(arm_of.get(pid) == arm for pid in people.values_list("id", flat=True)):
            mine.append(p)
    if mine and not out:
        names = sorted({quoted(p.name) for p in mine})
        out["what"] = ", ".join(names)
        out["who"] = "facilities staff install; the office's staff use it"
        out["how"] = "in the workplace"
        out["where"] = ", ".join(sorted(p.office.code if p.office else p.team.code if p.team
                                        else "" for p in mine))  # fmt: skip
        out["actual"] = "; ".join(
            f"{quoted(p.name)} at {p.office.code if p.office else p.team.code if p.team else ''} "
            f"from {p.starts_on} to {p.ends_on}, {p.interruptions.count()} interruption(s)"
            for p in mine
        )
    costs = CostItem.objects.filter(trial=trial, arm=arm).values_list("item", flat=True)
    if costs:
        out["materials"] = "; ".join(quoted(c) for c in costs)
    return out


def _tidier(trial: Trial, r: AnalysisResult) -> list[str]:
    design = design_of(trial)
    rule = design.analysis.compliance
    flow = {f.arm: f for f in r.flow}
    randomised_at = recorded(r.allocation).randomised_at
    lines = ["## 3. The interventions (TIDieR)", ""]
    for arm in design.arms:
        d = {} if arm.control else _arm_delivery(trial, arm.name)
        f = flow.get(arm.name)
        received = None if f is None else f.received
        actual = d.get("actual", "not recorded")
        if f is not None and received is not None:
            actual = f"{received} of {f.randomised} received it" + (
                f"; {d['actual']}" if d.get("actual") else ""
            )
        usual = "usual practice" if arm.control else TO_WRITE
        tailoring = "the manager's own words for each person" if "letter" in d.get("what", "") \
            else TO_WRITE  # fmt: skip
        items = [
            ("1. Brief name", quoted(arm.label)),
            ("2. Why", f"{TO_WRITE}: the rationale and theory"),
            ("3. What: materials", d.get("materials", "none" if arm.control else "none recorded")),
            ("4. What: procedures", d.get("what", usual)),
            ("5. Who provided", d.get("who", "–" if arm.control else TO_WRITE)),
            ("6. How", d.get("how", "–" if arm.control else TO_WRITE)),
            ("7. Where", d.get("where", "the participants' workplaces")),
            ("8. When and how much", f"randomised {randomised_at[:10]}; "
             f"{TO_WRITE}: dose and schedule"),
            ("9. Tailoring", "–" if arm.control else tailoring),
            ("10. Modifications", _report("Changes to the plan")),
            ("11. How well: planned",
             f"taking part defined as {rule}" if rule else "no fidelity rule in the plan"),
            ("12. How well: actual", actual),
        ]  # fmt: skip
        lines += [f"### {quoted(arm.label)}{' (comparator)' if arm.control else ''}", "",
                  "| TIDieR item | This arm |", "| --- | --- |"]  # fmt: skip
        lines += [f"| {item} | {_cell(text)} |" for item, text in items]
        lines.append("")
    return lines


def _registry(trial: Trial, r: AnalysisResult) -> tuple[list[str], list[str]]:
    design = design_of(trial)
    planned = design.planned_outcomes()
    total = sum(f.randomised for f in r.flow)
    allocation = recorded(r.allocation)
    who = design.participants
    contact = ", ".join(x for x in (who.email, who.phone) if x)
    values = {
        5: quoted(who.team) if who.team else None,
        7: quoted(f"{who.team}: {contact}" if who.team else contact) if contact else None,
        9: quoted(who.title if who.title != DEFAULT_TITLE else trial.name),
        10: f"{quoted(trial.name)}: a randomised trial of "
        + ", ".join(quoted(a.label) for a in design.arms if not a.control)
        + f" ({design.unit}s randomised)",
        12: "staff wellbeing",
        13: "; ".join(
            quoted(a.label) + (" (comparator)" if a.control else "") for a in design.arms
        ),
        15: f"interventional; randomised, parallel groups, {design.unit}s randomised, "
        f"allocation {':'.join(str(a.ratio) for a in design.arms)}",
        16: allocation.randomised_at[:10] + " (randomisation; first enrolment: to write)",
        17: f"{total} randomised in {allocation.units} {design.unit}s",
        18: f"Hearten's status: {trial.status} (choose the registry's wording)",
        19: f"{planned[0].instrument} {planned[0].score} at the {planned[0].wave} wave",
        20: "; ".join(f"{o.instrument} {o.score} at {o.wave}" for o in planned[1:]) or "none",
    }
    return who_registration(values, TO_WRITE)


def standards_markdown(trial: Trial) -> str:
    """The reporting pack of ``trial``'s latest analysis, as Markdown."""
    run = latest_run(trial)
    if is_stepped_wedge(run):
        from hearten.reports.stepped_consort import stepped_standards_markdown

        return stepped_standards_markdown(trial, run)
    r = read_result(run)
    allocation = recorded(r.allocation)
    design = design_of(trial)
    answers = _answers(trial, r)
    timing = consent_timing(trial)
    lines = [
        f"# {quoted(trial.name)}: reporting pack", "",
        f"From analysis run {run.id} (Hearten {run.software_version}). Items marked "
        f"{TO_WRITE} are what Hearten does not hold: the evaluator writes them.", "",
        "## 1. CONSORT 2025 checklist, with the cluster extension", "",
        "| No | Topic | Item | Where it is answered |", "| --- | --- | --- | --- |",
    ]  # fmt: skip
    clustered = design.unit != "individual"
    for number, topic, item in CONSORT_2025:
        note = CLUSTER_NOTES.get(number) if clustered else None
        wording = item + (f" *Cluster trials: {note}.*" if note else "")
        lines.append(f"| {number} | {topic} | {_cell(wording)} | {_cell(answers[number])} |")
    left = [n for n, _, _ in CONSORT_2025 if answers[n].startswith(TO_WRITE)]
    lines += [
        "",
        f"Still to write: items {', '.join(left)}.", "",
        "CONSORT 2025 wording: Hopewell et al., PLOS Medicine 2025;22(4):e1004587 (CC BY). "
        "Cluster notes paraphrase the cluster extension (Campbell et al., BMJ 2012;345:e5661).",
        "",
        "## 2. Consent and clustering", "",
        f"Consent was sought from each participant through their personal survey link. "
        f"{timing.get('before randomisation', 0)} consented before randomisation "
        f"({allocation.randomised_at[:16].replace('T', ' ')} UTC), "
        f"{timing.get('after randomisation', 0)} after it, and "
        f"{timing.get('not consented', 0)} did not consent.", "",
    ]  # fmt: skip
    icc = r.observed_icc
    stored_g = [(e.term, None if e.hedges_g is None else e.hedges_g.icc) for e in r.effects]
    if icc is not None and icc.icc is not None:
        level = round(100 * (1 - r.model.alpha))
        said = [f"{o.name} {o.observed_icc.icc:.3f} ({o.observed_icc.conf_low:.3f}"
                f" to {o.observed_icc.conf_high:.3f})"
                for o in r.secondary
                if o.observed_icc is not None
                and o.observed_icc.icc is not None]  # fmt: skip
        lines += [
            f"Observed intracluster correlation of the primary outcome among {design.unit}s: "
            f"{icc.icc:.3f} ({level}% CI {icc.conf_low:.3f} to {icc.conf_high:.3f}; "
            f"{icc.teams} {design.unit}s, {icc.people} people; REML, profile-likelihood "
            "interval)." + (f" Secondary outcomes: {'; '.join(said)}." if said else ""), "",
        ]  # fmt: skip
    elif clustered and any(v is not None for _, v in stored_g):
        anova = "; ".join(f"{arm} against control {v:.3f}" for arm, v in stored_g if v is not None)
        lines += [f"Observed intracluster correlation of the primary outcome (one-way ANOVA by "
                  f"{design.unit}, as used for Hedges' g): {anova}. {TO_WRITE}: its interval "
                  "(this analysis run does not store one).", ""]  # fmt: skip
    elif clustered:
        lines += [f"{TO_WRITE}: the observed ICC of each primary outcome with its interval "
                  "(this analysis run does not store it).", ""]  # fmt: skip
    lines += _tidier(trial, r)
    lines += [
        "## 4. Harms", "",
        f"{TO_WRITE}: how harms were defined and collected. Withdrawals: "
        f"{allocation.withdrawn}. {harms_line(trial)}", "",
        "## 5. Data sharing", "",
        "The pseudonymised analysis dataset (one row per randomised person; no names, staff "
        "numbers or e-mail addresses) with its codebook can be exported by Hearten "
        f"(dataset SHA-256 {run.dataset_sha256}); the analysis is reproducible with Hearten "
        f"{run.software_version} from the locked plan and the recorded seeds. "
        f"{TO_WRITE}: where, when, to whom and under what agreement the data and code are "
        "shared, and any small-group limits.", "",
    ]  # fmt: skip
    registry, _ = _registry(trial, r)
    lines += registry
    lines += registry_lines(trial, r, run.created_at)
    return "\n".join(lines)


def write_standards(trial: Trial) -> tuple[Path, Path]:
    """Write ``reporting-pack.md`` and its tagged PDF beside the trial's report."""
    text = standards_markdown(trial)
    pdf = markdown_pdf(text, f"{trial.name}: reporting pack", tables=True)
    folder = Path(settings.HEARTEN.reports_dir) / trial.slug
    md, path = folder / "reporting-pack.md", folder / "reporting-pack.pdf"
    write_atomic(path, pdf)
    write_atomic(md, text)
    return md, path


def harms_line(trial: Any) -> str:
    """The harms and concerns log (``hearten trial harm``) counted by arm, in one sentence."""
    from hearten.trials.harms import harms_by_arm

    counts = harms_by_arm(trial)
    if not counts:
        return "The harms and concerns log (`hearten trial harm`) has no entries."
    parts = [
        f"{c.arm or 'no participant named'}: {c.entries} {c.kind}{'s' if c.entries != 1 else ''}"
        f" ({c.serious} serious, {c.people} people)"
        for c in counts
    ]
    return "The harms and concerns log, by arm: " + "; ".join(parts) + "."
