"""The demo's costs: each trial costed by ingredients on one basis.

Every price here is a demo figure, labelled as such in its source, standing where an
evaluator enters their own council's rates (or a PSSRU unit cost with its edition and table).
The price year is the financial year the demo is built in; costs fall in the first year.
"""

from __future__ import annotations

from datetime import date

from hearten.interventions.costs import add_cost, add_unit_cost, set_basis
from hearten.trials.models import Trial

DEMO = "demo figure: enter your council's own"
#: A demo figure for the caseload comparison: a tenth of a £45,000-a-year post per worker.
CASE_COST = 4500.0
WTP = [0.0, 25.0, 50.0, 100.0, 200.0, 400.0, 800.0, 1600.0]


def price_year(today: date) -> str:
    """The UK financial year (April to March) that ``today`` falls in, e.g. 2026-27."""
    first = today.year if today.month >= 4 else today.year - 1
    return f"{first}-{(first + 1) % 100:02d}"


def _basis(trial: Trial, today: date) -> None:
    set_basis(
        trial, price_year(today), discount_rate=0.035, horizon_years=1, case_cost=CASE_COST,
        case_cost_source="demo figure: a tenth of a £45,000-a-year post for each worker",
        willingness_to_pay=WTP,
    )  # fmt: skip
    add_unit_cost(trial, "manager-hour", "Team manager, cost per working hour", 38.0,
                  price_year(today), DEMO)  # fmt: skip
    add_unit_cost(trial, "coordinator-hour", "Trial coordinator, cost per working hour", 30.0,
                  price_year(today), DEMO)  # fmt: skip


def cost_letters(trial: Trial, today: date) -> None:
    """Letters: a template written once, then per letter sent the manager's writing time and
    printing and postage."""
    _basis(trial, today)
    add_cost(trial, "letters", "writing the letter template", 0, minutes=180,
             unit_cost="manager-hour", phase="start-up")  # fmt: skip
    add_cost(trial, "letters", "managers' writing time", 0, minutes=10, unit_cost="manager-hour",
             per="letter")  # fmt: skip
    add_cost(trial, "letters", "printing and second-class postage", 0.95, per="letter",
             source=DEMO)  # fmt: skip


def cost_goals(trial: Trial, today: date) -> None:
    """Goals: setting the programme up once, hosting for everyone offered it, and the
    coordinator's follow-up for each module completed."""
    _basis(trial, today)
    add_cost(trial, "goals", "setting up the online programme", 1200.0, phase="start-up",
             source=DEMO)  # fmt: skip
    add_cost(trial, "goals", "hosting", 2.0, per="participant", source=DEMO)
    add_cost(trial, "goals", "coordinator's follow-up", 0, minutes=5, unit_cost="coordinator-hour",
             per="module")  # fmt: skip


def cost_coffee(trial: Trial, today: date) -> None:
    """Coffee: the machines' own cost is in the perk log; per machine, installing it and six
    months of coffee and milk."""
    _basis(trial, today)
    add_cost(trial, "coffee", "installing the machine", 0, minutes=120,
             unit_cost="coordinator-hour", per="perk", phase="start-up")  # fmt: skip
    add_cost(trial, "coffee", "coffee and milk for six months", 300.0, per="perk", source=DEMO)
