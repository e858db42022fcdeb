"""The database, the demo and the web server."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hearten.cli.bootstrap import django_setup, require_database, upgrade_database
from hearten.cli.output import out

db_app = typer.Typer(help="Manage Hearten's database.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the database's tables (safe to run again)."""
    django_setup()
    from django.conf import settings

    applied = upgrade_database()
    where = settings.HEARTEN.database_url and "PostgreSQL (DATABASE_URL)"
    where = where or str(settings.HEARTEN.sqlite_path)
    out.print(f"Applied {len(applied)} migration(s); the database at {where} is up to date.")


def demo(
    seed: Annotated[int, typer.Option(help="seed for the simulated programme")] = 2019,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="build the demo even in a database holding other trials or accounts (only "
            "the demo's own trials and demo-* accounts are replaced)",
        ),
    ] = False,
) -> None:
    """Build a realistic demo programme, analyse it and write its report.

    Refuses a database that holds anything but an earlier demo, unless given --force."""
    django_setup()
    upgrade_database()
    from hearten.demo.build import build_demo

    result = build_demo(seed=seed, console=out.rich, force=force)
    out.print()
    out.print(f"[bold green]Demo ready.[/] Report: {result.report}")
    out.print(f"The goals programme trial's report: {result.goals_report}")
    out.print(f"The coffee trial's report: {result.coffee_report}")
    if result.caseload_report is not None:
        out.print(f"The protected-caseload stepped-wedge trial's report: {result.caseload_report}")
    out.print(f"The programme's report, pooling all four: {result.programme_report}")
    out.print("Each report has a PDF beside it; each trial's pre-registration too.")
    out.print(
        "Start the web app:  hearten serve   (from the repository folder: "
        "python3 -m uv run hearten serve)"
    )
    out.print(
        f"Then sign in at {result.base_url}/sign-in/ as [bold]{result.username}[/] "
        f"with password [bold]{result.password}[/] (made for this demo run), then the code "
        f"from an authenticator app given the key [bold]{result.otp_key}[/]"
    )
    for role, username, password in result.staff:
        out.print(
            f"Or sign in as the letters trial's {role}: [bold]{username}[/] with password "
            f"[bold]{password}[/] (no code needed)"
        )
    out.print("Participant survey links (not yet answered):")
    for link in result.links:
        out.print(f"  {link}")


def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    threads: Annotated[int, typer.Option(help="threads (per worker process)")] = 8,
    workers: Annotated[
        int,
        typer.Option(
            help="worker processes: 1 serves with waitress; more with gunicorn (Linux and "
            "macOS), for PostgreSQL deployments"
        ),
    ] = 1,
) -> None:
    """Run the web app with a production server, serving its own static files."""
    django_setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections

    from hearten.errors import DataError, StateError

    if settings.DEBUG:
        raise StateError(
            "hearten serve is the production server and will not run with HEARTEN_DEBUG=1 "
            "(Django's debug pages show settings and code): unset HEARTEN_DEBUG"
        )
    require_database()
    if workers < 1:
        raise DataError("--workers: give at least one worker process")
    if workers > 1 and connection.vendor == "sqlite":
        raise DataError(
            "--workers: several worker processes need PostgreSQL (set DATABASE_URL); SQLite "
            "serves one process with several threads"
        )
    call_command("collectstatic", interactive=False, verbosity=0)
    # Imported after collectstatic: WhiteNoise indexes the static folder when it loads.
    from hearten.web.wsgi import application

    connections.close_all()  # each worker opens its own; none is shared across a fork
    out.print(
        f"Hearten is serving on http://{host}:{port}/ (data in {settings.HEARTEN.home}, "
        f"{workers} process(es) × {threads} threads); press Ctrl+C to stop."
    )
    if workers == 1:
        from waitress import serve as waitress_serve

        from hearten.web.proxy import waitress_options

        waitress_serve(
            application, host=host, port=port, threads=threads, ident="hearten",
            **waitress_options(),
        )  # fmt: skip
        return
    from hearten.web.multiprocess import serve_workers

    serve_workers(application, host, port, workers, threads)


