"""Closed-form power, minimum detectable effect size (MDES) and sample size.

The designs and formulas of Dong and Maynard's PowerUp! (2013, JREE 6(1)), as in PowerUpR:
``MDES = M · SSE`` with ``M = t₁ + t₂`` (``t₁`` the critical t for ``alpha``, one- or
two-tailed; ``t₂ = |qt(power, df)|``), power from the non-central t with non-centrality
``ES / SSE``, and for each design (``P`` the share treated, ``R²`` at each level, ``g`` the
covariates at the randomised level):

========  ==========================================================  ==================
design    SSE²                                                        df
========  ==========================================================  ==================
ira       (1-R²₁) / (P(1-P) n)                                        n - g - 2
bira      (1-R²₁) / (P(1-P) K n)        (n people in each of K blocks)  K(n - 2) - g
cra2      ρ₂(1-R²₂)/(P(1-P)J) + (1-ρ₂)(1-R²₁)/(P(1-P)Jn)              J - g - 2
bcra3f2   ρ₂(1-R²₂)/(P(1-P)JK) + (1-ρ₂)(1-R²₁)/(P(1-P)JKn)            K(J - 2) - g
cra3      ρ₃(1-R²₃)/(P(1-P)K) + ρ₂(1-R²₂)/(P(1-P)JK)                  K - g - 2
          + (1-ρ₂-ρ₃)(1-R²₁)/(P(1-P)JKn)
========  ==========================================================  ==================

Extensions, applied before the formulas:

* **Attrition** ``a``: people analysed per cluster (or in all, for ``ira``) become
  ``n(1 - a)``.
* **Unequal cluster sizes** with coefficient of variation ``cv`` (Eldridge et al. 2006): the
  cluster-level variance terms are inflated by
  ``[1 + ((cv² + 1)n - 1)ρ] / [1 + (n - 1)ρ]``, the ratio of the design effects.
* **Binary outcomes**: with a control proportion ``π``, the MDES on the proportion scale is
  ``MDES · sqrt(π(1 - π))`` (the standardised effect times the outcome's SD).

Solving for size returns the smallest whole number of the chosen unit (people for ``ira``
and ``bira``, teams ``J`` for ``cra2``, sites ``K`` for ``bcra3f2`` and ``cra3``, or teams
per site ``J`` for those two when the sites ``K`` are given and the teams per site are not)
whose power reaches the target; PowerUpR's iteration rounds instead, and can differ by one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal, get_args

from scipy import stats as sps

from hearten.errors import DesignError

DesignKind = Literal["ira", "bira", "cra2", "bcra3f2", "cra3"]
DESIGNS: tuple[DesignKind, ...] = get_args(DesignKind)
SIZE_UNIT: dict[DesignKind, str] = {
    "ira": "n",
    "bira": "n",
    "cra2": "clusters",
    "bcra3f2": "sites",
    "cra3": "sites",
}
#: The largest size searched when solving for size.
MAX_SIZE = 10_000_000


@dataclass(frozen=True, slots=True)
class PowerDesign:
    """A trial design for closed-form power (names as in the ``hearten power`` command).

    Attributes:
        design: ``ira``, ``bira``, ``cra2``, ``bcra3f2`` or ``cra3``.
        n: people (``ira``), people per block (``bira``) or people per team (others).
        clusters: teams ``J`` (``cra2``: in all; ``bcra3f2``, ``cra3``: per site).
        sites: sites or blocks ``K`` (``bira``, ``bcra3f2``, ``cra3``).
        icc2, icc3: intraclass correlations of teams and of sites.
        r2_1, r2_2, r2_3: variance explained by covariates at each level.
        covariates: covariates at the randomised level (``g``).
        treated: share randomised to treatment (``P``).
        alpha, one_sided: the test.
        attrition: expected share of people not analysed.
        cv: coefficient of variation of team sizes (0: equal sizes).
    """

    design: DesignKind
    n: float | None = None
    clusters: float | None = None
    sites: float | None = None
    icc2: float = 0.0
    icc3: float = 0.0
    r2_1: float = 0.0
    r2_2: float = 0.0
    r2_3: float = 0.0
    covariates: int = 0
    treated: float = 0.5
    alpha: float = 0.05
    one_sided: bool = False
    attrition: float = 0.0
    cv: float = 0.0


@dataclass(frozen=True, slots=True)
class PowerResult:
    """A solved design: the effect ``mdes`` and the ``power`` to detect it, the sizes (in
    ``design``), ``df``, ``multiplier`` (``M``, or the non-centrality ``ES/SSE`` when solving
    for power) and ``standard_error`` (``SSE``); ``mdes_proportion`` is the effect in
    proportion points when a control proportion was given; ``solved_for`` the size solved for
    (``n``, ``clusters`` or ``sites``: see :func:`size_unit`), ``None`` unless solving for
    size."""

    design: PowerDesign
    mdes: float
    power: float
    df: float
    multiplier: float
    standard_error: float
    mdes_proportion: float | None
    solved_for: str | None = None


def _need(value: float | None, name: str, design: str) -> float:
    if value is None:
        raise DesignError(f"the {design} design needs --{name.replace('_', '-')}")
    return float(value)


def check_design_numbers(
    design: str, icc2: float, icc3: float, attrition: float, treated: float, *, prefix: str
) -> None:
    """Refuse a design kind not in :data:`DESIGNS`, or numbers no design can have: ICCs or
    attrition outside [0, 1), ICCs together 1 or more, or a share treated outside (0, 1).

    The closed forms here and the simulation (:func:`hearten.stats.simulation_spec.check_spec`)
    both check with this. ``prefix`` goes before each number's name in the message: ``"--"``
    for the ``hearten power`` options, ``""`` for a specification's fields."""
    if design not in DESIGNS:
        raise DesignError(f"unknown design {design!r}: choose {', '.join(DESIGNS)}")
    for name, value in (("icc2", icc2), ("icc3", icc3), ("attrition", attrition)):
        if not 0.0 <= value < 1.0:
            raise DesignError(f"{prefix}{name} must be at least 0 and below 1, not {value}")
    if icc2 + icc3 >= 1.0:
        raise DesignError(f"{prefix}icc2 and {prefix}icc3 together must be below 1")
    if not 0.0 < treated < 1.0:
        raise DesignError(f"{prefix}treated must be between 0 and 1, not {treated}")


