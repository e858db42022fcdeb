"""``hearten power``: how many teams and people a trial needs, and what it could detect.

The designs the commands solve, and how an answer prints, are in
:mod:`hearten.cli.power_designs`. The options ``mdes``, ``power``, ``size`` and ``figures``
share are declared once (:data:`OPTIONS`) and given to each command by :func:`takes`."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from dataclasses import asdict
from inspect import Parameter, Signature
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from hearten.cli.output import Table, out
from hearten.cli.power_designs import Asked, design_of, emit, solve_asked
from hearten.errors import DesignError

power_app = typer.Typer(
    help="Power, minimum detectable effect and sample size (PowerUp!).", no_args_is_help=True
)

DesignOpt = Annotated[
    str,
    typer.Option(
        "--design",
        help="ira (people randomised), bira (people within sites), cra2 (teams), "
        "bcra3f2 (teams within sites), cra3 (whole sites), stepped-wedge (teams start the "
        "change in steps; mdes and power only)",
    ),
]
N = Annotated[float | None, typer.Option("--n", help="people: in all (ira) or per site (bira)")]
ClusterSize = Annotated[float | None, typer.Option(help="people per team (cluster designs)")]
Clusters = Annotated[
    float | None, typer.Option(help="teams J: in all (cra2), per site (bcra3f2, cra3)")
]
Sites = Annotated[float | None, typer.Option(help="sites or blocks K (bira, bcra3f2, cra3)")]
Icc2 = Annotated[float, typer.Option(help="intraclass correlation of teams")]
Icc3 = Annotated[float, typer.Option(help="intraclass correlation of sites (cra3)")]
R21 = Annotated[float, typer.Option("--r2-1", help="R² of person-level covariates")]
R22 = Annotated[float, typer.Option("--r2-2", help="R² of team-level covariates")]
R23 = Annotated[float, typer.Option("--r2-3", help="R² of site-level covariates")]
Covariates = Annotated[int, typer.Option(help="covariates at the randomised level")]
Treated = Annotated[float, typer.Option(help="share randomised to treatment")]
Alpha = Annotated[float, typer.Option(help="significance level")]
OneSided = Annotated[bool, typer.Option("--one-sided", help="a one-tailed test")]
Attrition = Annotated[float, typer.Option(help="expected share of people not analysed")]
Cv = Annotated[float, typer.Option(help="coefficient of variation of team sizes")]
Proportion = Annotated[
    float | None,
    typer.Option(help="control-arm proportion, for a binary outcome's effect in proportion points"),
]
Power = Annotated[float, typer.Option(help="target power")]
Es = Annotated[float, typer.Option(help="effect size in standard deviations")]
AsJson = Annotated[bool, typer.Option("--json", help="print one JSON object")]
Steps = Annotated[
    int | None,
    typer.Option(help="stepped-wedge: steps (one sequence of teams each; steps + 1 periods)"),
]
Cac = Annotated[
    float,
    typer.Option(help="stepped-wedge: cluster autocorrelation between periods (1: constant)"),
]
Iac = Annotated[float, typer.Option(help="stepped-wedge closed cohort: individual autocorrelation")]
Sampling = Annotated[
    str, typer.Option(help="stepped-wedge: cross-sectional (new people) or closed-cohort")
]
Decay = Annotated[
    bool,
    typer.Option("--decay", help="stepped-wedge: the cluster correlation decays as cac^lag"),
]
Transition = Annotated[
    int, typer.Option(help="stepped-wedge: periods after each start left out of the analysis")
]
OutDir = Annotated[Path, typer.Option("--out-dir", help="folder for the figures")]
Iccs = Annotated[str, typer.Option(help="team ICCs to draw, comma-separated")]


def _option(name: str, annotation: Any, default: Any = inspect.Parameter.empty) -> Parameter:
    return Parameter(name, Parameter.KEYWORD_ONLY, default=default, annotation=annotation)


#: Every option the design commands share, by parameter name, with its default.
OPTIONS: dict[str, Parameter] = {
    p.name: p
    for p in (
        _option("design", DesignOpt),
        _option("es", Es),
        _option("out_dir", OutDir),
        _option("iccs", Iccs, "0.02,0.05,0.1"),
        _option("n", N, None),
        _option("cluster_size", ClusterSize, None),
        _option("clusters", Clusters, None),
        _option("sites", Sites, None),
        _option("icc2", Icc2, 0.0),
        _option("icc3", Icc3, 0.0),
        _option("r2_1", R21, 0.0),
        _option("r2_2", R22, 0.0),
        _option("r2_3", R23, 0.0),
        _option("covariates", Covariates, 0),
        _option("treated", Treated, 0.5),
        _option("alpha", Alpha, 0.05),
        _option("power", Power, 0.8),
        _option("one_sided", OneSided, False),
        _option("attrition", Attrition, 0.0),
        _option("cv", Cv, 0.0),
        _option("control_proportion", Proportion, None),
        _option("steps", Steps, None),
        _option("cac", Cac, 1.0),
        _option("iac", Iac, 0.0),
        _option("sampling", Sampling, "cross-sectional"),
        _option("decay", Decay, False),
        _option("transition", Transition, 0),
        _option("as_json", AsJson, False),
    )
}
#: A PowerUp! design's sizes; then (after ``icc2``) its model and test, as ``--help`` lists them.
SIZES = ("n", "cluster_size", "clusters", "sites")
MODEL = ("icc3", "r2_1", "r2_2", "r2_3", "covariates", "treated", "alpha")
TEST = ("one_sided", "attrition", "cv")
#: What ``mdes`` and ``power`` also take: a binary outcome's control proportion and the
#: stepped-wedge design's options.
BEYOND = ("control_proportion", "steps", "cac", "iac", "sampling", "decay", "transition")

Command = TypeVar("Command", bound=Callable[..., None])


def takes(*names: str) -> Callable[[Command], Command]:
    """Give a command the shared :data:`OPTIONS` ``names`` as its options, in that order.

    Typer reads a command's options from its signature, so the signature is set to them; the
    command receives each by its parameter name (its own keyword arguments, the rest in
    ``**``)."""

    def give(command: Command) -> Command:
        command.__signature__ = Signature([OPTIONS[name] for name in names])  # type: ignore[attr-defined]
        return command

    return give


@power_app.command("mdes")
@takes("design", *SIZES, "icc2", *MODEL, "power", *TEST, *BEYOND, "as_json")
def mdes(**asked: Any) -> None:
    """The smallest effect the design can detect."""
    solve_asked(Asked.of(asked))


@power_app.command("power")
@takes("design", "es", *SIZES, "icc2", *MODEL, *TEST, *BEYOND, "as_json")
def power_of(**asked: Any) -> None:
    """The design's power to detect an effect of --es standard deviations."""
    solve_asked(Asked.of(asked))


