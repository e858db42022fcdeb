"""The locked analysis plan: versions, deviations, and which results are confirmatory.

``hearten trial lock-plan`` freezes the trial's design (the whole design: arms, waves,
randomisation and the analysis section) as version 1 with its SHA-256, before any outcome
data are analysed. An amendment afterwards (``hearten trial amend-plan``) may change only the
analysis, monitoring and power sections; it becomes a new version with the reason given, and
the report lists it as a deviation (CONSORT 2025 item 10).

A result is **confirmatory** when it is a primary outcome of a plan locked before the outcome
data were first analysed ("unblinded") and nothing that defines it changed after that;
everything else (secondary outcomes, mediators, moderators, outcomes added or changed after
the results were seen, any result of a plan never locked) is **exploratory**, with the reason.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from itertools import pairwise
from typing import Any

from django.db import transaction

from hearten.analysis.models import AnalysisRun, PlanVersion
from hearten.analysis.plan_status import Deviation, PlanStatus, PlanVersionUsed, ResultLabel
from hearten.errors import DesignError, StateError
from hearten.trials import audit
from hearten.trials.design import Design
from hearten.trials.lifecycle import design_of
from hearten.trials.models import Trial

#: Sections an amendment may change; the rest was fixed when the trial was randomised. A new
#: information sheet (``participants``) is an amendment an ethics committee approves too.
AMENDABLE = ("analysis", "monitoring", "power", "privacy", "participants", "support")
#: Fields of ``[stepped_wedge]`` that choose the analysis, not the roll-out: an amendment may
#: change them (the steps, sampling, transition, correlations and period dates stay fixed).
STEPPED_ANALYSIS = ("random_effects", "exposure_time", "period_waves")
#: Analysis settings that define every survey outcome's estimate.
SHARED = ("covariates", "missing_data", "alternative", "vcov", "adjustment", "method", "alpha")


def plan_sha256(design: dict[str, Any]) -> str:
    """SHA-256 of the design as canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(design, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def locked_version(trial: Trial) -> PlanVersion | None:
    """Version 1, the plan as locked, or ``None`` when the plan was never locked."""
    return PlanVersion.objects.filter(trial=trial, number=1).first()


def lock_plan(trial: Trial, *, now: datetime) -> PlanVersion:
    """Freeze the trial's current plan as version 1, before any outcome data are analysed.

    ``now``: the clock, read once by the caller; the version is stamped with it."""
    with transaction.atomic():
        Trial.objects.select_for_update().get(pk=trial.pk)
        existing = locked_version(trial)
        if existing is not None:
            raise StateError(
                f"the plan of {trial.slug!r} was locked on {existing.created_at:%Y-%m-%d} "
                f"(SHA-256 {existing.sha256[:12]}…): change it with `hearten trial amend-plan "
                f"{trial.slug} DESIGN --reason TEXT`"
            )
        if AnalysisRun.objects.filter(trial=trial).exists():
            raise StateError(
                f"outcome data of {trial.slug!r} have been analysed already, so a plan locked "
                "now would not be a pre-registration; amend the design and report its results "
                "as exploratory"
            )
        design = _normal(trial.design)
        version = PlanVersion.objects.create(
            trial=trial, number=1, design=design, sha256=plan_sha256(design), created_at=now
        )
        audit.record(trial, "plan-locked", {"version": 1, "sha256": version.sha256}, at=now)
    return version


def amend_plan(trial: Trial, design: Design, reason: str, *, now: datetime) -> PlanVersion | None:
    """Replace the trial's plan by ``design``'s; a new version once the plan is locked.

    ``now``: the clock, read once by the caller; a new version is stamped with it.

    Only :data:`AMENDABLE` sections may change. Returns the new version, or ``None`` when the
    plan was not locked yet (the draft is simply replaced, and the change audited).
    """
    new = design.model_dump(mode="json")
    old = _normal(trial.design)
    if new.get("slug") != old.get("slug"):
        raise DesignError(
            f"the design file is for trial {new.get('slug')!r}, not {trial.slug!r}: "
            "amend the trial's own design"
        )
    fixed = sorted(
        k
        for k in set(old) | set(new)
        if k not in AMENDABLE and _roll_out(k, old.get(k)) != _roll_out(k, new.get(k))
    )
    if fixed:
        raise DesignError(
            "an amendment may change only the analysis, monitoring, power and privacy sections "
            "(and the stepped-wedge model: " + ", ".join(STEPPED_ANALYSIS) + "); this "
            f"one also changes {', '.join(fixed)}: put those back as they were"
        )
    changes = differences(old, new)
    if not changes:
        raise DesignError("the design file is the same as the trial's plan: nothing to amend")
    locked = locked_version(trial)
    if locked is not None and len(reason.strip()) < 10:
        raise DesignError(
            "the plan is locked, so an amendment needs its reason: give --reason with a "
            "sentence saying why (it is printed in the report)"
        )
    with transaction.atomic():
        version = None
        if locked is not None:
            number = PlanVersion.objects.filter(trial=trial).count() + 1
            version = PlanVersion.objects.create(
                trial=trial,
                number=number,
                design=new,
                sha256=plan_sha256(new),
                reason=reason.strip(),
                after_unblinding=AnalysisRun.objects.filter(trial=trial).exists(),
                created_at=now,
            )
        trial.design = new
        trial.save(update_fields=["design"])
        audit.record(
            trial,
            "plan-amended",
            {
                "version": version.number if version else None,
                "sha256": plan_sha256(new),
                "reason": reason.strip(),
                "changes": changes,
            },
            at=now,
        )
    return version


def _roll_out(section: str, value: Any) -> Any:
    """``value`` without the analysis choices an amendment may change (``STEPPED_ANALYSIS``)."""
    if section != "stepped_wedge" or not isinstance(value, dict):
        return value
    return {k: v for k, v in value.items() if k not in STEPPED_ANALYSIS}


def differences(old: Any, new: Any, path: str = "") -> list[str]:
    """Readable differences between two JSON values: ``path: old → new`` per change.

    Lists of objects with a ``name`` are compared by name, so reordering is no change.
    """
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for key in sorted(set(old) | set(new)):
            where = f"{path}.{key}" if path else key
            if key not in old:
                out.append(f"{where}: added {_show(new[key])}")
            elif key not in new:
                out.append(f"{where}: removed (was {_show(old[key])})")
            else:
                out += differences(old[key], new[key], where)
        return out
    if _named(old) and _named(new):
        return differences(
            {x["name"]: x for x in old}, {x["name"]: x for x in new}, path
        )  # fmt: skip
    return [] if old == new else [f"{path}: {_show(old)} → {_show(new)}"]


def _named(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(x, dict) and "name" in x for x in value)


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _defining(design: dict[str, Any], result: str) -> Any:
    """What defines one result in a design: its outcome's spec and the shared settings."""
    a = design["analysis"]
    shared = {k: a.get(k) for k in SHARED}
    if a.get("missing_data") == "mice":  # the imputations make every survey estimate
        shared.update(imputation=a.get("imputation"), seed=a.get("seed"))
    if result == "primary":
        keys = ("outcome_wave", "baseline_wave", "score", "transform")
        # a stepped-wedge trial's model choices define its primary estimate too
        sw = design.get("stepped_wedge") or {}
        model = {f"stepped_wedge.{k}": sw.get(k) for k in STEPPED_ANALYSIS} if sw else {}
        return {**{k: a.get(k) for k in keys}, **shared, **model}
    if result in ("absence", "leaving"):
        hr = a.get("hr") or {}
        return {"hr": hr, "on": bool(hr.get(result)), "vcov": a.get("vcov"), "alpha": a["alpha"]}
    spec = next((o for o in a.get("secondary", []) if o["name"] == result), None)
    return None if spec is None else {**spec, **shared}


def _normal(design: dict[str, Any]) -> dict[str, Any]:
    """A stored design with every field this version of Hearten knows, defaults filled in."""
    return Design.model_validate(design).model_dump(mode="json")


def _role(design: dict[str, Any], result: str) -> str:
    a = design["analysis"]
    if result == "primary":
        return "primary"
    if result in ("absence", "leaving"):
        return str((a.get("hr") or {}).get("role", "secondary"))
    spec = next((o for o in a.get("secondary", []) if o["name"] == result), None)
    return str(spec["role"]) if spec else "secondary"


def run_plan_status(trial: Trial, now: datetime, results: list[str]) -> PlanStatus:
    """:func:`plan_status` for a run made at ``now``: outcome data were first analysed by the
    trial's first run, or by this one when it is the first."""
    first = AnalysisRun.objects.filter(trial=trial).order_by("created_at").first()
    return plan_status(trial, first.created_at if first else now, results)


def plan_status(trial: Trial, unblinded_at: datetime, results: list[str]) -> PlanStatus:
    """The plan's versions, deviations and each result's label, for an analysis run.

    ``unblinded_at``: when outcome data were first analysed (this run's time if first);
    ``results``: the names of the results to label (``primary``, secondary names,
    ``absence``, ``leaving``). An unlocked plan's status is stored without ``locked_at`` and
    ``locked_sha256``.
    """
    current = design_of(trial).model_dump(mode="json")
    versions = list(PlanVersion.objects.filter(trial=trial))
    if not versions:
        reason = "the analysis plan was not locked before the analysis"
        unlocked = {r: ResultLabel("exploratory", reason) for r in results}
        return PlanStatus(
            locked=False, sha256=plan_sha256(current), labels=tuple(unlocked.items())
        ).without("locked_at", "locked_sha256")
    locked = versions[0]
    seen = [v for v in versions if v.created_at <= unblinded_at]
    blind = _normal(seen[-1].design) if seen and locked.created_at <= unblinded_at else None
    deviations = tuple(
        Deviation(
            version=v.number,
            at=v.created_at.isoformat(),
            reason=v.reason,
            after_unblinding=v.after_unblinding,
            changes=tuple(differences(prev.design, v.design)),
        )
        for prev, v in pairwise(versions)
    )
    labels: dict[str, ResultLabel] = {}
    for r in results:
        role = _role(current, r)
        if blind is None:
            label = ResultLabel(
                "exploratory", "the plan was locked after the results were first seen"
            )
        elif _defining(blind, r) is None:
            label = ResultLabel(
                "exploratory", "added to the plan after the results were first seen"
            )
        elif _defining(blind, r) != _defining(current, r):
            label = ResultLabel("exploratory", "changed after the results were first seen")
        elif role != "primary":
            label = ResultLabel("exploratory", f"pre-registered {role} outcome")
        else:
            label = ResultLabel(
                "confirmatory", "pre-registered primary outcome, analysed as locked"
            )
        labels[r] = label
    return PlanStatus(
        locked=True,
        locked_at=locked.created_at.isoformat(),
        locked_sha256=locked.sha256,
        sha256=plan_sha256(current),
        versions=tuple(
            PlanVersionUsed(number=v.number, sha256=v.sha256, at=v.created_at.isoformat())
            for v in versions
        ),
        deviations=deviations,
        labels=tuple(labels.items()),
    )