def worker(
    once: Annotated[
        bool, typer.Option("--once", help="send what is due now, then stop (for cron or tests)")
    ] = False,
    interval: Annotated[float, typer.Option(help="seconds between sweeps")] = 30.0,
    retry_failed: Annotated[
        bool,
        typer.Option(
            "--retry-failed",
            help="first send again every e-mail that failed (the server refused it or could "
            "not be reached for HEARTEN_MAIL_RETRY_HOURS)",
        ),
    ] = False,
) -> None:
    """Send survey invitations and reminders when they are due, and delete uploaded files
    held past their 30 minutes, expired sign-in sessions, council sign-in records past
    HEARTEN_SIGN_IN_RECORD_DAYS and API import answers past 24 hours (runs until stopped)."""
    require_database()
    import time

    from django.utils.crypto import get_random_string

    from hearten.messaging import outbox as mail
    from hearten.web.accounts import clear_expired_sessions, prune_sign_ins
    from hearten.web.api.imports import forget_old_answers
    from hearten.web.uploads import sweep as sweep_uploads

    if retry_failed:
        out.print(f"{mail.retry_failed()} failed e-mail(s) will be sent again.")

    def one_round() -> None:
        from django.utils import timezone
        from django_tasks_db.management.commands.db_worker import Worker

        due = mail.sweep(timezone.now())  # the worker is the edge: it reads the clock
        Worker(
            queue_names=["default"],
            interval=0.1,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=get_random_string(32),
            excluded_queue_names=[],
        ).run()
        out.print(f"{due} message(s) were due; in all {mail.mail_status().summary()}")
        expired = sweep_uploads()
        if expired:
            out.print(f"{expired} uploaded file(s) held past 30 minutes deleted.")
        ended = clear_expired_sessions(timezone.now())
        if ended:
            out.print(f"{ended} expired sign-in session(s) deleted.")
        pruned = prune_sign_ins(timezone.now())
        if pruned:
            out.print(f"{pruned} council sign-in record(s) past their retention deleted.")
        forgotten = forget_old_answers(timezone.now())
        if forgotten:
            out.print(f"{forgotten} API import answer(s) older than 24 hours deleted.")

    if once:
        one_round()
        return
    out.print(f"Sending survey e-mails every {interval:g} s; press Ctrl+C to stop.")
    try:
        while True:
            one_round()
            time.sleep(interval)
    except KeyboardInterrupt:
        out.print("Stopped.")


def backup_cmd(
    file: Annotated[
        Path | None,
        typer.Argument(help="the backup file (default: HEARTEN_HOME/backups/hearten-TIME.*)"),
    ] = None,
) -> None:
    """Back up the database (SQLite online backup, or pg_dump for PostgreSQL)."""
    require_database()
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from hearten.backup import backup

    if file is None:
        suffix = ".sqlite3" if connection.vendor == "sqlite" else ".dump"
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        file = settings.HEARTEN.home / "backups" / f"hearten-{stamp}{suffix}"
    path = backup(file)
    out.print(f"Backed up to {path} ({path.stat().st_size:,} bytes).")


def restore_cmd(
    file: Annotated[Path, typer.Argument(help="a backup made by `hearten backup`")],
    yes: Annotated[bool, typer.Option("--yes", help="do not ask for confirmation")] = False,
) -> None:
    """Replace the database's contents with a backup (the database in use is kept first);
    the reports and exports made from the replaced database are deleted."""
    django_setup()  # no schema check: restoring is for an empty, old or damaged database too
    from django.conf import settings
    from django.db import connection
    from django.db.utils import DatabaseError as DjangoDatabaseError
    from django.utils import timezone

    from hearten.backup import check_backup, clear_generated, restore, safety_copy
    from hearten.trials.erasures import RELEASE, erasures_held, read_ledger, reapply

    upgrades = check_backup(file, connection.vendor)  # before anything is touched
    if not yes and not typer.confirm(f"Replace everything in the database with {file}?"):
        raise typer.Exit(1)
    try:
        erasures = erasures_held()
    except DjangoDatabaseError:  # an empty or damaged database holds none we can read
        erasures = []
    finally:
        connection.close()
    erasures += read_ledger()
    now = timezone.now()  # the command is the edge: the one reading of the clock
    stamp = now.strftime("%Y%m%d-%H%M%S-%f")
    kept = safety_copy(settings.HEARTEN.home / "backups", stamp)
    restore(file)
    stale = clear_generated(settings.HEARTEN.home, keep=RELEASE)
    if upgrades:
        applied = upgrade_database()
        out.print(f"The backup was made by an earlier version: {len(applied)} upgrade(s) applied.")
    erased, purged = reapply(erasures, now)
    if erased or purged:
        from hearten.trials.privacy import compact_database

        compact_database()  # the erased rows leave no bytes in the restored file
    out.print(f"Restored from {file}.")
    if kept is not None:
        out.print(f"What it replaced is kept in {kept}.")
    if erased or purged:
        out.print(
            f"Erasures made since the backup applied again: {erased} participant(s) erased, "
            f"{purged} trial(s) purged."
        )
    out.print(
        f"{len(stale)} report and export file(s) made from the replaced database deleted from "
        f"{settings.HEARTEN.home / 'reports'} and {settings.HEARTEN.home / 'exports'} (a purged "
        "trial's anonymised release is kept): make them again from the restored data "
        "(`hearten trial report`, `hearten trial invite`, ...). Files written elsewhere with "
        "--out are not touched: delete or remake them by hand."
    )
    out.print("Run `hearten audit verify` to check the audit log.")