@power_app.command("size")
@takes("design", "es", *SIZES, "icc2", *MODEL, "power", *TEST, "as_json")
def size(es: float, power: float, as_json: bool, **design: Any) -> None:
    """The smallest size reaching --power: people (ira, bira), teams (cra2), sites, or teams
    per site (bcra3f2, cra3) when --sites is given and --clusters is not."""
    from hearten.stats.power import solve_size

    emit(solve_size(design_of(design), es, power), "size", as_json)


@power_app.command("estimate")
def estimate(
    file: Annotated[Path, typer.Argument(help="an earlier survey: CSV, Excel, Parquet or Stata")],
    outcome: Annotated[str, typer.Option(help="the outcome column, e.g. the baseline score")],
    cluster: Annotated[str, typer.Option(help="the team column")],
    site: Annotated[
        str | None,
        typer.Option(help="the site column: team ICC within sites, and the site ICC"),
    ] = None,
    covariate: Annotated[
        str | None,
        typer.Option(
            help="a covariate column, e.g. an earlier score: its R² within and between teams"
        ),
    ] = None,
    alpha: Alpha = 0.05,
    as_json: AsJson = False,
) -> None:
    """Estimate team and site ICCs with intervals, and a covariate's R², from earlier data."""
    from hearten.analysis.table_file import numeric_column, read_table, resolve_column
    from hearten.stats.icc import estimate_icc

    data = read_table(file)
    y = numeric_column(data, resolve_column(data, outcome, "outcome"), "outcome")
    team = data[resolve_column(data, cluster, "cluster")]
    sites = data[resolve_column(data, site, "site")] if site else None
    x = (
        numeric_column(data, resolve_column(data, covariate, "covariate"), "covariate")
        if covariate
        else None
    )
    e = estimate_icc(y, team, sites, x, alpha)
    if as_json:
        print(json.dumps(asdict(e), indent=2))
        return
    level = round(100 * (1 - alpha))
    table = Table("quantity", "value", title=f"{outcome}: {e.teams} teams, {e.people} people")
    within = " within sites" if e.sites else ""
    table.add_row(
        f"team ICC{within} (REML, --icc2)",
        f"{e.icc_reml:.4f} ({level}% CI {e.reml_low:.4f} to {e.reml_high:.4f})",
    )
    table.add_row(
        f"team ICC{within} (ANOVA)",
        f"{e.icc_anova:.4f} ({level}% CI {e.anova_low:.4f} to {e.anova_high:.4f})",
    )
    if e.icc3 is not None and e.icc3_low is not None and e.icc3_high is not None:
        table.add_row(
            "site ICC, share of total (REML, --icc3 for cra3)",
            f"{e.icc3:.4f} ({level}% CI {e.icc3_low:.4f} to {e.icc3_high:.4f})",
        )
        table.add_row("team ICC, share of total (REML, --icc2 for cra3)", f"{e.icc2_total:.4f}")
    elif e.sites is not None:
        table.add_row("site ICC", f"not estimated: {e.sites} sites (at least 3 are needed)")
    table.add_row("average team size", f"{e.avg_team_size:.1f}")
    for label, value in (
        ("within teams (--r2-1)", e.r2_1),
        ("between teams (--r2-2)", e.r2_2),
        ("between sites (--r2-3)", e.r2_3),
    ):
        if value is not None:
            table.add_row(f"R² of {covariate} {label}", f"{value:.3f}")
    out.print(table)
    for note in e.notes:
        out.print(f"Note: {note[0].upper()}{note[1:]}.")
    if e.sites is not None and e.sites < 10 and e.icc3 is not None:
        out.print(
            f"Only {e.sites} sites: the site ICC is imprecise; power a whole-site trial over "
            "the range of its interval."
        )
    out.print("Use these as --icc2, --icc3 and --r2-* in `hearten power mdes|power|size`.")


