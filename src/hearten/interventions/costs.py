"""Recording what delivering each arm used: ingredients, unit costs, and the costing basis.

Costs follow the ingredients method of the EEF's cost evaluation guidance and the Magenta
Book: each item has a phase (prerequisite, start-up, recurring), a kind (materials, staff
time, participants' time), an arm, and an amount or minutes either in total or per unit of
something the delivery logs count (a letter sent, a module completed, a perk deployed, a
person randomised). Prices come from the trial's unit-cost table, each with its source and
price year; ``hearten.interventions.ingredients`` puts them on one footing and costs them.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any

from django.db import transaction

from hearten.errors import DataError
from hearten.interventions.ingredients import ArmCost, costing
from hearten.interventions.models import (
    CostDriver,
    CostingBasis,
    CostItem,
    CostKind,
    CostPhase,
    MinutesFrom,
    UnitCost,
)
from hearten.trials import audit
from hearten.trials.models import Trial


def _choice(value: str, choices: Any, what: str) -> str:
    if value not in choices.values:
        raise DataError(f"{what} must be one of {', '.join(choices.values)} (got {value!r})")
    return value


def add_cost(
    trial: Trial,
    arm: str,
    item: str,
    amount: float,
    minutes: int = 0,
    hourly_rate: float = 0,
    *,
    phase: str = CostPhase.RECURRING,
    kind: str | None = None,
    per: str = CostDriver.TOTAL,
    unit_cost: str = "",
    year: int = 0,
    priced_in: str = "",
    source: str = "",
    minutes_from: str = MinutesFrom.ENTERED,
    now: datetime,
) -> CostItem:
    """Record money spent, or staff minutes at an hourly rate (or at the trial's unit cost
    ``unit_cost``), on delivering ``arm``, in total or ``per`` unit the logs count.

    ``minutes_from="deliverer-survey"`` (per letter only): the minutes are not entered but
    read, each time the trial is costed, from the letter writers' answers to the deliverer
    survey (their mean minutes per letter)."""
    arms = set(trial.arms.values_list("name", flat=True))
    if arm not in arms:
        raise DataError(f"no arm {arm!r} in trial {trial.slug!r} (arms: {', '.join(sorted(arms))})")
    if amount < 0 or minutes < 0 or hourly_rate < 0 or year < 0:
        raise DataError("costs, minutes, rates and years cannot be negative")
    rate = None
    if unit_cost:
        rate = UnitCost.objects.filter(trial=trial, key=unit_cost).first()
        if rate is None:
            have = ", ".join(UnitCost.objects.filter(trial=trial).values_list("key", flat=True))
            raise DataError(
                f"no unit cost {unit_cost!r} in trial {trial.slug!r} (it has: {have or 'none'});"
                " add it with `hearten costs rate add` or `hearten costs rate use`"
            )
        if hourly_rate:
            raise DataError("give either --hourly-rate or --unit-cost, not both")
    _choice(minutes_from, MinutesFrom, "where the minutes come from")
    surveyed = minutes_from == MinutesFrom.DELIVERER_SURVEY
    if surveyed and (per != CostDriver.LETTER or minutes):
        raise DataError(
            "minutes from the deliverer survey are minutes per letter: use --per letter and "
            "leave out --minutes"
        )
    if (minutes or surveyed) and not hourly_rate and rate is None:
        raise DataError("give the hourly rate for the staff time (--hourly-rate or --unit-cost)")
    if not item.strip():
        raise DataError("say what the cost was for (--item)")
    _choice(phase, CostPhase, "the phase")
    _choice(per, CostDriver, "what the cost is per")
    kind = _choice(kind, CostKind, "the kind") if kind else (
        CostKind.STAFF if minutes or surveyed else CostKind.MATERIALS
    )  # fmt: skip
    return audit.create_recorded(
        trial,
        "cost-recorded",
        CostItem,
        lambda cost: {"arm": arm, "item": item, "total": cost.total, "per": per, "phase": phase},
        trial=trial,
        arm=arm,
        item=item.strip(),
        amount=round(amount, 2),
        minutes=minutes,
        hourly_rate=round(float(rate.amount) if rate else hourly_rate, 2),
        phase=phase,
        kind=kind,
        per=per,
        unit_cost=unit_cost,
        year=year,
        priced_in=rate.price_year if rate else priced_in.strip(),
        source=rate.source if rate and not source else source.strip(),
        minutes_from=minutes_from,
        at=now,
    )


@dataclass(frozen=True, slots=True)
class PublishedCost:
    """A unit cost shipped with Hearten (``unit_costs.toml``), with its source."""

    key: str
    description: str
    unit: str
    amount: float
    price_year: str
    source: str


@dataclass(frozen=True, slots=True)
class PublishedIndex:
    """A price index shipped with Hearten: its published annual increases chained into index
    values (``values[base_year] = 100``), with its name and source."""

    key: str
    name: str
    source: str
    citation: str
    base_year: str
    increase_percent: dict[str, float]
    values: dict[str, float]

    @property
    def label(self) -> str:
        """The index's name with its edition, table and page (a basis's ``index_name``)."""
        return f"{self.name}; {self.citation}"


def _bundled() -> dict[str, Any]:
    text = resources.files("hearten.interventions").joinpath("unit_costs.toml").read_text()
    return tomllib.loads(text)


def published_unit_costs() -> list[PublishedCost]:
    """The unit costs Hearten ships, each with its source and price year."""
    return [PublishedCost(**row) for row in _bundled()["unit_cost"]]


def published_notes() -> list[str]:
    """What the shipped table lacks, and why (no figure is entered that was not read)."""
    return list(_bundled().get("notes", []))


def _next_year(year: str) -> str:
    first = int(year[:4]) + 1
    return f"{first}-{(first + 1) % 100:02d}"


def published_indices() -> list[PublishedIndex]:
    """The price indices Hearten ships: each year's value is the previous year's times one
    plus that year's published increase, from 100 in the base year."""
    out = []
    for row in _bundled().get("index", []):
        values = {row["base_year"]: 100.0}
        year = row["base_year"]
        increases = {str(k): float(v) for k, v in row["increase_percent"].items()}
        while _next_year(year) in increases:
            values[_next_year(year)] = values[year] * (1 + increases[_next_year(year)] / 100)
            year = _next_year(year)
        out.append(PublishedIndex(row["key"], row["name"], row["source"], row["citation"],
                                  row["base_year"], increases, values))  # fmt: skip
    return out


