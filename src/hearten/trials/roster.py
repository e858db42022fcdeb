"""Importing the staff roster: validate every row, then write all of it or none.

A roster is a CSV file with one row per member of staff:

=============  ========  ====================================================
column         needed    meaning
=============  ========  ====================================================
staff_id       yes       the HR staff number (kept apart from analysis data)
site           yes       the employer, e.g. the local authority
team           yes       the team; a team belongs to one site
office         for office trials  the office or location
role           yes       job role, e.g. "social worker"
fte            yes       full-time equivalent, above 0 and at most 1.5
start_date     yes       date started in post, YYYY-MM-DD or DD/MM/YYYY
caseload       no        number of children or cases held (whole number)
email          no        work e-mail address for survey invitations
name           no        the name a recognition letter is addressed to
preferred_name no        the first name a letter greets them by ("Dear Jo,")
address        no        postal address for a letter, lines separated by ";"
site_name      no        the site's name as people know it (else its code is shown)
team_name      no        the team's name as people know it (else its code is shown)
=============  ========  ====================================================

Name and address, like the staff number and e-mail, are kept apart from the analysis data.
"""

from __future__ import annotations

import csv
import re
import secrets
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from hearten.delimited import delimiter_of
from hearten.errors import DataError, ImportRejected, NotFound, StateError
from hearten.trials import audit
from hearten.trials.cells import max_length, repeated_columns, text_problem, whole_number_problem
from hearten.trials.choices import TrialStatus, Unit
from hearten.trials.models import IdentityKey, Office, Participant, Site, Team, Trial

REQUIRED = ("staff_id", "site", "team", "role", "fte", "start_date")
OPTIONAL = (
    "office",
    "caseload",
    "email",
    "name",
    "address",
    "preferred_name",
    "site_name",
    "team_name",
)
PSEUDONYM_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no look-alike characters


@dataclass(frozen=True, slots=True)
class RosterRow:
    """One validated roster row."""

    line: int
    staff_id: str
    site: str
    team: str
    office: str
    role: str
    fte: Decimal
    start_date: date
    caseload: int | None
    email: str
    name: str = ""
    address: str = ""
    preferred_name: str = ""
    site_name: str = ""
    team_name: str = ""


@dataclass(frozen=True, slots=True)
class RosterImport:
    """What an import wrote."""

    participants: int
    sites: int
    teams: int
    offices: int
    late: bool = False
    new_units_allocated: int = 0


def new_pseudonym(choice: Callable[[str], str] = secrets.choice) -> str:
    """A random pseudonym such as ``P-7KX3M9QD``, carrying nothing about the person: each
    character picked from :data:`PSEUDONYM_ALPHABET` by ``choice`` (the system's secure
    random source; the demo alone gives a seeded one)."""
    return "P-" + "".join(choice(PSEUDONYM_ALPHABET) for _ in range(8))


#: Values per ``IN (...)`` look-up: well under SQLite's limit on a statement's variables.
LOOKUP_BATCH = 900


def fresh_pseudonyms(count: int, draw: Callable[[], str] = new_pseudonym) -> list[str]:
    """``count`` pseudonyms, unique among themselves and unused in the database (looked up
    in batches, so a roster of any size stays within SQLite's limit on variables), in the
    order ``draw`` gave them: by default a secure random source, so the order says nothing
    about the roster's."""
    chosen: dict[str, None] = {}  # an ordered set: the order drawn
    while len(chosen) < count:
        batch: dict[str, None] = {}
        while len(batch) < count - len(chosen):
            name = draw()
            if name not in chosen:
                batch[name] = None
        taken: set[str] = set()
        names = list(batch)
        for start in range(0, len(names), LOOKUP_BATCH):
            part = names[start : start + LOOKUP_BATCH]
            taken.update(
                Participant.objects.filter(pseudonym__in=part).values_list("pseudonym", flat=True)
            )
        chosen.update((name, None) for name in names if name not in taken)
    return list(chosen)


