"""Commands on trials stored in Hearten's database.

The plan, analysis and report commands are in :mod:`hearten.cli.trial_results`; they are
registered here, in the order ``hearten trial --help`` lists them."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

import typer

from hearten.cli import trial_results
from hearten.cli.bootstrap import require_database
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
    from django.utils import timezone

    require_database()
    from hearten.surveys.services import plan_waves
    from hearten.trials.design import load_design
    from hearten.trials.lifecycle import create_trial, design_of

    trial = create_trial(load_design(design), now=timezone.now())
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
    from django.utils import timezone

    require_database()
    from hearten.trials.lifecycle import add_evaluator, get_trial

    t = get_trial(trial)
    add_evaluator(t, username, _password_if_new(username), now=timezone.now())
    out.print(f"{username} is now an evaluator of {t.slug}")


@roster_app.command("import")
def roster_import(
    trial: TrialArg,
    file: Annotated[Path, typer.Argument(help="the roster CSV file")],
) -> None:
    """Import staff from a CSV roster: every row, or nothing if any row is wrong."""
    from django.utils import timezone

    require_database()
    from hearten.trials.lifecycle import get_trial
    from hearten.trials.roster import import_roster

    result = import_roster(get_trial(trial), file, now=timezone.now())
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

    c = commit_seed(get_trial(trial), seed, now=timezone.now())
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
    summary = randomise_trial(t, seed, now=timezone.now())
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
    from django.utils import timezone

    from hearten.trials.lifecycle import get_trial
    from hearten.trials.people import withdraw as record

    p = record(get_trial(trial), pseudonym, reason, now=timezone.now())
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
    from django.utils import timezone

    from hearten.trials.harms import log_harm
    from hearten.trials.lifecycle import get_trial

    entry = log_harm(
        get_trial(trial),
        description,
        kind="concern" if concern else "harm",
        source="participant" if concern else "evaluator",
        pseudonym=participant,
        serious=serious,
        now=timezone.now(),
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
    from django.utils import timezone

    require_database()
    from hearten.trials.lifecycle import get_trial
    from hearten.trials.people import add_role as grant

    t = get_trial(trial)
    grant(
        t,
        username,
        role,
        list(team or []),
        _password_if_new(username),
        list(site or []),
        now=timezone.now(),
    )
    places = [*(team or []), *(site or [])]
    scope = f" for {', '.join(places)}" if places else ""
    out.print(f"{username} is now a {role} of {t.slug}{scope}")


@trial_app.command("open-delivery")
def open_delivery(trial: TrialArg) -> None:
    """Let coordinators and letter writers see who receives what (after the baseline)."""
    require_database()
    from django.utils import timezone

    from hearten.trials.lifecycle import get_trial
    from hearten.trials.people import open_delivery as open_it

    open_it(get_trial(trial), now=timezone.now())  # the command is the edge
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

    audit.record(
        t, "exported", {"what": f"{wave} survey links", "rows": len(links)}, at=timezone.now()
    )
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
    from django.utils import timezone

    require_database()
    from django.conf import settings

    from hearten.errors import one_of
    from hearten.surveys.exports import EXPORT_FORMATS, write_exports
    from hearten.trials.lifecycle import get_trial

    t = get_trial(trial)
    chosen = one_of(fmt, EXPORT_FORMATS, "export format")
    folder = out_dir or settings.HEARTEN.home / "exports" / t.slug
    for path in write_exports(t, folder, chosen, now=timezone.now()):
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


trial_app.command("lock-plan")(trial_results.lock_plan_cmd)
trial_app.command("amend-plan")(trial_results.amend_plan_cmd)
trial_app.command("analyse")(trial_results.analyse)
trial_app.command("report")(trial_results.report)
trial_app.command("standards")(trial_results.standards)
programme_app.command("report")(trial_results.programme_report)


@trial_app.command("revoke-links")
def revoke_links_cmd(
    trial: TrialArg,
    pseudonym: Annotated[
        list[str] | None, typer.Argument(help="study codes (default: everyone's links)")
    ] = None,
) -> None:
    """Switch off participant survey links (a lost or forwarded link, or the whole trial)."""
    require_database()
    from django.utils import timezone

    from hearten.surveys.services import revoke_links
    from hearten.trials.lifecycle import get_trial

    count = revoke_links(get_trial(trial), pseudonym, now=timezone.now())
    out.print(f"{count} link(s) of {trial} no longer work.")


@trial_app.command("erase")
def erase_cmd(
    trial: TrialArg, pseudonym: Annotated[str, typer.Argument(help="study code")]
) -> None:
    """Erase a withdrawn participant's data at their request (whatever the trial's policy)."""
    require_database()
    from django.utils import timezone

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
    counts = erase_participant(person, now=timezone.now())
    out.print(f"{pseudonym}'s data are erased: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@trial_app.command("purge")
def purge_cmd(trial: TrialArg) -> None:
    """After the retention date: keep the anonymised dataset, remove identifiable data."""
    require_database()
    from django.utils import timezone

    from hearten.analysis.retention import purge_trial
    from hearten.trials.lifecycle import get_trial

    result = purge_trial(get_trial(trial), now=timezone.now())
    out.print(f"Anonymised analysis dataset ({result.rows} rows): {result.dataset}")
    out.print("Removed: " + ", ".join(f"{k} {v}" for k, v in result.removed.items()))
    out.print(
        "Export files of the trial but the anonymised dataset and its codebook were deleted; "
        + (result.compacted or "the database was not rewritten (inside a transaction)")
        + ". Backups taken before today still hold the purged data: a restore purges the "
        "trial again."
    )


trial_app.command("dpia")(trial_results.dpia_cmd)
