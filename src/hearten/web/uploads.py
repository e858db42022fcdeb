"""Rosters and HR extracts uploaded in the web app, checked before anything is imported.

An upload is held only until it is confirmed, cancelled or :data:`KEEP_FOR` has passed: it is
written to ``HEARTEN_HOME/uploads`` (a 0700 folder) as a 0600 file under a random name, and
deleted after the import, on cancel, and once expired: :func:`held` refuses and deletes an
expired file when it is read, and :func:`sweep` deletes every expired one on each visit to an
upload page, on each upload and on each round of ``hearten worker``. Nothing of it is kept.

The check is the import itself, run by the same service as the command line
(``trials.roster.import_roster``, ``hr.imports.import_hr``) inside a transaction that is then
rolled back: every rule the command line applies applies here, and no rule is written twice.
Its result is what would be imported, or every refused row with its reason. Confirming runs
the import again, for real, all or nothing.

A coordinator uploads for their own sites only: the import is given their site codes and
refuses every row of another site (its row number and a reason quoting nothing of it), so the
whole file is refused; the preview shows only rows of their own sites. A coordinator given no
site imports nothing (not every site's rows): the page tells them to ask the evaluator.
Each import's audit event names who uploaded it (their username).
"""

from __future__ import annotations

import contextlib
import csv
import itertools
import re
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hearten.errors import DataError, HeartenError, ImportRejected
from hearten.files import create_private
from hearten.trials.models import Trial

#: How long an upload is held for its confirmation, in seconds (30 minutes): then deleted.
KEEP_FOR = 30 * 60
#: The most bytes an upload may have.
MAX_BYTES = 20 * 1024 * 1024
#: The rows shown as a preview.
PREVIEW_ROWS = 5
ROSTER = "roster"
SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx")
_ROW = re.compile(r"^row (\d+): (.*)$", re.S)
#: The site codes a coordinator's upload may touch (empty: none, so nothing is imported);
#: ``None``: any (evaluators).
Sites = frozenset[str] | None


def folder() -> Path:
    return Path(settings.HEARTEN.home) / "uploads"


def kinds() -> list[tuple[str, str]]:
    """What can be uploaded: the roster and each kind of HR record."""
    from hearten.hr.imports import KINDS

    return [(ROSTER, "Staff roster")] + [(k, f"HR records: {k.replace('-', ' ')}") for k in KINDS]


def sweep(now: float | None = None) -> int:
    """Delete uploads older than :data:`KEEP_FOR`; returns how many."""
    moment = time.time() if now is None else now
    gone = 0
    if folder().is_dir():
        for path in folder().iterdir():
            if path.is_file() and moment - path.stat().st_mtime > KEEP_FOR:
                path.unlink(missing_ok=True)
                gone += 1
    return gone


def hold(name: str, chunks: Any) -> str:
    """Write an uploaded file (``chunks``: its byte chunks) to a 0600 file and return its
    token (the file's random name with the upload's suffix)."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise DataError(
            f"upload a CSV or Excel file ({', '.join(SUFFIXES)}), not {suffix or name!r}"
        )
    sweep()
    token = secrets.token_urlsafe(18) + suffix
    path = create_private(folder() / token)
    size = 0
    with path.open("wb") as f:
        for chunk in chunks:
            size += len(chunk)
            if size > MAX_BYTES:
                f.close()
                path.unlink(missing_ok=True)
                raise DataError(
                    f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB: split it"
                )
            f.write(chunk)
    return token


def held(token: str, now: float | None = None) -> Path:
    """The held file of ``token``; :class:`DataError` once it has gone or expired (an expired
    file is deleted here, whether or not anything has swept yet). ``now``: the caller's clock
    (seconds since the epoch; the present when not given)."""
    if not re.fullmatch(r"[A-Za-z0-9_-]+\.(csv|tsv|txt|xlsx)", token):
        raise DataError("that upload is not known: upload the file again")
    path = folder() / token
    moment = time.time() if now is None else now
    if path.is_file() and moment - path.stat().st_mtime > KEEP_FOR:
        path.unlink(missing_ok=True)
    if not path.is_file():
        raise DataError("that upload has expired or was used: upload the file again")
    return path


@contextlib.contextmanager
def _used(token: str) -> Iterator[Path]:
    """The held file of ``token`` (as :func:`held`) for an import run for real: deleted once
    the import is done with it, imported or refused."""
    path = held(token)
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def discard(token: str) -> None:
    """Delete the held file of ``token`` (nothing if it has gone)."""
    with contextlib.suppress(DataError):
        held(token).unlink(missing_ok=True)


@dataclass(frozen=True, slots=True)
class Refused:
    """One problem the import found: the file's row (``None``: the file as a whole)."""

    row: int | None
    reason: str


