"""``hearten trial harms``: read the harms and concerns log, the concerns participants raised on
the study's pages among them (``hearten trial harm`` adds to it)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from hearten.cli.bootstrap import require_database
from hearten.cli.output import Table, out

TrialArg = Annotated[str, typer.Argument(help="the trial's slug, e.g. letters-2026")]


def harms(
    trial: TrialArg,
    days: Annotated[
        int | None, typer.Option(min=1, help="only entries from the last DAYS days")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON array")] = False,
) -> None:
    """Every entry of the harms and concerns log, oldest first, with its text (the report
    shows counts only)."""
    require_database()
    from django.utils import timezone

    from hearten.trials.harms import log_entries
    from hearten.trials.lifecycle import get_trial

    entries = log_entries(get_trial(trial), days, now=timezone.now())
    if as_json:
        out.print_json(json.dumps([e.as_dict() for e in entries]))
        return
    if not entries:
        span = f" in the last {days} days" if days else ""
        out.print(f"No harms or concerns logged for {trial}{span}.")
        return
    table = Table(title=f"Harms and concerns: {trial}")
    for column in ("#", "reported", "kind", "from", "serious", "study code", "description"):
        table.add_column(column, overflow="fold")
    for e in entries:
        table.add_row(str(e.entry), e.reported_at.strftime("%Y-%m-%d %H:%M"), e.kind, e.source,
                      "yes" if e.serious else "", e.pseudonym or "", e.description)  # fmt: skip
    out.print(table)
