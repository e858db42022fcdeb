"""A programme's report: its trials and their sites pooled by random-effects meta-analysis.

Each trial contributes its latest analysis run's primary effect in standard deviations
(Hedges' g and its standard error, as the trial's own report gives it), so trials that used
different scales can be pooled. Sites contribute their own estimates (the trial report's
"effects by site") divided by their trial's control-arm standard deviation. Pooling is REML
with the Hartung–Knapp interval (:func:`hearten.stats.meta.meta_analyse`), whose coverage
holds with the handful of trials a programme has.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

import hearten
from hearten.analysis.run import latest_run
from hearten.errors import DataError, EstimationError
from hearten.files import write_atomic
from hearten.reports.figures import both, forest_plot, interval_rows
from hearten.reports.pdf import write_pdf
from hearten.stats.meta import MetaAnalysis, meta_analyse
from hearten.trials import audit
from hearten.trials.lifecycle import get_trial


@dataclass(frozen=True, slots=True)
class Study:
    """One trial's or site's standardised effect."""

    label: str
    trial: str
    g: float
    std_error: float
    n: int
    label_status: str


def _trial_studies(slugs: list[str]) -> tuple[list[Study], list[Study], list[dict[str, Any]]]:
    """Each trial's primary effect and each site's, standardised, and what was skipped."""
    trials, sites, notes = [], [], []
    for slug in slugs:
        trial = get_trial(slug)
        run = latest_run(trial)
        r = run.result
        status = ((r.get("plan") or {}).get("labels", {}).get("primary") or {}).get(
            "label", "exploratory"
        )
        for e in r["effects"]:
            g = e.get("hedges_g")
            arm = next(a["label"] for a in r["arms"] if a["name"] == e["term"])
            if not g or not g.get("std_error"):
                notes.append({"trial": slug, "note": f"{arm}: no standardised effect"})
                continue
            label = trial.name if len(r["effects"]) == 1 else f"{trial.name}: {arm}"
            trials.append(Study(label, slug, g["g"], g["std_error"], e["n"], status))
        sd = r.get("control_sd")
        for s in (r.get("sites") or {}).get("effects", []):
            if sd:
                sites.append(
                    Study(f"{s['site']} ({slug})", slug, s["estimate"] / sd,
                          s["std_error"] / sd, s["n"], "exploratory")
                )  # fmt: skip
    return trials, sites, notes


def _pool(studies: list[Study], alpha: float) -> MetaAnalysis | None:
    if len(studies) < 2:
        return None
    return meta_analyse(
        [s.g for s in studies], [s.std_error for s in studies], [s.label for s in studies],
        alpha=alpha,
    )  # fmt: skip


def _figure(studies: list[Study], pooled: MetaAnalysis, xlabel: str) -> dict[str, Any]:
    return both(
        forest_plot(
            [s.label for s in studies],
            [s.g for s in studies],
            [st.conf_low for st in pooled.studies],
            [st.conf_high for st in pooled.studies],
            [st.weight for st in pooled.studies],
            {k: v for k, v in asdict(pooled).items() if k != "studies"},
            xlabel,
        ),
        summary=f"{xlabel}: each study and the pooled estimate {pooled.estimate:.2f} "
        f"({pooled.conf_low:.2f} to {pooled.conf_high:.2f})",
        headers=["Study", "Effect", "Lower limit", "Upper limit"],
        rows=interval_rows(
            [s.label for s in studies],
            [s.g for s in studies],
            [st.conf_low for st in pooled.studies],
            [st.conf_high for st in pooled.studies],
        ),
    )


def programme_folder(name: str) -> Path:
    return Path(settings.HEARTEN.reports_dir) / f"programme-{slugify(name)}"


def write_programme_report(name: str, slugs: list[str], alpha: float = 0.05) -> Path:
    """Pool ``slugs``' latest analyses; write ``report.html`` and ``report.pdf``; return the
    HTML's path."""
    if len(set(slugs)) != len(slugs):
        raise DataError("a trial is named twice: name each trial of the programme once")
    if len(slugs) < 2:
        raise DataError("a programme report pools two or more trials: name at least two")
    trials, sites, notes = _trial_studies(slugs)
    try:
        pooled = _pool(trials, alpha)
        site_pool = _pool(sites, alpha)
    except EstimationError as exc:
        raise DataError(f"the trials could not be pooled: {exc}") from None
    if pooled is None:
        raise DataError("fewer than two trials have a standardised effect: analyse them first")
    level = round(100 * (1 - alpha))
    context = {
        "name": name,
        "trials": trials,
        "trial_rows": [(t, st.weight) for t, st in zip(trials, pooled.studies, strict=True)],
        "sites": sites,
        "notes": notes,
        "pooled": pooled,
        "site_pool": site_pool,
        "level": level,
        "version": hearten.__version__,
        "generated_at": timezone.now(),
        "trial_figure": _figure(trials, pooled, f"Effect in SD (Hedges' g, {level}% interval)"),
        "site_figure": _figure(sites, site_pool, "Site effect in SD of its trial's control arm")
        if site_pool
        else None,
    }
    html = render_to_string("reports/programme.html", context)
    folder = programme_folder(name)
    path = folder / "report.html"
    write_atomic(path, html)
    printable = render_to_string("reports/programme.html", {**context, "pdf": True})
    write_pdf(printable, folder / "report.pdf", f"{name}: programme report")
    digest = hashlib.sha256(html.encode()).hexdigest()
    for slug in slugs:
        audit.record(
            get_trial(slug),
            "exported",
            {"what": "programme report", "programme": name, "sha256": digest},
        )
    return path
