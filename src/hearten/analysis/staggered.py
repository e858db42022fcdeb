"""An observational comparison of a change teams adopted at different times by decision (not
a trial): monthly panels, adoption months, and the Callaway–Sant'Anna estimate with its
pre-trend check and event study (:mod:`hearten.stats.staggered`).

This module works on tables alone (no database), so ``hearten staggered FILE`` and the
platform command (:mod:`hearten.analysis.staggered_hr` builds the panel from HR records)
share it. Months are numbered from the panel's first month (1, 2, …); a team's adoption
month is the first month counted as adopted, so a change made mid-month counts from that
month. A team that adopted before the panel's first month is always adopted in it and
cannot be compared (left out, with a note); a team adopting after its last month, or
never, is a comparison team for the whole panel.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import Any, TypeVar

import pandas as pd

from hearten.errors import DataError
from hearten.stats.staggered import estimate
from hearten.stats.staggered_result import StaggeredFit, json_safe
from hearten.stats.staggered_spec import Comparison, StaggeredSpec

#: A closed choice: an :class:`HrOutcome` or a :class:`~hearten.stats.staggered.Comparison`.
E = TypeVar("E", bound=StrEnum)
MONTH = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


class HrOutcome(StrEnum):
    """The monthly HR outcomes a staggered comparison can use, each a team-month figure."""

    ABSENCE_RATE = "absence-rate"
    LEAVING = "leaving"
    CASELOAD = "caseload"

    @property
    def label(self) -> str:
        return {
            "absence-rate": "sickness absence days per 100 FTE-days",
            "leaving": "leavers per 100 staff a month",
            "caseload": "mean caseload at the start of the month",
        }[self.value]


def parse_choice(kind: type[E], value: str, what: str) -> E:
    """The choice of ``kind`` named ``value``, or a :class:`DataError` naming ``what`` was
    asked and listing the choices."""
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(c.value for c in kind)
        raise DataError(f"unknown {what} {value!r}: choose one of {choices}") from None


def month_of(text: object, what: str) -> date:
    """The first day of the month ``YYYY-MM`` (or of a date ``YYYY-MM-DD``, or of a date
    read from a spreadsheet) in ``text``."""
    if isinstance(text, date):
        return date(text.year, text.month, 1)
    text = str(text)
    found = MONTH.match(text.strip())
    if not found:
        raise DataError(f"{what} {text!r} is not a month: write it as YYYY-MM (e.g. 2026-04)")
    year, month = int(found.group(1)), int(found.group(2))
    if not 1 <= month <= 12:
        raise DataError(f"{what} {text!r} is not a month: write it as YYYY-MM (e.g. 2026-04)")
    return date(year, month, 1)


def month_index(month: date, first: date) -> int:
    """``month``'s number in a panel starting at ``first`` (``first`` is 1)."""
    return (month.year - first.year) * 12 + month.month - first.month + 1


def months_between(first: date, last: date) -> list[date]:
    """Every month from ``first`` to ``last``, inclusive."""
    if last < first:
        raise DataError("the panel's last month is before its first")
    return [date(first.year + (first.month - 1 + k) // 12, (first.month - 1 + k) % 12 + 1, 1)
            for k in range(month_index(last, first))]  # fmt: skip


def read_adoption(frame: pd.DataFrame) -> dict[str, date | None]:
    """Adoption months from a table with columns ``team`` and ``adopted`` (``YYYY-MM``; blank
    when the team has not adopted). All rows are checked before any is used."""
    missing = {"team", "adopted"} - set(frame.columns)
    if missing:
        raise DataError(
            "the adoption file needs columns team and adopted (missing: "
            + ", ".join(sorted(missing))
            + ")"
        )
    out: dict[str, date | None] = {}
    problems = []
    for i, (team_cell, adopted_cell) in enumerate(
        zip(frame["team"], frame["adopted"], strict=True), start=2
    ):
        team = str(team_cell).strip()
        raw = "" if adopted_cell is None or pd.isna(adopted_cell) else adopted_cell
        if not team or team == "nan":
            problems.append(f"row {i}: no team")
            continue
        if team in out:
            problems.append(f"row {i}: team {team} appears twice")
            continue
        try:
            out[team] = month_of(raw, f"row {i}: adopted") if str(raw).strip() else None
        except DataError as error:
            problems.append(str(error))
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise DataError("the adoption file has problems: " + "; ".join(problems[:3]) + more)
    return out


@dataclass(frozen=True, slots=True)
class Cohorts:
    """Teams by adoption: ``first_treated`` maps each team kept to its first adopted month
    (0: a comparison team throughout), ``before`` the teams left out because they adopted
    before the panel began, ``after`` those adopting after it ended (comparison teams).
    ``first_treated`` is held read-only, over a copy of the mapping given."""

    first_treated: Mapping[str, int]
    before: tuple[str, ...]
    after: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "first_treated", MappingProxyType(dict(self.first_treated)))

    def to_json(self) -> dict[str, Any]:
        """The fields as a JSON object in declaration order (what :func:`asdict` would give,
        which cannot copy a read-only mapping)."""
        return {"first_treated": dict(self.first_treated), "before": self.before,
                "after": self.after}  # fmt: skip


