"""Checking that nobody tampered: the audit chain, the seed commitment and the allocation.

``hearten audit verify TRIAL`` re-does, from what is stored, everything a sceptic would:

1. the audit log's hash chain is unbroken (an edit, deletion or reordering breaks it), and a
   published head digest (``--anchor``) is still in it (so the end was not cut off);
2. the seed matches the commitment published before randomisation, the commitment covered
   the roster snapshot the allocation was drawn over, and it is stamped no later than the
   allocation;
3. the allocation re-derives exactly (every unit's arm and probability) from the seed, the
   snapshot and the design, and every late joiner replays in order;
4. the audit log recorded the randomisation with the same seed and roster, and at the
   allocation's time (which starts the HR follow-up window).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from hearten.trials.allocation import commitment_hash, draw, snapshot_sha256
from hearten.trials.audit import verify_chain
from hearten.trials.joiners import INITIAL, late_allocation
from hearten.trials.lifecycle import design_of
from hearten.trials.models import Allocation, AuditEvent, SeedCommitment, Trial


@dataclass(frozen=True, slots=True)
class Check:
    """One verification: what was checked, whether it held, and what was found.

    ``applies`` is false for a step that has not happened (no commitment, not randomised
    yet): there is nothing to check, so it neither holds nor fails.
    """

    name: str
    ok: bool
    detail: str
    applies: bool = True


def check_chain(anchor: str | None = None) -> list[Check]:
    """The audit chain, and optionally that a published digest is still in it."""
    problems = verify_chain()
    count = AuditEvent.objects.count()
    head = AuditEvent.objects.order_by("-id").values_list("digest", flat=True).first()
    checks = [
        Check(
            "audit chain",
            not problems,
            "; ".join(problems[:3]) + (" ..." if len(problems) > 3 else "")
            if problems
            else f"{count} events, every digest follows from the one before (head {head})",
        )
    ]
    if anchor:
        found = AuditEvent.objects.filter(digest=anchor).exists()
        checks.append(
            Check(
                "published anchor",
                found,
                "the published digest is in the chain"
                if found
                else "the published digest is not in the chain: events were removed or rewritten",
            )
        )
    return checks


def _commitment_checks(trial: Trial, allocation: Allocation | None) -> list[Check]:
    c = SeedCommitment.objects.filter(trial=trial).first()
    if c is None:
        return [
            Check(
                "seed commitment",
                True,
                "none: the seed was chosen at randomisation (commit one beforehand with "
                "`hearten trial commit` so others can check it was fixed in advance)",
                applies=False,
            )
        ]
    roster = snapshot_sha256(c.snapshot)
    checks = [
        Check(
            "commitment's roster",
            roster == c.roster_sha256,
            f"roster snapshot hashes to {roster}"
            + ("" if roster == c.roster_sha256 else f", but {c.roster_sha256} was committed"),
        )
    ]
    expected = commitment_hash(trial.slug, c.seed, c.salt, c.roster_sha256)
    checks.append(
        Check(
            "seed commitment",
            expected == c.commitment,
            f"seed and salt hash to the published commitment {c.commitment}"
            if expected == c.commitment
            else f"seed and salt hash to {expected}, not the published {c.commitment}",
        )
    )
    if allocation is not None:
        same = allocation.seed == c.seed and allocation.roster_sha256 == c.roster_sha256
        checks.append(
            Check(
                "allocation used the committed seed",
                same,
                "same seed and roster snapshot"
                if same
                else "the allocation's seed or roster differs from the commitment",
            )
        )
        first = c.created_at <= allocation.created_at
        checks.append(
            Check(
                "commitment before randomisation",
                first,
                f"committed at {c.created_at.isoformat()}, randomised at "
                f"{allocation.created_at.isoformat()}"
                + ("" if first else ": the commitment was stamped after the draw"),
            )
        )
    return checks


def _allocation_checks(trial: Trial, allocation: Allocation) -> list[Check]:
    design = design_of(trial)
    checks = []
    roster = snapshot_sha256(allocation.snapshot)
    checks.append(
        Check(
            "allocation's roster",
            roster == allocation.roster_sha256,
            f"the snapshot of {len(allocation.snapshot['units'])} units hashes to {roster}",
        )
    )
    drawn, _ = draw(design, allocation.snapshot, allocation.seed)
    expected = {
        u: (a, round(p, 12))
        for u, a, p in zip(drawn.units, drawn.arms, drawn.probabilities, strict=True)
    }
    units = list(allocation.units.select_related("arm").order_by("id"))
    stored = {  # a stepped-wedge cluster's draw is its sequence (kept with its factors)
        u.unit_key: (u.factors.get("sequence", u.arm.name), round(u.probability, 12))
        for u in units
        if u.method == INITIAL
    }
    differ = sorted(k for k in expected.keys() | stored.keys() if expected.get(k) != stored.get(k))
    checks.append(
        Check(
            "allocation re-derived",
            not differ,
            f"all {len(expected)} units' arms and probabilities follow from seed "
            f"{allocation.seed} by the {allocation.scheme} scheme"
            if not differ
            else f"{len(differ)} unit(s) differ from the re-derived draw, e.g. {differ[0]}",
        )
    )
    earlier = [u for u in units if u.method == INITIAL]
    late = sorted((u for u in units if u.method != INITIAL), key=lambda u: u.sequence or 0)
    wrong = []
    for u in late:
        replay = late_allocation(design, allocation.seed, u.stratum, u.factors, earlier)
        if replay.arm != u.arm.name or abs(replay.probability - u.probability) > 1e-12:
            wrong.append(u.unit_key)
        earlier.append(u)
    checks.append(
        Check(
            "late joiners replayed",
            not wrong,
            f"{len(late)} late joiner(s) follow in order"
            if not wrong
            else f"{len(wrong)} late joiner(s) differ on replay, e.g. {wrong[0]}",
        )
    )
    # This trial's own event: a discarded trial of the same slug (the demo built again) left
    # its events under the slug, with no trial.
    event = AuditEvent.objects.filter(trial=trial, action="randomised").order_by("id").first()
    recorded = (
        event is not None
        and event.detail.get("seed") == allocation.seed
        and event.detail.get("roster_sha256") == allocation.roster_sha256
    )
    checks.append(
        Check(
            "randomisation in the audit log",
            recorded,
            "recorded with the same seed and roster"
            if recorded
            else "the audit log has no matching record of this randomisation",
        )
    )
    if event is not None:
        checks.append(_time_check(allocation, event))
    return checks


#: An event written before ``randomised_at`` was recorded is stamped to the second, in the
#: same transaction as the allocation: a minute covers a slow transaction, not a backdating.
LEGACY_SLACK = timedelta(minutes=1)


def _time_check(allocation: Allocation, event: AuditEvent) -> Check:
    """The allocation's time (which starts the HR window) is the one the audit log recorded,
    and the log did not record the randomisation before it happened."""
    drawn = allocation.created_at
    said = event.detail.get("randomised_at")
    if said is not None:
        ok = datetime.fromisoformat(said) == drawn and drawn <= event.at + timedelta(seconds=1)
        detail = f"randomised at {drawn.isoformat()}, as the audit log recorded"
    else:  # recorded before the audit log kept the time itself
        ok = abs(event.at - drawn) <= LEGACY_SLACK
        detail = (
            f"randomised at {drawn.isoformat()}, within a minute of the audit event "
            f"({event.at.isoformat()}): the event is older than the time it now records, so "
            "only that closeness can be checked"
        )
    if not ok:
        detail = (
            f"the allocation says it was randomised at {drawn.isoformat()}, but the audit log "
            f"recorded {said or event.at.isoformat() + ' (an older event: within a minute)'}"
        )
    return Check("randomisation time", ok, detail)


def verify_trial(trial: Trial, anchor: str | None = None) -> list[Check]:
    """Every check for one trial (module docstring)."""
    allocation = Allocation.objects.filter(trial=trial).first()
    checks = check_chain(anchor) + _commitment_checks(trial, allocation)
    if allocation is None:
        checks.append(Check("allocation", True, "not randomised yet", applies=False))
    else:
        checks += _allocation_checks(trial, allocation)
    return checks
