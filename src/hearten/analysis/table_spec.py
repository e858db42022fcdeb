"""What ``hearten analyse FILE`` is asked to estimate: the specification, checked once.

:class:`TableSpec` holds every choice of one analysis of a file (the columns and their roles,
the model family, the inference, the options) and refuses, when it is made, every combination
that cannot be analysed, with one line saying what to change. The data are checked later, by
:func:`hearten.analysis.table_fit.fit_table`, against the columns the specification names.
Nothing here touches data or imports pandas or Django: a mistake in the options is found before
any fit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from hearten.errors import DataError, one_of
from hearten.stats.vcov import VCOV_TYPES, VcovType

Method = Literal["analytic", "wild", "ri"]
METHODS: tuple[Method, ...] = get_args(Method)
Family = Literal["gaussian", "binomial", "poisson", "negbin"]
FAMILIES: tuple[Family, ...] = get_args(Family)
#: The model a specification asks for: a linear ITT or CACE, a binary, count or Cox model on
#: the ratio scale, or the linear ITT with its gaps multiply imputed.
Model = Literal["linear", "ratio", "imputed"]
#: The roles whose columns must hold numbers.
NUMERIC_ROLES = ("outcome", "covariate", "uptake", "weights", "exposure", "time", "event")


def as_method(value: str) -> Method:
    """Validate a ``--method`` value."""
    return one_of(value, METHODS, "method")


def as_family(value: str) -> Family:
    """Validate a ``--family`` value."""
    return one_of(value, FAMILIES, "family")


def as_vcov(value: str | None) -> VcovType | None:
    """Validate a ``--vcov`` value (``None`` means the default)."""
    return None if value is None else one_of(value, VCOV_TYPES, "variance estimator")


@dataclass(frozen=True, slots=True)
class TableSpec:
    """One analysis of one outcome against one treatment in a file.

    Attributes:
        treatment: the assignment column (0/1, or two labelled arms).
        outcome: the outcome column (``None`` for time to event).
        covariates: adjustment columns (ANCOVA, or Lin's interacted adjustment with ``lin``).
        cluster: the randomised unit (cluster-robust errors; the unit resampling draws).
        strata: the randomisation strata (fixed effects; resampling draws within them).
        vcov: the variance estimator (``None``: CR2 when clustered, HC2 otherwise).
        uptake: a 0/1 took-part column: the CACE, with assignment as the instrument.
        method: ``analytic``; ``wild`` (the wild cluster bootstrap, or the wild score
            bootstrap of a count or Cox model); ``ri`` (randomisation inference).
        reps, seed: draws and seed of ``wild`` and ``ri`` (the seed is required).
        weights: a column of positive weights (analytic inference only).
        lin: Lin's (2013) interacted adjustment (the ITT only).
        control: the control arm's label (needed when no arm is called ``control``).
        alpha: significance level of every interval.
        family: ``gaussian``, ``binomial`` (0/1 outcome), ``poisson`` or ``negbin``
            (counts with ``exposure``).
        exposure: time at risk of a count (e.g. FTE × days employed).
        time, event: days to leaving or censoring and 1 left / 0 not: a Cox model.
        moderators: columns whose interaction with treatment is estimated.
        pre_registered: the moderators were named in the plan (adjusted together by Holm;
            otherwise exploratory).
        by_site: also estimate within each value of this column and pool them.
        impute: multiply impute the outcome's and covariates' gaps this many times.

    Making one checks every option against the others (:class:`~hearten.errors.DataError`
    with one line saying what to change); the file's columns are checked when it is fitted.
    """

    treatment: str
    outcome: str | None = None
    covariates: tuple[str, ...] = ()
    cluster: str | None = None
    strata: str | None = None
    vcov: VcovType | None = None
    uptake: str | None = None
    method: Method = "analytic"
    reps: int = 9999
    seed: int | None = None
    weights: str | None = None
    lin: bool = False
    control: str | None = None
    alpha: float = 0.05
    family: Family = "gaussian"
    exposure: str | None = None
    time: str | None = None
    event: str | None = None
    moderators: tuple[str, ...] = ()
    pre_registered: bool = False
    by_site: str | None = None
    impute: int | None = None

    def __post_init__(self) -> None:
        # Lists from the command line become tuples, so the specification stays immutable.
        object.__setattr__(self, "covariates", tuple(self.covariates))
        object.__setattr__(self, "moderators", tuple(self.moderators))
        as_method(self.method)
        as_vcov(self.vcov)
        as_family(self.family)
        self._check_model()
        self._check_inference()
        self._check_options()

    def _check_model(self) -> None:
        """The outcome and the family agree."""
        if self.survival and (self.time is None or self.event is None):
            raise DataError("time to event needs both --time (days) and --event (1 left, 0 not)")
        if self.survival == (self.outcome is not None):
            raise DataError("give --outcome, or --time and --event for time to event, not both")
        if self.family in ("poisson", "negbin") and self.exposure is None:
            raise DataError(f"the {self.family} family needs --exposure (e.g. FTE × days employed)")
        if self.exposure is not None and self.family not in ("poisson", "negbin"):
            raise DataError("--exposure goes with --family poisson or negbin")
        method = self.method
        if self.on_ratio_scale and (
            self.uptake
            or (method != "analytic" and not self.resampled_ratio)
            or self.weights
            or self.lin
            or self.vcov
        ):
            raise DataError(
                "count, binary and time-to-event models take --covariate, --cluster "
                "and --strata only (no --uptake, --weights, --lin or --vcov; --method ri or "
                "wild for counts and time to event)"
            )

    def _check_inference(self) -> None:
        """Resampling has a seed and goes with what it can resample."""
        method = self.method
        if method != "analytic" and self.seed is None:
            raise DataError(
                f"--method {method} draws at random: give --seed N so it can be repeated"
            )
        if method != "analytic" and self.uptake is not None:
            raise DataError("--uptake (the CACE) uses analytic inference: drop --method")
        if method != "analytic" and self.weights is not None:
            raise DataError("--weights works with analytic inference only: drop --method")

    def _check_options(self) -> None:
        """Moderators, sites, imputation, Lin and the wild bootstrap fit the model."""
        special = self.on_ratio_scale
        if self.moderators and (special or self.uptake):
            raise DataError("--moderator works with the ITT of a continuous outcome")
        if self.by_site and (special or self.uptake or self.method != "analytic"):
            raise DataError("--by-site works with the analytic ITT of a continuous outcome")
        if self.impute is not None and (
            special
            or self.uptake
            or self.weights
            or self.method != "analytic"
            or self.moderators
            or self.by_site
        ):
            raise DataError(
                "--impute works with the analytic ITT of a continuous outcome (no --family, "
                "--time, --uptake, --weights, --method, --moderator or --by-site)"
            )
        if self.impute is not None and self.seed is None:
            raise DataError("--impute draws at random: give --seed N so it can be repeated")
        if self.impute is not None and not 2 <= self.impute <= 1000:
            raise DataError("--impute takes the number of imputations, from 2 to 1000 (e.g. 50)")
        if self.uptake is not None and self.lin:
            raise DataError("--lin is for the ITT; the CACE adjusts covariates in both stages")
        if self.method == "wild" and self.cluster is None:
            raise DataError("--method wild needs --cluster (the randomised unit)")

    @property
    def survival(self) -> bool:
        """Time to event (``time`` or ``event`` given)."""
        return self.time is not None or self.event is not None

    @property
    def on_ratio_scale(self) -> bool:
        """A binary, count or Cox model (the effect is a log ratio)."""
        return self.survival or self.family != "gaussian"

    @property
    def resampled_ratio(self) -> bool:
        """A count or Cox model tested by randomisation inference or the wild score
        bootstrap."""
        return self.method != "analytic" and (self.survival or self.family in ("poisson", "negbin"))

    @property
    def model(self) -> Model:
        """Which fit the specification asks for."""
        if self.on_ratio_scale:
            return "ratio"
        return "linear" if self.impute is None else "imputed"

    @property
    def roles(self) -> dict[str, str]:
        """Each column the analysis uses, with its role (a column named twice keeps its
        first place and its last role)."""
        roles = {self.treatment: "treatment"}
        roles.update({c: "covariate" for c in self.covariates})
        roles.update({m: "moderator" for m in self.moderators})
        for name, role in (
            (self.outcome, "outcome"),
            (self.cluster, "cluster"),
            (self.strata, "strata"),
            (self.uptake, "uptake"),
            (self.weights, "weights"),
            (self.exposure, "exposure"),
            (self.time, "time"),
            (self.event, "event"),
            (self.by_site, "site"),
        ):
            if name is not None:
                roles[name] = role
        return roles
