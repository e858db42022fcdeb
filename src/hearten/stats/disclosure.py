"""Small-cell suppression for monitoring tables, audited so that no hidden cell can be solved for.

A role sees several tables of the same people (by site, by team, by arm, the total) and knows
more from delivery (which teams are in which arm, how many people each team has). Every
number shown is a **margin**: the sum of a known set of **base cells** (the finest groups
the role can tell apart, e.g. site × team × arm). Suppressing each table alone is not enough:
in a cluster trial an arm is a union of teams, so a hidden team can be recovered as
``arm total − the arm's other teams``.

So suppression works on all the margins a role is shown at once:

* **Primary suppression** hides a margin of fewer than ``min_size`` people, and (with
  ``extremes``) one where nobody or everybody answered, since 0% and 100% tell each member's
  status.
* :func:`audit` is the attacker. The unknowns are the base cells' counts ``x`` (with
  ``0 ≤ x ≤ people`` when group sizes are known to the role); the shown margins are linear
  equations ``A x = b``. For every **sensitive** target (a hidden margin or a base cell of
  fewer than ``min_size`` people, or at 0% or 100%) it asks two questions: is the target's
  indicator vector in the row space of ``A`` (:func:`determined`, an exact rank test: the
  value follows from the shown margins whatever the data), and do the equations with the
  bounds pin it to one whole number (:func:`interval`, a linear programme)? Either is an
  exposure.
* :func:`protect` hides a further margin while the audit finds an exposure (the smallest
  margin whose hiding frees the exposed target, else the smallest that overlaps it), so it
  ends with nothing exposed; hiding everything always would, so it terminates.

This is the cell-suppression audit of official statistics (an exact "attacker" LP as in
τ-ARGUS's audit, Hundepool et al., *Statistical Disclosure Control*, 2012, §4.2), written by
hand over scipy's HiGHS because no maintained Python package audits small operational tables.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linprog

PRIMARY = "fewer than the minimum"
#: One reason for 0%/100% and for partners: a reason of its own would tell the extreme apart.
SECONDARY = "hidden so another cannot be worked out"
EXTREME = SECONDARY


@dataclass(frozen=True, slots=True)
class Group:
    """One row of a monitoring table: its key, its parent's key (``None`` at the top), how
    many people it has and how many answered."""

    key: str
    parent: str | None
    people: int
    answered: int


@dataclass(frozen=True, slots=True)
class Cell:
    """A group as it may be shown: counts and rate, or ``None`` with the reason hidden."""

    key: str
    parent: str | None
    people: int | None
    answered: int | None
    rate: float | None
    hidden: str | None


@dataclass(frozen=True, slots=True)
class Margin:
    """A number a role may be shown: the sum of the base ``cells`` (indices), with its size."""

    key: str
    parent: str | None
    people: int
    answered: int
    cells: frozenset[int]


@dataclass(frozen=True, slots=True)
class Table:
    """Everything one role may see of one count: the base cells and the margins over them.

    ``people`` and ``answered`` are per base cell. ``sizes_known``: the role knows each base
    cell's size (so ``answered ≤ people`` bounds the unknowns). ``extremes``: 0% and 100% are
    disclosive (for counts whose sizes are unknown, a count of nobody). ``known``: margins the
    role knows whatever is shown (never hidden).
    """

    people: tuple[int, ...]
    answered: tuple[int, ...]
    margins: tuple[Margin, ...]
    min_size: int
    sizes_known: bool = True
    extremes: bool = True
    known: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class Exposure:
    """A sensitive target the shown margins give away: a base cell or a hidden margin."""

    what: str
    value: int
    how: str
    cells: frozenset[int] = frozenset()


def determined(published: NDArray[np.float64], targets: NDArray[np.float64]) -> NDArray[np.bool_]:
    """For each target row, whether it lies in the row space of ``published``: then its
    value is a fixed linear combination of the published values, whatever the data (the
    rank does not grow when the target is added as a row).

    Singular values only (no singular vectors): on small matrices that stays fast even where
    a threaded BLAS shares a busy machine.
    """
    if published.shape[0] == 0:
        return np.array([not t.any() for t in targets], dtype=bool)
    rank = np.linalg.matrix_rank(published)
    return np.array(
        [np.linalg.matrix_rank(np.vstack([published, t])) == rank for t in targets], dtype=bool
    )


def interval(
    published: NDArray[np.float64],
    values: NDArray[np.float64],
    target: NDArray[np.float64],
    upper: NDArray[np.float64] | None,
) -> tuple[float, float]:
    """The least and greatest ``target · x`` over ``x ≥ 0`` (``≤ upper``) with
    ``published x = values``: what an attacker can say of the target from the margins."""
    return -_extreme(published, values, -target, upper), _extreme(published, values, target, upper)


def _extreme(
    published: NDArray[np.float64],
    values: NDArray[np.float64],
    target: NDArray[np.float64],
    upper: NDArray[np.float64] | None,
) -> float:
    """The greatest ``target · x`` (``inf`` when unbounded), by HiGHS."""
    bounds = [(0.0, None if upper is None else float(u)) for u in (upper if upper is not None
              else np.zeros(len(target)))]  # fmt: skip
    eq = {"A_eq": published, "b_eq": values} if published.shape[0] else {}
    res = linprog(-target, bounds=bounds, method="highs", **eq)
    return -float(res.fun) if res.success else math.inf


def _sensitive(size: int, value: int, table: Table) -> str | None:
    if table.extremes and (value == 0 or (table.sizes_known and value == size)):
        return EXTREME
    if size < table.min_size:
        return PRIMARY
    return None


def _matrix(table: Table, rows: Sequence[int]) -> NDArray[np.float64]:
    out = np.zeros((len(rows), len(table.people)))
    for i, r in enumerate(rows):
        out[i, sorted(table.margins[r].cells)] = 1.0
    return out


def _pinned(table: Table, shown: Sequence[int], target: frozenset[int], value: int) -> str | None:
    """How ``target`` (a set of base cells) is given away by the ``shown`` margins, if it is.

    The rank test first; then the bounds, the greatest value first (one linear programme
    usually shows the target can be a whole number more than it is, and so is not pinned).
    """
    a = _matrix(table, shown)
    t = np.zeros(len(table.people))
    t[sorted(target)] = 1.0
    if determined(a, t[None, :])[0]:
        return "solved exactly from the margins shown"
    b = np.array([table.margins[r].answered for r in shown], dtype=float)
    upper = np.array(table.people, dtype=float) if table.sizes_known else None
    if _extreme(a, b, t, upper) >= value + 1 - 1e-7:
        return None
    if -_extreme(a, b, -t, upper) <= value - 1 + 1e-7:
        return None
    return "bounded to one value by the margins shown"


def audit(table: Table, hidden: set[int]) -> list[Exposure]:
    """Every sensitive target the margins not in ``hidden`` give away (module docstring)."""
    return _exposures(table, hidden, set())


def _exposures(table: Table, hidden: set[int], free: set[tuple[str, int]]) -> list[Exposure]:
    """:func:`audit`, skipping the targets in ``free`` and adding to it those found free.

    Hiding a margin removes an equation, which can only widen what the others allow, so a
    target once free stays free while :func:`protect` hides more: it is not asked again.
    """
    shown = [i for i in range(len(table.margins)) if i not in hidden]
    targets: list[tuple[tuple[str, int], str, frozenset[int], int]] = []
    for j, (n, v) in enumerate(zip(table.people, table.answered, strict=True)):
        if (n or not table.sizes_known) and _sensitive(n, v, table):
            targets.append((("cell", j), f"base cell {j}", frozenset({j}), v))
    for i in sorted(hidden):
        m = table.margins[i]
        if (m.people or not table.sizes_known) and _sensitive(m.people, m.answered, table):
            targets.append((("margin", i), m.key, m.cells, m.answered))
    known = sorted(table.known)
    out = []
    for ident, what, cells, value in targets:
        if ident in free:
            continue
        if known and _pinned(table, known, cells, value):
            free.add(ident)  # the role knows it whatever is shown: hiding more cannot help
            continue
        how = _pinned(table, shown, cells, value)
        if how:
            out.append(Exposure(what, value, how, cells))
        else:
            free.add(ident)
    return out


def protect(table: Table) -> dict[int, str]:
    """Which margins to hide, with the reason: primary suppression, then one more margin at a
    time until :func:`audit` finds no exposure."""
    hidden: dict[int, str] = {}
    for i, m in enumerate(table.margins):
        reason = _sensitive(m.people, m.answered, table)
        if reason and i not in table.known:
            hidden[i] = reason
    free: set[tuple[str, int]] = set()
    while exposures := _exposures(table, set(hidden), free):
        hidden[_partner(table, set(hidden), exposures[0])] = SECONDARY
    return hidden


def _partner(table: Table, hidden: set[int], exposure: Exposure) -> int:
    """The margin to hide next: the smallest whose hiding frees the exposed target, or else
    the smallest overlapping it (or any, smallest first)."""
    cells = exposure.cells
    order = sorted(
        (i for i in range(len(table.margins)) if i not in hidden and i not in table.known),
        key=lambda i: (table.margins[i].people, table.margins[i].key),
    )
    for i in order:
        shown = [r for r in range(len(table.margins)) if r not in hidden and r != i]
        if _pinned(table, shown, cells, exposure.value) is None:
            return i
    overlapping = [i for i in order if table.margins[i].cells & cells]
    return (overlapping or order)[0]


def suppress(
    groups: Sequence[Group], min_size: int = 5, *, extremes: bool = False, sizes_known: bool = False
) -> list[Cell]:
    """Suppress a table of parts of a known total, nested by ``parent``, by :func:`protect`.

    The base cells are the groups with no children; each group is the sum of its leaves, and
    the grand total is taken as known. ``extremes`` and ``sizes_known`` as in :class:`Table`.
    """
    if min_size < 1:
        raise ValueError("the minimum group size must be at least 1")
    children: dict[str | None, list[str]] = defaultdict(list)
    for g in groups:
        children[g.parent].append(g.key)
    leaves = [g for g in groups if not children.get(g.key)]
    index = {g.key: j for j, g in enumerate(leaves)}

    def under(key: str) -> frozenset[int]:
        if key in index:
            return frozenset({index[key]})
        return frozenset().union(*(under(k) for k in children[key]))

    margins = [Margin(g.key, g.parent, g.people, g.answered, under(g.key)) for g in groups]
    total = Margin("", None, sum(g.people for g in leaves), sum(g.answered for g in leaves),
                   frozenset(range(len(leaves))))  # fmt: skip
    table = Table(
        tuple(g.people for g in leaves),
        tuple(g.answered for g in leaves),
        (*margins, total),
        min_size,
        sizes_known=sizes_known,
        extremes=extremes,
        known=frozenset({len(margins)}),
    )
    hidden = protect(table)
    return [shown_cell(m, hidden.get(i)) for i, m in enumerate(margins)]


def shown_cell(margin: Margin, hidden: str | None) -> Cell:
    """A margin as it is displayed: its numbers, or ``hidden`` with the reason."""
    if hidden:
        return Cell(margin.key, margin.parent, None, None, None, hidden)
    rate = margin.answered / margin.people if margin.people else None
    return Cell(margin.key, margin.parent, margin.people, margin.answered, rate, None)
