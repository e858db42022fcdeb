"""A parallel trial's analysis result, typed: what :func:`hearten.analysis.run.run_analysis`
returns to the caller and stores, and what readers of a stored run get back.

The run is specified (:mod:`~hearten.analysis.specification`), fitted
(:mod:`~hearten.analysis.run`) and read from this frozen result, as linearmodels and pyfixest
separate a model, its fit and its results. The stored JSON is the result's
:meth:`AnalysisResult.to_json`, key for key and in the same order as runs stored before the
result was typed, so every stored run reads back (:meth:`AnalysisResult.from_json`) and writes
back key for key (:class:`~hearten.analysis.keyed.Keyed`): a key an older run lacks reads as
its default (``None`` or empty) and stays absent, and a key this version does not know is kept
and written back unchanged.

Typed here: the top level, the model, the instrument, each planned outcome
(:class:`OutcomeResult`) and each arm's effect on it (:class:`~.arm_effect.ArmEffect`).
Uptake (:mod:`~.uptake_figures`), economics (:mod:`~.cost_effectiveness`), the working
conditions (:mod:`~.associations`), moderators (:mod:`~.moderation`), families
(:mod:`~.adjusted_families`) and coefficients (:mod:`~.coefficients`) are typed too, as are
the HR outcomes (:mod:`~.hr_result`), attrition (:mod:`~.attrition_result`), the sites
(:mod:`~.sites_result`), the multilevel model (:mod:`~.multilevel_result`), the multiple
imputation (:mod:`~.imputation_result`), the observed ICC (:mod:`~.observed_icc`), the flow
and the roster (:mod:`~.flow_counts`), the balance tables and sample-ratio tests
(:mod:`~.balance_table`), the allocation and the arms (:mod:`~.allocation_record`) and the
plan (:mod:`~.plan_status`).
The CACE is :class:`~.arm_effect.EffectOnTakers`. What is left as stored JSON is inside
those parts (a resampling test's details, for one).

This module imports nothing heavy, so the report and the command line read stored runs
without the analysis machinery (as :mod:`~hearten.analysis.stored` does).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from hearten.analysis.adjusted_families import AdjustedFamily
from hearten.analysis.allocation_record import AllocationRecord, RunArm
from hearten.analysis.arm_effect import ArmEffect, EffectOnTakers
from hearten.analysis.associations import StressorAssociation
from hearten.analysis.attrition_result import AttritionResult
from hearten.analysis.balance_table import BalanceRow, RandomisedBalance, SampleRatio
from hearten.analysis.coefficients import Coefficient
from hearten.analysis.cost_effectiveness import Economics
from hearten.analysis.flow_counts import ArmFlow, Assessed
from hearten.analysis.hr_result import HrResult
from hearten.analysis.imputation_result import ImputationResult
from hearten.analysis.keyed import Keyed, closing, many, one, read_keyed, unless_none
from hearten.analysis.moderation import ModeratorEffect
from hearten.analysis.multilevel_result import MultilevelResult
from hearten.analysis.observed_icc import ObservedIcc
from hearten.analysis.plan_status import PlanStatus
from hearten.analysis.sites_result import SitesResult
from hearten.analysis.uptake_figures import UptakeFigures

#: A JSON object as stored (string keys; numbers, strings, ``None``, lists and objects).
JsonObject = Mapping[str, Any]


#: The design key a stepped-wedge run stores; a parallel run has none.
STEPPED_WEDGE = "stepped-wedge"


@dataclass(frozen=True, slots=True)
class InstrumentUsed(Keyed):
    """The validated scale of the primary outcome: its ``name`` and ``title`` as declared
    (:mod:`hearten.instruments`), the ``score`` analysed and its ``licence`` notice (read as
    ``""`` from a run stored without one)."""

    name: str
    title: str
    score: str | None = None
    licence: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelUsed(Keyed):
    """The primary outcome's model as planned and as fitted.

    A key an older run lacks reads as its default (the plan's default setting) and stays
    absent when the run is written back.

    Attributes:
        outcome: "<instrument> <score> at <wave>".
        baseline: the baseline wave adjusted for, or ``None``.
        strata_fixed_effects: whether strata (sites) entered as fixed effects.
        vcov: ``"CR2"`` (clustered on the randomised unit) or ``"HC2"``.
        cluster: the randomised unit clustered on (``"team"``, ``"office"``), or ``None``.
        alpha: the plan's significance level.
        adjustment, method, seed, transform, covariates, missing_data, alternative: the
            plan's settings (:class:`hearten.trials.design.AnalysisSpec`).
        n: people analysed for the primary outcome.
        n_clusters: clusters among them (``None`` when people were randomised).
    """

    outcome: str
    baseline: str | None = None
    strata_fixed_effects: bool = False
    vcov: str
    cluster: str | None = None
    alpha: float
    adjustment: str = "ancova"
    method: str = "analytic"
    seed: int | None = None
    transform: str = "none"
    covariates: tuple[str, ...] = field(default=(), metadata=many())
    missing_data: str = "complete-case"
    alternative: str = "two-sided"
    n: int
    n_clusters: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class OutcomeResult(Keyed):
    """One planned secondary outcome (or mediator) fitted by the plan's model.

    A key an older run lacks reads as its default and stays absent when written back.

    Attributes:
        name: the outcome's name in the plan.
        role: ``"secondary"`` or ``"mediator"`` (``"primary"`` for
            :attr:`AnalysisResult.primary`).
        outcome: "<instrument> <score> at <wave>".
        transform: the plan's transform of the outcome.
        baseline: the baseline wave adjusted for, or ``None``.
        n: people analysed.
        effects: per non-control arm, its effect.
        imputation: the plan's multiple imputation of this outcome, or ``None``.
        observed_icc: the observed ICC and MDES at analysis (cluster trials), or ``None``.
    """

    name: str
    role: str = "secondary"
    outcome: str
    transform: str = "none"
    baseline: str | None = None
    n: int
    effects: tuple[ArmEffect, ...] = field(default=(), metadata=many(ArmEffect))
    imputation: ImputationResult | None = field(default=None, metadata=one(ImputationResult))
    observed_icc: ObservedIcc | None = field(default=None, metadata=one(ObservedIcc))


_Model = TypeVar("_Model", bound=Keyed)


@dataclass(frozen=True, slots=True, kw_only=True)
class RunResult(Keyed, Generic[_Model]):
    """What a stored run of either design holds at its top level: a parallel run
    (:class:`AnalysisResult`) and a stepped-wedge one
    (:class:`~hearten.analysis.stepped_result.SteppedResult`) derive from it, and their own
    fields come between the opening ones and the closing ``as_of`` and ``plan``.

    Attributes:
        design: ``"stepped-wedge"``, or ``None`` for a parallel run (which stores no key).
        trial: the trial's slug.
        instrument: the primary outcome's scale.
        model: the primary outcome's model (each design's own, declared again with its kind).
        control: the control arm's name.
        control_mean, control_sd: the primary outcome among the analysed controls.
        as_of: the time of the run (ISO 8601; absent from older runs).
        plan: the plan's versions, deviations and each result's label.
    """

    design: str | None = field(default=None, metadata=unless_none())
    trial: str
    instrument: InstrumentUsed = field(metadata=one(InstrumentUsed))
    model: _Model
    control: str
    control_mean: float | None = None
    control_sd: float | None = None
    as_of: str | None = field(default=None, metadata=closing())
    plan: PlanStatus | None = field(default=None, metadata=closing(one(PlanStatus)))


@dataclass(frozen=True, slots=True, kw_only=True)
class AnalysisResult(RunResult[ModelUsed]):
    """A parallel trial's analysis by its plan (one run): the fields of :class:`RunResult`
    (``design`` is ``None`` and not stored; ``model`` is :class:`ModelUsed`), stored in their
    order with these between ``control_sd`` and ``as_of``:

    Attributes:
        effects: the primary effect of each non-control arm (``term`` is the arm), with
            ``hedges_g`` and ``resampling``.
        observed_icc: the primary outcome's observed ICC with its interval and the MDES at
            analysis (cluster trials; CONSORT 17a), or ``None``.
        imputation: the plan's multiple imputation of the primary outcome, or ``None``.
        multilevel: the random team intercepts sensitivity analysis, or ``None``.
        cace: the effect on those who took part, or ``None`` when the plan names no rule.
        uptake: uptake, fidelity and cost figures.
        hr: sickness absence and leaving from HR records, or ``None``.
        coefficients: the primary model's coefficient table (``tidy()`` rows).
        secondary: the other planned outcomes, in plan order.
        sites: each site's own effect and their pool, or ``None``.
        stressors: each working condition's association with the baseline score.
        stressors_note: why there are no associations when there could have been.
        moderators: the plan's moderators of the primary effect.
        attrition: attrition by arm and Lee bounds, or ``None`` when nobody is missing.
        families: each family of outcomes adjusted for multiplicity.
        flow: CONSORT counts per arm.
        assessed: sites, units and people on the roster.
        balance: baseline balance of the analysed sample.
        randomisation_balance: balance of everyone randomised (people and clusters).
        sample_ratio: sample-ratio tests.
        allocation: how the allocation was drawn and how to check it.
        arms: each arm's ``name`` and ``label``, in design order.
        economics: cost-effectiveness, or ``None``.

    A key an older run lacks reads as its default (``None`` or empty) and stays absent when
    the run is written back; a key this version does not know is kept and written back.
    """

    model: ModelUsed = field(metadata=one(ModelUsed))
    effects: tuple[ArmEffect, ...] = field(metadata=many(ArmEffect))
    observed_icc: ObservedIcc | None = field(default=None, metadata=one(ObservedIcc))
    imputation: ImputationResult | None = field(default=None, metadata=one(ImputationResult))
    multilevel: MultilevelResult | None = field(default=None, metadata=one(MultilevelResult))
    cace: EffectOnTakers | None = field(default=None, metadata=one(EffectOnTakers))
    uptake: UptakeFigures | None = field(default=None, metadata=one(UptakeFigures))
    hr: HrResult | None = field(default=None, metadata=one(HrResult))
    coefficients: tuple[Coefficient, ...] = field(default=(), metadata=many(Coefficient))
    secondary: tuple[OutcomeResult, ...] = field(default=(), metadata=many(OutcomeResult))
    sites: SitesResult | None = field(default=None, metadata=one(SitesResult))
    stressors: tuple[StressorAssociation, ...] = field(
        default=(), metadata=many(StressorAssociation)
    )
    stressors_note: str | None = None
    moderators: tuple[ModeratorEffect, ...] = field(default=(), metadata=many(ModeratorEffect))
    attrition: AttritionResult | None = field(default=None, metadata=one(AttritionResult))
    families: tuple[AdjustedFamily, ...] = field(default=(), metadata=many(AdjustedFamily))
    flow: tuple[ArmFlow, ...] = field(metadata=many(ArmFlow))
    assessed: Assessed | None = field(default=None, metadata=one(Assessed))
    balance: tuple[BalanceRow, ...] = field(metadata=many(BalanceRow))
    randomisation_balance: RandomisedBalance | None = field(
        default=None, metadata=one(RandomisedBalance)
    )
    sample_ratio: tuple[SampleRatio, ...] = field(default=(), metadata=many(SampleRatio))
    allocation: AllocationRecord | None = field(default=None, metadata=one(AllocationRecord))
    arms: tuple[RunArm, ...] = field(metadata=many(RunArm))
    economics: Economics | None = field(default=None, metadata=one(Economics))

    @property
    def labels(self) -> dict[str, str]:
        """Each arm's label by its name."""
        return {a.name: a.label for a in self.arms}

    @property
    def outcomes(self) -> tuple[str, ...]:
        """The planned outcomes' names: ``primary`` and the secondary ones, in plan order."""
        return ("primary", *(o.name for o in self.secondary))

    @property
    def primary(self) -> OutcomeResult:
        """The primary outcome read as the secondary ones are (stored at the top level)."""
        return OutcomeResult(
            name="primary",
            role="primary",
            outcome=self.model.outcome,
            transform=self.model.transform,
            baseline=self.model.baseline,
            n=self.model.n,
            effects=self.effects,
            imputation=self.imputation,
            observed_icc=self.observed_icc,
        )

    def outcome(self, name: str) -> OutcomeResult:
        """The planned outcome called ``name`` (``primary`` or a secondary one's name)."""
        if name == "primary":
            return self.primary
        for o in self.secondary:
            if o.name == name:
                return o
        raise KeyError(f"no planned outcome {name!r}: the run has {', '.join(self.outcomes)}")

    @classmethod
    def from_json(cls, value: JsonObject) -> AnalysisResult:
        """Read a stored parallel run (any version's); see the module's docstring."""
        if value.get("design") == STEPPED_WEDGE:
            raise ValueError("a stepped-wedge run has its own result (analysis.stepped_wedge)")
        return read_keyed(cls, value)
