"""``hearten --help``: the commands in four groups, each with one example.

A command that is in no group (a new one) is listed under "More commands", so nothing is
ever hidden from the help.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from typer.core import TyperGroup

if TYPE_CHECKING:
    from typer._click import Context, HelpFormatter


class CommandGroup(NamedTuple):
    title: str
    commands: tuple[str, ...]
    example: str


GROUPS = (
    CommandGroup(
        "Design a trial",
        ("power", "instruments"),
        "hearten power mdes --design cra2 --clusters 40 --cluster-size 12 --icc2 0.05",
    ),
    CommandGroup(
        "Run a trial",
        (
            "demo",
            "trial",
            "roster",
            "letters",
            "perks",
            "goals",
            "costs",
            "hr",
            "ipe",
            "programme",
            "audit",
        ),
        "hearten trial create design.toml",
    ),
    CommandGroup(
        "Analyse your own data (no database)",
        ("analyse", "randomise", "pool", "score", "staggered"),
        "hearten analyse data.csv --outcome wellbeing --treatment arm --cluster team",
    ),
    CommandGroup(
        "Administer",
        ("db", "user", "serve", "worker", "backup", "restore"),
        "hearten db upgrade",
    ),
)


class GroupedHelp(TyperGroup):
    """The root command group, whose help lists its commands by what they are for."""

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        visible = {
            name: cmd
            for name in self.list_commands(ctx)
            if (cmd := self.get_command(ctx, name)) is not None and not cmd.hidden
        }
        if not visible:
            return
        limit = formatter.width - 6 - max(len(name) for name in visible)
        placed: set[str] = set()
        sections = []
        for group in GROUPS:
            names = [n for n in group.commands if n in visible]
            placed.update(names)
            sections.append((group.title, names, group.example))
        rest = [n for n in visible if n not in placed]
        if rest:
            sections.append(("More commands", rest, ""))
        for title, names, example in sections:
            if not names:
                continue
            with formatter.section(title):
                formatter.write_dl([(n, visible[n].get_short_help_str(limit)) for n in names])
                if example:
                    formatter.write_paragraph()
                    # Written as is, never wrapped: a command must stay copyable.
                    formatter.write(f"{'':>{formatter.current_indent}}e.g.  {example}\n")
