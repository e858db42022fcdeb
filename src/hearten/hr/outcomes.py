"""Outcomes derived from HR records for each participant over a follow-up window.

* ``absence_days``: days of sickness absence inside the window (each spell clipped to it);
  ``absence_spells``: spells that overlap it.
* ``exposure``: FTE times days employed inside the window (FTE from the roster, changed by
  contract changes as they happen; employment ends the day a person leaves), the offset for a
  rate of absence per FTE-day.
* ``left``: left inside the window; ``days_to_leaving``: days from the window's start to
  leaving, or to its end for those who stayed (censored, ``left = 0``).
* ``in_window``: employed on at least one day of the window. Someone who had left before it
  began (whichever file was imported first) or joined after it ended is not at risk in it: 0,
  with no exposure and no days followed, so no model counts them as having stayed.
* ``caseload_baseline``: the last caseload snapshot on or before the window's start, else the
  roster's caseload.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from hearten.errors import DataError
from hearten.hr.models import AbsenceSpell, CaseloadSnapshot, ContractChange, Leaver
from hearten.trials.models import Participant, Trial


def derive(trial: Trial, start: date, end: date) -> pd.DataFrame:
    """One row per participant (by pseudonym) with the outcomes above."""
    if end < start:
        raise DataError("the follow-up window ends before it starts")
    spells: dict[int, list[tuple[date, date]]] = {}
    absences = AbsenceSpell.objects.filter(participant__trial=trial).order_by("starts_on", "id")
    for spell in absences:
        spells.setdefault(spell.participant_id, []).append((spell.starts_on, spell.ends_on))
    leaving = dict(Leaver.objects.filter(participant__trial=trial).values_list(
        "participant_id", "left_on"))  # fmt: skip
    changes: dict[int, list[tuple[date, float]]] = {}
    for c in ContractChange.objects.filter(participant__trial=trial).order_by("changed_on", "id"):
        changes.setdefault(c.participant_id, []).append((c.changed_on, float(c.fte)))
    snaps: dict[int, list[tuple[date, int]]] = {}
    taken = CaseloadSnapshot.objects.filter(participant__trial=trial).order_by("taken_on", "id")
    for snap in taken:
        snaps.setdefault(snap.participant_id, []).append((snap.taken_on, snap.caseload))
    rows = []
    for p in Participant.objects.filter(trial=trial).order_by("pseudonym"):
        left_on = leaving.get(p.id)
        employed_to = min(end, left_on) if left_on else end
        employed_from = max(start, p.start_date)
        days_absent = spell_count = 0
        for s, e in spells.get(p.id, []):
            lo, hi = max(s, start), min(e, end)
            if lo <= hi:
                days_absent += (hi - lo).days + 1
                spell_count += 1
        exposure = 0.0
        day = employed_from
        fte = float(p.fte)
        history = changes.get(p.id, [])
        for when, value in history:
            if when <= employed_from:
                fte = value
        while day <= employed_to:
            for when, value in history:
                if when == day:
                    fte = value
            exposure += fte
            day += timedelta(days=1)
        left = left_on is not None and start <= left_on <= end
        in_window = employed_from <= employed_to
        stop = left_on if left and left_on is not None else end if in_window else start
        before = [c for when, c in snaps.get(p.id, []) if when <= start]
        rows.append(
            {
                "pseudonym": p.pseudonym,
                "absence_days": days_absent,
                "absence_spells": spell_count,
                "exposure": round(exposure, 4),
                "left": int(left),
                "in_window": int(in_window),
                "days_to_leaving": (stop - start).days,
                "caseload_baseline": before[-1] if before else p.caseload,
            }
        )
    return pd.DataFrame(rows)
