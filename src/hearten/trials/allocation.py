"""Randomising a trial's units, once, and reading who is in which arm.

The allocation is drawn from a **roster snapshot**: the units (people, teams or offices) as
they stood, each with its stratum, site and the covariates a scheme may use (size, mean
caseload, FTE and years in post on the snapshot's date). The snapshot and its SHA-256 are
stored with the allocation, so that anyone with the seed can re-derive it
(:mod:`hearten.trials.verify`). With a seed committed beforehand
(:func:`commit_seed`, commit–reveal) the snapshot is the one the commitment covers, and units
added since join as late joiners.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

import hearten
from hearten.errors import DesignError, StateError
from hearten.stats.randomise import Acceptance, Assignment, Rule
from hearten.stats.schemes import SchemeInputs, draw_by_scheme, rule_by_scheme
from hearten.trials import audit
from hearten.trials.choices import TrialStatus, Unit
from hearten.trials.design import Design
from hearten.trials.lifecycle import design_of
from hearten.trials.models import (
    AllocatedUnit,
    Allocation,
    Participant,
    SeedCommitment,
    Trial,
)

COMMITMENT_PREFIX = "hearten-seed:v1"


@dataclass(frozen=True, slots=True)
class AllocationSummary:
    """How many units and participants each arm received."""

    seed: int
    scheme: str
    units_by_arm: dict[str, int]
    participants_by_arm: dict[str, int]
    late_units: int
    details: dict[str, Any]


def unit_key(p: Participant, unit: str) -> str:
    """The randomised unit a participant belongs to."""
    if unit == Unit.TEAM:
        return p.team.code
    if unit == Unit.OFFICE:
        if p.office is None:
            raise DesignError(
                f"participant {p.pseudonym} has no office, but offices are randomised"
            )
        return p.office.code
    return p.pseudonym


def _people(trial: Trial) -> list[Participant]:
    return list(
        Participant.objects.filter(trial=trial, withdrawn_at__isnull=True)
        .select_related("team", "office", "site")
        .order_by("id")
    )


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 6) if values else None


def roster_snapshot(trial: Trial, as_of: date) -> dict[str, Any]:
    """The trial's units now: key, stratum, site, role (people only) and covariates."""
    members: dict[str, list[Participant]] = defaultdict(list)
    for p in _people(trial):
        members[unit_key(p, trial.unit)].append(p)
    units = []
    for key in sorted(members):
        group = members[key]
        sites = {p.site.code for p in group}
        if len(sites) > 1:
            raise DesignError(f"{trial.unit} {key!r} spans sites {', '.join(sorted(sites))}")
        site = sites.pop()
        caseloads = [float(p.caseload) for p in group if p.caseload is not None]
        row: dict[str, Any] = {
            "key": key,
            "stratum": site if trial.strata == "site" else "all",
            "site": site,
            "size": len(group),
            "caseload": _mean(caseloads),
            "fte": _mean([float(p.fte) for p in group]),
            "years_in_post": _mean([(as_of - p.start_date).days / 365.25 for p in group]),
        }
        if trial.unit == Unit.INDIVIDUAL:
            row["role"] = group[0].role
        units.append(row)
    return {"as_of": as_of.isoformat(), "unit": trial.unit, "units": units}


