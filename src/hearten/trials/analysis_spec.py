"""The design file's ``[analysis]`` section: the trial's analysis plan, validated before
anything is stored (:class:`AnalysisSpec`, with its secondary outcomes, families, HR outcomes
and multiple imputation). :class:`hearten.trials.design.Design` holds it as ``analysis`` and
every name here is importable from :mod:`hearten.trials.design` too.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Transform = Literal["none", "standardise", "log"]


class OutcomeSpec(_Strict):
    """A secondary outcome: an instrument's score at a wave, optionally baseline-adjusted."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=40)
    wave: str
    instrument: str | None = Field(default=None, description="default: the wave's main one")
    score: str | None = None
    baseline_wave: str | None = None
    role: Literal["secondary", "mediator"] = "secondary"
    transform: Transform = "none"


class FamilySpec(_Strict):
    """Outcomes tested together, with their multiplicity adjustment."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=40)
    outcomes: list[str] = Field(min_length=2)
    method: Literal["holm", "bh", "westfall-young"] = "holm"


class HrOutcomesSpec(_Strict):
    """Outcomes from HR records over a window from randomisation."""

    window_days: int = Field(default=90, ge=7, le=1096)
    absence: bool = True
    leaving: bool = True
    role: Literal["primary", "secondary"] = Field(
        default="secondary", description="'primary': absence and leaving are confirmatory"
    )
    ri_below_clusters: int = Field(
        default=20,
        ge=0,
        le=10_000,
        description="with fewer randomised teams or offices than this, absence and leaving "
        "are tested by randomisation inference (0: never)",
    )
    few_clusters_test: Literal["ri", "wild-score"] = Field(
        default="ri",
        description="the test below ri_below_clusters: randomisation inference (exact) or the "
        "wild score bootstrap",
    )


class ImputationSpec(_Strict):
    """Multiple imputation of missing outcomes by chained equations (predictive mean matching
    within each arm, as R ``mice``; :mod:`hearten.stats.imputation`), pooled by Rubin's rules.

    With ``missing_data = "mice"`` it is the plan's missing-data analysis (the reported
    effects); with another ``missing_data`` it is a sensitivity analysis beside them.
    """

    imputations: int = Field(default=50, ge=2, le=1000, description="m, the imputed data sets")
    iterations: int = Field(default=10, ge=1, le=100, description="cycles per imputation")
    donors: int = Field(default=5, ge=1, le=50, description="predictive mean matching's donors")


class AnalysisSpec(_Strict):
    outcome_wave: str
    baseline_wave: str | None = None
    score: str | None = Field(default=None, description="the instrument's score to analyse")
    transform: Transform = "none"
    covariates: list[Literal["caseload", "fte", "years_in_post"]] = Field(default_factory=list)
    missing_data: Literal["complete-case", "ipw", "mice"] = "complete-case"
    imputation: ImputationSpec | None = Field(
        default=None,
        description="multiple imputation's settings; a sensitivity analysis unless "
        "missing_data = 'mice'",
    )
    alternative: Literal["two-sided", "greater", "less"] = "two-sided"
    vcov: Literal["auto", "HC2", "CR2"] = "auto"
    alpha: float = Field(default=0.05, gt=0.0, lt=0.5)
    adjustment: Literal["ancova", "lin"] = "ancova"
    method: Literal["analytic", "wild", "ri"] = "analytic"
    reps: int = Field(default=9999, ge=99, le=1_000_000)
    seed: int | None = Field(default=None, ge=0)
    secondary: list[OutcomeSpec] = Field(default_factory=list)
    families: list[FamilySpec] = Field(default_factory=list)
    moderators: list[Literal["caseload", "years_in_post", "role", "site", "fte"]] = Field(
        default_factory=list
    )
    lee_bounds: bool = True
    hr: HrOutcomesSpec | None = None
    compliance: Literal["any-module", "all-modules", "letter-delivered", "perk-exposed"] | None = (
        Field(default=None, description="who 'took part', for the CACE; set before unblinding")
    )

    @model_validator(mode="after")
    def _seeded(self) -> AnalysisSpec:
        names = ["primary", *(o.name for o in self.secondary)]
        if len(set(names)) != len(names):
            raise ValueError("secondary outcome names must be unique and not 'primary'")
        for f in self.families:
            unknown = [o for o in f.outcomes if o not in names]
            if unknown:
                raise ValueError(
                    f"family {f.name!r} names unknown outcome(s) {', '.join(unknown)}; "
                    f"outcomes are {', '.join(names)}"
                )
            if f.method == "westfall-young" and self.seed is None:
                raise ValueError(
                    f"family {f.name!r} uses westfall-young, which draws at random: add "
                    "analysis.seed (a whole number)"
                )
        if self.method != "analytic" and self.seed is None:
            raise ValueError(
                f"analysis.method {self.method!r} draws at random: add analysis.seed "
                "(a whole number) so the result can be repeated"
            )
        resampled = self.method != "analytic" or any(
            f.method == "westfall-young" for f in self.families
        )
        if self.alternative != "two-sided" and resampled:
            raise ValueError(
                f"a one-sided test (alternative = {self.alternative!r}) is made from the "
                "analytic t-test: set method = 'analytic' and adjust families by holm or bh"
            )
        if self.missing_data == "ipw" and resampled:
            raise ValueError(
                "missing_data = 'ipw' weights the analytic estimate: set method = 'analytic' "
                "and adjust families by holm or bh (the re-draws do not carry weights)"
            )
        if self.imputes is not None and self.seed is None:
            raise ValueError(
                "multiple imputation draws at random: add analysis.seed (a whole number) so "
                "the imputations can be repeated"
            )
        if self.missing_data == "mice" and resampled:
            raise ValueError(
                "missing_data = 'mice' pools the analytic estimate by Rubin's rules: set "
                "method = 'analytic' and adjust families by holm or bh (or keep the resampling "
                "test and give [analysis.imputation] as a sensitivity analysis)"
            )
        if len(set(self.covariates)) != len(self.covariates):
            raise ValueError("analysis.covariates lists a covariate twice")
        if self.method != "analytic" and self.adjustment == "lin":
            raise ValueError(
                f"analysis.method {self.method!r} tests the ANCOVA estimate: set "
                "analysis.adjustment = 'ancova', or use method = 'analytic' with Lin"
            )
        return self

    @property
    def imputes(self) -> ImputationSpec | None:
        """The multiple imputation to run, if any (defaults when ``missing_data = "mice"``
        names no settings)."""
        if self.missing_data == "mice":
            return self.imputation or ImputationSpec()
        return self.imputation
