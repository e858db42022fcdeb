"""The trial report's tables of effects, as the template reads them.

Each planned outcome's row with its family-adjusted p and confirmatory or exploratory label,
the multiple-imputation results beside the estimates they are read against, balance, and the
HR outcomes' rates beside control's. Stored results in (the typed
:class:`~hearten.analysis.result.AnalysisResult`), rows out: nothing is recomputed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from hearten.analysis.arm_effect import ArmEffect
from hearten.analysis.balance_table import BalanceRow
from hearten.analysis.result import AnalysisResult, JsonObject, ModelUsed


def p_text(p: float | None) -> str:
    if p is None:
        return "–"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def ci_text(e: Mapping[str, Any] | ArmEffect, digits: int = 3) -> str:
    """An interval as text; a one-sided interval's open end (stored as ``None``) is ∞."""
    if isinstance(e, ArmEffect):
        lower, upper = e.conf_low, e.conf_high
    else:
        lower, upper = e.get("conf_low"), e.get("conf_high")
    low = "−∞" if lower is None else f"{lower:.{digits}f}"
    high = "∞" if upper is None else f"{upper:.{digits}f}"
    return f"{low} to {high}"


def secondary_imputed(r: AnalysisResult, labels: dict[str, str]) -> list[dict[str, Any]]:
    """Each secondary outcome's multiple-imputation sensitivity result (or why there is
    none); empty when imputation is the plan's own analysis (its table shows it then)."""
    rows: list[dict[str, Any]] = []
    for o in r.secondary:
        mi = o.imputation
        if mi is None or mi.role != "sensitivity":
            continue
        if mi.note:
            rows.append({"name": o.name, "note": mi.note})
        for e in mi.effects:
            rows.append({**e.to_json(), "name": o.name, "label": labels[e.term],
                         "ci_text": ci_text(e.to_json())})  # fmt: skip
    return rows


def imputed_from(model: ModelUsed) -> str:
    """The predictors of the imputation model, in words."""
    items: list[str] = ["the baseline score"] if model.baseline else []
    items += [str(c) for c in model.covariates]
    items += ["site"] if model.strata_fixed_effects else []
    if not items:  # the imputation then gave a note instead (nothing to predict from)
        return "nothing"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def imputed_effects(r: AnalysisResult) -> list[dict[str, Any]]:
    """The multiple-imputation effects, each with the estimate it is read against: the
    complete-case one when imputation is the plan's analysis, else the main estimate."""
    mi = r.imputation
    main: dict[str, JsonObject] = {e.term: e.to_json() for e in r.effects}
    out = []
    for e in () if mi is None else mi.effects:
        other = main.get(e.term, {})
        if mi is not None and mi.role == "primary":
            other = other.get("complete_case") or {}
        keep = ("estimate", "conf_low", "conf_high", "n")
        out.append({**e.to_json(), "compared": {k: other.get(k) for k in keep} if other else None})
    return out


def plan_label(r: AnalysisResult, name: str) -> dict[str, str]:
    label = None if r.plan is None else r.plan.label(name)
    if label is None:
        return {"label": "exploratory", "reason": "analysed before plans were recorded"}
    return label.to_json()


def planned_rows(r: AnalysisResult, labels: dict[str, str]) -> list[dict[str, Any]]:
    """One row per planned survey outcome and arm, with its family-adjusted p and label."""
    adjusted = {
        (o, f.arm): p_text(a)
        for f in r.families
        for o, a in zip(f.outcomes, f.adjusted, strict=True)
    }
    rows = []
    for o in (r.primary, *r.secondary):
        name, described, effects = o.name, o.outcome, o.effects
        status = plan_label(r, name)
        for e in effects:
            g = e.hedges_g
            rows.append(
                {
                    **e.to_json(),
                    "name": f"{name} ({described})",
                    "label": labels[e.term],
                    "ci_text": ci_text(e),
                    "p_text": p_text(e.p_value),
                    "adjusted": adjusted.get((name, e.term)),
                    "g": None if g is None else g.g,
                    "status": status["label"],
                    "reason": status["reason"],
                }
            )
    return rows


def balance_rows(rows: Iterable[BalanceRow]) -> list[dict[str, Any]]:
    """Balance rows as the report's table shows them: per arm n, mean and SD."""
    return [
        {
            "variable": row.variable,
            "cells": [{"n": a.n, "mean": a.mean, "sd": a.sd} for a in row.arms],
            "std_diff": row.std_diff,
        }
        for row in rows
    ]


def hr_rows(r: AnalysisResult, labels: dict[str, str]) -> dict[str, Any]:
    """Absence and leaving rows with each arm's rate or share beside control's."""
    control = r.control
    absence = None if r.hr is None else r.hr.absence
    rates = (absence and absence.rate_per_fte_year) or {}
    leaving = None if r.hr is None else r.hr.leaving
    shares = (leaving and leaving.share_left) or {}
    return {
        "hr_absence": [
            {**e.to_json(), "label": labels[e.term], "rate": rates.get(e.term),
             "control_rate": rates.get(control)}
            for e in (absence.effects if absence else ())
        ],
        "hr_leaving": [
            {**e.to_json(), "label": labels[e.term], "share": shares.get(e.term, 0.0),
             "control_share": shares.get(control, 0.0)}
            for e in (leaving.effects if leaving else ())
        ],
    }  # fmt: skip
