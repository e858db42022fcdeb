"""``hearten user``: staff accounts (council e-mail addresses, passwords, sign-in lockouts)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from hearten.cli.bootstrap import require_database
from hearten.cli.output import Table, out

user_app = typer.Typer(help="Manage staff accounts.", no_args_is_help=True)

UserArg = Annotated[str, typer.Argument(help="the account's username")]


EmailArg = Annotated[
    str, typer.Argument(help="the e-mail address the council's sign-in service has for them")
]


@user_app.command("add")
def add(username: UserArg, email: EmailArg) -> None:
    """Add an account that signs in with its council account only (no Hearten password)."""
    require_database()
    from hearten.web.accounts import add_account

    add_account(username, email)
    out.print(
        f"{username} can sign in with their council account ({email}); give them a role in a "
        "trial with `hearten trial add-role` or `hearten trial add-evaluator`."
    )


@user_app.command("email")
def email(username: UserArg, address: EmailArg) -> None:
    """Set the council e-mail address by which a council sign-in finds this account."""
    require_database()
    from hearten.web.accounts import set_email

    set_email(username, address)
    out.print(f"{username} signs in with the council account of {address}.")


@user_app.command("unlink")
def unlink(username: UserArg) -> None:
    """Clear the link to a council account: the next council sign-in with the account's
    e-mail address links whichever council account it comes from."""
    require_database()
    from hearten.web.accounts import unlink as clear_link

    if clear_link(username):
        out.print(
            f"{username} is no longer linked to a council account: the next council sign-in "
            "with its e-mail address links the council account it comes from."
        )
    else:
        out.print(f"{username} was not linked to a council account; nothing changed.")


@user_app.command("disable")
def disable(username: UserArg) -> None:
    """Disable an account (someone who left): no sign-in by any route; open sessions end."""
    require_database()
    from hearten.web.accounts import set_active

    set_active(username, False)
    out.print(
        f"{username} is disabled: they cannot sign in, any open session has ended, and their "
        "API tokens are refused (`hearten trial token list` shows them as account switched off)."
    )


@user_app.command("enable")
def enable(username: UserArg) -> None:
    """Enable a disabled account again."""
    require_database()
    from hearten.web.accounts import set_active

    set_active(username, True)
    out.print(
        f"{username} is enabled: they can sign in again, and their API tokens that are neither "
        "revoked nor expired work again."
    )


@user_app.command("sign-ins")
def sign_ins(
    days: Annotated[
        int | None, typer.Option(min=1, help="only sign-ins from the last DAYS days")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON array")] = False,
) -> None:
    """Sign-ins with a council account, allowed and refused, oldest first (password sign-ins
    are in the sign-in throttle's log)."""
    require_database()
    from django.utils import timezone

    from hearten.web.accounts import council_sign_ins

    records = council_sign_ins(days, now=timezone.now())
    if as_json:
        out.print_json(json.dumps([r.as_dict() for r in records]))
        return
    if not records:
        span = f" in the last {days} days" if days else ""
        out.print(f"No sign-ins with a council account{span}.")
        return
    table = Table(title="Sign-ins with a council account")
    for column in ("when", "outcome", "account", "provider's second factor", "reason"):
        table.add_column(column, overflow="fold")
    for r in records:
        table.add_row(
            timezone.localtime(r.at).strftime("%Y-%m-%d %H:%M"),
            r.outcome,
            r.username,
            "yes" if r.second_factor_by_provider else "",
            r.reason,
        )
    out.print(table)


@user_app.command("password")
def password(
    username: UserArg,
    new: Annotated[
        str | None, typer.Option(help="the new password (asked for, hidden, when not given)")
    ] = None,
) -> None:
    """Set a new password for an existing account (checked against the password rules)."""
    require_database()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    from hearten.errors import DataError, NotFound

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise NotFound(f"no account called {username!r}")
    if new is None:
        new = str(typer.prompt("New password", hide_input=True, confirmation_prompt=True))
    try:
        validate_password(new, user)
    except ValidationError as exc:
        raise DataError("the password is too weak: " + " ".join(exc.messages)) from None
    user.set_password(new)
    user.save(update_fields=["password"])
    out.print(f"The password of {username} is changed.")


@user_app.command("unlock")
def unlock(username: UserArg) -> None:
    """Lift a sign-in lockout after too many wrong passwords."""
    require_database()
    from axes.utils import reset

    count = reset(username=username)
    out.print(f"{username}: {count} lockout record(s) cleared; they can sign in again.")


@user_app.command("2fa")
def two_factor(username: UserArg) -> None:
    """Issue (or replace) the key of an account's authenticator app for two-step sign-in."""
    require_database()
    from base64 import b32encode

    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from hearten.errors import NotFound

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise NotFound(f"no account called {username!r}")
    TOTPDevice.objects.filter(user=user).delete()  # a new key replaces a lost phone's
    device = TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=True)
    key = b32encode(device.bin_key).decode()
    out.print(f"Key for {username}'s authenticator app (give it to them privately):")
    out.print(f"  {' '.join(key[i : i + 4] for i in range(0, len(key), 4))}")
    out.print(f"  or as a link: {device.config_url}")
    out.print("Any earlier key of theirs no longer works.")
