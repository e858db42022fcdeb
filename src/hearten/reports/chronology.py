"""What a report says about the order of events, derived from their recorded timestamps.

A report must never state an order it has not checked: "the seed was committed before
randomisation" is printed only when the commitment's timestamp is earlier than the
allocation's, and a plan locked after randomisation is labelled so. Each phrase here compares
the two ISO timestamps the analysis stored; nothing is assumed from the order the workflow
usually follows.
"""

from __future__ import annotations

from datetime import datetime

from hearten.analysis.allocation_record import AllocationRecord
from hearten.analysis.plan_status import PlanStatus


def relative(at: str, reference: str, event: str) -> str:
    """``before``/``after``/``at the same moment as`` ``event``, by the two timestamps."""
    first, then = datetime.fromisoformat(at), datetime.fromisoformat(reference)
    if first < then:
        return f"before {event}"
    if first > then:
        return f"after {event}"
    return f"at the same moment as {event}"


def _declared(locked_at: str | None, amended: bool) -> str:
    if not locked_at:
        return "in the analysis plan, which was never locked, so this is exploratory"
    said = f"in the analysis plan locked on {locked_at[:10]}, before the results were seen"
    if amended:
        said += " (later changes are listed under “Changes to the plan”)"
    return said


def chronology(
    randomised_at: str, committed_at: str | None, locked_at: str | None, amended: bool
) -> dict[str, str]:
    """The report's order phrases from the recorded times: the randomisation, the seed's
    commitment (``None`` when none), the plan's locking (``None`` when never locked) and
    whether the locked plan was amended.

    ``seed``: how the seed's commitment relates to randomisation (empty when no seed was
    committed); ``plan``: how the plan's locking relates to it (empty when never locked);
    ``declared``: where the plan's choices were declared, for "moderators named ...". An
    order that defeats the purpose (a commitment or a lock after the draw) says so.
    """
    out = {"seed": "", "plan": "", "declared": _declared(locked_at, amended)}
    if committed_at:
        phrase = relative(committed_at, randomised_at, "randomisation")
        if not phrase.startswith("before"):
            phrase += (
                f" (on {randomised_at[:10]}), so the commitment does not show that the seed "
                "was fixed before the draw"
            )
        out["seed"] = phrase
    if locked_at:
        phrase = relative(locked_at, randomised_at, "randomisation")
        if not phrase.startswith("before"):
            phrase += f" (on {randomised_at[:10]})"
        out["plan"] = phrase
    return out


def run_chronology(allocation: AllocationRecord, plan: PlanStatus | None) -> dict[str, str]:
    """:func:`chronology` of a parallel trial's typed run (its ``allocation`` and ``plan``)."""
    locked_at = plan.locked_at if plan is not None and plan.locked else None
    amended = bool(plan.deviations) if plan is not None else False
    return chronology(allocation.randomised_at, allocation.committed_at, locked_at, amended)
