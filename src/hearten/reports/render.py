"""Write a trial's HTML report from its latest analysis run."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

import hearten
from hearten.analysis.stored import latest_run
from hearten.files import write_atomic
from hearten.reports.chronology import report_chronology
from hearten.reports.figures import (
    acceptability_curve,
    both,
    cost_effectiveness_plane,
    effect_plot,
    flow_diagram,
    flow_rows,
    forest_plot,
    funnel_chart,
    interval_rows,
    outcome_forest,
)
from hearten.reports.pdf import write_pdf
from hearten.trials.models import Trial


def report_path(trial: Trial) -> Path:
    """Where the trial's report lives: ``HEARTEN_HOME/reports/<trial>/report.html``."""
    return Path(settings.HEARTEN.reports_dir) / trial.slug / "report.html"


def _p(p: float | None) -> str:
    if p is None:
        return "–"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _ci(e: dict[str, Any], digits: int = 3) -> str:
    """An interval as text; a one-sided interval's open end (stored as ``None``) is ∞."""
    low = "−∞" if e.get("conf_low") is None else f"{e['conf_low']:.{digits}f}"
    high = "∞" if e.get("conf_high") is None else f"{e['conf_high']:.{digits}f}"
    return f"{low} to {high}"


def _secondary_imputed(r: dict[str, Any], labels: dict[str, str]) -> list[dict[str, Any]]:
    """Each secondary outcome's multiple-imputation sensitivity result (or why there is
    none); empty when imputation is the plan's own analysis (its table shows it then)."""
    rows: list[dict[str, Any]] = []
    for o in r.get("secondary", []):
        mi = o.get("imputation") or {}
        if mi.get("role") != "sensitivity":
            continue
        if mi.get("note"):
            rows.append({"name": o["name"], "note": mi["note"]})
        for e in mi.get("effects", []):
            rows.append({**e, "name": o["name"], "label": labels[e["term"]], "ci_text": _ci(e)})
    return rows


def _imputed_from(model: dict[str, Any]) -> str:
    """The predictors of the imputation model, in words."""
    items: list[str] = ["the baseline score"] if model.get("baseline") else []
    items += [str(c) for c in model.get("covariates") or []]
    items += ["site"] if model.get("strata_fixed_effects") else []
    if not items:  # the imputation then gave a note instead (nothing to predict from)
        return "nothing"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _imputed_effects(r: dict[str, Any]) -> list[dict[str, Any]]:
    """The multiple-imputation effects, each with the estimate it is read against: the
    complete-case one when imputation is the plan's analysis, else the main estimate."""
    mi = r.get("imputation") or {}
    main = {e["term"]: e for e in r.get("effects", [])}
    out = []
    for e in mi.get("effects", []):
        other = main.get(e["term"], {})
        if mi.get("role") == "primary":
            other = other.get("complete_case") or {}
        keep = ("estimate", "conf_low", "conf_high", "n")
        out.append({**e, "compared": {k: other.get(k) for k in keep} if other else None})
    return out


def _label(r: dict[str, Any], name: str) -> dict[str, str]:
    labels = (r.get("plan") or {}).get("labels", {})
    default = {"label": "exploratory", "reason": "analysed before plans were recorded"}
    return dict(labels.get(name, default))


def _planned_rows(r: dict[str, Any], labels: dict[str, str]) -> list[dict[str, Any]]:
    """One row per planned survey outcome and arm, with its family-adjusted p and label."""
    adjusted = {
        (o, f["arm"]): _p(a)
        for f in r.get("families", [])
        for o, a in zip(f["outcomes"], f["adjusted"], strict=True)
    }
    outcomes = [("primary", r["model"]["outcome"], r["effects"])]
    outcomes += [(o["name"], o["outcome"], o["effects"]) for o in r.get("secondary", [])]
    rows = []
    for name, described, effects in outcomes:
        status = _label(r, name)
        for e in effects:
            g = e.get("hedges_g") or {}
            rows.append(
                {
                    **e,
                    "name": f"{name} ({described})",
                    "short": name if len(effects) == 1 else f"{name}: {labels[e['term']]}",
                    "label": labels[e["term"]],
                    "ci_text": _ci(e),
                    "p_text": _p(e["p_value"]),
                    "adjusted": adjusted.get((name, e["term"])),
                    "g": g.get("g"),
                    "g_low": g.get("conf_low"),
                    "g_high": g.get("conf_high"),
                    "status": status["label"],
                    "reason": status["reason"],
                }
            )
    return rows


def _balance_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Balance rows as the report's table shows them: per arm n, mean and SD."""
    return [
        {
            "variable": row["variable"],
            "cells": [{"n": a["n"], "mean": a["mean"], "sd": a["sd"]} for a in row["arms"]],
            "std_diff": row["std_diff"],
        }
        for row in rows
    ]


def _hr_rows(r: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    """Absence and leaving rows with each arm's rate or share beside control's."""
    hr = r.get("hr") or {}
    control = r["control"]
    absence = hr.get("absence") or {}
    rates = absence.get("rate_per_fte_year", {})
    leaving = hr.get("leaving") or {}
    shares = leaving.get("share_left", {})
    return {
        "hr_absence": [
            {**e, "label": labels[e["term"]], "rate": rates.get(e["term"]),
             "control_rate": rates.get(control)}
            for e in absence.get("effects", [])
        ],
        "hr_leaving": [
            {**e, "label": labels[e["term"]], "share": shares.get(e["term"], 0.0),
             "control_share": shares.get(control, 0.0)}
            for e in leaving.get("effects", [])
        ],
    }  # fmt: skip


def _costs(r: dict[str, Any], labels: dict[str, str]) -> list[dict[str, Any]]:
    """Cost per person and the cost per point of effect: the value-for-money section's
    figure (extra ingredient cost over the control arm for the primary adjusted estimate),
    never a second one."""
    per_point = {c["arm"]: c["icer"] for c in (r.get("economics") or {}).get("per_point", [])}
    return [
        {**c, "label": labels.get(c["arm"], c["arm"]), "per_point": per_point.get(c["arm"])}
        for c in (r.get("uptake") or {}).get("costs", [])
    ]


def _economics(r: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    """The value-for-money section: stored costs, cost-effectiveness and its figures."""
    e = r.get("economics")
    if not e or e.get("note"):
        return {"economics": e}
    unit = f"{r['instrument']['name'].upper()} point"
    points = [{**c, "label": labels.get(c["arm"], c["arm"]),
               "curve": list(zip(c["thresholds"], c["acceptability"], strict=True))}
              for c in e["per_point"]]  # fmt: skip
    days = [{**c, "label": labels.get(c["arm"], c["arm"])} for c in e["per_day_avoided"]]
    figures: dict[str, Any] = {}
    if points:
        figures["plane_figure"] = both(
            cost_effectiveness_plane(points, labels, f"{unit}s"),
            summary="Cost-effectiveness plane: each arm's bootstrap draws of incremental "
            "effect and cost, with the point estimate",
            headers=["Arm", "Incremental cost (£)", "Cost interval", "Incremental effect",
                     "Effect interval", "Quadrant"],
            rows=[[c["label"], c["delta_cost"], f"{c['cost_low']:.2f} to {c['cost_high']:.2f}",
                   c["delta_effect"], f"{c['effect_low']:.2f} to {c['effect_high']:.2f}",
                   c["quadrant"]] for c in points],
        )  # fmt: skip
        figures["ceac_figure"] = both(
            acceptability_curve(points, labels, unit),
            summary="Cost-effectiveness acceptability curve: the probability each arm is "
            f"cost-effective at each willingness to pay per {unit}",
            headers=["Willingness to pay (£)", *[c["label"] for c in points]],
            rows=[[f"{t:g}", *[f"{c['acceptability'][i]:.2f}" for c in points]]
                  for i, t in enumerate(points[0]["thresholds"])],
        )  # fmt: skip
    lines = [{**x, "label": labels.get(x["arm"], x["arm"])} for x in e["lines"]]
    return {"economics": e, "ce_points": points, "ce_days": days, "ce_lines": lines,
            "ce_unit": unit, "ce_rate": f"{100 * e['discount_rate']:g}%",
            "ce_level": f"{100 * e['level']:g}%", **figures}  # fmt: skip


def _arm_funnel(r: dict[str, Any], labels: dict[str, str]) -> dict[str, str]:
    """For a trial with a compliance rule and no programme funnel: the first treated arm's
    people randomised, receiving the intervention, and answering the follow-up (counts under
    the reporting threshold shown as "fewer than k")."""
    k = (r.get("uptake") or {}).get("min_group", 5)
    arm = next((f for f in r["flow"] if f["arm"] != r["control"]), None)
    if arm is None or arm.get("received") is None:
        return {}
    steps = {
        f"randomised to {labels[arm['arm']].lower()}": arm["randomised"],
        "received it": arm["received"],
        "answered the follow-up": arm["responded"],
    }
    return {key: str(n) if n == 0 or n >= k else f"fewer than {k}" for key, n in steps.items()}


def _figures(
    r: dict[str, Any], labels: dict[str, str], rows: list[dict[str, Any]]
) -> dict[str, Any]:
    """The report's figures, each as SVG (page) and PNG (PDF)."""
    level = round(100 * (1 - r["model"]["alpha"]))
    forest = [
        {"name": x["short"], "g": x["g"], "conf_low": x["g_low"], "conf_high": x["g_high"],
         "label": x["status"]}
        for x in rows
        if x["g"] is not None and x["g_low"] is not None
    ]  # fmt: skip
    funnel = (r.get("uptake") or {}).get("funnel") or _arm_funnel(r, labels)
    flow_headers, flow_data = flow_rows(r["flow"], labels)
    return {
        "flow_figure": both(
            flow_diagram(
                r["flow"],
                labels,
                r.get("assessed")
                or {"sites": 0, "units": 0, "people": sum(f["randomised"] for f in r["flow"])},
                r["allocation"]["unit"],
            ),
            summary="CONSORT flow diagram: people at each stage in each arm",
            headers=flow_headers,
            rows=flow_data,
        ),
        "outcome_figure": both(
            outcome_forest(forest, level),
            summary=f"Each planned outcome's effect in standard deviations with its {level}% "
            "interval",
            headers=["Outcome", "Hedges' g", "Lower limit", "Upper limit", "Result"],
            rows=[[x["name"], x["g"], x["conf_low"], x["conf_high"], x["label"]] for x in forest],
        )
        if forest
        else None,
        "funnel_figure": both(
            funnel_chart(funnel, r["uptake"]["min_group"]),
            150,
            summary="The uptake funnel: people at each stage",
            headers=["Stage", "People"],
            rows=[[stage, n] for stage, n in funnel.items()],
        )
        if funnel
        else None,
    }


def _cell(cell: Any) -> str:
    return "not shown" if cell.hidden else f"{cell.mentioning} of {cell.interviewees}"


def _ipe(trial: Trial, r: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    """The process evaluation section: flow, themes by arm beside each arm's effect, by
    uptake stage, and a quote per theme and arm where the column may be shown."""
    from hearten.process.summary import summary

    s = summary(trial)
    if s is None:
        return {"ipe": None}
    effect = {e["term"]: e for e in r["effects"]}
    columns = [
        {"key": c, "label": labels.get(c, c),
         "effect": f"{effect[c]['estimate']:.2f} ({_ci(effect[c], 2)})" if c in effect else None}
        for c in s.by_arm.columns
    ]  # fmt: skip
    rows = [
        {"theme": t, "cells": [_cell(s.by_arm.cells[t][c]) for c in s.by_arm.columns],
         "alpha": "–" if s.agreement.get(t) is None else f"{s.agreement[t]:.2f}"}
        for t in s.by_arm.themes
    ]  # fmt: skip
    quotes = [
        {"theme": t, "arm": labels.get(c, c), "quote": s.by_arm.cells[t][c].quote}
        for t in s.by_arm.themes
        for c in s.by_arm.columns
        if s.by_arm.cells[t][c].quote
    ]
    stage_rows = [
        {"theme": t, "cells": [_cell(s.by_stage.cells[t][c]) for c in s.by_stage.columns]}
        for t in s.by_stage.themes
    ]
    return {"ipe": s, "ipe_arm_columns": columns, "ipe_arm_rows": rows, "ipe_quotes": quotes,
            "ipe_stage_rows": stage_rows}  # fmt: skip


def _voices(trial: Trial) -> Any:
    """Deliverers' answers and the questions asked of some arms only
    (:mod:`hearten.process.voices`; stored answers, not a result of the run)."""
    from hearten.process.voices import voices

    return voices(trial)


def _harms(trial: Trial, labels: dict[str, str]) -> list[dict[str, Any]]:
    """The harms and concerns log counted by arm (stored entries, not a result of the run)."""
    from hearten.trials.harms import harms_by_arm

    return [
        {"arm": labels.get(c.arm, "No participant named"), "kind": c.kind, "entries": c.entries,
         "serious": c.serious, "people": c.people}
        for c in harms_by_arm(trial)
    ]  # fmt: skip


def _context(trial: Trial, pdf: bool = False) -> dict[str, Any]:
    run = latest_run(trial)
    r = run.result
    labels = {a["name"]: a["label"] for a in r["arms"]}
    effects = []
    for e in r["effects"]:
        effects.append(
            {
                **e,
                "label": labels[e["term"]],
                "p_text": _p(e["p_value"]),
                "ci_text": _ci(e, 2),
                "magnitude": abs(e["estimate"]),
                "direction": "higher" if e["estimate"] >= 0 else "lower",
            }
        )
    figure = both(
        effect_plot(
            [e for e in r["effects"] if e["conf_low"] is not None and e["conf_high"] is not None],
            labels,
            labels[r["control"]],
            f"{r['instrument']['name'].upper()} {r['instrument']['score']} score",
        ),
        150,
        summary=f"Each arm's difference from {labels[r['control']]} with its interval",
        headers=["Arm", "Difference", "Lower limit", "Upper limit"],
        rows=[[labels[e["term"]], e["estimate"], e["conf_low"], e["conf_high"]]
              for e in r["effects"]],
    )  # fmt: skip
    at_randomisation = r.get("randomisation_balance", {})
    rows = _planned_rows(r, labels)
    secondary = [
        {
            **o,
            "effects": [
                {**e, "label": labels[e["term"]], "p_text": _p(e["p_value"]), "ci_text": _ci(e)}
                for e in o["effects"]
            ],
        }
        for o in r.get("secondary", [])
    ]
    families = [
        {
            **f,
            "label": labels[f["arm"]],
            "rows": [
                {"outcome": o, "p": _p(p), "adjusted": _p(a)}
                for o, p, a in zip(f["outcomes"], f["p_values"], f["adjusted"], strict=True)
            ],
        }
        for f in r.get("families", [])
    ]
    sites = r.get("sites")
    site_figure = None
    if sites and "effects" in sites:
        e = sites["effects"]
        site_figure = both(
            forest_plot(
                [x["site"] for x in e],
                [x["estimate"] for x in e],
                [x["conf_low"] for x in e],
                [x["conf_high"] for x in e],
                sites["weights"],
                sites["pooled"],
                f"Difference from {labels[r['control']]} by site",
            ),
            summary=f"Each site's difference from {labels[r['control']]} with its interval, "
            f"and the pooled estimate {sites['pooled']['estimate']:.2f} "
            f"({sites['pooled']['conf_low']:.2f} to {sites['pooled']['conf_high']:.2f})",
            headers=["Site", "Difference", "Lower limit", "Upper limit"],
            rows=interval_rows(
                [x["site"] for x in e],
                [x["estimate"] for x in e],
                [x["conf_low"] for x in e],
                [x["conf_high"] for x in e],
            ),
        )
    stressors = [
        {
            **a,
            "phrase": None
            if a["equivalent_change"] is None
            else f"{abs(a['equivalent_change']):.1f} "
            f"{'lower' if a['equivalent_change'] < 0 else 'higher'} {a['stressor']}",
        }
        for a in r.get("stressors", [])
    ]
    mediators = [o for o in secondary if o.get("role") == "mediator"]
    secondary = [o for o in secondary if o.get("role") != "mediator"]
    return {
        "mediators": mediators,
        "stressors": stressors,
        "sites": sites,
        "site_figure": site_figure,
        "secondary": secondary,
        "families": families,
        "trial": trial,
        "run": run,
        "r": r,
        "order": report_chronology(r),
        "labels": labels,
        "effects": effects,
        "figure": figure,
        "pdf": pdf,
        "planned_rows": rows,
        "observed_mdes": [
            (labels.get(arm, arm), m)
            for arm, m in ((r.get("observed_icc") or {}).get("mdes") or {}).items()
        ],
        "multilevel": [
            {**e, "label": labels.get(e["term"], e["term"])}
            for e in (r.get("multilevel") or {}).get("effects", [])
        ],
        "imputed": [
            {**e, "label": labels.get(e["term"], e["term"]), "ci_text": _ci(e)}
            for e in _imputed_effects(r)
        ],
        "imputed_from": _imputed_from(r["model"]),
        "secondary_imputed": _secondary_imputed(r, labels),
        "eef_g": [
            (labels.get(arm, arm), g)
            for arm, g in ((r.get("observed_icc") or {}).get("eef_g") or {}).items()
        ],
        "primary_label": _label(r, "primary"),
        "hr_status": {k: _label(r, k) for k in ("absence", "leaving")},
        "harms": _harms(trial, labels),
        **_figures(r, labels, rows),
        "balance": _balance_rows(r["balance"]),
        "randomised_people": _balance_rows(at_randomisation.get("people", [])),
        "randomised_clusters": _balance_rows(at_randomisation.get("clusters", [])),
        "cace_effects": [
            {
                **e,
                "label": labels[e["term"]],
                "took_part": (r["cace"].get("took_part") or {}).get(e["term"], 0.0),
            }
            for e in (r.get("cace") or {}).get("effects", [])
        ],
        "costs": _costs(r, labels),
        **_economics(r, labels),
        **_hr_rows(r, labels),
        "sample_ratio": [
            {**t, "cells": list(zip(t["observed"], t["expected"], strict=True))}
            for t in r.get("sample_ratio", [])
        ],
        "flow": [{**f, "label": labels[f["arm"]]} for f in r["flow"]],
        "arm_labels": [labels[f["arm"]] for f in r["flow"]],
        "generated_at": timezone.now(),
        "version": hearten.__version__,
        "level": round(100 * (1 - r["model"]["alpha"])),
        **_ipe(trial, r, labels),
        "voices": _voices(trial),
    }


def _context_of(trial: Trial) -> tuple[dict[str, Any], str]:
    """The report's context and template: a stepped-wedge trial has its own."""
    run = latest_run(trial)
    if run.result.get("design") == "stepped-wedge":
        from hearten.reports.stepped_wedge import stepped_wedge_context

        context = {**stepped_wedge_context(run.result), "trial": trial, "run": run,
                   "generated_at": timezone.now(), "version": hearten.__version__,
                   "voices": _voices(trial)}  # fmt: skip
        return context, "reports/stepped_wedge.html"
    return _context(trial), "reports/report.html"


def write_report(trial: Trial) -> Path:
    """Render the report as HTML at ``report_path(trial)`` and as PDF beside it (same
    template, same numbers); return the HTML's path."""
    context, template = _context_of(trial)
    html = render_to_string(template, context)
    path = report_path(trial)
    write_atomic(path, html)  # readers never see a half-written report
    printable = render_to_string(template, {**context, "pdf": True})
    pdf_path = write_pdf(printable, path.with_suffix(".pdf"), f"{trial.name}: trial report")
    from hearten.trials import audit

    audit.record(
        trial,
        "exported",
        {
            "what": "report",
            "file": path.name,
            "sha256": hashlib.sha256(html.encode()).hexdigest(),
            "pdf_sha256": hashlib.sha256(pdf_path.read_bytes()).hexdigest(),
        },
    )
    return path
