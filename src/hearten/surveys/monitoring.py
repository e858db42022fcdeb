"""Response rates for coordinators, without exposing anyone.

:func:`monitor` is the one service every page showing response rates goes through: it
returns display-ready tables (overall, by site, by team within site and, once delivery is
open or for evaluators, by arm), already suppressed **and audited together**. The base cells
are site × team × arm (arm only where arms are shown), so the audit knows what a coordinator
knows from delivery: which teams are in which arm, and every team's size. Groups smaller
than the trial's ``monitoring.min_group``, and groups where nobody or everybody answered,
are hidden, then more are hidden until no hidden group can be solved for from all the
tables on the page (:func:`hearten.stats.disclosure.protect`). Nobody sees an individual's
answers here; "answered" means the whole survey was completed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum

from hearten.stats.disclosure import Cell, Margin, Table, protect, shown_cell
from hearten.surveys.models import Wave
from hearten.trials.allocation import arms_by_participant
from hearten.trials.lifecycle import design_of


@dataclass(frozen=True, slots=True)
class Monitor:
    """One wave's response tables, already suppressed and audited together."""

    wave: str
    min_group: int
    overall: Cell
    sites: list[Cell]
    teams: list[Cell]
    arms: list[Cell] | None


def monitor(wave: Wave, show_arms: bool, within: set[int] | None = None) -> Monitor:
    """The wave's response rates as coordinators may see them (module docstring); only the
    sites ``within`` (a site coordinator's, by id), or every site."""
    trial = wave.trial
    k = design_of(trial).monitoring.min_group
    chosen = wave.invitations.select_related("participant__site", "participant__team")
    if within is not None:
        chosen = chosen.filter(participant__site_id__in=within)
    arm_of = arms_by_participant(trial) if show_arms else {}
    people: Counter[tuple[str, str, str]] = Counter()
    answered: Counter[tuple[str, str, str]] = Counter()
    for inv in chosen:
        key = (inv.participant.site.code, inv.participant.team.code,
               arm_of.get(inv.participant_id, ""))  # fmt: skip
        people[key] += 1
        answered[key] += inv.completed_at is not None
    base = sorted(people)

    def margin(key: str, parent: str | None, cells: list[int]) -> Margin:
        return Margin(key, parent, sum(people[base[j]] for j in cells),
                      sum(answered[base[j]] for j in cells), frozenset(cells))  # fmt: skip

    def where(test: int, value: str) -> list[int]:
        return [j for j, b in enumerate(base) if b[test] == value]

    sites = sorted({b[0] for b in base})
    teams = sorted({(b[0], b[1]) for b in base})
    arms = sorted({b[2] for b in base if b[2]})
    margins = [
        margin("all", None, list(range(len(base)))),
        *(margin(s, None, where(0, s)) for s in sites),
        *(margin(t, s, [j for j, b in enumerate(base) if b[:2] == (s, t)]) for s, t in teams),
        *(margin(a, None, where(2, a)) for a in arms),
    ]
    table = Table(tuple(people[b] for b in base), tuple(answered[b] for b in base),
                  tuple(margins), k)  # fmt: skip
    hidden = protect(table)
    cells = [shown_cell(m, hidden.get(i)) for i, m in enumerate(margins)]
    first_team, first_arm = 1 + len(sites), 1 + len(sites) + len(teams)
    return Monitor(
        wave=wave.name,
        min_group=k,
        overall=cells[0],
        sites=cells[1:first_team],
        teams=cells[first_team:first_arm],
        arms=cells[first_arm:] if arms else None,
    )


class Order(StrEnum):
    """How the teams of the response-rates page are sorted."""

    TEAM = "team"
    LOWEST = "lowest"
    HIGHEST = "highest"
    LARGEST = "largest"


@dataclass(frozen=True, slots=True)
class TeamRow:
    """A team's row on the response-rates page: its site's and its own name as people know
    them, its cell, and whether its shown rate is below the trial's target (``low``; never
    for a hidden team, whose rate nobody may learn)."""

    site: str
    team: str
    cell: Cell
    low: bool


def team_rows(
    m: Monitor,
    names: dict[tuple[str, str], tuple[str, str]],
    target: float,
    order: Order = Order.TEAM,
    site: str = "",
    low_only: bool = False,
) -> list[TeamRow]:
    """The teams of ``m`` named (``names``: (site code, team code) → (site name, team
    name)), only ``site``'s (a site code; "" for all) and with ``low_only`` only those below
    ``target``, in ``order``. Hidden teams come last in every order but by team."""
    rows = []
    for c in m.teams:
        key = (c.parent or "", c.key)
        if site and key[0] != site:
            continue
        low = c.rate is not None and c.rate < target
        if low_only and not low:
            continue
        site_name, team_name = names.get(key, key)
        rows.append(TeamRow(site_name, team_name, c, low))

    def by_team(r: TeamRow) -> tuple[str, str]:
        return (r.site.casefold(), r.team.casefold())

    rows.sort(key=by_team)
    if order is Order.LOWEST:
        rows.sort(key=lambda r: (r.cell.rate is None, r.cell.rate or 0.0))
    elif order is Order.HIGHEST:
        rows.sort(key=lambda r: (r.cell.rate is None, -(r.cell.rate or 0.0)))
    elif order is Order.LARGEST:
        rows.sort(key=lambda r: (r.cell.people is None, -(r.cell.people or 0)))
    return rows
