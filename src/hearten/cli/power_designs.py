"""The designs ``hearten power`` solves, and how their answers print: what ``power mdes`` and
``power power`` were asked (:class:`Asked`), checked and solved by :func:`solve_asked`; a PowerUp!
design from the command's options (:func:`power_design`, or :func:`design_of` from the options
by name), a stepped-wedge design
(:func:`solve_stepped_wedge`) and a result as a table or JSON (:func:`emit`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from hearten.cli.output import Table, out
from hearten.errors import DesignError, one_of

if TYPE_CHECKING:
    from hearten.stats.power import PowerDesign, PowerResult

STEPPED_WEDGE = "stepped-wedge"


def refuse_unused(design: str, given: dict[str, bool]) -> None:
    """Refuse an option the design does not use (``given``: each option's name, and whether
    it was set away from its default), so a one-sided test, attrition or covariates asked of a
    stepped wedge, or a step count asked of a parallel design, is never silently dropped."""
    if design == STEPPED_WEDGE:
        unused = [name for name, set_ in given.items() if set_ and name not in STEPPED_OPTIONS]
        hint = "the stepped-wedge closed form uses --clusters, --steps, --cluster-size, " + (
            "--icc2, --cac, --decay, --sampling, --iac, --transition and --alpha"
        )
    else:
        unused = [name for name, set_ in given.items() if set_ and name in STEPPED_ONLY]
        hint = "it applies to --design stepped-wedge"
    if unused:
        raise DesignError(f"--{unused[0]} does not apply to --design {design}: {hint}")


STEPPED_OPTIONS = {
    "clusters", "steps", "cluster-size", "icc2", "cac", "decay", "sampling", "iac",
    "transition", "alpha", "power", "es", "json",
}  # fmt: skip
STEPPED_ONLY = {"steps", "cac", "decay", "sampling", "iac", "transition"}


@dataclass(frozen=True, slots=True)
class Asked:
    """What ``hearten power mdes`` or ``hearten power power`` was asked: each option by its
    parameter name, as the command received it. ``es`` is given to ``power power`` only (the
    power of that effect is solved); without it the minimum detectable effect at ``power`` is."""

    design: str
    n: float | None
    cluster_size: float | None
    clusters: float | None
    sites: float | None
    icc2: float
    icc3: float
    r2_1: float
    r2_2: float
    r2_3: float
    covariates: int
    treated: float
    alpha: float
    one_sided: bool
    attrition: float
    cv: float
    control_proportion: float | None
    steps: int | None
    cac: float
    iac: float
    sampling: str
    decay: bool
    transition: int
    as_json: bool
    power: float = 0.8
    es: float | None = None

    @classmethod
    def of(cls, params: dict[str, Any]) -> Asked:
        """From a command's parsed options (``typer.Context.params``)."""
        return cls(**params)

    def given(self) -> dict[str, bool]:
        """Each option :func:`refuse_unused` checks, and whether it was set away from its
        default."""
        return {
            "n": self.n is not None,
            "sites": self.sites is not None,
            "icc3": self.icc3 != 0.0,
            "r2-1": self.r2_1 != 0.0,
            "r2-2": self.r2_2 != 0.0,
            "r2-3": self.r2_3 != 0.0,
            "covariates": self.covariates != 0,
            "treated": self.treated != 0.5,
            "one-sided": self.one_sided,
            "attrition": self.attrition != 0.0,
            "cv": self.cv != 0.0,
            "control-proportion": self.control_proportion is not None,
            "steps": self.steps is not None,
            "cac": self.cac != 1.0,
            "iac": self.iac != 0.0,
            "sampling": self.sampling != "cross-sectional",
            "decay": self.decay,
            "transition": self.transition != 0,
        }


def solve_asked(a: Asked) -> None:
    """Refuse an option the design does not use, then solve and print: the stepped-wedge closed
    form, or a PowerUp! design's power of ``es`` or, without ``es``, its minimum detectable
    effect at ``power``."""
    refuse_unused(a.design, a.given())
    if a.design == STEPPED_WEDGE:
        solve_stepped_wedge(
            a.clusters, a.steps, a.cluster_size, a.icc2, a.cac, a.iac, a.sampling, a.decay,
            a.transition, a.alpha, a.power, a.es, a.as_json,
        )  # fmt: skip
        return
    d = design_of(asdict(a))
    from hearten.stats.power import solve_mdes, solve_power

    if a.es is None:
        emit(solve_mdes(d, a.power, a.control_proportion), "mdes", a.as_json)
    else:
        emit(solve_power(d, a.es, a.control_proportion), "power", a.as_json)


