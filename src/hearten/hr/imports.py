"""Importing HR records from the files councils have: CSV or Excel, with a column mapping.

Every row is checked before anything is written, and the import is all or nothing:

* the person must be in the trial (matched by HR staff number, which is then replaced by the
  trial's pseudonym: HR tables hold no staff numbers);
* dates must read (``YYYY-MM-DD``, ``DD/MM/YYYY`` or an Excel date), an end may not come before
  its start, and nothing may fall before the person started in post or after they left;
* sickness spells may not overlap one another (in the file or already imported), and every
  overlap is reported in the same pass as the other problems;
* a row may not repeat another row of the file;
* a leaver may not have records held after leaving, nor have left before randomisation
  (:mod:`hearten.hr.conflicts`, whichever file came first).

Re-importing a file changes nothing: a row identical to a record already held is skipped, and
a row that contradicts one (the same spell start with a different end, another leaving date,
FTE, caseload or team rate) is a problem to fix, unless the import is declared a correction
(``correct=True``): then the held records change and each change goes to the audit log.
"""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal, get_args

import pandas as pd
from django.db import transaction

from hearten.delimited import delimiter_of
from hearten.errors import DataError, ImportRejected, NotFound, StateError
from hearten.hr.conflicts import Correction, contradictions, corrections_detail, leaver_problems
from hearten.hr.models import (
    AbsenceSpell,
    CaseloadSnapshot,
    ContractChange,
    Leaver,
    Supervision,
    TeamRate,
)
from hearten.trials import audit
from hearten.trials.cells import max_length, repeated_columns, text_problem, whole_number_problem
from hearten.trials.models import IdentityKey, Participant, Team, Trial
from hearten.trials.roster import not_in_your_sites, require_sites

Kind = Literal["absence", "leavers", "contracts", "caseload", "supervision", "team-rates"]
KINDS: tuple[Kind, ...] = get_args(Kind)
#: Each kind's fields: (name, required).
FIELDS: Mapping[Kind, tuple[tuple[str, bool], ...]] = {
    "absence": (("staff_id", True), ("start", True), ("end", True), ("fte", False),
                ("reason", False)),
    "leavers": (("staff_id", True), ("date", True), ("reason", False)),
    "contracts": (("staff_id", True), ("date", True), ("fte", True)),
    "caseload": (("staff_id", True), ("date", True), ("caseload", True)),
    "supervision": (("staff_id", True), ("date", True)),
    "team-rates": (("team", True), ("month", True), ("vacancy_rate", True),
                   ("agency_rate", True)),
}  # fmt: skip


REASON_LENGTH = max_length(AbsenceSpell, "reason")  # the same for leavers


@dataclass(frozen=True, slots=True)
class HrImport:
    """What an import did: rows read, records added, identical rows skipped."""

    kind: Kind
    rows: int
    added: int
    unchanged: int
    corrected: int = 0


def read_file(path: Path, sheet: str | None = None) -> pd.DataFrame:
    """A CSV or Excel export, every cell as text (blank cells empty). A header naming a
    column twice is refused (pandas would rename the second copy and the first would win)."""
    if not path.is_file():
        raise NotFound(f"no file at {path}")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            data = pd.read_csv(path, sep=delimiter_of(path), header=None, dtype=str,
                               keep_default_na=False, encoding="utf-8-sig")  # fmt: skip
        elif suffix in (".xlsx", ".xlsm", ".xls"):
            data = pd.read_excel(path, sheet_name=sheet or 0, header=None, dtype=object)
            data = data.fillna("").astype(object)
        else:
            raise DataError(f"{path.name}: use a .csv or .xlsx file")
    except DataError:
        raise
    except Exception as exc:  # every reader has its own errors; all mean "unreadable"
        raise DataError(f"{path.name} could not be read: {exc}") from None
    header = [str(c) for c in data.iloc[0]] if len(data) else []
    repeated = repeated_columns(h.strip() for h in header)
    if repeated:
        raise ImportRejected(
            f"{path.name}: the columns are not right",
            [f"column {c!r} appears more than once: keep one" for c in repeated],
        )
    data = data.iloc[1:].reset_index(drop=True)
    data.columns = pd.Index(header)
    return data


