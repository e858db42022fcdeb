"""Costing a trial by ingredients: each item's quantity from the delivery logs, its price in
the trial's price year, discounted to the first year, and shared out to the people who
received it, so costs can be bootstrapped with outcomes person by person.

Who bears a unit of cost:

* **per letter sent** (printed, posted or e-mailed): the letter's recipient;
* **per module completed**: the participant who completed it;
* **per perk deployed**, and a perk's own logged cost: the people of its office or team,
  equally;
* **per person randomised**, and **in total**: everyone randomised to the arm, equally
  (an arm pays for everyone it was offered to: costs are intention-to-treat).

Staff minutes are entered with the item, or, for writing a letter, read from the deliverer
survey each time the trial is costed (``MinutesFrom.DELIVERER_SURVEY``): the caller passes
the letter writers' reported minutes (``ReportedTime``, from
``hearten.process.deliverers.reported_times``, which this layer cannot import), and the
line's source says how many answered.

Items in a year at or past the trial's horizon are left out and listed. Amounts are moved to
the price year by the costing basis's index (``hearten.stats.costs.to_price_year``) and
discounted at its rate (``present_value``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from hearten.errors import DataError
from hearten.interventions.models import (
    CostDriver,
    CostingBasis,
    CostItem,
    CostPhase,
    Letter,
    MinutesFrom,
    ModuleWork,
    PerkDeployment,
)
from hearten.stats.costs import present_value, to_price_year
from hearten.trials.allocation import arms_by_participant
from hearten.trials.models import Participant, Trial

SENT = ("printed", "posted", "emailed")


@dataclass(frozen=True, slots=True)
class ReportedTime:
    """Deliverers' reported minutes per unit of a driver (e.g. per letter): the mean the
    costing uses and how many people answered."""

    minutes: float
    answers: int


@dataclass(frozen=True, slots=True)
class CostLine:
    """One ingredient costed: how many units the logs count, at what price, in the price year
    and discounted."""

    arm: str
    item: str
    phase: str
    kind: str
    per: str
    quantity: float
    unit_price: float
    cost: float
    discounted: float
    year: int
    priced_in: str
    source: str


@dataclass(frozen=True, slots=True)
class ArmCost:
    """An arm's total (discounted, in the price year), its people, the cost per person, and
    the total by phase and by kind."""

    arm: str
    total: float
    participants: int
    per_participant: float | None
    by_phase: dict[str, float] = field(default_factory=dict)
    by_kind: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Costing:
    """A trial's costs: the lines, each arm's totals, each randomised person's share (by
    pseudonym), and the basis they rest on."""

    lines: list[CostLine]
    arms: list[ArmCost]
    person: dict[str, float]
    price_year: str
    index_name: str
    discount_rate: float
    horizon_years: int
    outside_horizon: list[str]


def _shares(trial: Trial, arm_of: dict[int, str]) -> dict[str, dict[str, dict[int, float]]]:
    """For each driver and arm, how the units the logs count fall on people (by id)."""
    shares: dict[str, dict[str, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
    for pid, arm in arm_of.items():
        shares[CostDriver.PARTICIPANT][arm][pid] = 1.0
    for arm, people in list(shares[CostDriver.PARTICIPANT].items()):
        shares[CostDriver.TOTAL][arm] = {pid: 1.0 / len(people) for pid in people}
    for pid in Letter.objects.filter(trial=trial, status__in=SENT).values_list(
        "participant_id", flat=True
    ):
        if pid in arm_of:
            shares[CostDriver.LETTER][arm_of[pid]][pid] = 1.0
    done = ModuleWork.objects.filter(enrolment__trial=trial, completed_at__isnull=False)
    for pid in done.values_list("enrolment__participant_id", flat=True):
        if pid in arm_of:
            mine = shares[CostDriver.MODULE][arm_of[pid]]
            mine[pid] = mine.get(pid, 0.0) + 1.0
    for perk, members in _perk_members(trial, arm_of).items():
        del perk
        if members:
            mine = shares[CostDriver.PERK][arm_of[members[0]]]
            for pid in members:
                mine[pid] = mine.get(pid, 0.0) + 1.0 / len(members)
    return shares


def _perk_members(trial: Trial, arm_of: dict[int, str]) -> dict[int, list[int]]:
    """Each perk's randomised people (its office's or team's)."""
    out = {}
    for perk in PerkDeployment.objects.filter(trial=trial):
        people = Participant.objects.filter(trial=trial)
        if perk.office_id is not None:
            people = people.filter(office_id=perk.office_id)
        elif perk.team_id is not None:
            people = people.filter(team_id=perk.team_id)
        else:
            people = people.none()
        out[perk.id] = [pid for pid in people.values_list("id", flat=True) if pid in arm_of]
    return out


