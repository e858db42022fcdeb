"""A parallel trial's CONSORT counts, typed, as its run stores them: each arm's participant
flow (:class:`ArmFlow`) and everyone on the roster, assessed for eligibility
(:class:`Assessed`).

:func:`hearten.analysis.flow.flow_from_dataset` counts the flow and
:func:`hearten.analysis.integrity.assessed` the roster (with pandas and the database), each
building these parts directly; this module holds only what a stored run reads back, so the
report imports nothing heavy. Each part reads and writes its stored JSON exactly
(:class:`~hearten.analysis.keyed.Keyed`): a key an older run lacks takes the default the
report read it with and stays absent when written back.
"""

from __future__ import annotations

from dataclasses import dataclass

from hearten.analysis.keyed import Keyed


@dataclass(frozen=True, slots=True)
class ArmFlow(Keyed):
    """One arm's counts at each stage (CONSORT for cluster trials: units and people).

    Attributes:
        arm: the arm's name.
        sites, units: sites and randomised units (teams, offices; people when people were
            randomised) in the arm.
        randomised, consented: people randomised, and those of them who consented.
        declined_or_silent: did not consent (``withdrawn`` included).
        withdrawn: withdrew (0 in runs stored before it was counted).
        responded: consented and answered the outcome.
        no_follow_up: consented but gave no outcome answer (0 in older runs).
        no_baseline: answered the outcome but not the planned baseline (0 in older runs).
        analysed, units_analysed: people analysed and their units (``None`` in older runs).
        received: how many took part by the plan's compliance rule (``None`` without one).
    """

    arm: str
    sites: int = 0
    units: int = 0
    randomised: int = 0
    consented: int = 0
    declined_or_silent: int = 0
    withdrawn: int = 0
    responded: int = 0
    no_follow_up: int = 0
    no_baseline: int = 0
    analysed: int = 0
    units_analysed: int | None = None
    received: int | None = None


@dataclass(frozen=True, slots=True)
class Assessed(Keyed):
    """Everyone on the trial's roster when the run was made (CONSORT's "assessed for
    eligibility"): its ``sites``, randomisable ``units`` and ``people``."""

    sites: int
    units: int
    people: int
