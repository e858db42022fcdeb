"""The demo's costs: each trial costed by ingredients on one basis.

The basis is the PSS Pay & Prices Index Hearten ships (PSSRU/CHE *Unit Costs of Health and
Social Care 2024*, Table 12.1.2) in 2023-24 prices, its latest year. Participants' time is
costed at the published children's social worker hour (2013-14 prices, moved to 2023-24 by
that index); the managers' minutes per letter come from their answers to the deliverer
survey. Every other price is a demo figure, labelled as such in its source, standing where an
evaluator enters their own council's rates. Costs fall in the first year.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone

from hearten.interventions.costs import (
    add_cost,
    add_unit_cost,
    published_index,
    set_basis,
    use_published,
)
from hearten.trials.models import Trial

DEMO = "demo figure: enter your council's own"
#: The price year: the latest year of the shipped index.
PRICE_YEAR = "2023-24"
#: A demo figure for the caseload comparison: a tenth of a £45,000-a-year post per worker.
CASE_COST = 4500.0
WTP = [0.0, 25.0, 50.0, 100.0, 200.0, 400.0, 800.0, 1600.0]


def _basis(trial: Trial, today: date, now: datetime) -> None:
    del today  # prices are in the index's latest year, whenever the demo is built
    index = published_index("pss-pay-prices")
    set_basis(
        trial, PRICE_YEAR, index.values, index.label, discount_rate=0.035, horizon_years=1,
        case_cost=CASE_COST,
        case_cost_source="demo figure: a tenth of a £45,000-a-year post for each worker",
        willingness_to_pay=WTP, now=now,
    )  # fmt: skip
    add_unit_cost(trial, "manager-hour", "Team manager, cost per working hour", 38.0,
                  PRICE_YEAR, DEMO, now=now)  # fmt: skip
    add_unit_cost(trial, "coordinator-hour", "Trial coordinator, cost per working hour", 30.0,
                  PRICE_YEAR, DEMO, now=now)  # fmt: skip
    use_published(trial, "social-worker-childrens-hour", now=now)


def cost_letters(trial: Trial, today: date) -> None:
    """Letters: a template written once, then per letter sent the manager's writing time (the
    deliverer survey's mean minutes) and printing and postage."""
    now = timezone.now()  # the demo is the edge: one reading of the clock
    _basis(trial, today, now)
    add_cost(trial, "letters", "writing the letter template", 0, minutes=180,
             unit_cost="manager-hour", phase="start-up", now=now)  # fmt: skip
    add_cost(trial, "letters", "managers' writing time", 0, unit_cost="manager-hour",
             per="letter", minutes_from="deliverer-survey", now=now)  # fmt: skip
    add_cost(trial, "letters", "printing and second-class postage", 0.95, per="letter",
             source=DEMO, now=now)  # fmt: skip


def cost_goals(trial: Trial, today: date) -> None:
    """Goals: setting the programme up once, hosting for everyone offered it, and for each
    module completed the coordinator's follow-up and the social worker's own time."""
    now = timezone.now()  # the demo is the edge: one reading of the clock
    _basis(trial, today, now)
    add_cost(trial, "goals", "setting up the online programme", 1200.0, phase="start-up",
             source=DEMO, now=now)  # fmt: skip
    add_cost(trial, "goals", "hosting", 2.0, per="participant", source=DEMO, now=now)
    add_cost(trial, "goals", "coordinator's follow-up", 0, minutes=5, unit_cost="coordinator-hour",
             per="module", now=now)  # fmt: skip
    add_cost(trial, "goals", "social workers' time on a module", 0, minutes=20, per="module",
             unit_cost="social-worker-childrens-hour", kind="participants",
             now=now)  # fmt: skip


def cost_coffee(trial: Trial, today: date) -> None:
    """Coffee: the machines' own cost is in the perk log; per machine, installing it and six
    months of coffee and milk."""
    now = timezone.now()  # the demo is the edge: one reading of the clock
    _basis(trial, today, now)
    add_cost(trial, "coffee", "installing the machine", 0, minutes=120,
             unit_cost="coordinator-hour", per="perk", phase="start-up",
             now=now)  # fmt: skip
    add_cost(
        trial,
        "coffee",
        "coffee and milk for six months",
        300.0,
        per="perk",
        source=DEMO,
        now=now,
    )
