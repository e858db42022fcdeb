"""The analysis plan as a parallel trial's run records it, typed: whether and when it was
locked, its versions, the deviations from it and each result's label
(:class:`PlanStatus`, made by :func:`hearten.analysis.plan.plan_status`).

Each part reads and writes its stored JSON exactly (:class:`~hearten.analysis.keyed.Keyed`);
this module imports nothing heavy (the report reads stored runs through it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hearten.analysis.keyed import Keyed, many, named


@dataclass(frozen=True, slots=True)
class ResultLabel(Keyed):
    """A result's ``label`` (``"confirmatory"`` or ``"exploratory"``) and its ``reason``."""

    label: str
    reason: str


@dataclass(frozen=True, slots=True)
class PlanVersionUsed(Keyed):
    """A version of the plan: its ``number``, ``sha256`` and when it was made (``at``)."""

    number: int
    sha256: str
    at: str


@dataclass(frozen=True, slots=True)
class Deviation(Keyed):
    """An amendment of the locked plan (CONSORT 2025 item 10).

    Attributes:
        version: the plan's version it made.
        at: when (ISO 8601).
        reason: the reason given.
        after_unblinding: whether it was made after outcome data were first analysed.
        changes: what changed, one line each.
    """

    version: int
    at: str
    reason: str | None = None
    after_unblinding: bool = False
    changes: tuple[str, ...] = field(default=(), metadata=many())


@dataclass(frozen=True, slots=True)
class PlanStatus(Keyed):
    """The plan's versions, deviations and each result's label, for one run.

    Attributes:
        locked: whether the plan was locked (an unlocked plan's results are exploratory).
        locked_at, locked_sha256: when version 1 was locked and its SHA-256 (``None`` when
            the plan was never locked; then the stored object lacks them).
        sha256: the SHA-256 of the plan the run analysed.
        versions: the plan's versions, oldest first.
        deviations: each amendment after the first version.
        labels: each result's name (``primary``, a secondary outcome's name, ``absence``,
            ``leaving``) with its label, in the order stored (an object by name).
    """

    locked: bool = False
    locked_at: str | None = None
    locked_sha256: str | None = None
    sha256: str | None = None
    versions: tuple[PlanVersionUsed, ...] = field(default=(), metadata=many(PlanVersionUsed))
    deviations: tuple[Deviation, ...] = field(default=(), metadata=many(Deviation))
    labels: tuple[tuple[str, ResultLabel], ...] = field(default=(), metadata=named(ResultLabel))

    def label(self, result: str) -> ResultLabel | None:
        """The label of the result called ``result``, or ``None`` when the run has none."""
        return next((label for name, label in self.labels if name == result), None)