@dataclass(frozen=True, slots=True)
class Check:
    """An upload checked by its import, rolled back: the header, the first rows, which
    column gives each field, and either what would be imported (``summary``) or every
    problem (``refused``)."""

    header: list[str]
    rows: list[tuple[int, list[str]]]
    mapping: list[tuple[str, str]]
    summary: str
    refused: list[Refused]

    @property
    def ok(self) -> bool:
        return not self.refused


class _RolledBack(Exception):
    def __init__(self, summary: str) -> None:
        self.summary = summary


def _run(
    trial: Trial,
    kind: str,
    path: Path,
    mapping: dict[str, str] | None,
    sites: Sites,
    by: str | None = None,
) -> str:
    """Import ``path`` as ``kind``; what was imported, in a sentence. ``mapping``: field →
    column for HR records (``None``: none chosen); ``sites``: the site codes its rows may have
    (a coordinator's own; ``None``: any); ``by``: who uploaded it (their username, for the
    audit event)."""
    if kind == ROSTER:
        from hearten.trials.roster import import_roster

        r = import_roster(trial, path, sites, by=by, now=timezone.now())
        late = " They join late: the trial is randomised." if r.late else ""
        return f"{r.participants} people in {r.teams} teams across {r.sites} sites.{late}"
    from hearten.hr.imports import KINDS, import_hr

    if kind not in KINDS:
        raise DataError(f"choose what the file holds: the roster or {', '.join(KINDS)}")
    h = import_hr(trial, kind, path, dict(mapping or {}), sites=sites, by=by, now=timezone.now())
    return f"{h.rows} rows of {kind}: {h.added} new records, {h.unchanged} already held."


def _lines(kind: str, path: Path) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header and each row with its row number in the file (the header is row 1)."""
    if path.suffix == ".xlsx" or kind != ROSTER:
        from hearten.hr.imports import read_file

        try:
            data = read_file(path)
        except HeartenError:
            return [], iter(())
        cells = data.astype(str).values.tolist()
        return [str(c) for c in data.columns], enumerate(cells, start=2)
    from hearten.delimited import delimiter_of

    with path.open(newline="", encoding="utf-8-sig", errors="replace") as f:
        reader = csv.reader(f, delimiter=delimiter_of(path))
        header = next(reader, [])
        rows = list(reader)
    return header, enumerate(rows, start=2)


def _site_of(
    trial: Trial, kind: str, header: list[str], given: dict[str, str]
) -> Callable[[list[str]], str]:
    """A function giving a row's site code ("" when unknown), by the column the import reads
    it from: the roster's site, else the site of the row's member of staff (or team)."""
    from hearten.trials.models import IdentityKey, Team

    columns = [h.strip() for h in header]
    if kind == ROSTER:
        field, where = "site", {}  # the row gives its site
    elif kind == "team-rates":
        field = "team"
        where = dict(Team.objects.filter(trial=trial).values_list("code", "site__code"))
    else:
        field = "staff_id"
        where = dict(
            IdentityKey.objects.filter(participant__trial=trial).values_list(
                "staff_id", "participant__site__code"
            )
        )
    column = given.get(field) or field
    at = columns.index(column) if column in columns else None

    def site(cells: list[str]) -> str:
        if at is None or at >= len(cells):
            return ""
        value = cells[at].strip()
        return value if kind == ROSTER else where.get(value, "")

    return site


def _preview(
    trial: Trial, kind: str, path: Path, given: dict[str, str], sites: Sites
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the first rows with their row numbers; for a coordinator (``sites``)
    only rows of their own sites: no other site's row is shown."""
    header, lines = _lines(kind, path)
    if sites is not None:
        site = _site_of(trial, kind, header, given)
        lines = ((n, cells) for n, cells in lines if site(cells) in sites)
    return header, list(itertools.islice(lines, PREVIEW_ROWS))


