"""A parallel trial's balance tables, typed, as its run stores them: baseline balance of the
analysed sample and of everyone randomised (:class:`BalanceRow`,
:class:`RandomisedBalance`), and the sample-ratio tests (:class:`SampleRatio`).

:mod:`hearten.analysis.balance` computes them (with pandas, from
:mod:`hearten.stats.balance`); this module holds only what a stored run reads back, so the
report imports nothing heavy. Each part reads and writes its stored JSON exactly
(:class:`~hearten.analysis.keyed.Keyed`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hearten.analysis.keyed import Keyed, many


@dataclass(frozen=True, slots=True)
class ArmBalance(Keyed):
    """A variable in one arm: ``n`` non-missing values, their ``mean`` and ``sd`` (n - 1;
    ``None`` when there are too few values)."""

    arm: str
    n: int
    mean: float | None = None
    sd: float | None = None


@dataclass(frozen=True, slots=True)
class BalanceRow(Keyed):
    """One baseline variable across arms (:class:`hearten.stats.balance.BalanceRow`).

    Attributes:
        variable: the variable's label.
        arms: each arm's summary, control first.
        std_diff: per non-control arm, the standardised mean difference against control
            (``None`` when it cannot be computed).
    """

    variable: str
    arms: tuple[ArmBalance, ...] = field(default=(), metadata=many(ArmBalance))
    std_diff: tuple[float | None, ...] = field(default=(), metadata=many())


@dataclass(frozen=True, slots=True)
class RandomisedBalance(Keyed):
    """Balance of everyone randomised: the ``people``, and (cluster trials) the ``clusters``'
    sizes and means (empty when people were randomised)."""

    people: tuple[BalanceRow, ...] = field(default=(), metadata=many(BalanceRow))
    clusters: tuple[BalanceRow, ...] = field(default=(), metadata=many(BalanceRow))


@dataclass(frozen=True, slots=True)
class SampleRatio(Keyed):
    """A sample-ratio test of one sample (``"consented"``, ``"answered the follow-up"``).

    Attributes:
        sample: the sample tested.
        arms, observed, expected: each arm's count and the count its share implies.
        statistic, df, p_value: Pearson's chi-square goodness-of-fit test.
    """

    sample: str
    arms: tuple[str, ...] = field(default=(), metadata=many())
    observed: tuple[int, ...] = field(default=(), metadata=many())
    expected: tuple[float, ...] = field(default=(), metadata=many())
    statistic: float | None = None
    df: int | None = None
    p_value: float | None = None
