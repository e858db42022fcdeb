"""What delivering each arm cost, for cost per participant and cost per unit of effect."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from hearten.errors import DataError
from hearten.interventions.models import CostItem, PerkDeployment
from hearten.trials import audit
from hearten.trials.allocation import arms_by_participant
from hearten.trials.models import Trial


def add_cost(
    trial: Trial, arm: str, item: str, amount: float, minutes: int = 0, hourly_rate: float = 0
) -> CostItem:
    """Record money spent, or staff minutes at an hourly rate, on delivering ``arm``."""
    arms = set(trial.arms.values_list("name", flat=True))
    if arm not in arms:
        raise DataError(f"no arm {arm!r} in trial {trial.slug!r} (arms: {', '.join(sorted(arms))})")
    if amount < 0 or minutes < 0 or hourly_rate < 0:
        raise DataError("costs, minutes and rates cannot be negative")
    if minutes and not hourly_rate:
        raise DataError("give the hourly rate for the staff time (--hourly-rate)")
    if not item.strip():
        raise DataError("say what the cost was for (--item)")
    with transaction.atomic():
        cost = CostItem.objects.create(
            trial=trial,
            arm=arm,
            item=item.strip(),
            amount=round(amount, 2),
            minutes=minutes,
            hourly_rate=round(hourly_rate, 2),
        )
        audit.record(trial, "cost-recorded", {"arm": arm, "item": item, "total": cost.total})
    return cost


@dataclass(frozen=True, slots=True)
class ArmCost:
    """An arm's total cost, its participants and the cost per participant."""

    arm: str
    total: float
    participants: int
    per_participant: float | None


def cost_per_participant(trial: Trial) -> list[ArmCost]:
    """Each arm's recorded costs (perks included) over the people randomised to it."""
    people: dict[str, int] = {}
    for arm in arms_by_participant(trial).values():
        people[arm] = people.get(arm, 0) + 1
    totals: dict[str, float] = {}
    for c in CostItem.objects.filter(trial=trial):
        totals[c.arm] = totals.get(c.arm, 0.0) + c.total
    arm_of_perk_unit = arms_by_participant(trial)
    for perk in PerkDeployment.objects.filter(trial=trial):
        member = (
            perk.office.participants.first() if perk.office_id else perk.team.participants.first()  # type: ignore[union-attr]
        )
        if member is not None and member.id in arm_of_perk_unit:
            arm = arm_of_perk_unit[member.id]
            totals[arm] = totals.get(arm, 0.0) + float(perk.cost)
    names = list(trial.arms.order_by("position").values_list("name", flat=True))
    return [
        ArmCost(a, round(totals.get(a, 0.0), 2), people.get(a, 0),
                round(totals.get(a, 0.0) / people[a], 2) if people.get(a) else None)
        for a in names
    ]  # fmt: skip
