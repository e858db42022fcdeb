"""The randomisation schemes in one table: how each draws an allocation, the rule its
re-draws follow, and whether randomisation inference must re-draw by that rule.

Each scheme is spelled once (:data:`hearten.stats.randomise.SchemeKind`) and dispatched once,
here: the platform's draw and its re-draws for inference (:mod:`hearten.trials.allocation`),
``hearten randomise FILE`` (:mod:`hearten.analysis.roster_allocation`) and the analysis run's
choice of re-draws all look the scheme up in :data:`SCHEMES_BY_KIND` instead of testing its
name themselves. Complete, blocked, cluster and blocked-cluster randomisation are one method
(:func:`~hearten.stats.randomise.block_randomise`; the strata and the clustering name the
kind); matched pairs, re-randomisation and stepped-wedge sequences each have their own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from hearten.errors import DesignError
from hearten.stats.randomise import (
    SCHEMES,
    Acceptance,
    Assignment,
    Rule,
    SchemeKind,
    block_randomise,
    form_pairs,
    make_rule,
    pair_randomise,
)
from hearten.stats.rerandomise import Rerandomisation, acceptance, rerandomise
from hearten.stats.sequences import sequence_randomise, sequence_rule

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class SchemeInputs:
    """What a scheme draws from besides the seed; each scheme reads the fields it needs.

    Attributes:
        units: the randomised units (people, teams or offices).
        strata: each unit's stratum, or ``None`` when unstratified.
        arm_names: the arms, in design order.
        ratio: the allocation ratio, one whole number per arm.
        clustered: the units are teams or offices (names the block kind).
        pairs_score: matched pairs: each unit's matching score.
        balance: re-randomisation: each unit's covariates to balance on (one row per unit).
        balance_names: re-randomisation: the covariates' names.
        acceptance: re-randomisation: the share of draws accepted.
        threshold: re-randomisation's re-draws: the Mahalanobis limit the allocation used.
        steps: stepped wedge: the number of steps (sequences).
    """

    units: Sequence[str]
    strata: Sequence[str] | None
    arm_names: Sequence[str]
    ratio: Sequence[int]
    clustered: bool = False
    pairs_score: Sequence[float] | None = None
    balance: Sequence[Sequence[float]] | None = None
    balance_names: Sequence[str] = ()
    acceptance: float = 0.1
    threshold: float | None = None
    steps: int | None = None


@dataclass(frozen=True, slots=True)
class Drawn:
    """A scheme's draw: the ``assignment``, and for re-randomisation its ``rerandomisation``
    (threshold, distance, acceptance rate); ``None`` for every other scheme."""

    assignment: Assignment
    rerandomisation: Rerandomisation | None = None


@dataclass(frozen=True, slots=True)
class SchemeMethod:
    """One scheme's method.

    Attributes:
        draw: draws the allocation from the inputs and a seed.
        rule: the rule the allocation's re-draws follow, with re-randomisation's acceptance
            test (``None`` for every other scheme).
        redraws_by_rule: randomisation inference must re-draw by :attr:`rule` (the draw is
            restricted beyond permutation within strata: matched pairs, re-randomisation,
            stepped-wedge sequences); otherwise permuting within strata is the same test.
    """

    draw: Callable[[SchemeInputs, int], Drawn]
    rule: Callable[[SchemeInputs], tuple[Rule, Acceptance | None]]
    redraws_by_rule: bool


def _needs(value: T | None, what: str, kind: str) -> T:
    """``value``, or a :class:`DesignError` saying the ``kind`` scheme needs ``what``."""
    if value is None:
        raise DesignError(f"the {kind} scheme needs {what}")
    return value


def _block_draw(given: SchemeInputs, seed: int) -> Drawn:
    return Drawn(
        block_randomise(
            given.units, given.strata, given.arm_names, given.ratio, seed, given.clustered
        )
    )


def _block_rule(given: SchemeInputs) -> tuple[Rule, Acceptance | None]:
    return make_rule(given.units, given.strata, given.arm_names, given.ratio), None


_PAIRS, _BALANCE, _STEPS = "matched-pairs", "rerandomised", "stepped-wedge"


def _pairs_draw(given: SchemeInputs, seed: int) -> Drawn:
    score = _needs(given.pairs_score, "a matching score for each unit", _PAIRS)
    return Drawn(pair_randomise(given.units, score, given.arm_names, seed, given.strata))


def _pairs_rule(given: SchemeInputs) -> tuple[Rule, Acceptance | None]:
    score = _needs(given.pairs_score, "a matching score for each unit", _PAIRS)
    pairs = form_pairs(given.units, score, given.strata)
    return make_rule(given.units, pairs, given.arm_names, [1, 1]), None


def _rerandomised_draw(given: SchemeInputs, seed: int) -> Drawn:
    covariates = _needs(given.balance, "covariates to balance on", _BALANCE)
    found = rerandomise(
        given.units,
        given.strata,
        given.arm_names,
        given.ratio,
        covariates,
        given.balance_names,
        seed,
        given.acceptance,
    )
    return Drawn(found.assignment, found)


def _rerandomised_rule(given: SchemeInputs) -> tuple[Rule, Acceptance | None]:
    covariates = _needs(given.balance, "covariates to balance on", _BALANCE)
    limit = _needs(given.threshold, "the threshold its draw was accepted under", _BALANCE)
    rule = make_rule(given.units, given.strata, given.arm_names, given.ratio, covariates, limit)
    return rule, acceptance(rule)


def _sequences_draw(given: SchemeInputs, seed: int) -> Drawn:
    steps = _needs(given.steps, "its number of steps", _STEPS)
    return Drawn(sequence_randomise(given.units, given.strata, steps, seed))


def _sequences_rule(given: SchemeInputs) -> tuple[Rule, Acceptance | None]:
    steps = _needs(given.steps, "its number of steps", _STEPS)
    return sequence_rule(given.units, given.strata, steps), None


_BLOCK = SchemeMethod(_block_draw, _block_rule, redraws_by_rule=False)

#: Every scheme's method, by the kind an allocation stores.
SCHEMES_BY_KIND: dict[SchemeKind, SchemeMethod] = {
    "complete": _BLOCK,
    "blocked": _BLOCK,
    "cluster": _BLOCK,
    "blocked-cluster": _BLOCK,
    "matched-pairs": SchemeMethod(_pairs_draw, _pairs_rule, redraws_by_rule=True),
    "rerandomised": SchemeMethod(_rerandomised_draw, _rerandomised_rule, redraws_by_rule=True),
    "stepped-wedge": SchemeMethod(_sequences_draw, _sequences_rule, redraws_by_rule=True),
}


def scheme_method(kind: str) -> SchemeMethod:
    """The method of the scheme called ``kind``, or a :class:`DesignError` listing them."""
    try:
        return SCHEMES_BY_KIND[kind]  # type: ignore[index]
    except KeyError:
        raise DesignError(
            f"unknown randomisation scheme {kind!r}: use one of {', '.join(SCHEMES)}"
        ) from None


def draw_by_scheme(kind: str, given: SchemeInputs, seed: int) -> Drawn:
    """Draw an allocation by the scheme called ``kind``."""
    return scheme_method(kind).draw(given, seed)


def rule_by_scheme(kind: str, given: SchemeInputs) -> tuple[Rule, Acceptance | None]:
    """The rule an allocation drawn by ``kind`` is re-drawn by, with its acceptance test."""
    return scheme_method(kind).rule(given)
