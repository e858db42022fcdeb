"""HR rows checked against the records already held, whatever order the files come in.

* A row that contradicts a record already held (a leaving date, a spell's end, a contract's
  FTE, a caseload or a team's rates that differ for the same person and date) is a problem
  with its row number, unless the file is declared a correction: then the held record is
  changed and each change is written to the audit log (:func:`corrections_detail`).
* A leaver is checked against every record held for the person after the leaving date
  (absence spells, contract changes, caseloads, supervision), and against the follow-up
  window: leaving before the trial was randomised cannot be followed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from hearten.hr.models import (
    AbsenceSpell,
    CaseloadSnapshot,
    ContractChange,
    Leaver,
    Supervision,
    TeamRate,
)
from hearten.trials.models import Trial


@dataclass(frozen=True, slots=True)
class Correction:
    """One held record changed by a correction file."""

    line: int
    who: str
    field: str
    held: str
    new: str


def _held(kind: str, row: dict[str, Any], trial: Trial) -> tuple[str, Any, Any] | None:
    """(field, held value, the row's value) when a record is held for the row's key."""
    p = row.get("person")
    held: Any
    if kind == "absence":
        ends = AbsenceSpell.objects.filter(participant=p, starts_on=row["start"])
        held = ends.values_list("ends_on", flat=True).first()
        return ("end", held, row["end"]) if held is not None else None
    if kind == "leavers":
        held = Leaver.objects.filter(participant=p).values_list("left_on", flat=True).first()
        return ("date", held, row["date"]) if held is not None else None
    if kind == "contracts":
        held = (
            ContractChange.objects.filter(participant=p, changed_on=row["date"])
            .values_list("fte", flat=True)
            .first()
        )
        return ("fte", held, row["fte"]) if held is not None else None
    if kind == "caseload":
        held = (
            CaseloadSnapshot.objects.filter(participant=p, taken_on=row["date"])
            .values_list("caseload", flat=True)
            .first()
        )
        return ("caseload", held, int(row["caseload"])) if held is not None else None
    if kind == "team-rates":
        rate = TeamRate.objects.filter(trial=trial, team=row["team"],
                                       month=row["month"].replace(day=1)).first()  # fmt: skip
        if rate is None:
            return None
        return ("rates", (rate.vacancy_rate, rate.agency_rate),
                (float(row["vacancy_rate"]), float(row["agency_rate"])))  # fmt: skip
    return None


def contradictions(
    kind: str, rows: list[dict[str, Any]], trial: Trial
) -> tuple[list[str], list[Correction]]:
    """Rows that contradict a held record: as problems, and as the corrections they would
    make."""
    problems, changes = [], []
    for row in rows:
        found = _held(kind, row, trial)
        if found is None:
            continue
        field, held, new = found
        if held == new:
            continue
        who = row["person"].pseudonym if row.get("person") is not None else row["team"].code
        problems.append(
            f"row {row['line']}: {field} {new} contradicts the record already held for {who} "
            f"({held}): correct the file, or import it with --correct to change the record"
        )
        changes.append(Correction(row["line"], who, field, str(held), str(new)))
    return problems, changes


def leaver_problems(rows: list[dict[str, Any]], trial: Trial) -> list[str]:
    """Leavers against the records held after their leaving date and the follow-up window."""
    out = []
    randomised = getattr(trial, "allocation", None)
    window_start: date | None = randomised.randomised_on if randomised else None
    for row in rows:
        p, left = row["person"], row["date"]
        line = row["line"]
        if window_start is not None and left < window_start:
            out.append(
                f"row {line}: {left} is before the trial was randomised ({window_start}), so "
                "this person cannot be followed: check the date"
            )
        later = [
            *(f"an absence spell to {e}" for e in AbsenceSpell.objects.filter(
                participant=p, ends_on__gt=left).values_list("ends_on", flat=True)),
            *(f"a contract change on {d}" for d in ContractChange.objects.filter(
                participant=p, changed_on__gt=left).values_list("changed_on", flat=True)),
            *(f"a caseload on {d}" for d in CaseloadSnapshot.objects.filter(
                participant=p, taken_on__gt=left).values_list("taken_on", flat=True)),
            *(f"supervision on {d}" for d in Supervision.objects.filter(
                participant=p, held_on__gt=left).values_list("held_on", flat=True)),
        ]  # fmt: skip
        out += [f"row {line}: left on {left}, but {what} is already held" for what in later]
    return out


def corrections_detail(changes: list[Correction]) -> list[dict[str, Any]]:
    """The audit log's record of each change a correction made."""
    return [{"row": c.line, "who": c.who, "field": c.field, "was": c.held, "now": c.new}
            for c in changes]  # fmt: skip