def _check(d: PowerDesign) -> None:
    check_design_numbers(d.design, d.icc2, d.icc3, d.attrition, d.treated, prefix="--")
    for name in ("r2_1", "r2_2", "r2_3"):
        value = getattr(d, name)
        if not 0.0 <= value < 1.0:
            raise DesignError(
                f"--{name.replace('_', '-')} must be at least 0 and below 1 "
                f"(an R² of 1 leaves nothing to detect), not {value}"
            )
    if not 0.0 < d.alpha < 0.5:
        raise DesignError(f"--alpha must be between 0 and 0.5, not {d.alpha}")
    if d.cv < 0 or d.covariates < 0:
        raise DesignError("--cv and --covariates cannot be negative")


def standard_error(d: PowerDesign) -> tuple[float, float]:
    """The standardised standard error ``SSE`` and the degrees of freedom of ``d``."""
    _check(d)
    pq = d.treated * (1 - d.treated)
    keep = 1.0 - d.attrition
    g = d.covariates
    if d.design == "ira":
        n = _need(d.n, "n", d.design) * keep
        return math.sqrt((1 - d.r2_1) / (pq * n)), n - g - 2
    if d.design == "bira":
        n, K = _need(d.n, "n", d.design) * keep, _need(d.sites, "sites", d.design)
        return math.sqrt((1 - d.r2_1) / (pq * K * n)), K * (n - 2) - g
    n = _need(d.n, "cluster_size", d.design) * keep
    J = _need(d.clusters, "clusters", d.design)
    rho2, rho3 = d.icc2, d.icc3 if d.design == "cra3" else 0.0
    rho = rho2 + rho3
    inflate = (1 + ((d.cv**2 + 1) * n - 1) * rho) / (1 + (n - 1) * rho) if rho > 0 else 1.0
    if d.design == "cra2":
        var = inflate * rho2 * (1 - d.r2_2) / (pq * J) + (1 - rho2) * (1 - d.r2_1) / (pq * J * n)
        return math.sqrt(var), J - g - 2
    K = _need(d.sites, "sites", d.design)
    if d.design == "bcra3f2":
        var = inflate * rho2 * (1 - d.r2_2) / (pq * J * K) + (1 - rho2) * (1 - d.r2_1) / (
            pq * J * K * n
        )
        return math.sqrt(var), K * (J - 2) - g
    var = (
        inflate * rho3 * (1 - d.r2_3) / (pq * K)
        + inflate * rho2 * (1 - d.r2_2) / (pq * J * K)
        + (1 - rho2 - rho3) * (1 - d.r2_1) / (pq * J * K * n)
    )
    return math.sqrt(var), K - g - 2


def _critical(d: PowerDesign, df: float) -> float:
    return float(sps.t.ppf(1 - (d.alpha if d.one_sided else d.alpha / 2), df))


def _power(d: PowerDesign, es: float, sse: float, df: float) -> float:
    t1 = _critical(d, df)
    ncp = es / sse
    upper = float(sps.nct.sf(t1, df, ncp))
    return upper if d.one_sided else upper + float(sps.nct.cdf(-t1, df, ncp))


