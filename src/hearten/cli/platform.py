"""Commands on trials stored in Hearten's database."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated, Any

import typer

from hearten.cli.bootstrap import require_database
from hearten.cli.compute import Scheduler, Workers, runner
from hearten.cli.output import Table, out

trial_app = typer.Typer(
    help="Create, randomise, survey, analyse and report a trial.", no_args_is_help=True
)
roster_app = typer.Typer(help="Import the staff roster of a trial.", no_args_is_help=True)
programme_app = typer.Typer(help="Report on a programme of trials.", no_args_is_help=True)

TrialArg = Annotated[str, typer.Argument(help="the trial's slug, e.g. letters-2026")]


@trial_app.command("create")
def create(
    design: Annotated[Path, typer.Argument(help="the design file (TOML)")],
) -> None:
    """Create a trial from a design file."""
    require_database()
    from hearten.surveys.services import plan_waves
    from hearten.trials.design import load_design
    from hearten.trials.lifecycle import create_trial, design_of

    trial = create_trial(load_design(design))
    waves = plan_waves(trial)
    arms = ", ".join(f"{a.name} ({a.ratio})" for a in trial.arms.all())
    out.print(f"Created trial [bold]{trial.slug}[/]: {trial.name}")
    out.print(f"  randomised by {trial.unit}, strata: {trial.strata or 'none'}; arms: {arms}")
    out.print(f"  waves: {', '.join(w.name for w in waves)}")
    from hearten.surveys.study import study_of
    from hearten.surveys.survey_time import survey_estimate

    stored = design_of(trial)
    own = {p.name: p for p in stored.questions}
    for spec in stored.waves:
        pages = spec.pages + spec.questions
        # what participants are told, consent page included, rounded up
        minutes = survey_estimate(study_of(trial), pages, own).minutes
        note = "" if minutes <= 5 else " (long: aim for about five minutes)"
        out.print(f"  {spec.name}: {', '.join(pages)}, about {minutes} min{note}")
    title = design_of(trial).participants.title
    out.print(f"  participants see it as {title!r}, never by its name or its arms")
    from hearten.cli.stepped_text import print_model_warning

    print_model_warning(trial, locked=False)
    out.print(f"Next: hearten roster import {trial.slug} roster.csv")


@trial_app.command("list")
def list_trials() -> None:
    """List the trials in this database."""
    require_database()
    from hearten.trials.models import Trial

    table = Table("slug", "name", "unit", "status", "participants")
    for t in Trial.objects.order_by("slug"):
        table.add_row(t.slug, t.name, t.unit, t.status, str(t.participants.count()))
    out.print(table)


def _password_if_new(username: str) -> str | None:
    """Ask for a password (twice, hidden) when ``username`` does not exist yet."""
    from django.contrib.auth import get_user_model

    if get_user_model().objects.filter(username=username).exists():
        return None
    return str(typer.prompt("Password for the new user", hide_input=True, confirmation_prompt=True))


@trial_app.command("add-evaluator")
def add_evaluator_cmd(
    trial: TrialArg,
    username: Annotated[str, typer.Argument(help="the evaluator's username")],
) -> None:
    """Let a user see a trial in the web app (creates the user, asking for a password)."""
    require_database()
    from hearten.trials.lifecycle import add_evaluator, get_trial

    t = get_trial(trial)
    add_evaluator(t, username, _password_if_new(username))
    out.print(f"{username} is now an evaluator of {t.slug}")


@roster_app.command("import")
def roster_import(
    trial: TrialArg,
    file: Annotated[Path, typer.Argument(help="the roster CSV file")],
) -> None:
    """Import staff from a CSV roster: every row, or nothing if any row is wrong."""
    require_database()
    from hearten.trials.lifecycle import get_trial
    from hearten.trials.roster import import_roster

    result = import_roster(get_trial(trial), file)
    out.print(
        f"Imported {result.participants} participants in {result.teams} teams "
        f"across {result.sites} sites into {trial}."
    )
    if result.late:
        out.print(
            f"The trial was already randomised: they joined late; {result.new_units_allocated} "
            "new unit(s) were allocated by the design's late-joiner scheme, and people in "
            "allocated units share their unit's arm."
        )


@trial_app.command("commit")
def commit(
    trial: TrialArg,
    seed: Annotated[
        int | None, typer.Option(help="a seed of your own (default: a random 63-bit one)")
    ] = None,
) -> None:
    """Fix the randomisation seed now and publish only its hash (commit–reveal)."""
    require_database()
    from django.utils import timezone

    from hearten.trials.allocation import commit_seed
    from hearten.trials.lifecycle import get_trial

    c = commit_seed(get_trial(trial), seed, timezone.now())
    out.print(f"Seed committed for {trial}. Publish these with the trial's registration:")
    out.print(f"  commitment     {c.commitment}")
    out.print(f"  roster SHA-256 {c.roster_sha256} ({len(c.snapshot['units'])} units)")
    out.print(
        "The seed stays secret until `hearten trial randomise`, which uses it and reveals it; "
        "anyone can then check it with `hearten audit verify`."
    )


@trial_app.command("randomise")
def randomise(
    trial: TrialArg,
    seed: Annotated[
        int | None,
        typer.Option(help="the random seed (leave out when one was committed)"),
    ] = None,
) -> None:
    """Randomise the trial's units by its design. Runs once; the result is never re-drawn."""
    require_database()
    from django.utils import timezone

    from hearten.trials.allocation import randomise_trial
    from hearten.trials.lifecycle import get_trial

    t = get_trial(trial)
    summary = randomise_trial(t, seed, timezone.now())
    table = Table(
        "arm",
        f"{t.unit}s",
        "participants",
        title=f"{t.slug}: {summary.scheme}, seed {summary.seed}",
    )
    for arm, units in summary.units_by_arm.items():
        table.add_row(arm, str(units), str(summary.participants_by_arm[arm]))
    out.print(table)
    d = summary.details
    if "threshold" in d:
        out.print(
            f"Re-randomised on {', '.join(d['balance_on'])}: draw {d['draws']} accepted "
            f"(Mahalanobis distance {d['distance']:.3f}, threshold {d['threshold']:.3f}; "
            f"{100 * d['acceptance_rate']:.1f}% of draws pass)."
        )
    if summary.late_units:
        out.print(
            f"{summary.late_units} {t.unit}(s) added after the seed was committed were "
            "allocated as late joiners."
        )


@trial_app.command("withdraw")
def withdraw(
    trial: TrialArg,
    pseudonym: Annotated[str, typer.Argument(help="the participant's study code, e.g. P-7KX3M9QD")],
    reason: Annotated[
        str,
        typer.Option(help="not-given, no-longer-wishes, left-employer or other"),
    ] = "not-given",
) -> None:
    """Record that a participant has left: no more surveys, reminders or interventions."""
    require_database()
    from hearten.trials.lifecycle import get_trial
    from hearten.trials.people import withdraw as record

    p = record(get_trial(trial), pseudonym, reason)
    kept = "erased" if p.erased_at is not None else "kept"
    out.print(
        f"{p.pseudonym} has withdrawn from {trial}. Answers already given are {kept} and they "
        "stay in their arm for the intention-to-treat analysis."
    )


@trial_app.command("harm")
def harm(
    trial: TrialArg,
    description: Annotated[str, typer.Argument(help="what happened, without names")],
    participant: Annotated[
        str | None, typer.Option(help="the study code of the person concerned, if known")
    ] = None,
    concern: Annotated[
        bool, typer.Option("--concern", help="a concern a participant raised, not a harm")
    ] = False,
    serious: Annotated[bool, typer.Option("--serious", help="a serious harm")] = False,
) -> None:
    """Add to the harms and concerns log (counted by arm in the trial report)."""
    require_database()
    from hearten.trials.harms import log_harm
    from hearten.trials.lifecycle import get_trial

    entry = log_harm(
        get_trial(trial),
        description,
        kind="concern" if concern else "harm",
        source="participant" if concern else "evaluator",
        pseudonym=participant,
        serious=serious,
    )
    out.print(f"Logged {entry.kind} {entry.pk} for {trial}; the trial report counts it by arm.")


