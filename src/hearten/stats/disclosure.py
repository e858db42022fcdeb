"""Small-cell suppression for monitoring tables, so nobody can be picked out.

A table of groups (teams within sites, say) shows each group's people and how many answered.
**Primary suppression** hides any group with fewer than ``min_size`` people. **Complementary
suppression** then stops a hidden group being recovered by subtraction: when a parent's total
is shown and exactly one of its children is hidden, the smallest other child is hidden too
(repeated until no parent has exactly one hidden child). A parent whose own total is below
``min_size`` is hidden with all its children. This is the standard cell-suppression rule of
official statistics (e.g. the ONS disclosure control guidance for tables), applied within
each parent; written by hand because no maintained Python library does it for small
operational tables.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass


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


def suppress(groups: Sequence[Group], min_size: int = 5) -> list[Cell]:
    """Apply primary and complementary suppression (module docstring)."""
    if min_size < 1:
        raise ValueError("the minimum group size must be at least 1")
    hidden: dict[str, str] = {
        g.key: "fewer than the minimum" for g in groups if g.people < min_size
    }
    children: dict[str | None, list[Group]] = defaultdict(list)
    for g in groups:
        children[g.parent].append(g)
    parents = {g.key for g in groups}
    changed = True
    while changed:
        changed = False
        for parent, kids in children.items():
            if parent in hidden:  # a hidden parent hides every child
                for k in kids:
                    if k.key not in hidden:
                        hidden[k.key] = "its parent is hidden"
                        changed = True
                continue
            shown_total = parent is None or parent in parents
            secret = [k for k in kids if k.key in hidden]
            if shown_total and len(secret) == 1 and len(kids) > 1:
                visible = sorted((k for k in kids if k.key not in hidden), key=lambda k: k.people)
                if visible:
                    hidden[visible[0].key] = "hidden so another cannot be worked out"
                    changed = True
    return [
        Cell(g.key, g.parent, None, None, None, hidden[g.key])
        if g.key in hidden
        else Cell(g.key, g.parent, g.people, g.answered, g.answered / g.people, None)
        for g in groups
    ]
