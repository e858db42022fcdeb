"""Response rates for coordinators, without exposing anyone.

Rates by site, by team within site and (once delivery is open, or for evaluators) by arm,
with groups smaller than the trial's ``monitoring.min_group`` hidden and complementary cells
hidden so none can be worked out (:mod:`hearten.stats.disclosure`). Nobody sees an
individual's answers here; "answered" means the whole survey was completed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from hearten.stats.disclosure import Cell, Group, suppress
from hearten.surveys.models import Wave
from hearten.trials.allocation import arms_by_participant
from hearten.trials.lifecycle import design_of


@dataclass(frozen=True, slots=True)
class Monitor:
    """One wave's response tables, already suppressed."""

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
    invitations = list(chosen)
    people: Counter[tuple[str, str]] = Counter()
    answered: Counter[tuple[str, str]] = Counter()
    for inv in invitations:
        key = (inv.participant.site.code, inv.participant.team.code)
        people[key] += 1
        answered[key] += inv.completed_at is not None
    sites = sorted({s for s, _ in people})
    site_groups = [
        Group(s, None, sum(n for (x, _), n in people.items() if x == s),
              sum(n for (x, _), n in answered.items() if x == s))
        for s in sites
    ]  # fmt: skip
    team_groups = [Group(t, s, people[s, t], answered[s, t]) for (s, t) in sorted(people)]
    cells = suppress(site_groups + team_groups, k)
    total = Group("all", None, len(invitations), sum(answered.values()))
    overall = suppress([total], k)[0]
    arm_cells = None
    if show_arms:
        arm_of = arms_by_participant(trial)
        if arm_of:
            per: Counter[str] = Counter()
            done: Counter[str] = Counter()
            for inv in invitations:
                arm = arm_of.get(inv.participant_id)
                if arm is not None:
                    per[arm] += 1
                    done[arm] += inv.completed_at is not None
            arm_cells = suppress([Group(a, None, per[a], done[a]) for a in sorted(per)], k)
    return Monitor(
        wave=wave.name,
        min_group=k,
        overall=overall,
        sites=[c for c in cells if c.parent is None],
        teams=[c for c in cells if c.parent is not None],
        arms=arm_cells,
    )