def published_index(key: str) -> PublishedIndex:
    """One shipped index by its key."""
    found = {i.key: i for i in published_indices()}
    if key not in found:
        raise DataError(f"no published price index {key!r} (there are: {', '.join(found)})")
    return found[key]


def add_unit_cost(
    trial: Trial, key: str, description: str, amount: float, price_year: str, source: str,
    unit: str = "hour", *, now: datetime,
) -> UnitCost:  # fmt: skip
    """Add (or replace) a price in the trial's unit-cost table."""
    if amount <= 0:
        raise DataError("a unit cost must be more than 0")
    if not source.strip():
        raise DataError("say where the unit cost comes from (--source), with its edition and table")
    if not price_year.strip():
        raise DataError("give the unit cost's price year (--price-year, e.g. 2024-25)")
    with transaction.atomic():
        row, _ = UnitCost.objects.update_or_create(
            trial=trial, key=key,
            defaults={"description": description, "amount": round(amount, 2), "unit": unit,
                      "price_year": price_year.strip(), "source": source.strip()},
        )  # fmt: skip
        audit.record(
            trial, "unit-cost-set", {"key": key, "amount": amount, "year": price_year}, at=now
        )
    return row


def use_published(trial: Trial, key: str, *, now: datetime) -> UnitCost:
    """Copy one of Hearten's published unit costs into the trial's table."""
    found = {p.key: p for p in published_unit_costs()}
    if key not in found:
        raise DataError(f"no published unit cost {key!r} (there are: {', '.join(found)})")
    p = found[key]
    return add_unit_cost(
        trial, p.key, p.description, p.amount, p.price_year, p.source, p.unit, now=now
    )


def set_basis(
    trial: Trial,
    price_year: str,
    index: dict[str, float] | None = None,
    index_name: str = "",
    discount_rate: float = 0.035,
    horizon_years: int = 1,
    case_cost: float | None = None,
    case_cost_source: str = "",
    willingness_to_pay: list[float] | None = None,
    *,
    now: datetime,
) -> CostingBasis:
    """Set the trial's price year (and the index that reaches it), discount rate, horizon,
    and the cost of one case fewer per worker for the caseload comparison."""
    if not price_year.strip():
        raise DataError("give the price year the costs are reported in (--price-year)")
    if not 0 <= discount_rate < 1:
        raise DataError(f"the discount rate is a share, e.g. 0.035 for 3.5% (got {discount_rate})")
    if horizon_years < 1:
        raise DataError("the time horizon is at least one year")
    if index and price_year not in index:
        raise DataError(f"the price index needs a value for the price year {price_year}")
    if index and not index_name.strip():
        raise DataError("name the price index and its edition (--index-name)")
    if any(v <= 0 for v in (index or {}).values()):
        raise DataError("price index values must be positive")
    if case_cost is not None and (case_cost <= 0 or not case_cost_source.strip()):
        raise DataError("give the cost of one case fewer as more than 0, with --case-cost-source")
    with transaction.atomic():
        basis, _ = CostingBasis.objects.update_or_create(
            trial=trial,
            defaults={
                "price_year": price_year.strip(), "index": index or {},
                "index_name": index_name.strip(), "discount_rate": discount_rate,
                "horizon_years": horizon_years, "case_cost": case_cost,
                "case_cost_source": case_cost_source.strip(),
                "willingness_to_pay": sorted(willingness_to_pay or []),
            },
        )  # fmt: skip
        detail = {"price_year": price_year, "discount_rate": discount_rate}
        audit.record(trial, "costing-basis-set", detail, at=now)
    return basis


def cost_per_participant(trial: Trial) -> list[ArmCost]:
    """Each arm's costs (perks included) over the people randomised to it: the arms of
    ``hearten.interventions.ingredients.costing``."""
    return costing(trial).arms
