"""Where each participant got to with their arm's intervention: the uptake stage that the
interview sample and the framework matrix are stratified by, and caseload bands."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from hearten.interventions.goals import MODULES, completed_modules
from hearten.interventions.models import EngagementEvent, EngagementKind, Enrolment, Letter
from hearten.process.choices import Stage
from hearten.trials.allocation import arms_by_participant
from hearten.trials.models import Participant, Trial

#: Caseload band edges (cases), from the first programme's reports: under 15, 15–19, 20 or more.
DEFAULT_BANDS: tuple[int, ...] = (15, 20)


def stages(trial: Trial) -> dict[int, Stage]:
    """Each allocated participant's uptake stage, by participant id.

    Online programme: *never opened* (no visit), *started and stopped* (opened, not every
    module completed), *completed* (every module). Letters: *completed* when the letter was
    posted or e-mailed, *never opened* otherwise (it never reached them). The control arm is
    *control*; an arm whose delivery is not recorded person by person (office perks) is
    *not tracked*.
    """
    arms = arms_by_participant(trial)
    control = set(trial.arms.filter(is_control=True).values_list("name", flat=True))
    enrolled = set(Enrolment.objects.filter(trial=trial).values_list("participant_id", flat=True))
    opened = set(
        EngagementEvent.objects.filter(
            enrolment__trial=trial, kind=EngagementKind.OPENED
        ).values_list("enrolment__participant_id", flat=True)
    )
    done = completed_modules(trial)
    letters = dict(
        (pid, posted is not None or emailed is not None)
        for pid, posted, emailed in Letter.objects.filter(trial=trial).values_list(
            "participant_id", "posted_at", "emailed_at"
        )
    )
    out: dict[int, Stage] = {}
    for pid, arm in arms.items():
        if arm in control:
            out[pid] = "control"
        elif pid in enrolled:
            if done.get(pid, 0) >= MODULES:
                out[pid] = "completed"
            elif pid in opened or done.get(pid, 0) > 0:
                out[pid] = "started and stopped"
            else:
                out[pid] = "never opened"
        elif pid in letters:
            out[pid] = "completed" if letters[pid] else "never opened"
        else:
            out[pid] = "not tracked"
    return out


def band(caseload: int | None, edges: Sequence[int] = DEFAULT_BANDS) -> str:
    """A caseload's band: ``"under 15"``, ``"15–19"``, ``"20 or more"`` for the default edges,
    ``"unknown"`` when it was not recorded."""
    if caseload is None:
        return "unknown"
    if caseload < edges[0]:
        return f"under {edges[0]}"
    for low, high in pairwise(edges):
        if caseload < high:
            return f"{low}–{high - 1}"
    return f"{edges[-1]} or more"


def describe(trial: Trial, people: Sequence[Participant]) -> dict[int, dict[str, str]]:
    """Arm, site, uptake stage and caseload band of each of ``people``, by participant id."""
    arms = arms_by_participant(trial)
    stage = stages(trial)
    return {
        p.id: {
            "arm": arms.get(p.id, "unallocated"),
            "site": p.site.code,
            "stage": stage.get(p.id, "not tracked"),
            "caseload": band(p.caseload),
        }
        for p in people
    }
