"""``hearten``: the command line.

Platform commands live under ``hearten trial …``, ``hearten roster …`` and ``hearten db …``;
``hearten analyse FILE`` and ``hearten randomise FILE`` are kept for the standalone tools
that work on a file without a database.

Commands start instantly: this module and every ``hearten.cli`` module import only Typer,
Rich and light Hearten modules at top level; numpy, pandas, scipy, statsmodels, Django and
the statistics core are imported inside the commands that need them
(``tests/cli/test_startup.py`` fails otherwise). Help is plain text (``rich_markup_mode=None``):
Typer's Rich help formatter alone costs more than the whole start-up budget.
"""

from __future__ import annotations

import sys

import typer

from hearten.cli import (
    audit,
    harms,
    instruments,
    interventions,
    platform,
    power,
    process,
    rollout,
    simulate,
    staggered,
    standalone,
    system,
    tokens,
    users,
)
from hearten.cli.help import GroupedHelp
from hearten.cli.output import err, escape
from hearten.cli.parsing import install as light_flags
from hearten.errors import HeartenError

light_flags()
app = typer.Typer(
    name="hearten",
    help="Run randomised trials of staff-wellbeing interventions, end to end.",
    cls=GroupedHelp,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)
platform.trial_app.command("schedule")(rollout.schedule)
platform.trial_app.command("harms")(harms.harms)
platform.trial_app.command("reschedule")(rollout.reschedule)
platform.trial_app.command("staggered")(staggered.trial_staggered)
platform.trial_app.add_typer(tokens.token_app, name="token")
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
app.add_typer(process.ipe_app, name="ipe")
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
app.command("staggered")(staggered.staggered_file)
app.command("score")(instruments.score)


def main(argv: list[str] | None = None) -> int:
    """Run ``hearten ARGV`` and return its exit code: 0 done, 1 aborted or a failed check,
    2 a usage error or a :class:`HeartenError` (one line saying what is wrong, never a
    traceback)."""
    try:
        app(args=argv, prog_name="hearten", standalone_mode=False)
    except HeartenError as exc:
        err.print(f"[bold red]Error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        return 2
    except typer.Abort:
        err.print("Aborted.")
        return 1
    except typer.Exit as exc:
        return exc.exit_code
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except typer.TyperException as exc:
        # The usage errors (missing option, unknown command, bad value) of the Click that
        # Typer carries inside itself: the usage, a hint and one line saying what is wrong.
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            err.print(f"Error: {escape(exc.format_message())}", highlight=False, soft_wrap=True)
        return exc.exit_code
    return 0


def run() -> None:
    """Entry point of the ``hearten`` script."""
    sys.exit(main())
