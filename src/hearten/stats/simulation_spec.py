"""What a simulation of the planned analysis simulates: the trial, the test, and its checks.

``SimulationSpec`` names a design as ``hearten power`` does (sizes, ICCs, uptake, attrition,
the test); ``check_spec`` refuses one that cannot be simulated, saying what to change. The model
it describes and how it is simulated are in :mod:`hearten.stats.simulate`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
from numpy.typing import NDArray

from hearten.errors import DesignError
from hearten.stats.power import DesignKind, PowerDesign, check_design_numbers

SimMethod = Literal["cr2", "wild"]
SIM_METHODS: tuple[SimMethod, ...] = get_args(SimMethod)


@dataclass(frozen=True, slots=True)
class SimulationSpec:
    """A trial to simulate (sizes and names as in ``hearten power``; :mod:`hearten.stats.simulate`).

    Attributes:
        design: ``ira``, ``bira``, ``cra2``, ``bcra3f2`` or ``cra3``.
        n: people (``ira``) or people per site (``bira``).
        clusters: teams (``cra2``: in all; ``bcra3f2``, ``cra3``: per site).
        cluster_size: mean people per team; ``cv`` the coefficient of variation of sizes.
        sites: sites ``K`` (``bira``, ``bcra3f2``, ``cra3``).
        icc2, icc3: team and site ICCs.
        pre_post: correlation of baseline and follow-up at every level (0: no baseline).
        effect: effect on those who take part, in SDs of the outcome.
        uptake: share of the treated arm who take part.
        attrition, attrition_treated: shares not followed up in the control and treated
            arms (``attrition_treated`` defaults to ``attrition``).
        treated: share of units randomised to treatment.
        alpha, one_sided: the test.
        method: ``cr2`` (CR2/Satterthwaite, HC2 for individual designs) or ``wild``.
        bootstrap_reps: wild bootstrap draws per replication.
        power: target power for the MDES search.
    """

    design: DesignKind
    n: int | None = None
    clusters: int | None = None
    cluster_size: float | None = None
    sites: int | None = None
    cv: float = 0.0
    icc2: float = 0.0
    icc3: float = 0.0
    pre_post: float = 0.0
    effect: float = 0.0
    uptake: float = 1.0
    attrition: float = 0.0
    attrition_treated: float | None = None
    treated: float = 0.5
    alpha: float = 0.05
    one_sided: bool = False
    method: SimMethod = "cr2"
    bootstrap_reps: int = 399
    power: float = 0.8

    @property
    def itt(self) -> float:
        """The ITT effect the analysis estimates."""
        return self.uptake * self.effect

    @property
    def lost_treated(self) -> float:
        return self.attrition if self.attrition_treated is None else self.attrition_treated

    def closed_form(self) -> PowerDesign:
        """The nearest PowerUp! design (``R² = pre_post²`` at every level)."""
        r2 = self.pre_post**2
        cluster = self.design not in ("ira", "bira")
        return PowerDesign(
            design=self.design,
            n=self.n if not cluster else self.cluster_size,
            clusters=self.clusters,
            sites=self.sites,
            icc2=self.icc2 if cluster else 0.0,
            icc3=self.icc3 if self.design == "cra3" else 0.0,
            r2_1=r2,
            r2_2=r2 if cluster else 0.0,
            r2_3=r2 if self.design == "cra3" else 0.0,
            covariates=1 if self.pre_post else 0,
            treated=self.treated,
            alpha=self.alpha,
            one_sided=self.one_sided,
            attrition=(self.attrition + self.lost_treated) / 2,
            cv=self.cv,
        )


def _need(value: float | None, name: str, design: str) -> None:
    if value is None:
        raise DesignError(f"the {design} design needs {name}")


def check_spec(s: SimulationSpec) -> None:
    """Refuse a specification that cannot be simulated, saying what to change."""
    check_design_numbers(s.design, s.icc2, s.icc3, s.attrition, s.treated, prefix="")
    if s.method not in SIM_METHODS:
        raise DesignError(f"unknown method {s.method!r}: choose {' or '.join(SIM_METHODS)}")
    if s.design in ("ira", "bira"):
        _need(s.n, "n (people" + (" per site)" if s.design == "bira" else ")"), s.design)
    else:
        _need(s.clusters, "clusters (teams)", s.design)
        _need(s.cluster_size, "cluster_size (mean people per team)", s.design)
    if s.design in ("bira", "bcra3f2", "cra3"):
        _need(s.sites, "sites", s.design)
    if not 0.0 <= s.cv < 3.0:
        raise DesignError(f"cv must be at least 0 and below 3, not {s.cv}")
    if not 0.0 <= s.lost_treated < 1.0:
        raise DesignError(f"attrition_treated must be at least 0 and below 1, not {s.lost_treated}")
    if not -1.0 < s.pre_post < 1.0:
        raise DesignError(f"pre_post must be between -1 and 1, not {s.pre_post}")
    if not 0.0 < s.uptake <= 1.0:
        raise DesignError(f"uptake must be above 0 and at most 1, not {s.uptake}")
    if not 0.0 < s.alpha < 0.5 or not 0.0 < s.power < 1.0:
        raise DesignError("alpha must be in (0, 0.5) and power in (0, 1)")
    if s.method == "wild" and s.design in ("ira", "bira"):
        raise DesignError(
            "the wild cluster bootstrap is for cluster-randomised designs: use method "
            "'cr2' (HC2 for individual randomisation)"
        )
    if s.method == "wild" and s.bootstrap_reps < 99:
        raise DesignError("use at least 99 bootstrap draws (bootstrap_reps)")
    units, strata = randomised_units(s)
    per = np.bincount(strata)
    treated = np.round(s.treated * per)
    if (treated < 1).any() or (treated > per - 1).any():
        raise DesignError(
            f"each stratum has {per.min()} randomised units: too few to put at least one in "
            "each arm at this share treated; add units or change treated"
        )
    if s.design in ("ira", "bira") and units - 2 - (s.sites or 1) < 1:
        raise DesignError("too few people for any degrees of freedom: add people")


def randomised_units(s: SimulationSpec) -> tuple[int, NDArray[np.int64]]:
    """The number of randomised units and each one's stratum (the draws and the checks share it)."""
    K = s.sites or 1
    if s.design == "ira":
        return int(s.n or 0), np.zeros(int(s.n or 0), dtype=np.int64)
    if s.design == "bira":
        return int(s.n or 0) * K, np.repeat(np.arange(K), int(s.n or 0))
    if s.design == "cra2":
        return int(s.clusters or 0), np.zeros(int(s.clusters or 0), dtype=np.int64)
    if s.design == "bcra3f2":
        return int(s.clusters or 0) * K, np.repeat(np.arange(K), int(s.clusters or 0))
    return K, np.zeros(K, dtype=np.int64)  # cra3: sites randomised as one stratum