def _mapping(kind: str, header: list[str], given: dict[str, str]) -> list[tuple[str, str]]:
    """Each field the import reads and the column that gives it ("" when none does): the
    column chosen for it (HR records), else the column named as the field."""
    if kind == ROSTER:
        from hearten.trials.roster import OPTIONAL, REQUIRED

        fields = [*REQUIRED, *OPTIONAL]
    else:
        from hearten.hr.imports import FIELDS

        fields = [f for k, spec in FIELDS.items() if k == kind for f, _ in spec]
    columns = {h.strip() for h in header}
    return [(f, given.get(f) or (f if f in columns else "")) for f in fields]


def check(
    trial: Trial,
    kind: str,
    token: str,
    mapping: dict[str, str] | None = None,
    sites: Sites = None,
    by: str | None = None,
) -> Check:
    """Check the held upload by importing it and rolling back (module docstring);
    ``mapping``: field → column for HR records, as ``hearten hr import --map``; ``sites``:
    a coordinator's own site codes: a row of any other site is refused (the import says
    why, quoting nothing of it) and is not shown; ``by``: who uploaded it."""
    given = dict(mapping or {})
    path = held(token)
    header, rows = _preview(trial, kind, path, given, sites)
    summary, refused = "", list[Refused]()
    try:
        with transaction.atomic():
            raise _RolledBack(_run(trial, kind, path, given, sites, by))
    except _RolledBack as done:
        summary = done.summary
    except HeartenError as exc:
        summary, refused = _refusals(exc, path)
    return Check(header, rows, _mapping(kind, header, given), summary, refused)


def _refusals(exc: HeartenError, path: Path) -> tuple[str, list[Refused]]:
    """An import's refusal as a summary and every problem with its row (``None``: the file
    as a whole), naming the file "the file" (its held name means nothing to anyone)."""

    def plain(text: str) -> str:
        return text.replace(str(path), "the file").replace(path.name, "the file")

    if not isinstance(exc, ImportRejected):
        return "", [Refused(None, plain(str(exc)))]
    refused: list[Refused] = []
    for problem in exc.problems:
        m = _ROW.match(problem)
        refused.append(Refused(int(m.group(1)), m.group(2)) if m else Refused(None, problem))
    return plain(exc.summary), refused


@dataclass(frozen=True, slots=True)
class Imported:
    """An import run for real: what was imported (``summary``), or every problem
    (``refused``), in which case nothing was."""

    summary: str
    refused: list[Refused]

    @property
    def ok(self) -> bool:
        return not self.refused


def apply(
    trial: Trial,
    kind: str,
    token: str,
    mapping: dict[str, str] | None = None,
    sites: Sites = None,
    by: str | None = None,
) -> Imported:
    """Import the held upload for real, all or nothing, then delete it; a refused import
    answers with its problems as :func:`check` does (the HTTP API's import, which has no
    separate confirmation). ``sites``, ``by``: as :func:`check`."""
    with _used(token) as path:
        try:
            with transaction.atomic():
                return Imported(_run(trial, kind, path, mapping, sites, by), [])
        except HeartenError as exc:
            return Imported(*_refusals(exc, path))


def sites_of(user: Any, trial: Trial) -> Sites:
    """The site codes ``user`` may import rows of: a coordinator's own sites (none for a
    coordinator given no site: they import nothing until the evaluator names their sites);
    ``None`` (any) for evaluators."""
    from hearten.trials.concealment import assigned_site_ids
    from hearten.trials.models import Site

    ids = assigned_site_ids(user, trial)
    if ids is None:
        return None
    return frozenset(Site.objects.filter(trial=trial, id__in=ids).values_list("code", flat=True))


def confirm(
    trial: Trial,
    kind: str,
    token: str,
    mapping: dict[str, str] | None = None,
    sites: Sites = None,
    by: str | None = None,
) -> str:
    """Import the held upload for real (all or nothing), then delete it; what was imported.
    ``sites``, ``by``: as :func:`check`."""
    with _used(token) as path:
        return _run(trial, kind, path, mapping, sites, by)