def _price(amount: float, priced_in: str, basis: CostingBasis | None, item: str) -> float:
    if not priced_in or basis is None or priced_in == basis.price_year:
        if priced_in and basis is None:
            raise DataError(
                f"{item!r} is priced in {priced_in}: set the trial's price year and index with "
                "`hearten costs basis` to put every cost in one year's prices"
            )
        return amount
    return to_price_year(amount, priced_in, basis.price_year, basis.index)


def _minutes(item: CostItem, reported: Mapping[str, ReportedTime]) -> tuple[float, str]:
    """The item's minutes per unit, and what its line's source adds about them."""
    if item.minutes_from != MinutesFrom.DELIVERER_SURVEY:
        return float(item.minutes), ""
    found = reported.get(item.per)
    if found is None or found.answers == 0:
        raise DataError(
            f"{item.item!r} takes its minutes per {item.per} from the deliverer survey, which no "
            "letter writer has answered yet: ask them to answer it, or record the item with "
            "--minutes instead"
        )
    whose = "letter writer's" if found.answers == 1 else "letter writers'"
    return found.minutes, (
        f"minutes per {item.per}: {found.minutes:.1f}, the mean of {found.answers} {whose} "
        "answers to the deliverer survey"
    )


def costing(trial: Trial, reported: Mapping[str, ReportedTime] | None = None) -> Costing:
    """Every cost of the trial, costed by its ingredients on the trial's basis; ``reported``
    holds the deliverers' reported minutes per driver for items that take them from the
    deliverer survey."""
    basis = CostingBasis.objects.filter(trial=trial).first()
    rate = basis.discount_rate if basis else 0.0
    horizon = basis.horizon_years if basis else 1
    arm_of = arms_by_participant(trial)
    shares = _shares(trial, arm_of)
    lines: list[CostLine] = []
    person: dict[int, float] = dict.fromkeys(arm_of, 0.0)
    outside: list[str] = []

    def bear(arm: str, driver: str, unit_cost: float) -> float:
        units = shares[driver].get(arm, {})
        for pid, n in units.items():
            person[pid] += n * unit_cost
        return sum(units.values())

    for c in CostItem.objects.filter(trial=trial).order_by("id"):
        if c.year >= horizon:
            outside.append(f"{c.item} (year {c.year + 1})")
            continue
        minutes, told = _minutes(c, reported or {})
        unit = _price(float(c.amount), c.priced_in, basis, c.item) + minutes / 60 * _price(
            float(c.hourly_rate), c.priced_in, basis, c.item
        )
        discounted_unit = present_value([unit], [c.year], rate)
        quantity = round(bear(c.arm, c.per, discounted_unit), 6)
        if c.per == CostDriver.TOTAL:
            quantity = 1.0
        lines.append(CostLine(c.arm, c.item, c.phase, c.kind, c.per, quantity, round(unit, 2),
                              round(unit * quantity, 2), round(discounted_unit * quantity, 2),
                              c.year, c.priced_in or (basis.price_year if basis else ""),
                              "; ".join(x for x in (c.source, told) if x)))  # fmt: skip
    members = _perk_members(trial, arm_of)
    for perk in PerkDeployment.objects.filter(trial=trial).order_by("id"):
        people = members.get(perk.id, [])
        if not people or not perk.cost:
            continue
        for pid in people:
            person[pid] += float(perk.cost) / len(people)
        each = float(perk.cost)
        lines.append(CostLine(arm_of[people[0]], f"perk: {perk.name}", CostPhase.START_UP,
                              "materials", CostDriver.PERK, 1.0, each, each, each, 0, "",
                              "the perk log"))  # fmt: skip
    return Costing(
        lines=lines,
        arms=_arms(trial, lines, arm_of, person),
        person={p.pseudonym: person[p.id] for p in Participant.objects.filter(id__in=person)},
        price_year=basis.price_year if basis else "",
        index_name=basis.index_name if basis else "",
        discount_rate=rate,
        horizon_years=horizon,
        outside_horizon=outside,
    )


def _arms(
    trial: Trial, lines: list[CostLine], arm_of: dict[int, str], person: dict[int, float]
) -> list[ArmCost]:
    people: dict[str, int] = defaultdict(int)
    totals: dict[str, float] = defaultdict(float)
    for pid, arm in arm_of.items():
        people[arm] += 1
        totals[arm] += person[pid]
    out = []
    for arm in trial.arms.order_by("position").values_list("name", flat=True):
        by_phase: dict[str, float] = defaultdict(float)
        by_kind: dict[str, float] = defaultdict(float)
        for line in (x for x in lines if x.arm == arm):
            by_phase[line.phase] += line.discounted
            by_kind[line.kind] += line.discounted
        n = people.get(arm, 0)
        out.append(ArmCost(arm, round(totals[arm], 2), n,
                           round(totals[arm] / n, 2) if n else None,
                           {k: round(v, 2) for k, v in by_phase.items()},
                           {k: round(v, 2) for k, v in by_kind.items()}))  # fmt: skip
    return out
