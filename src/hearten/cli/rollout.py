"""``hearten trial schedule|reschedule``: a stepped-wedge trial's roll-out, who starts when."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from hearten.cli.bootstrap import require_database
from hearten.cli.output import Table, check_figure_path, out

TrialArg = Annotated[str, typer.Argument(help="the trial's slug, e.g. letters-2026")]


def schedule(
    trial: TrialArg,
    as_drawn: Annotated[
        bool, typer.Option("--as-drawn", help="the schedule as randomised, without changes")
    ] = False,
    figure: Annotated[
        Path | None, typer.Option(help="write the staircase figure here (.svg or .png)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Who starts the change when (stepped-wedge trials), with any recorded changes."""
    check_figure_path(figure)
    require_database()
    from hearten.trials.lifecycle import get_trial
    from hearten.trials.rollout import deviations, trial_schedule

    t = get_trial(trial)
    plan = trial_schedule(t, as_drawn)
    changes = [] if as_drawn else deviations(t)
    if figure is not None:
        from hearten.reports.figures import save, staircase

        save(staircase([r.unit for r in plan.rows], [r.conditions for r in plan.rows], t.unit),
             str(figure))  # fmt: skip
    if as_json:
        print(json.dumps({**asdict(plan), "deviations": [asdict(d) for d in changes]}, indent=2))
        return
    marks = {"control": ".", "transition": "t", "change": "X"}
    table = Table(
        t.unit, "site", "starts", *[str(p) for p in range(plan.periods)],
        title=f"{t.slug}: who starts when (. control, X the change"
        + (", t transition)" if plan.transition else ")"),
    )  # fmt: skip
    for r in plan.rows:
        table.add_row(r.unit, r.stratum, str(r.start), *[marks[c] for c in r.conditions])
    out.print(table)
    for d in changes:
        out.print(
            f"Deviation: {d.unit} moved from period {d.was} to {d.moved_to} on {d.at[:10]}: "
            f"{d.reason}"
        )
    if figure is not None:
        out.print(f"Staircase figure written to {figure}.")


def reschedule(
    trial: TrialArg,
    unit: Annotated[str, typer.Argument(help="the team or office whose start changes")],
    start: Annotated[int, typer.Option(help="the period it now starts the change")],
    reason: Annotated[str, typer.Option(help="why (the report lists it as a deviation)")],
) -> None:
    """Record a late change to a stepped-wedge schedule; the drawn schedule is kept."""
    from django.utils import timezone

    require_database()
    from hearten.trials.lifecycle import get_trial
    from hearten.trials.rollout import change_schedule

    d = change_schedule(get_trial(trial), unit, start, reason, now=timezone.now())
    out.print(
        f"{d.unit} now starts at period {d.moved_to} (drawn schedule: period {d.was} before "
        "this change); recorded in the audit log as a deviation."
    )