def snapshot_sha256(snapshot: dict[str, Any]) -> str:
    """SHA-256 of the snapshot's canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(snapshot, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def commitment_hash(slug: str, seed: int, salt: str, roster_sha256: str) -> str:
    """The published commitment: SHA-256 of ``hearten-seed:v1:{slug}:{seed}:{salt}:{roster}``."""
    text = f"{COMMITMENT_PREFIX}:{slug}:{seed}:{salt}:{roster_sha256}"
    return hashlib.sha256(text.encode()).hexdigest()


def _check_strata(trial: Trial, snapshot: dict[str, Any], arms: int) -> None:
    if not snapshot["units"]:
        raise StateError(f"trial {trial.slug!r} has no participants: import a roster first")
    per_stratum = Counter(u["stratum"] for u in snapshot["units"])
    small = [f"{s} ({n})" for s, n in sorted(per_stratum.items()) if n < arms]
    if small:
        raise DesignError(
            f"these strata have fewer {trial.unit}s than the {arms} arms: "
            + ", ".join(small)
            + "; merge small strata or randomise without strata"
        )


def commit_seed(trial: Trial, seed: int | None = None, *, now: datetime) -> SeedCommitment:
    """Fix the seed now and publish only its hash (with the roster snapshot's hash).

    ``seed``: ``None`` draws one. ``now``: the clock, read once by the caller (as for
    :func:`randomise_trial`): the commitment is stamped with it (``created_at``) and the roster
    snapshot is taken as of its day (years in post are counted to it)."""
    if Allocation.objects.filter(trial=trial).exists():
        raise StateError(f"trial {trial.slug!r} is randomised already: a seed commits beforehand")
    if SeedCommitment.objects.filter(trial=trial).exists():
        raise StateError(
            f"trial {trial.slug!r} has a committed seed already ({trial.commitment.commitment}); "
            "a commitment is never replaced"
        )
    if seed is not None and (seed < 0 or seed >= 2**63):
        raise DesignError("the seed must be a whole number from 0 to 2**63 - 1")
    snapshot = roster_snapshot(trial, timezone.localdate(now))
    _check_strata(trial, snapshot, trial.arms.count())
    chosen = secrets.randbits(63) if seed is None else seed
    salt = secrets.token_hex(16)
    roster = snapshot_sha256(snapshot)
    return audit.create_recorded(
        trial,
        "seed-committed",
        SeedCommitment,
        lambda c: {
            "commitment": c.commitment,
            "roster_sha256": roster,
            "units": len(snapshot["units"]),
        },
        trial=trial,
        seed=chosen,
        salt=salt,
        roster_sha256=roster,
        snapshot=snapshot,
        commitment=commitment_hash(trial.slug, chosen, salt, roster),
        created_at=now,
        at=now,
    )


def _scheme_kind(design: Design) -> str:
    """The scheme the design draws by (a stepped-wedge design's sequences, or its scheme)."""
    return "stepped-wedge" if design.stepped_wedge is not None else design.randomisation.scheme


def _inputs(design: Design, units: list[dict[str, Any]]) -> SchemeInputs:
    """What the design's scheme draws from over these snapshot units
    (:mod:`hearten.stats.schemes`); a covariate it needs that a unit lacks is refused."""
    r = design.randomisation

    def column(name: str) -> list[float]:
        missing = [u["key"] for u in units if u.get(name) is None]
        if missing:
            raise DesignError(
                f"{name} is missing for {len(missing)} {design.unit}(s) (e.g. "
                f"{missing[0]}): add it to the roster, or balance on something else"
            )
        return [float(u[name]) for u in units]

    return SchemeInputs(
        units=[u["key"] for u in units],
        strata=[u["stratum"] for u in units] if design.strata == "site" else None,
        arm_names=[a.name for a in design.arms],
        ratio=[a.ratio for a in design.arms],
        clustered=design.unit != "individual",
        pairs_score=column(str(r.pairs_by)) if r.pairs_by is not None else None,
        balance=list(zip(*[column(c) for c in r.balance_on], strict=True))
        if r.balance_on
        else None,
        balance_names=tuple(r.balance_on),
        acceptance=r.acceptance,
        steps=design.stepped_wedge.steps if design.stepped_wedge is not None else None,
    )


def draw(design: Design, snapshot: dict[str, Any], seed: int) -> tuple[Assignment, dict[str, Any]]:
    """The allocation a design's scheme draws over a snapshot (pure: re-derivable)."""
    r = design.randomisation
    drawn = draw_by_scheme(_scheme_kind(design), _inputs(design, snapshot["units"]), seed)
    details: dict[str, Any] = {}
    if design.stepped_wedge is not None:
        sw = design.stepped_wedge
        details.update(steps=sw.steps, transition=sw.transition, sampling=sw.sampling)
    if r.pairs_by is not None:
        details["pairs_by"] = r.pairs_by
    found = drawn.rerandomisation
    if found is not None:
        details.update(
            balance_on=r.balance_on,
            acceptance=r.acceptance,
            threshold=found.threshold,
            distance=found.distance,
            draws=found.assignment.draws,
            acceptance_rate=found.acceptance_rate,
            acceptance_rate_mcse=found.acceptance_rate_mcse,
            probabilities_exact=found.probabilities_exact,
        )
    return drawn.assignment, details


def rule_of(trial: Trial) -> tuple[Rule, Acceptance | None]:
    """The rule the trial's initial units were drawn by, to re-draw them (inference)."""
    allocation = trial.allocation
    given = replace(
        _inputs(design_of(trial), allocation.snapshot["units"]),
        threshold=allocation.parameters.get("threshold"),
    )
    return rule_by_scheme(allocation.scheme, given)


def rule_redraws(trial: Trial, reps: int) -> tuple[tuple[str, ...], list[list[str]]]:
    """``reps`` re-draws of the initial allocation by its own rule, from the allocation's seed
    (``hearten.stats.randomise.redraws``): the units, and each draw's arm per unit."""
    from hearten.stats.randomise import redraws

    rule, accept = rule_of(trial)
    drawn = redraws(rule, trial.allocation.seed, reps, accept)
    return rule.units, [[rule.arm_names[a] for a in row] for row in drawn]


def randomise_trial(trial: Trial, seed: int | None = None, *, now: datetime) -> AllocationSummary:
    """Randomise the trial's units by its design's scheme, once; store everything needed to
    re-derive it. Uses the committed seed and snapshot when there is a commitment.

    ``seed``: ``None`` uses the committed one. ``now``: the time of the randomisation, read
    once by the caller (the command reads the present; the demo and the tests give one). It
    is the allocation's ``created_at``, which starts the HR follow-up window and never
    changes afterwards (a database trigger refuses), and the audit event records it
    (``randomised_at``) for ``hearten audit verify`` to compare.

    Raises:
        StateError: the trial is randomised already, or another process randomised it
            between this check and the write (the write's conflict then finds its
            allocation); any other integrity error of the write propagates as it is."""
    if Allocation.objects.filter(trial=trial).exists():
        a = trial.allocation
        raise StateError(
            f"trial {trial.slug!r} was randomised on {a.created_at:%Y-%m-%d %H:%M} with seed "
            f"{a.seed}; an allocation is never re-drawn"
        )
    commitment = SeedCommitment.objects.filter(trial=trial).first()
    if commitment is not None:
        if seed is not None and seed != commitment.seed:
            raise StateError(
                f"trial {trial.slug!r} has a committed seed: leave out --seed (the committed "
                "one is used and revealed)"
            )
        seed, snapshot = commitment.seed, commitment.snapshot
    else:
        if seed is None:
            raise DesignError(
                "give a seed (--seed N), or commit one first with `hearten trial commit`"
            )
        if seed < 0 or seed >= 2**63:
            raise DesignError("the seed must be a whole number from 0 to 2**63 - 1")
        snapshot = roster_snapshot(trial, timezone.localdate(now))
    design = design_of(trial)
    _check_strata(trial, snapshot, len(design.arms))
    drawn, details = draw(design, snapshot, seed)
    arms = {a.name: a for a in trial.arms.all()}
    roster = snapshot_sha256(snapshot)
    factors = {u["key"]: {k: u[k] for k in ("site", "role") if k in u} for u in snapshot["units"]}
    if design.stepped_wedge is not None:
        # every cluster receives the change in its turn: its arm is the change, and the
        # sequence it was drawn to (which says when) is kept with it
        change = next(a.name for a in design.arms if not a.control)
        for u, seq in zip(drawn.units, drawn.arms, strict=True):
            factors[u]["sequence"] = seq
        drawn = replace(drawn, arms=tuple(change for _ in drawn.arms))
    try:
        with transaction.atomic():
            allocation = audit.create_recorded(
                trial,
                "randomised",
                Allocation,
                lambda _: {
                    "seed": seed,
                    "salt": commitment.salt if commitment else None,
                    "commitment": commitment.commitment if commitment else None,
                    "scheme": drawn.scheme,
                    "units": len(drawn.units),
                    "roster_sha256": roster,
                    "software_version": hearten.__version__,
                    "randomised_at": now.isoformat(),
                },
                trial=trial,
                seed=seed,
                scheme=drawn.scheme,
                unit=trial.unit,
                parameters={
                    "strata": trial.strata or "none",
                    "arms": list(drawn.arm_names),
                    "ratio": list(drawn.ratio),
                    **details,
                },
                software_version=hearten.__version__,
                created_at=now,
                snapshot=snapshot,
                roster_sha256=roster,
                commitment=commitment,
                at=now,
            )
            AllocatedUnit.objects.bulk_create(
                AllocatedUnit(
                    allocation=allocation,
                    unit_key=u,
                    stratum=s,
                    arm=arms[a],
                    probability=pr,
                    factors=factors[u],
                )
                for u, s, a, pr in zip(
                    drawn.units, drawn.strata, drawn.arms, drawn.probabilities, strict=True
                )
            )
            trial.status = TrialStatus.RANDOMISED
            trial.save(update_fields=["status"])
            from hearten.trials.joiners import allocate_joiners

            late = allocate_joiners(trial, now)
    except IntegrityError:
        if not Allocation.objects.filter(trial=trial).exists():
            raise  # not a race: some other constraint refused the write
        # another process randomised between the check and the write
        raise StateError(f"trial {trial.slug!r} was randomised by someone else just now") from None
    return summarise(trial, len(late), details)


def summarise(
    trial: Trial, late_units: int = 0, details: dict[str, Any] | None = None
) -> AllocationSummary:
    """Units and participants per arm of a randomised trial."""
    allocation = trial.allocation
    units = Counter(allocation.units.values_list("arm__name", flat=True))
    people = Counter(arms_by_participant(trial).values())
    names = list(trial.arms.order_by("position").values_list("name", flat=True))
    return AllocationSummary(
        seed=allocation.seed,
        scheme=allocation.scheme,
        units_by_arm={a: units.get(a, 0) for a in names},
        participants_by_arm={a: people.get(a, 0) for a in names},
        late_units=late_units,
        details=details or {},
    )


def arms_by_participant(
    trial: Trial, within: QuerySet[Participant] | None = None
) -> dict[int, str]:
    """Each participant's arm (by participant id), of everyone or of the people ``within``;
    empty before randomisation."""
    if not Allocation.objects.filter(trial=trial).exists():
        return {}
    arm_of = dict(trial.allocation.units.values_list("unit_key", "arm__name"))
    chosen = Participant.objects.filter(trial=trial) if within is None else within
    people = chosen.select_related("team", "office")
    found = ((p.id, arm_of.get(unit_key(p, trial.unit))) for p in people)
    return {pid: arm for pid, arm in found if arm is not None}
