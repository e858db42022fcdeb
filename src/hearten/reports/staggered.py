"""The page for an observational staggered comparison (teams adopted a change when they
decided to): its heading and first sentence say it is an observational comparison, and no
word on it calls it a trial or says anything was drawn at random. The event-study figure
has an accessible name and the table of the numbers it draws (``figures.both``).

The page reads the typed :class:`~hearten.analysis.staggered.StaggeredComparison`; a number
that is not finite (a cell with no comparison units, a p-value with no standard error) is
shown as a dash, as its JSON form stores it as ``null``."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from importlib.metadata import version as package_version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import hearten
from hearten.reports.figures import both

if TYPE_CHECKING:  # matplotlib and Django are imported inside the functions
    from matplotlib.figure import Figure

    from hearten.analysis.staggered import StaggeredComparison
    from hearten.stats.staggered_result import AggregateEffect
    from hearten.trials.models import Trial


def event_study(
    times: Sequence[int],
    estimates: Sequence[float],
    lows: Sequence[float],
    highs: Sequence[float],
    ylabel: str,
) -> Figure:
    """Effects by months since adoption with their uniform bands: before adoption (open
    circles: the pre-trend check) and after (filled squares), a dashed line at no difference
    and a dotted one where adoption begins, so nothing relies on colour (NaN draws nothing)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.0, 3.6))
    ax = fig.subplots()
    for t, est, lo, hi in zip(times, estimates, lows, highs, strict=True):
        before = t < 0
        colour = "#505a5f" if before else "#1d70b8"
        ax.plot([t, t], [lo, hi], color=colour, linewidth=2)
        ax.plot(
            [t], [est], "o" if before else "s", color=colour,
            markerfacecolor="#ffffff" if before else colour, markersize=7,
        )  # fmt: skip
    ax.axhline(0.0, color="#0b0c0c", linestyle="--", linewidth=1)
    ax.axvline(-0.5, color="#505a5f", linestyle=":", linewidth=1)
    step = 1 if len(times) <= 13 else 2  # every other label when months crowd the axis
    ax.set_xticks(list(times), [str(t) if t % step == 0 else "" for t in times])
    ax.set_xlabel("Months since the team adopted (open circles: before; squares: after)")
    ax.set_ylabel(f"Difference in\n{ylabel}")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def _finite(value: float | None) -> float | None:
    """``value``, or ``None`` when it is missing, NaN or infinite (as the JSON form stores it)."""
    return None if value is None or not math.isfinite(value) else value


def _finites(values: Sequence[float]) -> list[float | None]:
    return [_finite(v) for v in values]


def _num(value: float | None, digits: int = 2) -> str:
    value = _finite(value)
    return "–" if value is None else f"{value:.{digits}f}"


def _p(p: float | None) -> str:
    p = _finite(p)
    if p is None:
        return "–"
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


def _figure(result: StaggeredComparison, change: str, level: int) -> dict[str, Any]:
    """The event study with its accessible name and the table of the numbers it draws."""
    dyn = result.fit.dynamic
    estimates, lower, upper = _finites(dyn.estimates), _finites(dyn.lower), _finites(dyn.upper)
    rows = [list(row) for row in zip(dyn.labels, estimates, lower, upper, strict=True)]
    return both(
        event_study(dyn.labels, dyn.estimates, dyn.lower, dyn.upper, result.label),
        summary=(
            f"Event study of {result.label}: the difference between teams that adopted "
            f"{change} and comparison teams, by months since adoption, with {level}% uniform "
            "bands; negative months are before adoption"
        ),
        headers=["Months since adoption", "Difference", "Band from", "Band to"],
        rows=rows,
    )


def _groups(result: StaggeredComparison, grp: AggregateEffect) -> list[dict[str, str]]:
    """Each adoption month's effect and uniform band, as shown."""
    return [
        {"month": result.months[g - 1], "effect": _num(e), "low": _num(a), "high": _num(b)}
        for g, e, a, b in zip(grp.labels, grp.estimates, grp.lower, grp.upper, strict=True)
    ]


def _cells(result: StaggeredComparison) -> list[dict[str, Any]]:
    """Each group-time cell with its adoption month and calendar month (``YYYY-MM``)."""
    return [
        {
            **{k: _finite(v) if isinstance(v, float) else v for k, v in asdict(c).items()},
            "group_month": result.months[c.group - 1],
            "month": result.months[c.time - 1],
        }
        for c in result.fit.cells
    ]


def context(result: StaggeredComparison, change: str) -> dict[str, Any]:
    """What the page shows, from a :class:`StaggeredComparison`."""
    fit = result.fit
    grp = fit.group
    level = round(100 * (1 - fit.alpha))
    overall, lo, hi = _finite(grp.overall), _finite(grp.overall_lower), _finite(grp.overall_upper)
    average = fit.pre_average
    return {
        "change": change,
        "r": result,
        "fit": fit,
        "level": level,
        "figure": _figure(result, change, level),
        "overall": _num(overall),
        "magnitude": _num(None if overall is None else abs(overall)),
        "overall_low": _num(lo),
        "overall_high": _num(hi),
        "excludes_zero": lo is not None and hi is not None and (lo > 0 or hi < 0),
        "simple": _num(fit.simple.overall),
        "pre_statistic": _num(fit.pre_trend.statistic),
        "pre_p": _p(fit.pre_trend.p_value),
        "pre_average": _num(None if average is None else average.estimate),
        "pre_average_p": _p(None if average is None else average.p_value),
        "groups": _groups(result, grp),
        "cells": _cells(result),
        "estimator": f"csdid {package_version('csdid')}",
        "version": hearten.__version__,
    }


def page_path(trial: Trial, outcome: str) -> Path:
    """``HEARTEN_HOME/reports/<trial>/staggered-<outcome>.html``."""
    from django.conf import settings

    return Path(settings.HEARTEN.reports_dir) / trial.slug / f"staggered-{outcome}.html"


def write_page(trial: Trial, result: StaggeredComparison, change: str, *, now: datetime) -> Path:
    """Render the page as HTML and as a tagged PDF beside it (same template, same numbers),
    write each whole and audit the export (with the bootstrap's seed)."""
    from django.template.loader import render_to_string

    from hearten.files import write_atomic
    from hearten.reports.pdf import write_pdf
    from hearten.trials import audit

    shown = context(result, change)
    html = render_to_string("reports/staggered.html", shown)
    path = page_path(trial, result.outcome)
    write_atomic(path, html)
    printable = render_to_string("reports/staggered.html", {**shown, "pdf": True})
    pdf = write_pdf(printable, path.with_suffix(".pdf"), f"Observational comparison: {change}")
    audit.record(
        trial,
        "exported",
        {
            "what": "observational staggered comparison",
            "outcome": result.outcome,
            "file": path.name,
            "seed": result.fit.seed,
            "sha256": hashlib.sha256(html.encode()).hexdigest(),
            "pdf_sha256": hashlib.sha256(pdf.read_bytes()).hexdigest(),
        },
        at=now,
    )
    return path