def solve_stepped_wedge(
    clusters: float | None,
    steps: int | None,
    cluster_size: float | None,
    icc2: float,
    cac: float,
    iac: float,
    sampling: str,
    decay: bool,
    transition: int,
    alpha: float,
    power: float | None,
    es: float | None,
    as_json: bool,
) -> None:
    """Solve a stepped-wedge design (one sequence per step, clusters spread equally)."""
    from hearten.stats import stepped_wedge as sw

    if clusters is None or steps is None or cluster_size is None:
        missing = [
            f"--{name}"
            for value, name in (
                (clusters, "clusters"),
                (steps, "steps"),
                (cluster_size, "cluster-size"),
            )
            if value is None
        ]
        raise DesignError(f"the stepped-wedge design needs {' and '.join(missing)}")
    if clusters != int(clusters):
        raise DesignError(f"--clusters must be a whole number of teams, not {clusters:g}")
    kind = one_of(sampling, sw.SAMPLINGS, "sampling", DesignError)
    d = sw.SteppedWedgeDesign(
        sw.equal_sequences(int(clusters), steps),
        cluster_size,
        icc2,
        cac=cac,
        iac=iac,
        sampling=kind,
        decay=decay,
        transition=transition,
        alpha=alpha,
    )
    result = sw.solve_power(d, es) if es is not None else sw.solve_mdes(d, power or 0.8)
    if as_json:
        data = asdict(result)
        data["design"]["design"] = STEPPED_WEDGE
        data["design"]["periods"] = d.periods
        data["mdes" if es is None else "es"] = result.effect
        print(json.dumps(data, indent=2))
        return
    title = (
        f"stepped-wedge: {d.clusters} teams in {d.steps} steps "
        f"({'-'.join(str(k) for k in d.sequences)} teams per step), {d.periods} periods "
        f"of {cluster_size:g} people per team"
    )
    table = Table("quantity", "value", title=title)
    label = "effect size (SD units)" if es is not None else "minimum detectable effect (SD)"
    table.add_row(label, f"{result.effect:.4f}")
    table.add_row("power", f"{result.power:.4f}")
    table.add_row("standardised standard error", f"{result.standard_error:.4f}")
    out.print(table)
    corr = f"cluster autocorrelation {cac:g}" + (" decaying by period" if decay else "")
    out.print(
        f"Assumptions: team ICC {icc2:g}; {corr}; {kind} sampling"
        + (f" (individual autocorrelation {iac:g})" if kind == "closed-cohort" else "")
        + (f"; {transition} transition period(s) left out" if transition else "")
        + f"; period 0 all control; two-tailed test at alpha {alpha:g} (normal approximation)."
    )


#: :func:`power_design`'s arguments, in order: a PowerUp! design's options by parameter name.
DESIGN_OPTIONS = (
    "design", "n", "cluster_size", "clusters", "sites", "icc2", "icc3", "r2_1", "r2_2", "r2_3",
    "covariates", "treated", "alpha", "one_sided", "attrition", "cv",
)  # fmt: skip


def design_of(options: Mapping[str, Any]) -> PowerDesign:
    """The PowerUp! design a command's options (by parameter name) describe; other options
    are left alone."""
    return power_design(*(options[name] for name in DESIGN_OPTIONS))


def power_design(
    design: str,
    n: float | None,
    cluster_size: float | None,
    clusters: float | None,
    sites: float | None,
    icc2: float,
    icc3: float,
    r2_1: float,
    r2_2: float,
    r2_3: float,
    covariates: int,
    treated: float,
    alpha: float,
    one_sided: bool,
    attrition: float,
    cv: float,
) -> PowerDesign:
    from hearten.stats.power import DESIGNS, PowerDesign

    kind = one_of(design, DESIGNS, "design", DesignError)
    people = n if kind in ("ira", "bira") else cluster_size
    return PowerDesign(
        kind,
        people,
        clusters,
        sites,
        icc2,
        icc3,
        r2_1,
        r2_2,
        r2_3,
        covariates,
        treated,
        alpha,
        one_sided,
        attrition,
        cv,
    )


def describe(d: PowerDesign) -> str:
    """The design in words, for the readable output."""
    if d.design == "ira":
        return f"{d.n:g} people randomised individually"
    if d.design == "bira":
        return f"{d.n:g} people in each of {d.sites:g} sites, randomised within site"
    if d.design == "cra2":
        return f"{d.clusters:g} teams of {d.n:g} people randomised as teams (team ICC {d.icc2:g})"
    if d.design == "bcra3f2":
        return (
            f"{d.clusters:g} teams of {d.n:g} in each of {d.sites:g} sites, teams "
            f"randomised within site (team ICC {d.icc2:g})"
        )
    return (
        f"{d.sites:g} sites of {d.clusters:g} teams of {d.n:g}, whole sites randomised "
        f"(team ICC {d.icc2:g}, site ICC {d.icc3:g})"
    )


def emit(result: PowerResult, solved: str, as_json: bool) -> None:
    from hearten.stats.power import SIZE_UNIT

    d = result.design
    if as_json:
        data: dict[str, object] = {
            "mdes": result.mdes,
            "power": result.power,
            "df": result.df,
            "multiplier": result.multiplier,
            "standard_error": result.standard_error,
            "mdes_proportion": result.mdes_proportion,
            "design": asdict(d),
        }
        if solved == "size":
            unit = result.solved_for or SIZE_UNIT[d.design]
            data["size"] = int(getattr(d, unit))
            data["size_unit"] = {"n": "people", "clusters": "teams", "sites": "sites"}[unit]
        print(json.dumps(data, indent=2))
        return
    table = Table("quantity", "value", title=f"{d.design}: {describe(d)}")
    label = "effect size (SD units)" if solved == "power" else "minimum detectable effect (SD)"
    table.add_row(label, f"{result.mdes:.4f}")
    table.add_row("power", f"{result.power:.4f}")
    table.add_row("degrees of freedom", f"{result.df:g}")
    table.add_row("standardised standard error", f"{result.standard_error:.4f}")
    if result.mdes_proportion is not None:
        table.add_row("effect in proportion points", f"{result.mdes_proportion:.4f}")
    out.print(table)
    notes = []
    if d.r2_1 or d.r2_2 or d.r2_3:
        notes.append(
            f"covariates explain R² {d.r2_1:g} (people), {d.r2_2:g} (teams), {d.r2_3:g} (sites)"
        )
    if d.attrition:
        notes.append(f"{100 * d.attrition:g}% of people expected not to be analysed")
    if d.cv:
        notes.append(f"team sizes vary (coefficient of variation {d.cv:g})")
    notes.append(
        f"{100 * d.treated:g}% treated; {'one' if d.one_sided else 'two'}-tailed test "
        f"at alpha {d.alpha:g}"
    )
    out.print("Assumptions: " + "; ".join(notes) + ".")