def _limits() -> dict[str, int]:
    """Each text column's longest value, from the fields it is stored in."""
    return {
        "staff_id": max_length(IdentityKey, "staff_id"),
        "site": max_length(Site, "code"),
        "team": max_length(Team, "code"),
        "office": max_length(Office, "code"),
        "role": max_length(Participant, "role"),
        "email": max_length(IdentityKey, "email"),
        "name": max_length(IdentityKey, "name"),
        "address": max_length(IdentityKey, "address"),
        "preferred_name": max_length(IdentityKey, "preferred_name"),
        "site_name": max_length(Site, "name"),
        "team_name": max_length(Team, "name"),
    }


def _parse_date(text: str) -> date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def outside_sites(sites: Collection[str]) -> str:
    """Why a row of a site outside ``sites`` (a coordinator's own) is refused; it quotes
    nothing of the row, which is not the coordinator's to see."""
    return f"not one of your sites: you may import rows of {', '.join(sorted(sites))} only"


def not_in_your_sites(what: str, sites: Collection[str]) -> str:
    """Why a coordinator's row naming ``what`` (a member of staff, a team) is refused, in the
    same words whether no one in the trial has it or someone at another site does: a
    coordinator does not learn who or what the trial holds outside their own sites."""
    return f"no {what} in your sites ({', '.join(sorted(sites))}): check the row"


def require_sites(sites: Collection[str] | None) -> None:
    """Refuse a coordinator given no site (``sites`` empty): they import nothing, rather than
    rows of every site, until the evaluator names their sites. ``None``: any site (an
    evaluator)."""
    if sites is not None and not sites:
        raise StateError(
            "you coordinate no site of this trial yet, so you cannot import rows: ask the "
            "trial's evaluator to give you your sites (hearten trial add-role TRIAL USER "
            "--role coordinator --site CODE)"
        )


