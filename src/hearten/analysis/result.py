"""A parallel trial's analysis result, typed: what :func:`hearten.analysis.run.run_analysis`
returns to the caller and stores, and what readers of a stored run get back.

The run is specified (:mod:`~hearten.analysis.specification`), fitted
(:mod:`~hearten.analysis.run`) and read from this frozen result, as linearmodels and pyfixest
separate a model, its fit and its results. The stored JSON is the result's
:meth:`AnalysisResult.to_json`, key for key and in the same order as runs stored before the
result was typed, so every stored run reads back (:meth:`AnalysisResult.from_json`): a key an
older run lacks takes its "absent" default (as the report's ``.get`` reads it), and a key this
version does not know is kept and written back unchanged.

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
The sections below them (the CACE) stay JSON objects
(:data:`JsonObject`) as the statistics layer's ``asdict`` made them.

This module imports nothing heavy, so the report and the command line read stored runs
without the analysis machinery (as :mod:`~hearten.analysis.stored` does).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

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
from hearten.analysis.keyed import Keyed, many, one
from hearten.analysis.moderation import ModeratorEffect
from hearten.analysis.multilevel_result import MultilevelResult
from hearten.analysis.observed_icc import ObservedIcc
from hearten.analysis.plan_status import PlanStatus
from hearten.analysis.sites_result import SitesResult
from hearten.analysis.uptake_figures import UptakeFigures

#: A JSON object as stored (string keys; numbers, strings, ``None``, lists and objects).
JsonObject = Mapping[str, Any]

_Part = TypeVar("_Part", bound=Keyed)

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


def _read_part(kind: type[_Part], value: JsonObject | None) -> _Part | None:
    """A stored section read as its typed part (``None`` stays ``None``)."""
    return None if value is None else kind.from_json(value)


def _write_part(part: Keyed | None) -> dict[str, Any] | None:
    """A typed section's stored form (``None`` stays ``None``)."""
    return None if part is None else part.to_json()


#: The stored keys an older parallel run may lack, each with the value it then reads as (the
#: report reads those keys with ``.get``).
_ABSENT: dict[str, Any] = {
    "observed_icc": None,
    "imputation": None,
    "multilevel": None,
    "cace": None,
    "uptake": None,
    "hr": None,
    "coefficients": (),
    "secondary": (),
    "sites": None,
    "stressors": (),
    "stressors_note": None,
    "moderators": (),
    "attrition": None,
    "families": (),
    "assessed": None,
    "randomisation_balance": None,
    "sample_ratio": (),
    "allocation": None,
    "economics": None,
    "as_of": None,
    "plan": None,
}


