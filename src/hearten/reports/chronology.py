"""What a report says about the order of events, derived from their recorded timestamps.

A report must never state an order it has not checked: "the seed was committed before
randomisation" is printed only when the commitment's timestamp is earlier than the
allocation's, and a plan locked after randomisation is labelled so. Each phrase here compares
the two ISO timestamps the analysis stored; nothing is assumed from the order the workflow
usually follows.
"""

from __future__ import annotations

from datetime import datetime

from hearten.analysis.result import JsonObject


def relative(at: str, reference: str, event: str) -> str:
    """``before``/``after``/``at the same moment as`` ``event``, by the two timestamps."""
    first, then = datetime.fromisoformat(at), datetime.fromisoformat(reference)
    if first < then:
        return f"before {event}"
    if first > then:
        return f"after {event}"
    return f"at the same moment as {event}"


def _declared(plan: JsonObject) -> str:
    if not (plan.get("locked") and plan.get("locked_at")):
        return "in the analysis plan, which was never locked, so this is exploratory"
    said = f"in the analysis plan locked on {plan['locked_at'][:10]}, before the results were seen"
    if plan.get("deviations"):
        said += " (later changes are listed under “Changes to the plan”)"
    return said


def report_chronology(allocation: JsonObject, plan: JsonObject | None) -> dict[str, str]:
    """The report's order phrases for one stored analysis result's ``allocation`` and ``plan``.

    ``seed``: how the seed's commitment relates to randomisation (empty when no seed was
    committed); ``plan``: how the plan's locking relates to it (empty when never locked);
    ``declared``: where the plan's choices were declared, for "moderators named ...". An
    order that defeats the purpose (a commitment or a lock after the draw) says so.
    """
    a, plan = allocation, plan or {}
    out = {"seed": "", "plan": "", "declared": _declared(plan)}
    randomised = a["randomised_at"]
    if a.get("committed_at"):
        phrase = relative(a["committed_at"], randomised, "randomisation")
        if not phrase.startswith("before"):
            phrase += (
                f" (on {randomised[:10]}), so the commitment does not show that the seed was "
                "fixed before the draw"
            )
        out["seed"] = phrase
    if plan.get("locked") and plan.get("locked_at"):
        phrase = relative(plan["locked_at"], randomised, "randomisation")
        if not phrase.startswith("before"):
            phrase += f" (on {randomised[:10]})"
        out["plan"] = phrase
    return out