def read_roster(path: Path, unit: str, sites: Collection[str] | None = None) -> list[RosterRow]:
    """Read and validate a roster file; raise :class:`ImportRejected` listing every problem.
    ``sites``: the site codes it may hold (a coordinator's own); any other row is refused."""
    if not path.is_file():
        raise NotFound(f"no roster file at {path}")
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f, delimiter=delimiter_of(path))
            header = [h.strip() for h in (reader.fieldnames or [])]
            repeated = repeated_columns(header)
            if repeated:
                raise ImportRejected(
                    f"{path}: the columns are not right",
                    [f"column {c!r} appears more than once: keep one" for c in repeated],
                )
            raw_rows = [{k.strip(): (v or "").strip() for k, v in r.items() if k} for r in reader]
    except UnicodeDecodeError:
        raise DataError(f"{path} is not UTF-8 text: save it as CSV (UTF-8) and try again") from None
    except csv.Error as exc:
        raise DataError(f"{path} is not a readable CSV file: {exc}") from None
    needed = REQUIRED + (("office",) if unit == Unit.OFFICE else ())
    missing = [c for c in needed if c not in header]
    unknown = [c for c in header if c not in REQUIRED + OPTIONAL]
    if missing or unknown:
        column_problems = [f"missing column {c!r}" for c in missing]
        column_problems += [
            f"unknown column {c!r} (allowed: {', '.join(REQUIRED + OPTIONAL)})" for c in unknown
        ]
        raise ImportRejected(f"{path}: the columns are not right", column_problems)
    if not raw_rows:
        raise ImportRejected(f"{path}: no staff rows", ["the file has a header but no rows"])

    problems: list[str] = []
    rows: list[RosterRow] = []
    first_line: dict[str, int] = {}
    team_site: dict[str, tuple[str, int]] = {}
    named: dict[tuple[str, str], tuple[str, int]] = {}
    limits = _limits()
    for line, r in enumerate(raw_rows, start=2):
        if sites is not None and r.get("site", "") not in sites:
            problems.append(f"row {line}: {outside_sites(sites)}")
            continue  # no other check: the row is not the coordinator's to see
        here = len(problems)
        for column, limit in limits.items():
            problem = text_problem(line, column, r.get(column, ""), limit)
            if problem:
                problems.append(problem)
        if len(problems) > here:
            continue  # the other checks would quote the unstorable text back
        for c in needed:
            if not r.get(c):
                what = "has no team" if c == "team" else f"has no {c}"
                problems.append(f"row {line}: {what}")
        sid = r.get("staff_id", "")
        if sid:
            if sid in first_line:
                problems.append(f"row {line}: staff_id {sid!r} repeats row {first_line[sid]}")
            else:
                first_line[sid] = line
        team, site = r.get("team", ""), r.get("site", "")
        if team and site:
            seen = team_site.setdefault(team, (site, line))
            if seen[0] != site:
                problems.append(
                    f"row {line}: team {team!r} is in site {site!r} here but {seen[0]!r} "
                    f"in row {seen[1]}; a team belongs to one site"
                )
        for column, key in (("site_name", site), ("team_name", team)):
            given = r.get(column, "")
            first_name = named.setdefault((column, key), (given, line)) if given and key else None
            if first_name is not None and first_name[0] != given:
                problems.append(
                    f"row {line}: {column} of {key!r} is {given!r} here but {first_name[0]!r} "
                    f"in row {first_name[1]}; give each {column.removesuffix('_name')} one name"
                )
        fte = Decimal(0)
        try:
            fte = Decimal(r.get("fte") or "0")
            if r.get("fte") and not (Decimal(0) < fte <= Decimal("1.5")):
                problems.append(f"row {line}: fte {r['fte']!r} must be above 0 and at most 1.5")
        except InvalidOperation:
            problems.append(f"row {line}: fte {r.get('fte')!r} is not a number")
        start = date.min
        if r.get("start_date"):
            try:
                start = _parse_date(r["start_date"])
            except ValueError:
                problems.append(
                    f"row {line}: start_date {r['start_date']!r} is not a date "
                    "(use YYYY-MM-DD or DD/MM/YYYY)"
                )
        caseload = None
        if r.get("caseload"):
            if re.fullmatch(r"[0-9]{1,9}", r["caseload"]):
                caseload = int(r["caseload"])
                too_many = whole_number_problem(line, "caseload", caseload)
                if too_many:
                    problems.append(too_many)
            else:
                problems.append(f"row {line}: caseload {r['caseload']!r} is not a whole number")
        if r.get("email"):
            try:
                validate_email(r["email"])
            except ValidationError:
                problems.append(f"row {line}: email {r['email']!r} is not an e-mail address")
        if len(problems) == here:
            rows.append(
                RosterRow(
                    line,
                    sid,
                    site,
                    team,
                    r.get("office", ""),
                    r["role"],
                    fte,
                    start,
                    caseload,
                    r.get("email", ""),
                    r.get("name", ""),
                    r.get("address", ""),
                    r.get("preferred_name", ""),
                    r.get("site_name", ""),
                    r.get("team_name", ""),
                )
            )
    if problems:
        raise ImportRejected(f"{path}: {len(problems)} problem(s) in the roster", problems)
    return rows