@trial_app.command("add-role")
def add_role(
    trial: TrialArg,
    username: Annotated[str, typer.Argument(help="the user's name")],
    role: Annotated[str, typer.Option(help="coordinator or letter-writer")],
    team: Annotated[
        list[str] | None, typer.Option(help="a team the letter writer writes for (repeat)")
    ] = None,
    site: Annotated[
        list[str] | None,
        typer.Option(help="a site the coordinator coordinates (repeat; default: every site)"),
    ] = None,
) -> None:
    """Give someone a delivery role; what they may see is limited to what delivery needs."""
    require_database()
    from hearten.trials.lifecycle import get_trial
    from hearten.trials.people import add_role as grant

    t = get_trial(trial)
    grant(t, username, role, list(team or []), _password_if_new(username), list(site or []))
    places = [*(team or []), *(site or [])]
    scope = f" for {', '.join(places)}" if places else ""
    out.print(f"{username} is now a {role} of {t.slug}{scope}")


@trial_app.command("open-delivery")
def open_delivery(trial: TrialArg) -> None:
    """Let coordinators and letter writers see who receives what (after the baseline)."""
    require_database()
    from hearten.trials.lifecycle import get_trial
    from hearten.trials.people import open_delivery as open_it

    open_it(get_trial(trial))
    out.print(f"Delivery is open for {trial}: delivery staff now see what they need.")


@trial_app.command("invite")
def invite(
    trial: TrialArg,
    wave: Annotated[str, typer.Argument(help="the wave's name, e.g. baseline")],
    out_file: Annotated[Path | None, typer.Option("--out", help="CSV of links to write")] = None,
) -> None:
    """Issue personal survey links for a wave and write them, with each person's name and
    e-mail address, to a CSV file readable by you only (the e-mail worker sends them too)."""
    require_database()
    from django.conf import settings
    from django.utils import timezone

    from hearten.files import open_private
    from hearten.spreadsheet import neutral_row
    from hearten.surveys.services import get_wave
    from hearten.surveys.services import invite as issue
    from hearten.trials.lifecycle import get_trial

    t = get_trial(trial)
    links = issue(get_wave(t, wave), timezone.now())
    path = out_file or settings.HEARTEN.home / "exports" / t.slug / f"{wave}-links.csv"
    with open_private(path) as f:
        w = csv.writer(f)
        w.writerow(["pseudonym", "name", "email", "link"])
        for link in links:
            url = f"{settings.HEARTEN.base_url}/s/{link.token}/"
            w.writerow(neutral_row([link.pseudonym, link.name, link.email, url]))
    from hearten.trials import audit

    audit.record(t, "exported", {"what": f"{wave} survey links", "rows": len(links)})
    out.print(
        f"{len(links)} personal links for {t.slug} / {wave} written to {path} (names and "
        "e-mail addresses: readable by you only). `hearten worker` e-mails them itself; use "
        "the file only to send links another way."
    )


@trial_app.command("export")
def export(
    trial: TrialArg,
    fmt: Annotated[str, typer.Option("--format", help="csv, parquet or dta (Stata)")] = "csv",
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="folder (default HEARTEN_HOME/exports/TRIAL)")
    ] = None,
) -> None:
    """Export survey answers, long and wide, with a codebook; study codes only."""
    require_database()
    from django.conf import settings

    from hearten.errors import one_of
    from hearten.surveys.exports import EXPORT_FORMATS, write_exports
    from hearten.trials.lifecycle import get_trial

    t = get_trial(trial)
    chosen = one_of(fmt, EXPORT_FORMATS, "export format")
    folder = out_dir or settings.HEARTEN.home / "exports" / t.slug
    for path in write_exports(t, folder, chosen):
        out.print(f"wrote {path}")


@trial_app.command("close-wave")
def close_wave_cmd(
    trial: TrialArg,
    wave: Annotated[str, typer.Argument(help="the wave's name, e.g. baseline")],
) -> None:
    """Close a wave: no more answers, links or reminders."""
    require_database()
    from django.utils import timezone

    from hearten.surveys.services import close_wave, get_wave
    from hearten.trials.lifecycle import get_trial

    close_wave(get_wave(get_trial(trial), wave), timezone.now())
    out.print(f"Wave {wave} of {trial} is closed: no more answers, links or reminders.")