def _mapping(kind: Kind, columns: list[str], given: Mapping[str, str]) -> dict[str, str]:
    """Field → column: as mapped (``--map field=column``), else a column named as the field."""
    names = [f for f, _ in FIELDS[kind]]
    unknown = [f for f in given if f not in names]
    if unknown:
        raise DataError(f"{kind} has no field {unknown[0]!r}: its fields are {', '.join(names)}")
    out = {}
    for field, required in FIELDS[kind]:
        column = given.get(field, field)
        if column in columns:
            out[field] = column
        elif required or field in given:
            near = difflib.get_close_matches(column, columns, n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else f" (columns: {', '.join(columns)})"
            raise DataError(
                f"no column {column!r} for {field}{hint}: map it with --map {field}=COLUMN"
            )
    return out


EXCEL_EPOCH = date(1899, 12, 30)  # Excel's day 0 (with its 1900 leap-year quirk folded in)


def _date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    serial = text[:-2] if text.endswith(".0") else text
    if serial.isdigit() and 20000 <= int(serial) <= 80000:  # an Excel date serial, 1954-2119
        return EXCEL_EPOCH + timedelta(days=int(serial))
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _number(value: object) -> Decimal | None:
    try:
        number = Decimal(str(value).strip().rstrip("%"))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None  # NaN and infinity are not numbers here


def import_hr(
    trial: Trial,
    kind: Kind,
    path: Path,
    mapping: Mapping[str, str],
    sheet: str | None = None,
    correct: bool = False,
    sites: Collection[str] | None = None,
    *,
    by: str | None = None,
    now: datetime,
) -> HrImport:
    """Check and import one file of HR records (module docstring); ``correct``: the file
    corrects records already held; ``sites``: the site codes it may touch (a coordinator's
    own; empty: a coordinator given no site, refused): a row of anyone (or any team) not in
    them is refused in the same words whether they are at another site or not in the trial,
    quoting nothing of it; ``by``: the username of whoever imports it, kept in the audit
    events (``None``: the command line)."""
    require_sites(sites)
    if kind not in KINDS:
        raise DataError(f"unknown kind of HR record {kind!r}: choose {', '.join(KINDS)}")
    if trial.purged_at is not None:
        raise StateError(
            f"trial {trial.slug!r} was purged: staff numbers are gone, so HR records cannot "
            "be linked to it any more"
        )
    data = read_file(path, sheet)
    if data.empty:
        raise ImportRejected(f"{path.name}: no rows", ["the file has a header but no rows"])
    columns = [str(c) for c in data.columns]
    fields = _mapping(kind, columns, mapping)
    people = {
        k.staff_id: k.participant
        for k in IdentityKey.objects.filter(participant__trial=trial).select_related(
            "participant__site"
        )
    }
    teams = {t.code: t for t in Team.objects.filter(trial=trial).select_related("site")}
    held = Leaver.objects.filter(participant__trial=trial)
    left = dict(held.values_list("participant_id", "left_on"))
    problems: list[str] = []
    rows: list[dict[str, Any]] = []
    seen: dict[tuple[Any, ...], int] = {}
    for line, raw in enumerate(data.to_dict(orient="records"), start=2):
        cell = {f: raw.get(c, "") for f, c in fields.items()}
        before = len(problems)
        key = tuple(str(cell.get(f, "")).strip() for f, _ in FIELDS[kind])
        if key in seen:
            problems.append(f"row {line}: repeats row {seen[key]}")
            continue
        seen[key] = line
        if sites is not None:
            found = (
                teams.get(str(cell["team"]).strip())
                if kind == "team-rates"
                else people.get(str(cell["staff_id"]).strip())
            )
            if found is None or found.site.code not in sites:
                what = (
                    "team with this code" if kind == "team-rates" else "one with this staff number"
                )
                problems.append(f"row {line}: {not_in_your_sites(what, sites)}")
                continue  # no other check: the row is not the coordinator's to see
        row: dict[str, Any] = {"line": line}
        if kind == "team-rates":
            team = teams.get(str(cell["team"]).strip())
            if team is None:
                problems.append(f"row {line}: no team {cell['team']!r} in the trial")
            row["team"] = team
        else:
            person = people.get(str(cell["staff_id"]).strip())
            if person is None:
                problems.append(
                    f"row {line}: staff number {cell['staff_id']!r} is not in the trial"
                )
            row["person"] = person
        for field in ("start", "end", "date", "month"):
            if field in cell:
                value = _date(cell[field])
                if value is None:
                    problems.append(f"row {line}: {field} {cell[field]!r} is not a date")
                row[field] = value
        for field in ("fte", "caseload", "vacancy_rate", "agency_rate"):
            if field in cell and str(cell[field]).strip():
                number = _number(cell[field])
                if number is None:
                    problems.append(f"row {line}: {field} {cell[field]!r} is not a number")
                elif field == "fte" and not Decimal(0) < number <= Decimal("1.5"):
                    problems.append(f"row {line}: fte {cell[field]!r} must be above 0, at most 1.5")
                elif field == "caseload" and (number < 0 or number != int(number)):
                    problems.append(f"row {line}: caseload {cell[field]!r} is not a whole number")
                elif field == "caseload" and (too_many := whole_number_problem(
                        line, "caseload", int(number))):  # fmt: skip
                    problems.append(too_many)
                elif field.endswith("_rate"):
                    share = number / 100 if str(cell[field]).strip().endswith("%") else number
                    if not 0 <= share <= 1:
                        problems.append(f"row {line}: {field} {cell[field]!r} is not a share")
                    number = share
                row[field] = number
            elif field in cell:
                row[field] = None
        row["reason"] = str(cell.get("reason", "")).strip()
        unstorable = text_problem(line, "reason", row["reason"], REASON_LENGTH)
        if unstorable:
            problems.append(unstorable)
        if len(problems) == before:
            problems += _timing(kind, row, left)
        if len(problems) == before:
            rows.append(row)
    if kind == "leavers":
        problems += leaver_problems(rows, trial)
    clashes, changes = contradictions(kind, rows, trial)
    if not correct:
        problems += clashes
    if kind == "absence":
        problems += _overlaps(rows, replaced={c.line for c in changes})
    if problems:
        raise ImportRejected(f"{path.name}: {len(problems)} problem(s); nothing was imported",
                             problems)  # fmt: skip
    return _write(trial, kind, path, rows, changes if correct else [], by, now)


def _timing(kind: Kind, row: dict[str, Any], left: Mapping[int, date]) -> list[str]:
    """End before start, or dates outside the person's time in post."""
    line = row["line"]
    person: Participant | None = row.get("person")
    out = []
    first = row.get("start") or row.get("date")
    last = row.get("end") or first
    if kind == "absence" and row["end"] < row["start"]:
        out.append(f"row {line}: the spell ends ({row['end']}) before it starts ({row['start']})")
    if person is not None and first is not None and first < person.start_date:
        out.append(
            f"row {line}: {first} is before this person started in post ({person.start_date})"
        )
    leaving = left.get(person.id) if person is not None else None
    if kind != "leavers" and leaving is not None and last is not None and last > leaving:
        out.append(f"row {line}: {last} is after this person left ({leaving})")
    return out


def _overlaps(rows: list[dict[str, Any]], replaced: set[int]) -> list[str]:
    """Sickness spells that overlap another spell, in the file or already held (but a held
    spell that a correction row ``replaced`` changes)."""
    out = []
    by_person: dict[int, list[tuple[date, date, str]]] = {}
    starts: dict[int, set[date]] = {}
    for r in rows:
        by_person.setdefault(r["person"].id, []).append((r["start"], r["end"], f"row {r['line']}"))
        if r["line"] in replaced:
            starts.setdefault(r["person"].id, set()).add(r["start"])
    for pid, spells in by_person.items():
        held = AbsenceSpell.objects.filter(participant_id=pid).values_list("starts_on", "ends_on")
        existing = {(s, e) for s, e in held if s not in starts.get(pid, set())}
        spells += [(s, e, f"an imported spell ({s} to {e})") for s, e in existing
                   if (s, e) not in {(a, b) for a, b, _ in spells}]  # fmt: skip
        spells.sort()
        for (s1, e1, w1), (s2, e2, w2) in itertools.pairwise(spells):
            if s2 <= e1 and w1.startswith("row"):
                out.append(f"{w1}: the spell {s1} to {e1} overlaps {w2}")
            elif s2 <= e1 and w2.startswith("row"):
                out.append(f"{w2}: the spell {s2} to {e2} overlaps {w1}")
    return out


def _write(
    trial: Trial,
    kind: Kind,
    path: Path,
    rows: list[dict[str, Any]],
    changes: list[Correction],
    by: str | None,
    now: datetime,
) -> HrImport:
    added = unchanged = 0
    fixing = {c.line for c in changes}
    with transaction.atomic():
        for r in rows:
            p = r.get("person")
            if r["line"] in fixing:
                _correct(trial, kind, r)
                continue
            if kind == "absence":
                _, made = AbsenceSpell.objects.get_or_create(
                    participant=p, starts_on=r["start"],
                    defaults={"ends_on": r["end"], "fte": r.get("fte"), "reason": r["reason"]},
                )  # fmt: skip
            elif kind == "leavers":
                _, made = Leaver.objects.get_or_create(
                    participant=p, defaults={"left_on": r["date"], "reason": r["reason"]}
                )
            elif kind == "contracts":
                _, made = ContractChange.objects.get_or_create(
                    participant=p, changed_on=r["date"], defaults={"fte": r["fte"]}
                )
            elif kind == "caseload":
                _, made = CaseloadSnapshot.objects.get_or_create(
                    participant=p, taken_on=r["date"], defaults={"caseload": int(r["caseload"])}
                )
            elif kind == "supervision":
                _, made = Supervision.objects.get_or_create(participant=p, held_on=r["date"])
            else:
                _, made = TeamRate.objects.get_or_create(
                    trial=trial, team=r["team"], month=r["month"].replace(day=1),
                    defaults={"vacancy_rate": float(r["vacancy_rate"]),
                              "agency_rate": float(r["agency_rate"])},
                )  # fmt: skip
            added += made
            unchanged += not made
        who = {} if by is None else {"by": by}
        audit.record(
            trial,
            "hr-imported",
            {"kind": kind, "file": path.name, "rows": len(rows), "added": added, **who},
            at=now,
        )
        if changes:
            detail = {"kind": kind, "file": path.name, "changes": corrections_detail(changes),
                      **who}  # fmt: skip
            audit.record(trial, "hr-corrected", detail, at=now)
    return HrImport(kind, len(rows), added, unchanged, len(changes))


def _correct(trial: Trial, kind: Kind, r: dict[str, Any]) -> None:
    """Change the held record the correction row ``r`` names."""
    p = r.get("person")
    if kind == "absence":
        AbsenceSpell.objects.filter(participant=p, starts_on=r["start"]).update(
            ends_on=r["end"], fte=r.get("fte"), reason=r["reason"])  # fmt: skip
    elif kind == "leavers":
        Leaver.objects.filter(participant=p).update(left_on=r["date"], reason=r["reason"])
    elif kind == "contracts":
        ContractChange.objects.filter(participant=p, changed_on=r["date"]).update(fte=r["fte"])
    elif kind == "caseload":
        CaseloadSnapshot.objects.filter(participant=p, taken_on=r["date"]).update(
            caseload=int(r["caseload"]))  # fmt: skip
    elif kind == "team-rates":
        TeamRate.objects.filter(trial=trial, team=r["team"], month=r["month"].replace(day=1)
                                ).update(vacancy_rate=float(r["vacancy_rate"]),
                                         agency_rate=float(r["agency_rate"]))  # fmt: skip
