"""``hearten``: the command line.

Platform commands live under ``hearten trial …``, ``hearten roster …`` and ``hearten db …``;
``hearten analyse FILE`` and ``hearten randomise FILE`` are kept for the standalone tools
that work on a file without a database.
"""

from __future__ import annotations

import sys

import typer
from rich.markup import escape

from hearten.cli import (
    audit,
    instruments,
    interventions,
    platform,
    power,
    simulate,
    standalone,
    system,
    users,
)
from hearten.cli.output import err
from hearten.errors import HeartenError

app = typer.Typer(
    name="hearten",
    help="Run randomised trials of staff-wellbeing interventions, end to end.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(platform.trial_app, name="trial")
app.add_typer(platform.roster_app, name="roster")
app.add_typer(platform.programme_app, name="programme")
app.add_typer(users.user_app, name="user")
app.add_typer(system.db_app, name="db")
app.add_typer(audit.audit_app, name="audit")
app.add_typer(interventions.letters_app, name="letters")
app.add_typer(interventions.perks_app, name="perks")
app.add_typer(interventions.costs_app, name="costs")
app.add_typer(interventions.goals_app, name="goals")
app.add_typer(interventions.hr_app, name="hr")
app.add_typer(instruments.instruments_app, name="instruments")
power.power_app.command("simulate")(simulate.simulate_command)
app.add_typer(power.power_app, name="power")
app.command("demo")(system.demo)
app.command("serve")(system.serve)
app.command("worker")(system.worker)
app.command("backup")(system.backup_cmd)
app.command("restore")(system.restore_cmd)
app.command("analyse")(standalone.analyse)
app.command("pool")(standalone.pool)
app.command("randomise")(standalone.randomise)
app.command("score")(instruments.score)


def run() -> None:
    """Entry point: run the app and turn any :class:`HeartenError` into a clear message."""
    try:
        app(standalone_mode=False)
    except HeartenError as exc:
        err.print(f"[bold red]Error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except typer.Abort:
        err.print("Aborted.")
        sys.exit(1)
    except (typer.Exit, SystemExit) as exc:
        code = getattr(exc, "exit_code", getattr(exc, "code", 0))
        sys.exit(code or 0)
    except Exception as exc:  # click's usage errors
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise
