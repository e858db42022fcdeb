"""Write a trial's HTML report from its latest analysis run.

The sections' rows and figures are built in :mod:`~hearten.reports.effect_tables`,
:mod:`~hearten.reports.value_for_money`, :mod:`~hearten.reports.report_figures` and
:mod:`~hearten.reports.process_section`; this module gathers them into the template's context
and writes the HTML, the PDF and the audit record. Every section reads the run's typed result
(:func:`~hearten.analysis.stored.read_result`); a stepped-wedge run has its own context
(:mod:`~hearten.reports.stepped_wedge`, from :func:`~hearten.analysis.stored.read_stepped`).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

import hearten
from hearten.analysis.allocation_record import recorded
from hearten.analysis.models import AnalysisRun
from hearten.analysis.stored import is_stepped_wedge, latest_run, read_result, read_stepped
from hearten.files import write_atomic
from hearten.reports.chronology import run_chronology
from hearten.reports.effect_tables import (
    balance_rows,
    ci_text,
    hr_rows,
    imputed_effects,
    imputed_from,
    p_text,
    plan_label,
    planned_rows,
    secondary_imputed,
)
from hearten.reports.figures import PooledMark, both, effect_plot, forest_plot, interval_rows
from hearten.reports.pdf import write_pdf
from hearten.reports.process_section import deliverer_voices, process_section
from hearten.reports.report_figures import arm_funnel as _arm_funnel
from hearten.reports.report_figures import report_figures
from hearten.reports.value_for_money import cost_rows, economics_section
from hearten.trials.models import Trial

#: ``_arm_funnel`` is named here too: its tests import it from this module.
__all__ = ["_arm_funnel", "report_path", "write_report"]


def report_path(trial: Trial) -> Path:
    """Where the trial's report lives: ``HEARTEN_HOME/reports/<trial>/report.html``."""
    return Path(settings.HEARTEN.reports_dir) / trial.slug / "report.html"


def _harms(trial: Trial, labels: dict[str, str]) -> list[dict[str, Any]]:
    """The harms and concerns log counted by arm (stored entries, not a result of the run)."""
    from hearten.trials.harms import harms_by_arm

    return [
        {"arm": labels.get(c.arm, "No participant named"), "kind": c.kind, "entries": c.entries,
         "serious": c.serious, "people": c.people}
        for c in harms_by_arm(trial)
    ]  # fmt: skip


def _context(trial: Trial, run: AnalysisRun, pdf: bool = False, *, now: datetime) -> dict[str, Any]:
    """The parallel trial's report context from its ``run`` (the template reads ``r``, the
    typed result, by attribute as it read the stored JSON by key)."""
    r = read_result(run)
    labels = r.labels
    effects = []
    for e in r.effects:
        effects.append(
            {
                **e.to_json(),
                "label": labels[e.term],
                "p_text": p_text(e.p_value),
                "ci_text": ci_text(e, 2),
                "magnitude": abs(e.estimate),
                "direction": "higher" if e.estimate >= 0 else "lower",
            }
        )
    figure = both(
        effect_plot(
            [e for e in r.effects if e.conf_low is not None and e.conf_high is not None],
            labels,
            labels[r.control],
            f"{r.instrument.name.upper()} {r.instrument.score} score",
        ),
        150,
        summary=f"Each arm's difference from {labels[r.control]} with its interval",
        headers=["Arm", "Difference", "Lower limit", "Upper limit"],
        rows=[[labels[e.term], e.estimate, e.conf_low, e.conf_high] for e in r.effects],
    )  # fmt: skip
    at_randomisation = r.randomisation_balance
    took_part = (r.cace.took_part if r.cace else None) or {}
    rows = planned_rows(r, labels)
    secondary = [
        {
            **o.to_json(),
            "effects": [
                {**e.to_json(), "label": labels[e.term], "p_text": p_text(e.p_value),
                 "ci_text": ci_text(e)}
                for e in o.effects
            ],
        }
        for o in r.secondary
    ]  # fmt: skip
    families = [
        {
            **f.to_json(),
            "label": labels[f.arm],
            "rows": [
                {"outcome": o, "p": p_text(p), "adjusted": p_text(a)}
                for o, p, a in zip(f.outcomes, f.p_values, f.adjusted, strict=True)
            ],
        }
        for f in r.families
    ]
    sites = r.sites
    site_figure = None
    if sites is not None and sites.pooled is not None:
        each, pooled = sites.effects, sites.pooled
        site_figure = both(
            forest_plot(
                [x.site for x in each],
                [x.estimate for x in each],
                [x.conf_low for x in each],
                [x.conf_high for x in each],
                list(sites.weights),
                PooledMark.of(pooled),
                f"Difference from {labels[r.control]} by site",
            ),
            summary=f"Each site's difference from {labels[r.control]} with its interval, "
            f"and the pooled estimate {pooled.estimate:.2f} "
            f"({pooled.conf_low:.2f} to {pooled.conf_high:.2f})",
            headers=["Site", "Difference", "Lower limit", "Upper limit"],
            rows=interval_rows(
                [x.site for x in each],
                [x.estimate for x in each],
                [x.conf_low for x in each],
                [x.conf_high for x in each],
            ),
        )
    stressors = [
        {
            **a.to_json(),
            "phrase": None
            if a.equivalent_change is None
            else f"{abs(a.equivalent_change):.1f} "
            f"{'lower' if a.equivalent_change < 0 else 'higher'} {a.stressor}",
        }
        for a in r.stressors
    ]
    mediators = [o for o in secondary if o["role"] == "mediator"]
    secondary = [o for o in secondary if o["role"] != "mediator"]
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
        "order": run_chronology(recorded(r.allocation), r.plan),
        "labels": labels,
        "effects": effects,
        "figure": figure,
        "pdf": pdf,
        "planned_rows": rows,
        "observed_mdes": [
            (labels.get(arm, arm), m)
            for arm, m in ((r.observed_icc and r.observed_icc.mdes) or {}).items()
        ],
        "multilevel": [
            {**e.to_json(), "label": labels.get(e.term, e.term)}
            for e in (r.multilevel.effects if r.multilevel else ())
        ],
        "imputed": [
            {**e, "label": labels.get(e["term"], e["term"]), "ci_text": ci_text(e)}
            for e in imputed_effects(r)
        ],
        "imputed_from": imputed_from(r.model),
        "secondary_imputed": secondary_imputed(r, labels),
        "eef_g": [
            (labels.get(arm, arm), g)
            for arm, g in ((r.observed_icc and r.observed_icc.eef_g) or {}).items()
        ],
        "primary_label": plan_label(r, "primary"),
        "hr_status": {k: plan_label(r, k) for k in ("absence", "leaving")},
        "harms": _harms(trial, labels),
        **report_figures(r, labels),
        "balance": balance_rows(r.balance),
        "randomised_people": balance_rows(at_randomisation.people if at_randomisation else ()),
        "randomised_clusters": balance_rows(at_randomisation.clusters if at_randomisation else ()),
        "cace_effects": [
            {**e.to_json(), "label": labels[e.term], "took_part": took_part.get(e.term, 0.0)}
            for e in (r.cace.effects if r.cace else ())
        ],
        "costs": cost_rows(r, labels),
        **economics_section(r, labels),
        **hr_rows(r, labels),
        "sample_ratio": [
            {**t.to_json(), "cells": list(zip(t.observed, t.expected, strict=True))}
            for t in r.sample_ratio
        ],
        "flow": [{**f.to_json(), "label": labels[f.arm]} for f in r.flow],
        "arm_labels": [labels[f.arm] for f in r.flow],
        "generated_at": now,
        "version": hearten.__version__,
        "level": round(100 * (1 - r.model.alpha)),
        **process_section(trial, r, labels),
        "voices": deliverer_voices(trial),
    }


def _context_of(trial: Trial, *, now: datetime) -> tuple[dict[str, Any], str]:
    """The report's context and template (a stepped-wedge trial has its own), generated at
    ``now``."""
    run = latest_run(trial)
    if is_stepped_wedge(run):
        from hearten.reports.stepped_wedge import stepped_wedge_context
        from hearten.trials.lifecycle import design_of
        from hearten.trials.stepped_wedge import model_warning

        # the stored design's correlation against the planned model's random effects
        warning = model_warning(design_of(trial).stepped_wedge, trial.unit)
        context = {**stepped_wedge_context(read_stepped(run)), "trial": trial, "run": run,
                   "generated_at": now, "version": hearten.__version__,
                   "voices": deliverer_voices(trial), "model_warning": warning}  # fmt: skip
        return context, "reports/stepped_wedge.html"
    return _context(trial, run, now=now), "reports/report.html"


def write_report(trial: Trial, *, now: datetime) -> Path:
    """Render the report as HTML at ``report_path(trial)`` and as PDF beside it (same
    template, same numbers); return the HTML's path. ``now``: the caller's clock (the command
    or the demo reads it once; a test gives a fixed one), printed as the time the report was
    generated, so a report made under a fixed clock is the same every time."""
    context, template = _context_of(trial, now=now)
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
        at=now,
    )
    return path