@trial_app.command("lock-plan")
def lock_plan_cmd(trial: TrialArg) -> None:
    """Lock the analysis plan before outcome data are analysed; write the pre-registration."""
    require_database()
    from hearten.reports.preregistration import lock_and_preregister
    from hearten.reports.sap import write_sap
    from hearten.trials.lifecycle import get_trial

    t = get_trial(trial)
    version, md, pdf = lock_and_preregister(t)
    out.print(f"The plan of {trial} is locked as version 1, SHA-256 {version.sha256}.")
    out.print(f"Pre-registration: {md} and {pdf}")
    sap_md, sap_pdf = write_sap(t, version)
    out.print(f"Statistical analysis plan (Gamble et al.): {sap_md} and {sap_pdf}")
    out.print("Publish the digest (or the PDF) on a registry (OSF, AEA) before analysing.")
    from hearten.cli.stepped_text import print_model_warning

    print_model_warning(t, locked=True)


@trial_app.command("amend-plan")
def amend_plan_cmd(
    trial: TrialArg,
    design: Annotated[Path, typer.Argument(help="the design file with the changed plan")],
    reason: Annotated[str, typer.Option(help="why the plan changes (printed in the report)")] = "",
) -> None:
    """Change the analysis plan; once locked, as a new version with its reason."""
    require_database()
    from hearten.analysis.plan import amend_plan, differences
    from hearten.trials.design import load_design
    from hearten.trials.lifecycle import get_trial

    t = get_trial(trial)
    before = t.design
    version = amend_plan(t, load_design(design), reason)
    for change in differences(before, t.design):
        out.print(f"  {change}")
    from hearten.cli.stepped_text import print_model_warning

    print_model_warning(t, locked=version is not None)
    if version is None:
        out.print(f"The draft plan of {trial} is updated (not locked yet).")
    else:
        note = " after the results were first seen" if version.after_unblinding else ""
        out.print(
            f"Plan version {version.number} of {trial} recorded{note}, SHA-256 {version.sha256}; "
            "the report lists it as a deviation."
        )
        from hearten.reports.sap import write_sap

        sap_md, _ = write_sap(t, version)
        out.print(f"Statistical analysis plan version {version.number}: {sap_md} (and .pdf)")


@trial_app.command("analyse")
def analyse(trial: TrialArg, scheduler: Scheduler = None, workers: Workers = None) -> None:
    """Run the trial's analysis plan and store the result."""
    require_database()
    from django.utils import timezone

    from hearten.analysis.run import run_analysis
    from hearten.stats import chunks
    from hearten.trials.lifecycle import get_trial

    with chunks.using(runner(scheduler, workers)):
        run = run_analysis(get_trial(trial), timezone.now())
    r = run.result
    m = r["model"]
    level = round(100 * (1 - m["alpha"]))
    table = Table(
        "arm vs control",
        "estimate",
        "std. error",
        "df",
        f"{level}% CI",
        "p",
        title=f"{trial}: {m['outcome']}",
    )
    for e in r["effects"]:
        table.add_row(
            e["term"],
            f"{e['estimate']:.3f}",
            f"{e['std_error']:.3f}",
            f"{e['df']:.1f}",
            f"{e['conf_low']:.3f} to {e['conf_high']:.3f}",
            f"{e['p_value']:.3f}",
        )
    out.print(table)
    if r.get("design") == "stepped-wedge":
        _stepped_wedge_lines(r, run.id)
        return
    clusters = f", {m['n_clusters']} {m['cluster']}s" if m["n_clusters"] else ""
    out.print(
        f"n = {m['n']}{clusters}; {m['vcov']} standard errors"
        f"{' with Satterthwaite df' if m['vcov'] == 'CR2' else ''}. Stored as run {run.id}."
    )


def _stepped_wedge_lines(r: dict[str, Any], run_id: int) -> None:
    """What `trial analyse` adds for a stepped-wedge trial: the model, the CR2 alternative
    and the randomisation test."""
    m, cr2, ri = r["model"], r["robust"], r.get("randomisation")
    out.print(
        f"n = {m['n']} answers, {m['n_clusters']} {m['cluster']}s, {m['periods']} periods; "
        f"mixed model with period fixed effects and random {m['cluster']} intercepts "
        f"(REML, {m['df_method']} df)."
    )
    out.print(
        f"CR2 by {m['cluster']} with period fixed effects: {cr2['estimate']:.3f} "
        f"({cr2['conf_low']:.3f} to {cr2['conf_high']:.3f}), p = {cr2['p_value']:.3f}."
    )
    if ri:
        how = "exact" if ri["exact"] else f"{ri['allocations']} re-draws"
        out.print(f"randomisation inference ({how}): p = {ri['p_value']:.4f}.")
    else:
        out.print(f"randomisation inference {r['randomisation_note']}.")
    from hearten.cli.stepped_text import print_period_hr

    print_period_hr(r)
    out.print(f"Stored as run {run_id}.")


