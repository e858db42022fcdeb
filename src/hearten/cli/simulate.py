"""``hearten power simulate``: the power of the analysis that will actually be run, by simulation.

The chunks of replications run on every local core (threads: numpy releases the GIL in the
heavy work), or, given ``--scheduler ADDRESS``, on a Dask distributed cluster. The answer
depends only on the file, the number of replications and the seed.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import secrets
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hearten.cli.compute import Scheduler, Workers, runner
from hearten.cli.output import Table, err, out
from hearten.errors import DesignError

if TYPE_CHECKING:
    from hearten.stats.simulate import Replications, SimulationResult, SimulationSpec

RUN_KEYS = ("reps", "seed")


def load_spec(path: Path) -> tuple[SimulationSpec, dict[str, int]]:
    """Read a simulation file: :class:`SimulationSpec` fields, plus ``reps`` and ``seed``."""
    import pydantic

    from hearten.stats.simulate import SimulationSpec

    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DesignError(f"no simulation file at {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise DesignError(f"{path} is not valid TOML: {exc}") from None
    known = [f.name for f in dataclasses.fields(SimulationSpec)]
    problems = []
    for key in raw:
        if key not in known and key not in RUN_KEYS:
            near = difflib.get_close_matches(key, [*known, *RUN_KEYS], n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            problems.append(f"unknown field {key!r}{hint}")
    run = {k: raw.pop(k) for k in RUN_KEYS if k in raw}
    for key, value in run.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            problems.append(f"{key} must be a whole number, not {value!r}")
    spec_fields = {k: v for k, v in raw.items() if k in known}
    if "design" not in spec_fields:
        problems.append("design is required: ira, bira, cra2, bcra3f2 or cra3")
    if problems:
        raise DesignError(f"{path}: " + "; ".join(problems))
    try:
        spec = pydantic.TypeAdapter(SimulationSpec).validate_python(spec_fields, strict=False)
    except pydantic.ValidationError as exc:
        detail = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise DesignError(f"{path}: {detail}") from None
    return spec, run


def _design_of(path: Path) -> object:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8")).get("design")
    except (OSError, tomllib.TOMLDecodeError):
        return None  # load_spec says what is wrong


#: What `power simulate` says each stepped-wedge analysis is.
ANALYSES = {
    "cluster": "random cluster intercepts (the planned model)",
    "cluster-period": "random cluster and cluster-by-period intercepts (the planned model "
    'with random_effects = "cluster-period"; cluster intercepts where that variance is at zero)',
    "exchangeable": "the cluster-period means with cluster and cluster-period variances "
    "(Hooper et al.'s closed-cohort model)",
    "decay": "the cluster-period means with a correlation decaying by period (Kasza et al.)",
    "decay-cohort": "the cluster-period means with a correlation decaying by period and a "
    "closed cohort's constant part",
}


def _stepped_wedge(
    path: Path, reps: int | None, seed: int | None, run_on: Any, as_json: bool
) -> None:
    """`power simulate` of a stepped-wedge file: the planned mixed model, simulated."""
    import pydantic

    from hearten.stats.stepped_wedge_sim import SteppedWedgeSimulation, simulate_stepped_wedge

    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    raw.pop("design")
    run = {k: raw.pop(k) for k in RUN_KEYS if k in raw}
    known = [f.name for f in dataclasses.fields(SteppedWedgeSimulation)]
    unknown = [k for k in raw if k not in known]
    if unknown:
        raise DesignError(
            f"{path}: unknown field {unknown[0]!r} for a stepped-wedge simulation "
            f"(fields: {', '.join(known)})"
        )
    try:
        spec = pydantic.TypeAdapter(SteppedWedgeSimulation).validate_python(raw, strict=False)
    except pydantic.ValidationError as exc:
        detail = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise DesignError(f"{path}: {detail}") from None
    n_reps = reps if reps is not None else int(run.get("reps", 1000))
    chosen = seed if seed is not None else run.get("seed")
    if chosen is None:
        chosen = secrets.randbelow(2**31)
    r = simulate_stepped_wedge(spec, n_reps, int(chosen), run_on)
    if as_json:
        print(json.dumps(dataclasses.asdict(r), indent=2))
        return
    s = r.spec
    corr = f"CAC {s.cac:g}" + (" decaying" if s.decay else "") + f", {s.sampling}"
    if s.sampling == "closed-cohort":
        corr += f" (IAC {s.iac:g})"
    res = Table("quantity", "simulated", "meaning",
                title=f"Stepped wedge: {s.clusters} clusters, {s.steps} steps, {s.cluster_size} "
                f"people per cluster-period, ICC {s.icc2:g}, {corr} ({r.reps:,} replications, "
                f"seed {r.seed})")  # fmt: skip
    source = "Hussey and Hughes" if r.analysis == "cluster" else "GLS, the same correlation"
    res.add_row("power", f"{r.power.value:.3f} (MC SE {r.power.mcse:.3f})",
                f"closed form ({source}): {r.closed_form_power:.3f}")  # fmt: skip
    res.add_row(
        "bias", f"{r.bias.value:.4f} (MC SE {r.bias.mcse:.4f})", f"true effect {s.effect:g}"
    )
    res.add_row("coverage", f"{r.coverage.value:.3f} (MC SE {r.coverage.mcse:.3f})",
                f"of the {100 * (1 - s.alpha):g}% interval")  # fmt: skip
    res.add_row("SE", f"{r.mean_se:.4f}", f"average; the estimates' SD is {r.empirical_se:.4f}, "
                f"the closed form's SE {r.closed_form_se:.4f}")  # fmt: skip
    res.add_row("df", f"{r.mean_df:.1f}", "average Satterthwaite degrees of freedom")
    out.print(res)
    out.print(f"Analysis: period fixed effects, {ANALYSES[r.analysis]}, REML, Satterthwaite df.")
    if seed is None and "seed" not in run:
        out.print(f"Seed {chosen} was drawn for this run: give --seed {chosen} to repeat it.")


def _describe(s: SimulationSpec) -> list[tuple[str, str]]:
    unit = {
        "ira": "people",
        "bira": "people within sites",
        "cra2": "teams",
        "bcra3f2": "teams within sites",
        "cra3": "whole sites",
    }[s.design]
    rows = [("randomised", f"{unit} ({s.design}), {100 * s.treated:g}% to treatment")]
    if s.design in ("ira", "bira"):
        rows.append(("people", f"{s.n}" + (f" in each of {s.sites} sites" if s.sites else "")))
    else:
        where = f" in each of {s.sites} sites" if s.design != "cra2" else ""
        rows.append(
            (
                "teams",
                f"{s.clusters}{where}, {s.cluster_size:g} people on average "
                f"(coefficient of variation {s.cv:g})",
            )
        )
        rows.append(("ICCs", f"teams {s.icc2:g}, sites {s.icc3:g}"))
    rows += [
        ("baseline–follow-up correlation", f"{s.pre_post:g} (R² {s.pre_post**2:.3g})"),
        (
            "effect on those who take part",
            f"{s.effect:g} SD; uptake {100 * s.uptake:g}%, so an ITT effect of {s.itt:.3g} SD",
        ),
        ("lost to follow-up", f"{100 * s.attrition:g}% control, {100 * s.lost_treated:g}% treated"),
        (
            "analysis",
            "ANCOVA, "
            + (
                "wild cluster bootstrap"
                if s.method == "wild"
                else "HC2"
                if s.design in ("ira", "bira")
                else "CR2 with Satterthwaite df"
            )
            + f", alpha {s.alpha:g} {'one' if s.one_sided else 'two'}-sided",
        ),
    ]
    return rows


def _show(r: SimulationResult) -> None:
    s = r.spec
    table = Table(
        "",
        "",
        title=f"The trial simulated ({r.reps:,} replications, seed {r.seed})",
        show_header=False,
    )
    for k, v in _describe(s):
        table.add_row(k, v)
    out.print(table)

    def fmt(e: Any, digits: int = 3) -> str:
        return f"{e.value:.{digits}f} (MC SE {e.mcse:.{digits}f})"

    res = Table("quantity", "simulated", "meaning", title="What the analysis would find")
    res.add_row("power", fmt(r.power), f"closed form (PowerUp!): {r.closed_form_power:.3f}")
    res.add_row("bias", fmt(r.bias, 4), f"of the ITT estimate (true {r.itt:.3g})")
    res.add_row("RMSE", fmt(r.rmse, 4), "typical distance of an estimate from the truth")
    res.add_row("coverage", fmt(r.coverage), f"of the {100 * (1 - s.alpha):g}% interval")
    if r.type_s is not None:
        res.add_row("type S", fmt(r.type_s, 4), "significant results with the wrong sign")
    if r.type_m is not None:
        res.add_row("type M", f"{r.type_m:.2f}", "how much a significant estimate exaggerates")
    res.add_row("SE", f"{r.mean_se:.4f}", f"average; the estimates' SD is {r.empirical_se:.4f}")
    res.add_row("df", f"{r.mean_df:.1f}", "average degrees of freedom")
    if r.mdes is not None and r.mdes_itt is not None:
        res.add_row(
            f"MDES at {100 * s.power:g}% power",
            fmt(r.mdes),
            f"effect on those who take part (ITT {r.mdes_itt:.3f}; "
            f"closed form ITT {r.closed_form_mdes:.3f})",
        )
    out.print(res)
    out.print(
        f"On average {r.mean_people:.0f} people in {r.mean_clusters:.0f} randomised units "
        f"were analysed." + (f" {r.failed} replications could not be analysed." if r.failed else "")
    )


def _figure(r: SimulationResult, reps: Replications, out_dir: Path) -> list[str]:
    import numpy as np

    from hearten.reports.figures import save, simulated_power_curve
    from hearten.stats.power import solve_power
    from hearten.stats.simulate import power_at

    s = r.spec
    top = 2 * (r.mdes.value if r.mdes is not None else max(s.effect, 0.1))
    effects = list(np.linspace(0, top, 41))
    n = int(reps.fit.ok.sum())
    power = [power_at(s, reps, e) for e in effects]
    band = [2 * np.sqrt(p * (1 - p) / n) for p in power]
    closed = s.closed_form()
    theory = [solve_power(closed, e * s.uptake).power if e else s.alpha for e in effects]
    fig = simulated_power_curve(
        effects,
        power,
        band,
        theory,
        s.power,
        f"{s.design}: simulated power of the planned analysis ({n:,} replications)",
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [str(out_dir / f"simulated_power.{ext}") for ext in ("svg", "png")]
    save(fig, *paths)
    return paths


def simulate_command(
    file: Annotated[Path, typer.Argument(help="the simulation file (TOML)")],
    reps: Annotated[int | None, typer.Option(help="replications (default 1,000)")] = None,
    seed: Annotated[int | None, typer.Option(help="seed; a new one is drawn and shown")] = None,
    scheduler: Scheduler = None,
    workers: Workers = None,
    figures: Annotated[
        Path | None, typer.Option("--figures", help="folder for the simulated power curve")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Simulate the planned analysis: power, bias, RMSE, coverage, type S and the MDES."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from hearten.stats.simulate import simulate

    if _design_of(file) == "stepped-wedge":
        _stepped_wedge(file, reps, seed, runner(scheduler, workers), as_json)
        return
    spec, run = load_spec(file)
    n_reps = reps if reps is not None else run.get("reps", 1000)
    chosen = seed if seed is not None else run.get("seed")
    if chosen is None:
        chosen = secrets.randbelow(2**31)
    run_on = runner(scheduler, workers)
    columns = (TextColumn("simulating"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err.rich, transient=True, disable=as_json) as bar:
        job = bar.add_task("simulating", total=n_reps)
        result, replications = simulate(spec, n_reps, chosen, run_on, lambda k: bar.advance(job, k))
    paths = _figure(result, replications, figures) if figures else []
    if as_json:
        body = dataclasses.asdict(result)
        body["figures"] = paths
        print(json.dumps(body, indent=2))
        return
    _show(result)
    if seed is None and "seed" not in run:
        out.print(f"Seed {chosen} was drawn for this run: give --seed {chosen} to repeat it.")
    for path in paths:
        out.print(f"wrote {path}")