def _feasible(d: PowerDesign) -> tuple[float, float]:
    sse, df = standard_error(d)
    if df < 1:
        raise DesignError(
            f"this {d.design} design leaves {df:g} degrees of freedom: add "
            + {
                "ira": "people",
                "bira": "people or sites",
                "cra2": "teams",
                "bcra3f2": "teams per site or sites",
                "cra3": "sites",
            }[d.design]
            + " or use fewer covariates"
        )
    return sse, df


def _result(
    d: PowerDesign, power: float, sse: float, df: float, control_proportion: float | None
) -> PowerResult:
    t1 = _critical(d, df)
    t2 = abs(float(sps.t.ppf(power, df)))
    m = t1 + t2 if power >= 0.5 else t1 - t2
    mdes = m * sse
    prop = None
    if control_proportion is not None:
        if not 0 < control_proportion < 1:
            raise DesignError("the control proportion must be between 0 and 1")
        prop = mdes * math.sqrt(control_proportion * (1 - control_proportion))
    return PowerResult(d, mdes, power, df, m, sse, prop)


def solve_mdes(
    d: PowerDesign, power: float = 0.80, control_proportion: float | None = None
) -> PowerResult:
    """The smallest standardised effect ``d`` detects with ``power``."""
    if not 0 < power < 1:
        raise DesignError(f"--power must be between 0 and 1, not {power}")
    sse, df = _feasible(d)
    return _result(d, power, sse, df, control_proportion)


def solve_power(d: PowerDesign, es: float, control_proportion: float | None = None) -> PowerResult:
    """The power of ``d`` to detect a standardised effect ``es``."""
    if es <= 0:
        raise DesignError("--es, the effect size, must be positive")
    sse, df = _feasible(d)
    prop = None
    if control_proportion is not None:
        prop = es * math.sqrt(control_proportion * (1 - control_proportion))
    return PowerResult(d, es, _power(d, es, sse, df), df, es / sse, sse, prop)


def size_unit(d: PowerDesign) -> str:
    """The size :func:`solve_size` solves for: :data:`SIZE_UNIT`, except teams per site
    (``clusters``) for ``bcra3f2`` and ``cra3`` when ``sites`` is given and ``clusters`` is
    not. Refuses a design that gives neither, or both, and one that already gives the size
    it would solve for (which would otherwise be silently replaced)."""
    unit = SIZE_UNIT[d.design]
    if unit == "sites":
        if d.clusters is None and d.sites is None:
            raise DesignError(
                f"the {d.design} design needs --clusters (teams per site) to solve for the "
                "number of sites, or --sites to solve for the teams per site"
            )
        if d.clusters is not None and d.sites is not None:
            raise DesignError(
                f"give --sites to solve for the teams per site, or --clusters to solve for the "
                f"number of sites, not both (to check a {d.design} trial of "
                f"{d.sites:g} sites and {d.clusters:g} teams per site, use 'power power')"
            )
        return "clusters" if d.clusters is None else "sites"
    given = d.n if unit == "n" else d.clusters
    if given is not None:
        option, what = ("--clusters", "teams") if unit == "clusters" else ("--n", "people")
        what += " per site" if d.design == "bira" else ""
        raise DesignError(
            f"leave out {option}: 'power size' solves for the number of {what} in a "
            f"{d.design} trial (to check a trial of {given:g} {what}, use 'power power')"
        )
    return unit


def with_size(d: PowerDesign, size: float, unit: str | None = None) -> PowerDesign:
    """``d`` with its solved-for size (``unit``, by default :data:`SIZE_UNIT`) set to
    ``size``."""
    unit = unit or SIZE_UNIT[d.design]
    if unit == "n":
        return replace(d, n=size)
    if unit == "clusters":
        return replace(d, clusters=size)
    return replace(d, sites=size)


def solve_size(d: PowerDesign, es: float, power: float = 0.80) -> PowerResult:
    """The smallest whole size (see the module docstring) with ``power`` to detect ``es``."""
    if es <= 0 or not 0 < power < 1:
        raise DesignError("--es must be positive and --power between 0 and 1")

    unit = size_unit(d)
    standard_error(with_size(d, float(MAX_SIZE), unit))  # names any other missing option

    def reaches(size: int) -> bool:
        trial = with_size(d, float(size), unit)
        sse, df = standard_error(trial)
        return df >= 1 and _power(trial, es, sse, df) >= power

    low, high = 1, 2
    while not reaches(high):
        low, high = high, high * 2
        if high > MAX_SIZE:
            raise DesignError(
                "no number of teams per site reaches that power with these sites: the "
                "variance between sites (--icc3) needs more sites (--sites)"
                if unit == "clusters" and d.design == "cra3"
                else "no size up to 10 million reaches that power: the effect is too "
                "small for this design (an ICC this large needs more sites)"
            )
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (low, mid) if reaches(mid) else (mid, high)
    solved = with_size(d, float(high), unit)
    sse, df = standard_error(solved)
    return replace(_result(solved, _power(solved, es, sse, df), sse, df, None), solved_for=unit)