@trial_app.command("report")
def report(trial: TrialArg) -> None:
    """Write the trial's HTML report from its latest analysis."""
    require_database()
    from hearten.reports.render import write_report
    from hearten.trials.lifecycle import get_trial

    path = write_report(get_trial(trial))
    out.print(f"Report written to {path} and {path.with_suffix('.pdf')}")


@trial_app.command("standards")
def standards(trial: TrialArg) -> None:
    """Write the reporting pack: CONSORT 2025 item by item (with the cluster extension),
    consent timing, TIDieR for every arm, harms, data sharing and the WHO registry items."""
    require_database()
    from hearten.reports.standards import write_standards
    from hearten.trials.lifecycle import get_trial

    md, pdf = write_standards(get_trial(trial))
    out.print(f"Reporting pack: {md} and {pdf}")


@programme_app.command("report")
def programme_report(
    trials: Annotated[list[str], typer.Argument(help="the programme's trials (two or more)")],
    name: Annotated[str, typer.Option(help="the programme's name")] = "Programme",
    alpha: Annotated[float, typer.Option(help="significance level")] = 0.05,
) -> None:
    """Pool the latest analyses of a programme's trials and sites (HTML and PDF)."""
    require_database()
    from hearten.reports.programme import write_programme_report

    path = write_programme_report(name, trials, alpha)
    out.print(f"Programme report written to {path} and {path.with_suffix('.pdf')}")


@trial_app.command("revoke-links")
def revoke_links_cmd(
    trial: TrialArg,
    pseudonym: Annotated[
        list[str] | None, typer.Argument(help="study codes (default: everyone's links)")
    ] = None,
) -> None:
    """Switch off participant survey links (a lost or forwarded link, or the whole trial)."""
    require_database()
    from hearten.surveys.services import revoke_links
    from hearten.trials.lifecycle import get_trial

    count = revoke_links(get_trial(trial), pseudonym)
    out.print(f"{count} link(s) of {trial} no longer work.")


@trial_app.command("erase")
def erase_cmd(
    trial: TrialArg, pseudonym: Annotated[str, typer.Argument(help="study code")]
) -> None:
    """Erase a withdrawn participant's data at their request (whatever the trial's policy)."""
    require_database()
    from hearten.errors import StateError
    from hearten.trials.lifecycle import get_trial
    from hearten.trials.models import Participant
    from hearten.trials.privacy import erase_participant

    person = Participant.objects.filter(trial=get_trial(trial), pseudonym=pseudonym).first()
    if person is None:
        from hearten.errors import NotFound

        raise NotFound(f"no participant {pseudonym!r} in trial {trial!r}")
    if person.withdrawn_at is None:
        raise StateError(
            f"{pseudonym} has not withdrawn: record the withdrawal first "
            f"(hearten trial withdraw {trial} {pseudonym})"
        )
    counts = erase_participant(person)
    out.print(f"{pseudonym}'s data are erased: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@trial_app.command("purge")
def purge_cmd(trial: TrialArg) -> None:
    """After the retention date: keep the anonymised dataset, remove identifiable data."""
    require_database()
    from django.utils import timezone

    from hearten.analysis.retention import purge_trial
    from hearten.trials.lifecycle import get_trial

    result = purge_trial(get_trial(trial), timezone.localdate())
    out.print(f"Anonymised analysis dataset ({result.rows} rows): {result.dataset}")
    out.print("Removed: " + ", ".join(f"{k} {v}" for k, v in result.removed.items()))
    out.print(
        "Export files of the trial but the anonymised dataset and its codebook were deleted; "
        + (result.compacted or "the database was not rewritten (inside a transaction)")
        + ". Backups taken before today still hold the purged data: a restore purges the "
        "trial again."
    )


@trial_app.command("dpia")
def dpia_cmd(trial: TrialArg) -> None:
    """Write the trial's data-protection summary for the council's DPIA (Markdown and PDF)."""
    require_database()
    from hearten.reports.dpia import write_dpia
    from hearten.trials.lifecycle import get_trial

    md, pdf = write_dpia(get_trial(trial))
    out.print(f"Data-protection summary: {md} and {pdf}")
