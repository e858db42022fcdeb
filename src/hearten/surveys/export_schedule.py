"""A stepped-wedge trial's roll-out in its survey exports, so an evaluator can reproduce the
planned analysis from the files alone.

Every person in a stepped wedge is in the change arm's *allocation* (each cluster gets the
change, only the time differs), so an ``arm`` column would name the change for everyone.
The export carries instead the cluster's ``sequence``, the period it was drawn to start
(``start_period``, what the planned analysis uses: intention to treat) and the period it
started with the changes recorded by ``hearten trial reschedule`` (``start_period_actual``);
the long file adds the ``period`` each wave measures, the cluster's ``condition`` then and
whether it was ``exposed``. Both come from :func:`hearten.trials.rollout.trial_schedule`, the
function the analysis (:func:`hearten.analysis.stepped_wedge.stepped_dataset`) uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hearten.trials.allocation import unit_key
from hearten.trials.lifecycle import design_of
from hearten.trials.models import Allocation, Participant, Trial
from hearten.trials.rollout import trial_schedule

#: Columns of both files, in place of ``arm``.
PERSON = ("sequence", "start_period", "start_period_actual")
#: Columns of the long file, after ``wave``.
PERIOD = ("period", "condition", "exposed")


@dataclass(frozen=True, slots=True)
class ExportSchedule:
    """Each allocated participant's ``(sequence, start drawn, start carried out)`` by id,
    their cluster by id, each cluster's conditions by period as drawn, and the period waves
    in period order."""

    person: dict[int, tuple[int, int, int]]
    cluster: dict[int, str]
    conditions: dict[str, tuple[str, ...]]
    waves: tuple[str, ...]

    def person_values(self, pid: int) -> tuple[int | None, ...]:
        """The ``PERSON`` columns; empty for someone in a cluster added after randomisation
        (a stepped wedge allocates no late joiners)."""
        return self.person.get(pid, (None, None, None))

    def period_values(self, pid: int, wave: str) -> tuple[Any, ...]:
        """The ``PERIOD`` columns of one person's answer at ``wave``: empty for a wave that
        measures no period or a person in no allocated cluster."""
        cluster = self.cluster.get(pid)
        if wave not in self.waves or cluster not in self.conditions:
            return (self.waves.index(wave) if wave in self.waves else None, "", None)
        period = self.waves.index(wave)
        condition = self.conditions[cluster][period]
        return (period, condition, int(condition == "change"))


def export_schedule(trial: Trial) -> ExportSchedule | None:
    """The roll-out columns of a randomised stepped-wedge trial; ``None`` for any other."""
    spec = design_of(trial).stepped_wedge
    if spec is None or not Allocation.objects.filter(trial=trial).exists():
        return None
    drawn = {r.unit: r for r in trial_schedule(trial, as_drawn=True).rows}
    actual = {r.unit: r.start for r in trial_schedule(trial).rows}
    people = Participant.objects.filter(trial=trial).select_related("team", "office")
    cluster = {p.id: unit_key(p, trial.unit) for p in people if p.team or p.office}
    person = {
        pid: (drawn[u].sequence, drawn[u].start, actual[u])
        for pid, u in cluster.items()
        if u in drawn
    }
    conditions = {u: r.conditions for u, r in drawn.items()}
    return ExportSchedule(person, cluster, conditions, tuple(spec.period_waves))


def codebook_rows(unit: str, steps: int) -> list[tuple[str, str, str]]:
    """``(variable, label, values)`` of the roll-out columns, for the codebook."""
    return [
        ("sequence", f"Sequence the person's {unit} was randomised to (sequence 1 starts "
         "the change first); empty for a " + unit + " added after randomisation, which a "
         "stepped wedge does not allocate", f"1–{steps}"),
        ("start_period", f"Period the {unit} was drawn to start the change (intention to "
         "treat: the planned analysis uses this)", f"1–{steps}"),
        ("start_period_actual", f"Period the {unit} started the change as carried out: the "
         "drawn start with any change recorded by `hearten trial reschedule` (a deviation)",
         f"1–{steps}"),
        ("period", "Period this wave measures (period 0: before any " + unit + " starts); "
         "empty for a wave that measures no period", "0, 1, …"),
        ("condition", f"The {unit}'s condition in this period by the drawn schedule: control, "
         "transition (setting up; left out of the planned analysis) or change",
         "control; transition; change"),
        ("exposed", f"1 if the {unit} had the change in this period by the drawn schedule "
         "(the planned model's treatment indicator), 0 if not", "1=yes; 0=no"),
    ]  # fmt: skip
