"""Commands on trials stored in Hearten's database."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from hearten.cli.bootstrap import require_database
from hearten.cli.output import out

trial_app = typer.Typer(
    help="Create, randomise, survey, analyse and report a trial.", no_args_is_help=True
)
roster_app = typer.Typer(help="Import the staff roster of a trial.", no_args_is_help=True)

TrialArg = Annotated[str, typer.Argument(help="the trial's slug, e.g. letters-2026")]


@trial_app.command("create")
def create(
    design: Annotated[Path, typer.Argument(help="the design file (TOML)")],
) -> None:
    """Create a trial from a design file."""
    require_database()
    from hearten.surveys.services import plan_waves
    from hearten.trials.design import load_design
    from hearten.trials.lifecycle import create_trial

    trial = create_trial(load_design(design))
    waves = plan_waves(trial)
    arms = ", ".join(f"{a.name} ({a.ratio})" for a in trial.arms.all())
    out.print(f"Created trial [bold]{trial.slug}[/]: {trial.name}")
    out.print(f"  randomised by {trial.unit}, strata: {trial.strata or 'none'}; arms: {arms}")
    out.print(f"  waves: {', '.join(w.name for w in waves)}")
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


@trial_app.command("add-evaluator")
def add_evaluator_cmd(
    trial: TrialArg,
    username: Annotated[str, typer.Argument(help="the evaluator's username")],
) -> None:
    """Let a user see a trial in the web app (creates the user, asking for a password)."""
    require_database()
    from django.contrib.auth import get_user_model

    from hearten.trials.lifecycle import add_evaluator, get_trial

    t = get_trial(trial)
    password = None
    if not get_user_model().objects.filter(username=username).exists():
        password = typer.prompt(
            "Password for the new user", hide_input=True, confirmation_prompt=True
        )
    add_evaluator(t, username, password)
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


@trial_app.command("randomise")
def randomise(
    trial: TrialArg,
    seed: Annotated[int, typer.Option(help="the random seed, recorded with the allocation")],
) -> None:
    """Randomise the trial's units within strata. Runs once; the result is never re-drawn."""
    require_database()
    from hearten.trials.allocation import randomise_trial
    from hearten.trials.lifecycle import get_trial

    t = get_trial(trial)
    summary = randomise_trial(t, seed)
    table = Table("arm", f"{t.unit}s", "participants", title=f"{t.slug}: seed {seed}")
    for arm, units in summary.units_by_arm.items():
        table.add_row(arm, str(units), str(summary.participants_by_arm[arm]))
    out.print(table)


@trial_app.command("invite")
def invite(
    trial: TrialArg,
    wave: Annotated[str, typer.Argument(help="the wave's name, e.g. baseline")],
    out_file: Annotated[Path | None, typer.Option("--out", help="CSV of links to write")] = None,
) -> None:
    """Issue personal survey links for a wave and write them to a CSV file."""
    require_database()
    from django.conf import settings

    from hearten.surveys.services import get_wave
    from hearten.surveys.services import invite as issue
    from hearten.trials.lifecycle import get_trial

    t = get_trial(trial)
    links = issue(get_wave(t, wave))
    path = out_file or settings.HEARTEN.home / "exports" / t.slug / f"{wave}-links.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["pseudonym", "link"])
        for link in links:
            w.writerow([link.pseudonym, f"{settings.HEARTEN.base_url}/s/{link.token}/"])
    out.print(f"{len(links)} personal links for {t.slug} / {wave} written to {path}")


@trial_app.command("analyse")
def analyse(trial: TrialArg) -> None:
    """Run the trial's analysis plan and store the result."""
    require_database()
    from hearten.analysis.run import run_analysis
    from hearten.trials.lifecycle import get_trial

    run = run_analysis(get_trial(trial))
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
    clusters = f", {m['n_clusters']} {m['cluster']}s" if m["n_clusters"] else ""
    out.print(
        f"n = {m['n']}{clusters}; {m['vcov']} standard errors"
        f"{' with Satterthwaite df' if m['vcov'] == 'CR2' else ''}. Stored as run {run.id}."
    )


@trial_app.command("report")
def report(trial: TrialArg) -> None:
    """Write the trial's HTML report from its latest analysis."""
    require_database()
    from hearten.reports.render import write_report
    from hearten.trials.lifecycle import get_trial

    path = write_report(get_trial(trial))
    out.print(f"Report written to {path}")
