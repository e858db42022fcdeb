"""The programme funnel a coordinator sees: small steps and steps at nobody or everybody are
hidden, and no hidden step can be worked out from the ones shown."""

from __future__ import annotations

from hearten.interventions.uptake import shown_funnel


def test_a_step_nobody_reached_is_hidden_with_a_partner() -> None:
    shown = shown_funnel({"invited": 20, "opened": 12, "one module": 9, "all six": 0}, 5)
    # "all six: 0" would say nobody finished; "one module" goes too, or 12 - 9 = 3 people
    # who opened and did nothing would be a group of fewer than 5.
    assert shown == {"invited": "20", "opened": "12", "one module": "hidden", "all six": "hidden"}


def test_a_step_everybody_reached_is_hidden() -> None:
    shown = shown_funnel({"invited": 20, "opened": 20, "one module": 9, "all six": 6}, 5)
    assert shown["opened"] == "hidden"  # everyone opened it: each person's status
    assert shown["all six"] == "hidden"  # else 9 - 6 = 3 stopped after some modules


def test_a_large_funnel_shows_everything_but_a_small_last_step() -> None:
    shown = shown_funnel({"invited": 205, "opened": 51, "one module": 30, "all six": 3}, 5)
    assert shown == {"invited": "205", "opened": "51", "one module": "30",
                     "all six": "fewer than 5"}  # fmt: skip
