"""``hearten audit``: check that nobody tampered with the log, the seed or the allocation."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from typing import Annotated

import typer

from hearten.cli.bootstrap import require_database
from hearten.cli.output import escape, out

audit_app = typer.Typer(
    help="Verify the audit log, the seed commitment and the allocation.", no_args_is_help=True
)


@audit_app.command("verify")
def verify(
    trial: Annotated[
        str | None, typer.Argument(help="a trial's slug: also check its seed and allocation")
    ] = None,
    anchor: Annotated[
        str | None,
        typer.Option(help="a head digest published earlier: check it is still in the chain"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the checks as JSON")] = False,
) -> None:
    """Re-check everything from what is stored; exit 1 if anything does not hold.

    ✓ held, ✗ failed, – not applicable (the step has not happened, e.g. not randomised yet).
    """
    require_database()
    from hearten.trials.lifecycle import get_trial
    from hearten.trials.verify import check_chain, verify_trial

    checks = verify_trial(get_trial(trial), anchor) if trial else check_chain(anchor)
    if as_json:
        print(json.dumps([asdict(c) for c in checks], indent=2))
    else:
        for c in checks:
            mark = "[dim]–[/]" if not c.applies else "[green]✓[/]" if c.ok else "[bold red]✗[/]"
            out.print(f"{mark} {c.name}: {escape(c.detail)}", highlight=False)
    if not all(c.ok for c in checks):
        if not as_json:
            out.print("[bold red]Verification failed.[/]")
        sys.exit(1)


@audit_app.command("head")
def head() -> None:
    """Print the number of audit events and the latest digest, to publish as an anchor."""
    require_database()
    from hearten.trials.models import AuditEvent

    count = AuditEvent.objects.count()
    last = AuditEvent.objects.order_by("-id").first()
    digest = last.digest if last else "(empty)"
    out.print(f"{count} events; head digest {digest}")
    out.print("Publish it; later, `hearten audit verify --anchor DIGEST` shows nothing was cut.")