def import_roster(
    trial: Trial,
    path: Path,
    sites: Collection[str] | None = None,
    *,
    by: str | None = None,
    now: datetime,
    pseudonyms: Callable[[], str] = new_pseudonym,
) -> RosterImport:
    """Import a roster into ``trial``: every row, or nothing; ``sites``: as :func:`read_roster`
    (empty: a coordinator given no site, refused); ``by``: the username of whoever imports it,
    kept in the audit event (``None``: the command line, which has no signed-in user);
    ``pseudonyms``: where new pseudonyms come from (the system's secure random source; the
    demo alone gives a seeded one, so that a build can be repeated exactly)."""
    require_sites(sites)
    if trial.purged_at is not None:
        raise StateError(f"trial {trial.slug!r} was purged: it takes no more staff")
    if trial.status not in (TrialStatus.ENROLLING, TrialStatus.RANDOMISED):
        raise StateError(
            f"trial {trial.slug!r} is {trial.status}: staff can join only until it is analysed"
        )
    late = trial.status == TrialStatus.RANDOMISED
    rows = read_roster(path, trial.unit, sites)
    existing = set(
        IdentityKey.objects.filter(participant__trial=trial).values_list("staff_id", flat=True)
    )
    clashes = [
        f"row {r.line}: staff_id {r.staff_id!r} is already in trial {trial.slug!r}"
        for r in rows
        if r.staff_id in existing
    ]
    known_teams = dict(Team.objects.filter(trial=trial).values_list("code", "site__code"))
    clashes += [
        f"row {r.line}: team {r.team!r} is already in "
        + (f"site {known_teams[r.team]!r}" if sites is None else "another site")
        for r in rows
        if r.team in known_teams and known_teams[r.team] != r.site
    ]  # a coordinator is not told which site: it is not theirs
    if clashes:
        raise ImportRejected(f"{path}: {len(clashes)} problem(s) against the trial", clashes)

    with transaction.atomic():
        sites = {s.code: s for s in Site.objects.filter(trial=trial)}
        site_names = {r.site: r.site_name for r in rows if r.site_name}
        team_names = {r.team: r.team_name for r in rows if r.team_name}
        for code in sorted({r.site for r in rows} - set(sites)):
            sites[code] = Site.objects.create(trial=trial, code=code, name=site_names.get(code, ""))
        teams = {t.code: t for t in Team.objects.filter(trial=trial)}
        for code, site in sorted({(r.team, r.site) for r in rows if r.team not in teams}):
            teams[code] = Team.objects.create(
                trial=trial, site=sites[site], code=code, name=team_names.get(code, "")
            )
        for code, name in site_names.items():  # a later roster may name a known site
            Site.objects.filter(trial=trial, code=code, name="").update(name=name)
        for code, name in team_names.items():
            Team.objects.filter(trial=trial, code=code, name="").update(name=name)
        offices = {o.code: o for o in Office.objects.filter(trial=trial)}
        for code, site in sorted(
            {(r.office, r.site) for r in rows if r.office and r.office not in offices}
        ):
            offices[code] = Office.objects.create(trial=trial, site=sites[site], code=code)
        drawn = fresh_pseudonyms(len(rows), pseudonyms)
        people = Participant.objects.bulk_create(
            Participant(
                trial=trial,
                pseudonym=drawn[i],
                site=sites[r.site],
                team=teams[r.team],
                office=offices.get(r.office) if r.office else None,
                role=r.role,
                fte=r.fte,
                start_date=r.start_date,
                caseload=r.caseload,
                late=late,
            )
            for i, r in enumerate(rows)
        )
        IdentityKey.objects.bulk_create(
            IdentityKey(
                participant=p,
                staff_id=r.staff_id,
                email=r.email,
                name=r.name,
                preferred_name=r.preferred_name,
                address=r.address,
            )
            for p, r in zip(people, rows, strict=True)
        )
        detail: dict[str, object] = {"file": path.name, "rows": len(rows), "late": late}
        if by is not None:
            detail["by"] = by
        audit.record(trial, "roster-imported", detail, at=now)
        joined = 0
        if late:
            from hearten.trials.joiners import allocate_joiners

            joined = len(allocate_joiners(trial, now))
    return RosterImport(
        participants=len(rows),
        sites=len({r.site for r in rows}),
        teams=len({r.team for r in rows}),
        offices=len({r.office for r in rows if r.office}),
        late=late,
        new_units_allocated=joined,
    )
