"""Standalone tools that work on a file, without a database."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated

import typer

from hearten.cli.compute import Scheduler, Workers, runner
from hearten.cli.output import Table, out


def analyse(
    file: Annotated[Path, typer.Argument(help="CSV, Excel (.xlsx), Parquet or Stata (.dta) file")],
    outcome: Annotated[
        str | None, typer.Option(help="the outcome column (not with --time/--event)")
    ] = None,
    treatment: Annotated[str, typer.Option(help="the assignment column: 0/1 or two arms")] = "",
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
            help="analytic, wild (wild cluster bootstrap; the wild score bootstrap for counts "
            "and time to event) or ri (randomisation inference)"
        ),
    ] = "analytic",
    reps: Annotated[int, typer.Option(help="bootstrap or randomisation draws")] = 9999,
    seed: Annotated[int | None, typer.Option(help="seed for --method wild or ri")] = None,
    weights: Annotated[str | None, typer.Option(help="a column of positive weights")] = None,
    lin: Annotated[bool, typer.Option("--lin", help="Lin (2013) interacted adjustment")] = False,
    control: Annotated[str | None, typer.Option(help="the control arm's label")] = None,
    alpha: Annotated[float, typer.Option(help="significance level")] = 0.05,
    family: Annotated[
        str,
        typer.Option(
            help="gaussian (default), binomial (0/1 outcome: odds ratio and risk difference), "
            "poisson or negbin (counts, with --exposure: rate ratio)"
        ),
    ] = "gaussian",
    exposure: Annotated[
        str | None, typer.Option(help="time at risk for counts, e.g. FTE × days employed")
    ] = None,
    time: Annotated[str | None, typer.Option(help="days to leaving or censoring")] = None,
    event: Annotated[str | None, typer.Option(help="1 left, 0 still in post (censored)")] = None,
    moderator: Annotated[
        list[str] | None,
        typer.Option(help="a column whose interaction with treatment to estimate (repeat)"),
    ] = None,
    by_site: Annotated[
        str | None,
        typer.Option(help="also estimate within each value of this column and pool them"),
    ] = None,
    pre_registered: Annotated[
        bool,
        typer.Option(
            "--pre-registered",
            help="the moderators were named in the pre-registered plan: "
            "adjust them together (Holm); otherwise they are reported as exploratory",
        ),
    ] = False,
    impute: Annotated[
        int | None,
        typer.Option(
            help="impute missing outcomes and covariates this many times by chained "
            "equations within each arm (as R's mice) and pool by Rubin's rules; needs --seed"
        ),
    ] = None,
    scheduler: Scheduler = None,
    workers: Workers = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Estimate a treatment effect from your own data file (no database needed)."""
    if not treatment:
        raise typer.BadParameter("give the assignment column", param_hint="--treatment")
    from hearten.analysis.table_file import read_table
    from hearten.analysis.table_fit import fit_table
    from hearten.analysis.table_spec import TableSpec, as_family, as_method, as_vcov

    data = read_table(file)
    spec = TableSpec(
        treatment=treatment,
        outcome=outcome,
        covariates=tuple(covariate or ()),
        cluster=cluster,
        strata=strata,
        vcov=as_vcov(vcov),
        uptake=uptake,
        method=as_method(method),
        reps=reps,
        seed=seed,
        weights=weights,
        lin=lin,
        control=control,
        alpha=alpha,
        family=as_family(family),
        exposure=exposure,
        time=time,
        event=event,
        moderators=tuple(moderator or ()),
        pre_registered=pre_registered,
        by_site=by_site,
        impute=impute,
    )
    from hearten.stats import chunks

    with chunks.using(runner(scheduler, workers)):
        r = fit_table(spec, data)
    if as_json:
        print(r.as_json())
        return
    from hearten.cli.analyse_text import print_result

    print_result(r)


