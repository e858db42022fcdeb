"""``hearten analyse``'s readable output: a result
(:class:`~hearten.analysis.table_result.TableResult`) as tables and sentences; ``--json``
prints its ``as_json()`` instead."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hearten.cli.output import Table, out

if TYPE_CHECKING:
    from hearten.analysis.table_result import Diagnostics, TableResult


def print_result(r: TableResult) -> None:
    """Print ``r``: the ratio-scale table of a binary, count or Cox model, or the linear
    ITT's or CACE's."""
    if r.ratio is not None:
        _print_ratio(r)
    else:
        _print_linear(r)


def _print_linear(r: TableResult) -> None:
    """Readable output for the ITT and CACE of a continuous outcome."""
    level, e, c, n = r.level, r.effect, r.contrast, r.sample
    title = f"{r.estimand} of {c.treatment} ({c.treated} vs {c.control}) on {c.outcome}"
    table = Table("estimate", "std. error", "df", "t", f"{level}% CI", "p", title=title)
    interval = (
        f"{e.interval.low:.4f} to {e.interval.high:.4f}" if e.interval.bounded else "unbounded"
    )
    table.add_row(
        f"{e.estimate:.4f}",
        f"{e.std_error:.4f}",
        f"{e.df:.1f}",
        f"{e.statistic:.3f}",
        interval,
        f"{e.p_value:.4f}",
    )
    out.print(table)
    clusters = f" in {n.n_clusters} clusters" if n.n_clusters else ""
    out.print(f"n = {n.n}{clusters}; {r.vcov} standard errors; adjustment: {r.adjustment}.")
    if n.n_dropped:
        out.print(f"{n.n_dropped} row(s) were dropped for a missing value in a column used.")
    if r.imputation:
        mi = r.imputation
        gaps = ", ".join(f"{v} in {k}" for k, v in mi.missing.items() if v) or "none"
        out.print(
            f"Missing values imputed {mi.imputations} times (seed {mi.seed}) by chained "
            f"equations within each arm ({gaps}); pooled by Rubin's rules with Barnard-Rubin "
            f"df; fraction of missing information {mi.fmi:.2f}."
        )
    if r.resampled is not None:
        d = r.resampled
        how = "every draw enumerated (exact)" if d.enumerated else f"{d.reps} draws, seed {d.seed}"
        name = "wild cluster bootstrap" if d.method == "wild" else "randomisation inference"
        out.print(f"p-value and interval by {name}: {how}.")
    if r.hedges_g:
        g = r.hedges_g
        icc = f", ICC {g.icc:.3f}" if n.n_clusters else ""
        out.print(
            f"Hedges' g = {g.g:.3f} ({level}% CI {g.conf_low:.3f} to {g.conf_high:.3f}{icc})."
        )
    if r.first_stage_f is not None:
        out.print(f"First-stage F = {r.first_stage_f:.1f}.")
    for warning in r.warnings:
        out.print(f"[bold yellow]Warning:[/] {warning}")
    if r.sites:
        sites = Table("site", "estimate", f"{level}% CI", "n", title="By site")
        for s in r.sites.effects:
            sites.add_row(
                s.site,
                f"{s.effect.estimate:.4f}",
                f"{s.effect.conf_low:.4f} to {s.effect.conf_high:.4f}",
                str(s.effect.n),
            )
        p = r.sites.pooled
        sites.add_section()
        sites.add_row(
            "pooled (REML, Hartung-Knapp)",
            f"{p.estimate:.4f}",
            f"{p.conf_low:.4f} to {p.conf_high:.4f}",
            "",
        )
        out.print(sites)
        out.print(f"Between sites: tau² = {p.tau2:.4f}, I² = {100 * p.i2:.1f}%.")
    if r.moderation:
        mods = Table(
            "moderator",
            "level",
            "change in effect",
            f"{level}% CI",
            "p",
            "adjusted p",
            title="Treatment × moderator",
        )
        for m in r.moderation.terms:
            adjusted = "exploratory" if m.adjusted_p is None else f"{m.adjusted_p:.4f}"
            mods.add_row(
                m.moderator,
                m.level or "per unit",
                f"{m.estimate:.4f}",
                f"{m.conf_low:.4f} to {m.conf_high:.4f}",
                f"{m.p_value:.4f}",
                adjusted,
            )
        out.print(mods)
        if r.moderation.exploratory:
            out.print(
                "These moderators were not declared pre-registered (--pre-registered): "
                "read them as exploratory."
            )


def _print_ratio(r: TableResult) -> None:
    """Readable output for binary, count and time-to-event models."""
    assert r.ratio is not None
    level, e, c, n = r.level, r.effect, r.contrast, r.sample
    table = Table(
        r.ratio.name.replace("_", " "),
        f"{level}% CI",
        "log scale (SE)",
        "p",
        title=f"{r.family}: {c.treatment} ({c.treated} vs {c.control}) on {c.outcome}",
    )
    low, high = r.ratio.interval.low, r.ratio.interval.high
    bounded = r.ratio.interval.bounded and low > 0
    table.add_row(
        f"{r.ratio.value:.4f}",
        f"{low:.4f} to {high:.4f}" if bounded else "unbounded",
        f"{e.estimate:.4f} ({e.std_error:.4f})",
        f"{e.p_value:.4f}",
    )
    out.print(table)
    clusters = f" in {n.n_clusters} clusters (cluster-robust)" if n.n_clusters else " (HC0)"
    tests = {"analytic": "normal-based tests", "ri": "randomisation inference"}.get(
        r.method, "the wild score bootstrap"
    )
    out.print(f"n = {n.n}{clusters}; {tests}; adjustment: {r.adjustment}.")
    d = r.resampled
    if d is not None and d.method == "ri":
        how = "every assignment enumerated (exact)" if d.enumerated else f"{d.reps} draws"
        seed = "" if d.enumerated else f", seed {d.seed}"
        out.print(f"p-value and interval by randomisation inference: {how}{seed}.")
    if d is not None and d.method == "wild":
        how = "every sign flip of the clusters" if d.enumerated else f"{d.reps} random flips"
        seed = "" if d.enumerated else f", seed {d.seed}"
        out.print(f"p-value and interval by the wild score bootstrap: {how}{seed}.")
    for warning in r.warnings:
        out.print(f"Warning: {warning}")
    if n.n_dropped:
        out.print(f"{n.n_dropped} row(s) were dropped for a missing value in a column used.")
    if r.risk_difference:
        rd = r.risk_difference
        out.print(
            f"Risk difference (average marginal effect): {rd.estimate:.4f} "
            f"({level}% CI {rd.conf_low:.4f} to {rd.conf_high:.4f})."
        )
    _print_diagnostics(r.diagnostics)


def _print_diagnostics(g: Diagnostics | None) -> None:
    """A count model's dispersion, or a Cox model's events and Kaplan–Meier curves."""
    from hearten.analysis.table_result import CountDiagnostics, SurvivalDiagnostics

    if isinstance(g, CountDiagnostics):
        if g.note:
            out.print(f"Note: {g.note}.")
        if g.theta is not None:
            out.print(f"Negative binomial θ = {g.theta:.4g} (SE {g.theta_se:.3g}).")
        out.print(
            f"Over-dispersion: Pearson χ²/df of the Poisson fit = "
            f"{g.pearson_dispersion:.2f}; zeros observed {g.zeros_observed}, "
            f"expected by the model {g.zeros_expected:.1f}."
        )
    if isinstance(g, SurvivalDiagnostics):
        out.print(f"{g.events} people left during follow-up.")
        curves = g.kaplan_meier
        km = Table(
            "arm",
            *[f"still in post at day {d:.0f}" for d in curves[0].times],
            "median days to leaving",
            title="Kaplan–Meier",
        )
        for c in curves:
            median = "not reached" if c.median is None else f"{c.median:.0f}"
            km.add_row(c.arm, *[f"{100 * v:.1f}%" for v in c.survival], median)
        out.print(km)
