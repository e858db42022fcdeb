"""The data-protection summary of a trial, for the council's DPIA (Markdown and PDF).

Everything in it is read from what Hearten holds and enforces: the design's privacy section,
the roster, the instruments each wave asks, the HR records imported, the delivery roles, the
audit log and, from the web layer, how staff reach the data (council sign-in and the API,
:mod:`hearten.reports.dpia_access`, each only where this deployment uses it). A field the
design leaves empty (controller, lawful basis) is flagged, not guessed.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import connection

from hearten.files import write_atomic
from hearten.hr.models import AbsenceSpell, CaseloadSnapshot, ContractChange, Leaver, Supervision
from hearten.instruments import REGISTRY
from hearten.reports.dpia_access import Access, api_lines, sign_in_lines
from hearten.reports.markdown import markdown_pdf, quoted
from hearten.trials.lifecycle import design_of
from hearten.trials.models import AuditEvent, IdentityKey, Participant, Trial

MISSING = "**not stated: add it to the design's `[privacy]` section before the trial starts**"


def _collected(trial: Trial) -> list[str]:
    design = design_of(trial)
    lines = [
        "- **Roster** (from the council's HR system): staff number, name, work e-mail and "
        "(optional) postal address, held apart from everything else as the identity key; site, "
        "team, office, role, FTE, start date and caseload, held with a random study code.",
    ]
    for wave in design.waves:
        scales = "; ".join(
            f"{REGISTRY[name].title} ({len(REGISTRY[name].items)} items)" for name in wave.pages
        )
        lines.append(f"- **Survey, {wave.name} wave**: consent, then {scales}.")
    counts = {
        "sickness absence spells (dates, FTE, reason category)": AbsenceSpell.objects,
        "leaving dates and reasons": Leaver.objects,
        "contract (FTE) changes": ContractChange.objects,
        "caseload snapshots": CaseloadSnapshot.objects,
        "supervision dates": Supervision.objects,
    }
    held = [
        f"{what} ({n} records)"
        for what, manager in counts.items()
        if (n := manager.filter(participant__trial=trial).count())
    ]
    if held or design.analysis.hr is not None:
        lines.append(
            "- **HR records**, linked by staff number on import and stored under the study code: "
            + ("; ".join(held) or "none imported yet")
            + "."
        )
    lines.append(
        "- **Interventions**: recognition letters (the manager's personal lines), goals-programme "
        "work and engagement (what a person writes is visible to them only), perks by office, "
        "and delivery costs."
    )
    return lines


def dpia_markdown(trial: Trial, access: Access) -> str:
    """The summary as Markdown; ``access`` from :func:`hearten.web.dpia_facts.access_of`."""
    design = design_of(trial)
    p = design.privacy
    people = Participant.objects.filter(trial=trial)
    roles = {r: trial.roles.filter(role=r).count() for r in ("coordinator", "letter-writer")}
    engine = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite (one file)"
    exports = AuditEvent.objects.filter(trial=trial, action="exported").count()
    withdrawal = (
        "everything they gave is **erased** at once (answers, HR records, letters, programme "
        "work, contact details); their study code and arm stay so the randomisation can be "
        "checked"
        if p.on_withdrawal == "erase"
        else "what they gave before withdrawing is **kept** (they consented to it) and no "
        "more is collected; nobody contacts them again"
    )
    lines = [
        f"# Data-protection summary: {quoted(design.name)}",
        "",
        f"Trial `{design.slug}`, for the council's data protection impact assessment. Generated "
        "by Hearten from what it holds and enforces.",
        "",
        "## Who is responsible",
        "",
        f"- Controller: {quoted(p.controller) if p.controller else MISSING}",
        f"- Data protection contact: {quoted(p.contact) if p.contact else MISSING}",
        f"- Lawful basis: {quoted(p.lawful_basis) if p.lawful_basis else MISSING}",
        "- Purpose: to test, by a randomised trial, whether the intervention improves staff "
        "wellbeing, and to report the result.",
        "",
        "## Whose data",
        "",
        f"- {people.count()} staff on the roster, in "
        f"{people.values('site').distinct().count()} site(s) and "
        f"{people.values('team').distinct().count()} team(s); "
        f"{people.filter(consent='consented').count()} have consented to the surveys, "
        f"{people.filter(withdrawn_at__isnull=False).count()} have withdrawn.",
        "",
        "## What is collected",
        "",
        *_collected(trial),
        *api_lines(trial, access),
        "",
        "## How it is protected",
        "",
        "- Pseudonymised: every record carries a random study code; the identity key (staff "
        f"number, name, addresses; {IdentityKey.objects.filter(participant__trial=trial).count()} "
        "held) is stored apart and never exported or shown in a report.",
        f"- Response rates and uptake are shown only for groups of {design.monitoring.min_group} "
        "or more and never where nobody or everybody answered; more groups are hidden until "
        "no hidden one can be worked out from all the tables a role sees together.",
        "- Managers never see anyone's answers; coordinators see their site's aggregates; "
        "letter writers see only their own staff who are to get a letter, once delivery opens.",
        f"- Held in {engine} on the council's or evaluator's server; exports, reports and the "
        f"backups under `HEARTEN_HOME`. {exports} export(s) so far, each in the audit log.",
        *sign_in_lines(access),
        "",
        "## Who can see what",
        "",
        "| role | people | sees |",
        "| --- | --- | --- |",
        f"| evaluator | {trial.evaluators.count()} | the pseudonymous answers, the allocation, "
        "the analysis and reports |",
        f"| site coordinator | {roles['coordinator']} | their site's response rates and uptake "
        "(small groups hidden); arms only after delivery opens |",
        f"| letter writer | {roles['letter-writer']} | their own staff who are to get a letter, "
        "and the letters they write |",
        "| participant | everyone on the roster | their own survey and programme pages, through "
        "a personal link |",
        "| system administrator | the server's operators | the database and backups |",
        "",
        "## How long it is kept",
        "",
        f"- Participant links stop working after {p.ends_on or MISSING}.",
        f"- Identifiable data are purged after {p.retain_until or MISSING} "
        "(`hearten trial purge`), leaving an anonymised analysis dataset.",
        f"- When someone withdraws, {withdrawal}.",
        "",
    ]
    return "\n".join(lines)


def write_dpia(trial: Trial, access: Access) -> tuple[Path, Path]:
    """Write ``data-protection.md`` and ``.pdf`` beside the trial's report (both or neither)."""
    folder = Path(settings.HEARTEN.reports_dir) / trial.slug
    text = dpia_markdown(trial, access)
    pdf = markdown_pdf(text, f"{trial.name}: data protection", tables=True)
    md, path = folder / "data-protection.md", folder / "data-protection.pdf"
    write_atomic(path, pdf)
    write_atomic(md, text)
    return md, path