@power_app.command("figures")
@takes("design", "out_dir", "iccs", *SIZES, *MODEL, "power", *TEST)
def figures(out_dir: Path, iccs: str, power: float, **design: Any) -> None:
    """Power against effect size, and MDES against the number of teams, for several ICCs."""
    from dataclasses import replace

    import numpy as np

    from hearten.reports.figures import mdes_curves, power_curves, save
    from hearten.stats.power import SIZE_UNIT, solve_mdes, solve_power, with_size

    try:
        values = [float(v) for v in iccs.split(",") if v.strip()]
    except ValueError:
        raise DesignError(f"--iccs must be numbers separated by commas, not {iccs!r}") from None
    base = design_of({**design, "icc2": 0.0})
    effects = list(np.round(np.linspace(0.05, 0.8, 31), 3))
    labels = {f"ICC {v:g}": replace(base, icc2=v) for v in values}
    power_by = {k: [solve_power(d, es).power for es in effects] for k, d in labels.items()}
    unit = SIZE_UNIT[base.design]
    if unit == "n":
        raise DesignError("figures are for team designs (cra2, bcra3f2, cra3)")
    current = getattr(base, unit)
    if current is None:
        raise DesignError(f"give --{unit} for the figures' current design")
    low = 4 if unit == "clusters" else 3
    sizes = list(range(low, max(int(current) * 2, low + 10) + 1))
    mdes_by: dict[str, list[float]] = {}
    for k, d in labels.items():
        mdes_by[k] = []
        for s in sizes:
            try:
                mdes_by[k].append(solve_mdes(with_size(d, float(s)), power).mdes)
            except DesignError:
                mdes_by[k].append(float("nan"))
    out_dir.mkdir(parents=True, exist_ok=True)
    people = f"{base.n:g}" if base.n is not None else "?"
    title = (
        f"{base.design}: teams of {people}, {100 * base.treated:g}% treated, R² {base.r2_1:g} "
        f"(people) / {base.r2_2:g} (teams); alpha {base.alpha:g}"
    )
    drawn = {
        "power_curve": power_curves(
            effects,
            power_by,
            power,
            title.replace(
                "teams of",
                f"{current:g} {'teams' if unit == 'clusters' else 'sites'} with teams of",
                1,
            ),
        ),
        "mdes_by_size": mdes_curves(
            sizes, mdes_by, "teams" if unit == "clusters" else "sites", title
        ),
    }
    written = []
    for name, fig in drawn.items():
        paths = [str(out_dir / f"{name}.{ext}") for ext in ("svg", "png")]
        save(fig, *paths)
        written += paths
    out.print("Figures written: " + ", ".join(str(p) for p in written))