def cohorts(adoption: dict[str, date | None], first: date, last: date) -> Cohorts:
    """Each team's first adopted month in the panel ``first``…``last`` (module docstring)."""
    end = month_index(last, first)
    kept: dict[str, int] = {}
    before, after = [], []
    for team, month in sorted(adoption.items()):
        if month is None:
            kept[team] = 0
            continue
        k = month_index(month, first)
        if k <= 1:
            before.append(team)
        elif k > end:
            after.append(team)
            kept[team] = 0
        else:
            kept[team] = k
    return Cohorts(kept, tuple(before), tuple(after))


@dataclass(frozen=True, slots=True)
class StaggeredComparison:
    """An observational staggered comparison: the ``outcome`` and its ``label``, the panel's
    ``months`` (``YYYY-MM``), the ``cohorts``, the estimate (``fit``) and ``notes`` (the
    estimate's, then which teams were left out or compared throughout). The command line
    prints it and the page (:mod:`hearten.reports.staggered`) reads it as it is."""

    outcome: str
    label: str
    months: tuple[str, ...]
    cohorts: Cohorts
    fit: StaggeredFit
    notes: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """The fields as a JSON object in declaration order, ``fit`` and ``cohorts`` nested
        (NaN and infinities become ``None``): what ``--json`` prints."""
        return json_safe(
            {"outcome": self.outcome, "label": self.label, "months": self.months,
             "cohorts": self.cohorts.to_json(), "fit": asdict(self.fit), "notes": self.notes}
        )  # fmt: skip


def compare(
    panel: pd.DataFrame,
    outcome: str,
    label: str,
    months: list[date],
    groups: Cohorts,
    *,
    comparison: Comparison,
    anticipation: int,
    seed: int,
    draws: int,
    alpha: float = 0.05,
) -> StaggeredComparison:
    """Estimate on ``panel`` (columns ``team``, ``month`` numbered from 1, ``y``) with the
    teams' first adopted months from ``groups``."""
    unknown = sorted(set(panel["team"]) - set(groups.first_treated) - set(groups.before))
    if unknown:
        raise DataError(
            f"no adoption month for {len(unknown)} team(s) ({', '.join(unknown[:5])}): add "
            "them to the adoption file, with adopted blank if they have not adopted"
        )
    data = panel[panel["team"].isin(list(groups.first_treated))].copy()
    data["adopted"] = data["team"].map(dict(groups.first_treated)).astype(int)
    data["month"] = data["month"].astype(int)
    spec = StaggeredSpec(
        outcome="y", unit="team", time="month", first_treated="adopted", seed=seed,
        comparison=comparison, anticipation=anticipation, draws=draws, alpha=alpha,
    )  # fmt: skip
    fit = estimate(spec, data)
    notes = list(fit.notes)
    if groups.before:
        notes.append(f"Left out, adopted before the panel began: {', '.join(groups.before)}.")
    if groups.after:
        notes.append(
            f"Adopted after the panel ended, so compared throughout: {', '.join(groups.after)}."
        )
    return StaggeredComparison(
        outcome, label, tuple(m.strftime("%Y-%m") for m in months), groups, fit, tuple(notes)
    )


def compare_file(
    table: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    adopted: str,
    comparison: Comparison,
    anticipation: int,
    seed: int,
    draws: int,
) -> StaggeredComparison:
    """The comparison on a long panel read from a file: a row per team and month (``time``,
    ``YYYY-MM``), the ``outcome`` and each team's adoption month in ``adopted`` (the same on
    every row of a team; blank when it has not adopted)."""
    for column in (outcome, unit, time, adopted):
        if column not in table.columns:
            raise DataError(
                f"the file has no column {column!r} (its columns: "
                + ", ".join(map(str, table.columns))
                + ")"
            )
    months = [month_of(v, f"{time}") for v in table[time]]
    first, last = min(months), max(months)
    y = pd.to_numeric(table[outcome].replace("", None), errors="coerce")
    if y.isna().any():
        row = int(y.isna().to_numpy().nonzero()[0][0]) + 2
        raise DataError(f"{outcome} must be a number in every row (row {row} is not)")
    panel = pd.DataFrame(
        {"team": table[unit].astype(str), "month": [month_index(m, first) for m in months],
         "y": y.astype(float)}
    )  # fmt: skip
    per_team = table.assign(_team=panel["team"]).groupby("_team")[adopted]
    if (per_team.nunique(dropna=False) > 1).any():
        raise DataError(f"{adopted} must be the same on every row of a {unit}")
    adoption = read_adoption(
        pd.DataFrame({"team": list(per_team.first().index), "adopted": list(per_team.first())})
    )
    return compare(
        panel, outcome, outcome, months_between(first, last), cohorts(adoption, first, last),
        comparison=comparison, anticipation=anticipation, seed=seed, draws=draws,
    )  # fmt: skip
