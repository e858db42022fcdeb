"""Standalone tools that work on a file, without a database."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from hearten.cli.output import out


def analyse(
    file: Annotated[Path, typer.Argument(help="CSV, Excel (.xlsx), Parquet or Stata (.dta) file")],
    outcome: Annotated[str, typer.Option(help="the outcome column")],
    treatment: Annotated[str, typer.Option(help="the assignment column: 0/1 or two arms")],
    covariate: Annotated[list[str] | None, typer.Option(help="a covariate column (repeat)")] = None,
    cluster: Annotated[str | None, typer.Option(help="the randomised unit, e.g. team")] = None,
    strata: Annotated[str | None, typer.Option(help="the randomisation strata")] = None,
    vcov: Annotated[
        str | None,
        typer.Option(
            help="HC0, HC1, HC2, HC3, CR0, CR1 or CR2 (default CR2 with --cluster, else HC2)"
        ),
    ] = None,
    uptake: Annotated[
        str | None,
        typer.Option(help="0/1 took-part column: estimate the CACE, assignment as instrument"),
    ] = None,
    method: Annotated[
        str,
        typer.Option(
            help="analytic, wild (wild cluster bootstrap) or ri (randomisation inference)"
        ),
    ] = "analytic",
    reps: Annotated[int, typer.Option(help="bootstrap or randomisation draws")] = 9999,
    seed: Annotated[int | None, typer.Option(help="seed for --method wild or ri")] = None,
    weights: Annotated[str | None, typer.Option(help="a column of positive weights")] = None,
    lin: Annotated[bool, typer.Option("--lin", help="Lin (2013) interacted adjustment")] = False,
    control: Annotated[str | None, typer.Option(help="the control arm's label")] = None,
    alpha: Annotated[float, typer.Option(help="significance level")] = 0.05,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Estimate a treatment effect from your own data file (no database needed)."""
    from hearten.analysis.standalone import analyse_table, as_method, as_vcov, read_table

    data = read_table(file)
    r = analyse_table(
        data,
        outcome,
        treatment,
        covariate or [],
        cluster,
        strata,
        as_vcov(vcov),
        uptake,
        as_method(method),
        reps,
        seed,
        weights,
        lin,
        control,
        alpha,
    )
    if as_json:
        print(json.dumps(r.to_json(), indent=2, allow_nan=False))
        return
    level = round(100 * (1 - r.alpha))
    title = f"{r.estimand} of {r.treatment} ({r.treated} vs {r.control}) on {r.outcome}"
    table = Table("estimate", "std. error", "df", "t", f"{level}% CI", "p", title=title)
    bounded = math.isfinite(r.conf_low) and math.isfinite(r.conf_high)
    interval = f"{r.conf_low:.4f} to {r.conf_high:.4f}" if bounded else "unbounded"
    table.add_row(
        f"{r.estimate:.4f}",
        f"{r.std_error:.4f}",
        f"{r.df:.1f}",
        f"{r.statistic:.3f}",
        interval,
        f"{r.p_value:.4f}",
    )
    out.print(table)
    clusters = f" in {r.n_clusters} clusters" if r.n_clusters else ""
    out.print(f"n = {r.n}{clusters}; {r.vcov} standard errors; adjustment: {r.adjustment}.")
    if r.n_dropped:
        out.print(f"{r.n_dropped} row(s) were dropped for a missing value in a column used.")
    if r.method != "analytic":
        how = "every draw enumerated (exact)" if r.enumerated else f"{r.reps} draws, seed {r.seed}"
        name = "wild cluster bootstrap" if r.method == "wild" else "randomisation inference"
        out.print(f"p-value and interval by {name}: {how}.")
    if r.hedges_g:
        g = r.hedges_g
        icc = f", ICC {g['icc']:.3f}" if r.n_clusters else ""
        out.print(
            f"Hedges' g = {g['g']:.3f} ({level}% CI {g['conf_low']:.3f} to "
            f"{g['conf_high']:.3f}{icc})."
        )
    if r.first_stage_f is not None:
        out.print(f"First-stage F = {r.first_stage_f:.1f}.")
    for warning in r.warnings:
        out.print(f"[bold yellow]Warning:[/] {warning}")