@dataclass(frozen=True, slots=True)
class AnalysisResult:
    """A parallel trial's analysis by its plan (one run).

    Attributes:
        trial: the trial's slug.
        instrument: the primary outcome's scale.
        model: the primary outcome's model.
        control: the control arm's name.
        control_mean, control_sd: the primary outcome among analysed controls.
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
        as_of: the time of the run (ISO 8601).
        plan: the plan's versions, deviations and each result's label.
        extra: stored keys this version does not know, kept in order and written back.
    """

    trial: str
    instrument: InstrumentUsed
    model: ModelUsed
    control: str
    control_mean: float | None
    control_sd: float | None
    effects: tuple[ArmEffect, ...]
    observed_icc: ObservedIcc | None
    imputation: ImputationResult | None
    multilevel: MultilevelResult | None
    cace: EffectOnTakers | None
    uptake: UptakeFigures | None
    hr: HrResult | None
    coefficients: tuple[Coefficient, ...]
    secondary: tuple[OutcomeResult, ...]
    sites: SitesResult | None
    stressors: tuple[StressorAssociation, ...]
    stressors_note: str | None
    moderators: tuple[ModeratorEffect, ...]
    attrition: AttritionResult | None
    families: tuple[AdjustedFamily, ...]
    flow: tuple[ArmFlow, ...]
    assessed: Assessed | None
    balance: tuple[BalanceRow, ...]
    randomisation_balance: RandomisedBalance | None
    sample_ratio: tuple[SampleRatio, ...]
    allocation: AllocationRecord | None
    arms: tuple[RunArm, ...]
    economics: Economics | None
    as_of: str | None
    plan: PlanStatus | None
    extra: tuple[tuple[str, Any], ...] = field(default=())

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

    def to_json(self) -> dict[str, Any]:
        """The stored form: the keys and their order of every run stored so far."""
        out: dict[str, Any] = {
            "trial": self.trial,
            "instrument": self.instrument.to_json(),
            "model": self.model.to_json(),
            "control": self.control,
            "control_mean": self.control_mean,
            "control_sd": self.control_sd,
            "effects": [e.to_json() for e in self.effects],
            "observed_icc": _write_part(self.observed_icc),
            "imputation": _write_part(self.imputation),
            "multilevel": _write_part(self.multilevel),
            "cace": None if self.cace is None else self.cace.to_json(),
            "uptake": None if self.uptake is None else self.uptake.to_json(),
            "hr": _write_part(self.hr),
            "coefficients": [c.to_json() for c in self.coefficients],
            "secondary": [o.to_json() for o in self.secondary],
            "sites": _write_part(self.sites),
            "stressors": [s.to_json() for s in self.stressors],
            "stressors_note": self.stressors_note,
            "moderators": [m.to_json() for m in self.moderators],
            "attrition": _write_part(self.attrition),
            "families": [f.to_json() for f in self.families],
            "flow": [f.to_json() for f in self.flow],
            "assessed": _write_part(self.assessed),
            "balance": [b.to_json() for b in self.balance],
            "randomisation_balance": _write_part(self.randomisation_balance),
            "sample_ratio": [t.to_json() for t in self.sample_ratio],
            "allocation": _write_part(self.allocation),
            "arms": [a.to_json() for a in self.arms],
            "economics": None if self.economics is None else self.economics.to_json(),
            "as_of": self.as_of,
            "plan": _write_part(self.plan),
        }
        out.update(self.extra)
        return out

    @classmethod
    def from_json(cls, value: JsonObject) -> AnalysisResult:
        """Read a stored parallel run (any version's); see the module's docstring."""
        if value.get("design") == STEPPED_WEDGE:
            raise ValueError("a stepped-wedge run has its own result (analysis.stepped_wedge)")

        def get(key: str) -> Any:
            return value.get(key, _ABSENT.get(key))

        known = set(cls.__slots__)
        return cls(
            trial=value["trial"],
            instrument=InstrumentUsed.from_json(value["instrument"]),
            model=ModelUsed.from_json(value["model"]),
            control=value["control"],
            control_mean=value.get("control_mean"),
            control_sd=value.get("control_sd"),
            effects=tuple(ArmEffect.from_json(e) for e in value["effects"]),
            observed_icc=_read_part(ObservedIcc, get("observed_icc")),
            imputation=_read_part(ImputationResult, get("imputation")),
            multilevel=_read_part(MultilevelResult, get("multilevel")),
            cace=None if get("cace") is None else EffectOnTakers.from_json(get("cace")),
            uptake=None if get("uptake") is None else UptakeFigures.from_json(get("uptake")),
            hr=_read_part(HrResult, get("hr")),
            coefficients=tuple(Coefficient.from_json(c) for c in get("coefficients")),
            secondary=tuple(OutcomeResult.from_json(o) for o in get("secondary")),
            sites=_read_part(SitesResult, get("sites")),
            stressors=tuple(StressorAssociation.from_json(s) for s in get("stressors")),
            stressors_note=get("stressors_note"),
            moderators=tuple(ModeratorEffect.from_json(m) for m in get("moderators")),
            attrition=_read_part(AttritionResult, get("attrition")),
            families=tuple(AdjustedFamily.from_json(f) for f in get("families")),
            flow=tuple(ArmFlow.from_json(f) for f in value["flow"]),
            assessed=_read_part(Assessed, get("assessed")),
            balance=tuple(BalanceRow.from_json(b) for b in value["balance"]),
            randomisation_balance=_read_part(RandomisedBalance, get("randomisation_balance")),
            sample_ratio=tuple(SampleRatio.from_json(t) for t in get("sample_ratio")),
            allocation=_read_part(AllocationRecord, get("allocation")),
            arms=tuple(RunArm.from_json(a) for a in value["arms"]),
            economics=None if get("economics") is None else Economics.from_json(get("economics")),
            as_of=get("as_of"),
            plan=_read_part(PlanStatus, get("plan")),
            extra=tuple((k, v) for k, v in value.items() if k not in known),
        )
