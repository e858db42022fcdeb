"""Costing by ingredients: quantities from the delivery logs, prices in one year from a cited
unit-cost table, discounting, and each person's share for the bootstrap."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from hearten.errors import DataError
from hearten.interventions.costs import (
    add_cost,
    add_unit_cost,
    published_index,
    published_notes,
    published_unit_costs,
    set_basis,
    use_published,
)
from hearten.interventions.ingredients import costing
from hearten.interventions.models import Letter
from hearten.trials.allocation import arms_by_participant, randomise_trial
from hearten.trials.models import Participant
from tests.conftest import CLOCK

pytestmark = pytest.mark.django_db


def _letters(trial: Any, sent: int) -> list[Participant]:
    """``sent`` letters posted to people of the letters arm, and one still a draft."""
    arms = arms_by_participant(trial)
    people = [p for p in Participant.objects.filter(trial=trial).order_by("id")
              if arms[p.id] == "letters"]  # fmt: skip
    writer = get_user_model().objects.create_user(username="writer")
    for i, p in enumerate(people[: sent + 1]):
        Letter.objects.create(trial=trial, participant=p, writer=writer, lines="x",
                              status="posted" if i < sent else "draft")  # fmt: skip
    return people


def test_a_cost_per_letter_is_counted_from_the_letters_sent_and_borne_by_their_readers(
    trial: Any,
) -> None:
    randomise_trial(trial, 3, now=CLOCK)
    people = _letters(trial, sent=6)
    add_cost(trial, "letters", "postage", 1.50, per="letter", now=CLOCK)
    add_cost(trial, "letters", "writing", 0, minutes=12, hourly_rate=40.0, per="letter", now=CLOCK)
    add_cost(trial, "letters", "letterhead design", 100.0, phase="start-up", now=CLOCK)
    c = costing(trial)
    post, write, design = c.lines
    assert (post.quantity, post.cost) == (6, 9.0)
    assert (write.kind, write.quantity, write.unit_price, write.cost) == ("staff", 6, 8.0, 48.0)
    assert (design.phase, design.cost) == ("start-up", 100.0)
    letters = next(a for a in c.arms if a.arm == "letters")
    assert letters.total == pytest.approx(157.0)
    assert letters.by_phase == {"recurring": 57.0, "start-up": 100.0}
    assert letters.by_kind == {"materials": 109.0, "staff": 48.0}
    # a reader of a letter bears 1.50 + 8.00 and a share of the design (100 over 20 people)
    assert c.person[people[0].pseudonym] == pytest.approx(9.5 + 5.0)
    assert c.person[people[10].pseudonym] == pytest.approx(5.0)
    assert sum(c.person.values()) == pytest.approx(157.0)


def test_prices_move_to_the_price_year_and_later_years_are_discounted(trial: Any) -> None:
    randomise_trial(trial, 3, now=CLOCK)
    set_basis(trial, "2025-26", {"2013-14": 80.0, "2025-26": 100.0}, "an index (test values)",
              discount_rate=0.035, horizon_years=2, now=CLOCK)  # fmt: skip
    use_published(trial, "social-worker-childrens-hour", now=CLOCK)
    add_cost(
        trial,
        "letters",
        "supervision",
        0,
        minutes=60,
        unit_cost="social-worker-childrens-hour",
        now=CLOCK,
    )
    add_cost(trial, "letters", "refresher", 103.5, year=1, now=CLOCK)
    add_cost(trial, "letters", "third year", 50.0, year=2, now=CLOCK)
    c = costing(trial)
    hour, refresher = c.lines
    assert hour.priced_in == "2013-14"
    assert hour.cost == pytest.approx(40.0 * 100 / 80)
    assert refresher.discounted == pytest.approx(100.0)  # 103.50 / 1.035
    assert c.outside_horizon == ["third year (year 3)"]


def test_a_price_from_another_year_needs_a_basis(trial: Any) -> None:
    randomise_trial(trial, 3, now=CLOCK)
    add_cost(trial, "letters", "paper", 10.0, priced_in="2019-20", now=CLOCK)
    with pytest.raises(DataError, match="priced in 2019-20: set the trial's price year"):
        costing(trial)


def test_unit_costs_carry_a_source_and_the_published_table_cites_its_own() -> None:
    for p in published_unit_costs():
        assert p.price_year
        assert p.amount > 0
        # an edition's table and page, or a compilation that says to check it
        assert re.search(r"Table \d+(\.\d+)+, p\. \d+", p.source) or "check it" in p.source


def test_the_pssru_2024_figures_are_entered_as_published() -> None:
    # Unit Costs of Health and Social Care 2024 Manual: Table 10.1.1 (p. 84), per hour
    # without qualifications £48 and with £58; Table 10.5.1 (p. 88), per weekday hour £49;
    # all 2023/2024 values.
    shipped = {p.key: p for p in published_unit_costs()}
    for key, amount, table in (
        ("social-worker-adult-hour", 48.0, "Table 10.1.1, p. 84"),
        ("social-worker-adult-hour-qualified", 58.0, "Table 10.1.1, p. 84"),
        ("home-care-manager-hour", 49.0, "Table 10.5.1, p. 88"),
    ):
        assert shipped[key].amount == amount
        assert shipped[key].price_year == "2023-24"
        assert "Unit Costs of Health and Social Care 2024" in shipped[key].source
        assert table in shipped[key].source
    # what the table lacks is said, not invented
    assert any("children's social worker" in n for n in published_notes())
    assert any("team manager" in n for n in published_notes())


def test_the_pss_index_chains_its_published_increases() -> None:
    pss = published_index("pss-pay-prices")
    assert "Table 12.1.2, p. 110" in pss.label
    assert pss.values["2007-08"] == 100.0
    assert pss.values["2008-09"] == pytest.approx(103.2)
    # 2013/14 to 2023/24: the ten published increases from 2014/15 on, multiplied by hand
    growth = 1.010 * 1.017 * 1.031 * 1.028 * 1.031 * 1.033 * 1.038 * 1.039 * 1.072 * 1.074
    assert pss.values["2023-24"] / pss.values["2013-14"] == pytest.approx(growth, rel=1e-12)
    with pytest.raises(DataError, match="no published price index 'rpi'"):
        published_index("rpi")


def test_a_2013_14_hour_is_costed_in_2023_24_prices_by_the_pss_index(trial: Any) -> None:
    randomise_trial(trial, 3, now=CLOCK)
    pss = published_index("pss-pay-prices")
    set_basis(trial, "2023-24", pss.values, pss.label, now=CLOCK)
    use_published(trial, "social-worker-childrens-hour", now=CLOCK)
    add_cost(trial, "letters", "an hour's briefing", 0, minutes=60,
             unit_cost="social-worker-childrens-hour", now=CLOCK)  # fmt: skip
    [line] = costing(trial).lines
    assert line.priced_in == "2013-14"
    assert line.unit_price == pytest.approx(57.59, abs=0.005)  # £40 × 1.4397


def test_bad_costing_input_is_refused_in_one_line(trial: Any) -> None:
    randomise_trial(trial, 3, now=CLOCK)
    with pytest.raises(DataError, match="no unit cost 'manager-hour'"):
        add_cost(trial, "letters", "x", 0, minutes=5, unit_cost="manager-hour", now=CLOCK)
    with pytest.raises(DataError, match="what the cost is per must be one of"):
        add_cost(trial, "letters", "x", 1.0, per="week", now=CLOCK)
    with pytest.raises(DataError, match="where the unit cost comes from"):
        add_unit_cost(trial, "manager-hour", "Team manager", 50.0, "2024-25", "", now=CLOCK)
    with pytest.raises(DataError, match="needs a value for the price year"):
        set_basis(trial, "2025-26", {"2024-25": 98.0}, "an index", now=CLOCK)