def pool(
    file: Annotated[Path, typer.Argument(help="one row per site or trial (CSV, Excel, ...)")],
    estimate: Annotated[str, typer.Option(help="the estimates' column")] = "estimate",
    std_error: Annotated[str, typer.Option(help="the standard errors' column")] = "std_error",
    label: Annotated[str | None, typer.Option(help="the sites' or trials' names column")] = None,
    method: Annotated[
        str,
        typer.Option(
            help="between-site variance: reml, dl (DerSimonian-Laird), pm (Paule-Mandel) or fe "
            "(fixed effect)"
        ),
    ] = "reml",
    hartung_knapp: Annotated[
        bool, typer.Option("--hartung-knapp/--no-hartung-knapp", help="Hartung-Knapp t interval")
    ] = True,
    alpha: Annotated[float, typer.Option(help="significance level")] = 0.05,
    figure: Annotated[Path | None, typer.Option(help="write a forest plot (.svg or .png)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Pool estimates across sites or trials (fixed- or random-effects meta-analysis)."""
    from dataclasses import asdict

    from hearten.analysis.pooling import pool_table
    from hearten.analysis.table_file import read_table

    m = pool_table(read_table(file), estimate, std_error, label, method, hartung_knapp, alpha)
    if figure is not None:
        from hearten.reports.figures import PooledMark, forest_plot, save

        if figure.suffix.lower() not in (".svg", ".png"):
            raise typer.BadParameter(
                "the figure must be a .svg or .png file", param_hint="--figure"
            )
        s = m.studies
        save(
            forest_plot(
                [x.label for x in s],
                [x.estimate for x in s],
                [x.conf_low for x in s],
                [x.conf_high for x in s],
                [x.weight for x in s],
                PooledMark.of(m),
                f"{estimate} with {round(100 * (1 - alpha))}% interval",
            ),
            str(figure),
        )
    if as_json:
        data = asdict(m)
        print(
            json.dumps(
                {
                    k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                    for k, v in data.items()
                },
                indent=2,
                allow_nan=False,
            )
        )
        return
    level = round(100 * (1 - m.alpha))
    table = Table("site or trial", "estimate", f"{level}% CI", "weight")
    for st in m.studies:
        table.add_row(
            st.label,
            f"{st.estimate:.4f}",
            f"{st.conf_low:.4f} to {st.conf_high:.4f}",
            f"{100 * st.weight:.1f}%",
        )
    table.add_section()
    table.add_row(
        "[bold]pooled[/]",
        f"[bold]{m.estimate:.4f}[/]",
        f"{m.conf_low:.4f} to {m.conf_high:.4f}",
        "100%",
    )
    out.print(table)
    test = f"t on {m.df:.0f} df (Hartung-Knapp)" if m.hartung_knapp else "z"
    model = "fixed effect" if m.method == "fe" else f"random effects ({m.method.upper()})"
    out.print(f"{m.k} studies, {model}; SE {m.std_error:.4f}, p = {m.p_value:.4f} ({test}).")
    out.print(
        f"Heterogeneity: tau² = {m.tau2:.4f}, I² = {100 * m.i2:.1f}%, "
        f"Q = {m.q:.2f} on {m.q_df} df (p = {m.q_p_value:.4f})."
    )
    if m.pred_low is not None:
        out.print(
            f"A new site's effect would likely lie between {m.pred_low:.4f} and "
            f"{m.pred_high:.4f} ({level}% prediction interval)."
        )
    if figure is not None:
        out.print(f"Forest plot written to {figure}")


def randomise(
    file: Annotated[Path, typer.Argument(help="the roster: CSV, Excel, Parquet or Stata")],
    id_column: Annotated[str, typer.Option("--id", help="the column identifying each person")],
    arms: Annotated[str, typer.Option(help="arm names, comma-separated, e.g. control,letters")],
    seed: Annotated[int, typer.Option(help="the seed (record it: it reproduces the draw)")],
    ratio: Annotated[
        str | None, typer.Option(help="allocation ratio, e.g. 1:1 or 2:1:1 (default equal)")
    ] = None,
    cluster: Annotated[
        str | None, typer.Option(help="randomise this column's clusters (teams, offices)")
    ] = None,
    strata: Annotated[
        str | None, typer.Option(help="randomise within this column's strata")
    ] = None,
    pairs_by: Annotated[
        str | None,
        typer.Option(help="matched pairs: pair the units on this numeric column (two arms)"),
    ] = None,
    balance_on: Annotated[
        list[str] | None,
        typer.Option(help="re-randomise until the arms balance on this column (repeat)"),
    ] = None,
    acceptance: Annotated[
        float, typer.Option(help="re-randomisation: the share of draws accepted")
    ] = 0.1,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="write the CSV here (default: standard output)")
    ] = None,
    record: Annotated[
        Path | None, typer.Option(help="write the allocation's record (JSON) here")
    ] = None,
) -> None:
    """Randomise your own roster file: people, or clusters of them, within strata."""
    import io

    from hearten.analysis.roster_allocation import randomise_roster, sha256_of
    from hearten.analysis.table_file import read_table
    from hearten.cli.output import err
    from hearten.files import write_atomic
    from hearten.spreadsheet import neutral_frame

    data = read_table(file)
    result = randomise_roster(
        data,
        id_column,
        arms,
        seed,
        ratio,
        cluster,
        strata,
        pairs_by,
        balance_on,
        acceptance,
        sha256_of(file.read_bytes()),
    )
    buffer = io.StringIO()
    neutral_frame(result.table).to_csv(buffer, index=False, lineterminator="\n")
    outputs = [(out_file, buffer.getvalue())] if out_file else []
    if record:
        outputs.append((record, json.dumps(result.record, indent=2) + "\n"))
    for path, text in outputs:
        write_atomic(path, text)
    if out_file is None:
        print(buffer.getvalue(), end="")
    a = result.assignment
    what = "clusters" if cluster else "people"
    table = Table("stratum", "arm", what, *(["people"] if cluster else []),
                  title=f"{a.scheme} randomisation, seed {a.seed}")  # fmt: skip
    people_by = result.table.groupby([strata, "arm"]).size() if strata else None
    units: dict[tuple[str, str], int] = {}
    for s, arm in zip(a.strata, a.arms, strict=True):
        units[s, arm] = units.get((s, arm), 0) + 1
    for (s, arm), n in sorted(units.items()):
        row = [s, arm, str(n)]
        if cluster:
            if people_by is not None:
                row.append(str(int(people_by.get((s, arm), 0))))
            else:
                row.append(str(int((result.table["arm"] == arm).sum())))
        table.add_row(*row)
    err.print(table)
    if result.rerandomisation is not None:
        r = result.rerandomisation
        err.print(
            f"Re-randomised on {', '.join(r.covariates)}: accepted draw {a.draws} with "
            f"Mahalanobis distance {r.distance:.3f} (threshold {r.threshold:.3f}); "
            f"{100 * r.acceptance_rate:.1f}% of draws pass "
            f"(MC SE {100 * r.acceptance_rate_mcse:.1f} points). Analyse with randomisation "
            "inference over the same rule."
        )
    err.print(f"Hearten {result.record['software_version']}; the same file and seed give the "
              "same allocation on any machine.")  # fmt: skip
    if out_file:
        err.print(f"wrote {out_file}")
