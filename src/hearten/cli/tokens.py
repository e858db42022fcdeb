"""``hearten trial token create|list|revoke``: API tokens of a trial, for administrators at the
command line (staff make their own on the trial's "API tokens" page)."""

from __future__ import annotations

from typing import Annotated

import typer

from hearten.cli.bootstrap import require_database
from hearten.cli.output import Table, out

token_app = typer.Typer(
    help="API tokens of a trial: make, list and revoke them.", no_args_is_help=True
)
TrialArg = Annotated[str, typer.Argument(help="the trial's slug, e.g. letters-2026")]


@token_app.command("create")
def create(
    trial: TrialArg,
    user: Annotated[str, typer.Option(help="whose token (an evaluator or coordinator)")],
    scope: Annotated[str, typer.Option(help="read or import")],
    days: Annotated[int, typer.Option(help="how many days it lasts (at most 365)")] = 90,
    name: Annotated[str, typer.Option(help="what it is for")] = "",
) -> None:
    """Make a token and print it once: only its fingerprint is kept."""
    require_database()
    from django.utils import timezone

    from hearten.trials.lifecycle import get_trial
    from hearten.web.api.tokens import create_token

    made = create_token(
        get_trial(trial), user, scope, days, name, created_by="command line", now=timezone.now()
    )
    until = f"{made.token.expires_at:%Y-%m-%d}"
    out.print(
        f"Token {made.token.prefix} for {user} ({made.token.scope}) in {trial}, until "
        f"{until}. Copy it now; it is not shown again:"
    )
    typer.echo(made.secret)


@token_app.command("list")
def list_tokens(trial: TrialArg) -> None:
    """List the trial's tokens (never their secrets)."""
    require_database()
    from django.utils import timezone

    from hearten.trials.lifecycle import get_trial
    from hearten.web.api.tokens import state_of, tokens_of

    now = timezone.now()  # the command is the edge: the one reading of the clock
    table = Table("token", "user", "scope", "name", "created", "expires", "last used", "state")
    for t in tokens_of(get_trial(trial)):
        last = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never"
        table.add_row(t.prefix, t.user.get_username(), t.scope, t.name,
                      f"{t.created_at:%Y-%m-%d}", f"{t.expires_at:%Y-%m-%d}", last,
                      state_of(t, now))  # fmt: skip
    out.print(table)


@token_app.command("revoke")
def revoke(
    trial: TrialArg,
    token: Annotated[str, typer.Argument(help="the token's prefix, as `token list` shows")],
) -> None:
    """Revoke a token: it stops working at once."""
    require_database()
    from django.utils import timezone

    from hearten.trials.lifecycle import get_trial
    from hearten.web.api.tokens import revoke_token

    done = revoke_token(get_trial(trial), token, by="command line", now=timezone.now())
    out.print(f"Token {done.prefix} of {done.user.get_username()} is revoked.")
