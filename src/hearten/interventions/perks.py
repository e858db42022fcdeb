"""Workplace perks: deployed at an office or team for a span of days, with interruptions.

A participant is exposed through their office (or team) for the days the perk was there,
less any interruption, counted within a window (e.g. randomisation to follow-up), so the
analysis knows who was exposed and for how long. Perks go only to units in an intervention
arm: one for a control office is refused.
"""

from __future__ import annotations

from datetime import date, datetime

from hearten.errors import DataError, NotFound
from hearten.interventions.models import PerkDeployment, PerkInterruption
from hearten.trials import audit
from hearten.trials.allocation import arms_by_participant
from hearten.trials.models import Office, Participant, Team, Trial


def add_perk(
    trial: Trial,
    name: str,
    starts: date,
    ends: date,
    office: str | None = None,
    team: str | None = None,
    cost: float = 0.0,
    *,
    now: datetime,
) -> PerkDeployment:
    """Record a perk at one office or team (module docstring)."""
    if (office is None) == (team is None):
        raise DataError("give the office or the team the perk is for (one of them)")
    if ends < starts:
        raise DataError(f"the perk ends ({ends}) before it starts ({starts})")
    if cost < 0:
        raise DataError("the cost cannot be negative")
    the_office = Office.objects.filter(trial=trial, code=office).first() if office else None
    the_team = Team.objects.filter(trial=trial, code=team).first() if team else None
    if the_office is not None:
        people = Participant.objects.filter(trial=trial, office=the_office)
    else:
        people = Participant.objects.filter(trial=trial, team=the_team)
    if the_office is None and the_team is None:
        kind = "office" if office is not None else "team"
        raise NotFound(f"no {kind} {office or team!r} in trial {trial.slug!r}")
    arms = arms_by_participant(trial)
    control = trial.control_arm.name
    in_arms = {arms.get(p.id) for p in people}
    if not arms or in_arms & {control, None}:
        raise DataError(
            f"{office or team} is not in an intervention arm: perks go only to offices or teams "
            "randomised to receive them"
        )
    return audit.create_recorded(
        trial,
        "perk-deployed",
        PerkDeployment,
        lambda perk: {"perk": perk.pk, "where": office or team, "name": name},
        trial=trial,
        office=the_office,
        team=the_team,
        name=name,
        starts_on=starts,
        ends_on=ends,
        cost=round(cost, 2),
        at=now,
    )


def interrupt(
    trial: Trial, perk_id: int, starts: date, ends: date, reason: str, *, now: datetime
) -> None:
    """Record days a perk was not there."""
    perk = PerkDeployment.objects.filter(trial=trial, pk=perk_id).first()
    if perk is None:
        raise NotFound(f"no perk {perk_id} in trial {trial.slug!r}")
    if ends < starts or starts < perk.starts_on or ends > perk.ends_on:
        raise DataError(
            f"the interruption must fall within the perk's days ({perk.starts_on} to "
            f"{perk.ends_on}) and end on or after it starts"
        )
    audit.create_recorded(
        trial,
        "perk-interrupted",
        PerkInterruption,
        lambda _: {"perk": perk_id, "reason": reason},
        deployment=perk,
        starts_on=starts,
        ends_on=ends,
        reason=reason,
        at=now,
    )


def _days(a: date, b: date) -> set[int]:
    return set(range(a.toordinal(), b.toordinal() + 1))


def exposure_days(trial: Trial, window_start: date, window_end: date) -> dict[int, int]:
    """Days each participant had a perk within the window (by participant id; 0 if none)."""
    window = _days(window_start, window_end)
    out = {p: 0 for p in Participant.objects.filter(trial=trial).values_list("id", flat=True)}
    for perk in PerkDeployment.objects.filter(trial=trial).prefetch_related("interruptions"):
        days = _days(perk.starts_on, perk.ends_on) & window
        for gap in perk.interruptions.all():
            days -= _days(gap.starts_on, gap.ends_on)
        if perk.office_id is not None:
            people = Participant.objects.filter(trial=trial, office_id=perk.office_id)
        else:
            people = Participant.objects.filter(trial=trial, team_id=int(perk.team_id or 0))
        for pid in people.values_list("id", flat=True):
            out[pid] += len(days)
    return out
