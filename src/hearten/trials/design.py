"""The design file: a trial declared in TOML, validated before anything is stored.

Example (``docs/reference/design-file.md`` describes every field)::

    slug = "letters-2026"
    name = "Recognition letters"
    unit = "team"            # individual | team | office
    strata = "site"          # site | none

    [[arms]]
    name = "control"
    label = "Business as usual"
    control = true

    [[arms]]
    name = "letters"
    label = "Personal recognition letter"

    [[waves]]
    name = "baseline"
    instrument = "swemwbs"

    [[waves]]
    name = "follow-up"
    instrument = "swemwbs"

    [analysis]
    outcome_wave = "follow-up"
    baseline_wave = "baseline"
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from hearten.errors import DesignError, NotFound
from hearten.instruments import REGISTRY
from hearten.trials.analysis_spec import AnalysisSpec as AnalysisSpec
from hearten.trials.analysis_spec import FamilySpec as FamilySpec
from hearten.trials.analysis_spec import HrOutcomesSpec as HrOutcomesSpec
from hearten.trials.analysis_spec import ImputationSpec as ImputationSpec
from hearten.trials.analysis_spec import OutcomeSpec as OutcomeSpec
from hearten.trials.analysis_spec import Transform as Transform
from hearten.trials.public import ParticipantsSpec, SupportSpec, arm_words_in
from hearten.trials.questions import QuestionPageSpec, check_questions
from hearten.trials.stepped_wedge import SteppedWedgeSpec, check_fits


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ArmSpec(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=40)
    label: str = Field(min_length=1, max_length=120)
    ratio: int = Field(default=1, ge=1, le=20)
    control: bool = False


class WaveSpec(_Strict):
    """A survey wave: its main instrument, any further pages, dates and reminders."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=40)
    instrument: str
    also: list[str] = Field(default_factory=list, description="further pages, in order")
    questions: list[str] = Field(default_factory=list, description="[[questions]] pages, last")
    opens: date | None = None
    closes: date | None = None
    reminders: list[int] = Field(default_factory=lambda: [3, 7])

    @model_validator(mode="after")
    def _known_instrument(self) -> WaveSpec:
        known = ", ".join(sorted(REGISTRY))
        for name in self.pages:
            if name not in REGISTRY:
                raise ValueError(f"unknown instrument {name!r}; choose one of {known}")
        if len(set(self.pages)) != len(self.pages):
            raise ValueError(f"wave {self.name!r} lists an instrument twice")
        if self.opens and self.closes and self.closes < self.opens:
            raise ValueError(f"wave {self.name!r} closes before it opens")
        if any(d < 1 or d > 60 for d in self.reminders) or sorted(set(self.reminders)) != list(
            self.reminders
        ):
            raise ValueError(
                "reminders are days after the wave opens, increasing, from 1 to 60 (e.g. [3, 7])"
            )
        return self

    @property
    def pages(self) -> list[str]:
        """Every instrument of the wave, one page each, the main one first."""
        return [self.instrument, *self.also]

    @property
    def minutes(self) -> float:
        """About how long the wave takes to answer."""
        return sum(REGISTRY[name].minutes for name in self.pages)


Balance = Literal["size", "caseload", "fte", "years_in_post"]


def _site_only() -> list[Literal["site", "role"]]:
    return ["site"]


class RandomisationSpec(_Strict):
    """How units are drawn, and how units that join afterwards are allocated."""

    scheme: Literal["blocked", "matched-pairs", "rerandomised", "stepped-wedge"] = "blocked"
    pairs_by: Balance | None = None
    balance_on: list[Balance] = Field(default_factory=list)
    acceptance: float = Field(default=0.1, gt=0.0, lt=1.0)
    late_joiners: Literal["blocked", "minimisation"] = "blocked"
    minimisation_factors: list[Literal["site", "role"]] = Field(default_factory=_site_only)
    minimisation_probability: float = Field(default=0.8, ge=0.5, lt=1.0)

    @model_validator(mode="after")
    def _complete(self) -> RandomisationSpec:
        if self.scheme == "matched-pairs" and self.pairs_by is None:
            raise ValueError("scheme 'matched-pairs' needs pairs_by (size, caseload, ...)")
        if self.scheme != "matched-pairs" and self.pairs_by is not None:
            raise ValueError("pairs_by is only for scheme 'matched-pairs'")
        if self.scheme == "rerandomised" and not self.balance_on:
            raise ValueError("scheme 'rerandomised' needs balance_on (e.g. [\"caseload\"])")
        if self.scheme != "rerandomised" and self.balance_on:
            raise ValueError("balance_on is only for scheme 'rerandomised'")
        if not self.minimisation_factors:
            raise ValueError("minimisation_factors needs at least one factor")
        return self


class PowerSpec(_Strict):
    """The assumptions of the power calculation the pre-registration reports.

    The numbers of sites, teams and people come from the roster when the plan is locked; the
    design (``ira``, ``bira``, ``cra2`` or ``bcra3f2``) from the unit and strata.
    """

    icc: float = Field(default=0.05, ge=0.0, lt=1.0, description="teams' or offices' ICC")
    r2_individual: float = Field(default=0.0, ge=0.0, lt=1.0)
    r2_cluster: float = Field(default=0.0, ge=0.0, lt=1.0)
    attrition: float = Field(default=0.0, ge=0.0, lt=1.0)
    power: float = Field(default=0.8, gt=0.0, lt=1.0)


class PrivacySpec(_Strict):
    """How the trial handles personal data: what the DPIA summary states and Hearten enforces.

    ``on_withdrawal``: ``keep`` what a person gave before withdrawing (they consented to it),
    ``erase`` it (answers, HR records, letters, programme work and contact details are deleted
    when they withdraw), or ``ask`` the person leaving which they want. ``ends_on``: after
    this date every participant link stops working.
    ``retain_until``: after this date ``hearten trial purge`` removes the identifiable data,
    leaving the anonymised analysis dataset.
    """

    controller: str = Field(default="", max_length=200)
    contact: str = Field(default="", max_length=200, description="the data protection officer")
    lawful_basis: str = Field(default="", max_length=300)
    special_category: str = Field(
        default="", max_length=300, description="the UK GDPR Article 9 condition for health data"
    )
    purposes: str = Field(default="", max_length=1000)
    hr_records: list[str] = Field(default_factory=list, description="HR records used")
    hr_source: str = Field(default="", max_length=200, description="where the HR records come from")
    recipients: list[str] = Field(default_factory=list, description="who receives the data")
    on_withdrawal: Literal["keep", "erase", "ask"] = "keep"
    ends_on: date | None = None
    retain_until: date | None = None

    @model_validator(mode="after")
    def _order(self) -> PrivacySpec:
        if self.ends_on and self.retain_until and self.retain_until < self.ends_on:
            raise ValueError("privacy.retain_until is before privacy.ends_on: keep data at least "
                             "until the trial ends")  # fmt: skip
        return self


class MonitoringSpec(_Strict):
    """Who may see what of the response rates."""

    min_group: int = Field(default=5, ge=3, le=100)
    #: The share of people each wave aims to hear from; teams below it are highlighted on
    #: the response-rates page.
    target: float = Field(default=0.7, gt=0, le=1)


class Design(_Strict):
    """A validated trial design."""

    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)
    name: str = Field(min_length=1, max_length=200)
    unit: Literal["individual", "team", "office"]
    strata: Literal["site", "none"] = "site"
    arms: list[ArmSpec] = Field(min_length=2)
    waves: list[WaveSpec] = Field(min_length=1)
    analysis: AnalysisSpec
    randomisation: RandomisationSpec = Field(default_factory=RandomisationSpec)
    monitoring: MonitoringSpec = Field(default_factory=MonitoringSpec)
    power: PowerSpec = Field(default_factory=PowerSpec)
    privacy: PrivacySpec = Field(default_factory=PrivacySpec)
    participants: ParticipantsSpec = Field(default_factory=ParticipantsSpec)
    support: SupportSpec = Field(default_factory=SupportSpec)
    stepped_wedge: SteppedWedgeSpec | None = None
    questions: list[QuestionPageSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _own_questions(self) -> Design:
        """The trial's own questions (:mod:`hearten.trials.questions`)."""
        values = {n: {i.key: tuple(range(i.values[0], i.values[1] + 1)) if i.kind == "number"
                      else tuple(o.value for o in i.options) for i in x.items}
                  for n, x in REGISTRY.items()}  # fmt: skip
        waves = [(w.name, w.pages, w.questions) for w in self.waves]
        check_questions(self.questions, waves, [a.name for a in self.arms], values)
        return self

    @model_validator(mode="after")
    def _neutral(self) -> Design:
        """Participant-facing text names no arm (:mod:`hearten.trials.public`)."""
        words = [w for a in self.arms for w in (a.name, a.label)]
        texts = list(self.participants.texts())
        for i, line in enumerate(self.support.lines):
            texts += [(f"support line {i + 1}", line.name), (f"support line {i + 1}", line.about)]
        texts.append(("[privacy] purposes", self.privacy.purposes))  # in the privacy notice
        texts += [t for page in self.questions for t in page.texts()]
        for where, text in texts:
            found = arm_words_in(text, words)
            if found is not None:
                raise ValueError(
                    f"{where} contains {found!r}, an arm's name or label: participants must not "
                    "learn which arms the trial has; reword it"
                )
        return self

    @model_validator(mode="after")
    def _consistent(self) -> Design:
        controls = [a.name for a in self.arms if a.control]
        if len(controls) != 1:
            raise ValueError(f"exactly one arm must have control = true (found {len(controls)})")
        for kind, names in (
            ("arm", [a.name for a in self.arms]),
            ("wave", [w.name for w in self.waves]),
        ):
            if len(set(names)) != len(names):
                raise ValueError(f"{kind} names must be unique (got {', '.join(names)})")
        waves = {w.name: w for w in self.waves}
        a = self.analysis
        for field, wave in (("outcome_wave", a.outcome_wave), ("baseline_wave", a.baseline_wave)):
            if wave is not None and wave not in waves:
                raise ValueError(
                    f"analysis.{field} is {wave!r}, which is not one of the waves "
                    f"({', '.join(waves)})"
                )
        for o in a.secondary:
            for field, wave in (("wave", o.wave), ("baseline_wave", o.baseline_wave)):
                if wave is not None and wave not in waves:
                    raise ValueError(
                        f"analysis.secondary {o.name!r}: {field} {wave!r} is not one of the "
                        f"waves ({', '.join(waves)})"
                    )
            chosen = o.instrument or waves[o.wave].instrument
            if chosen not in waves[o.wave].pages:
                raise ValueError(
                    f"analysis.secondary {o.name!r}: wave {o.wave!r} does not ask {chosen!r} "
                    f"(it asks {', '.join(waves[o.wave].pages)})"
                )
            if o.baseline_wave is not None and chosen not in waves[o.baseline_wave].pages:
                raise ValueError(
                    f"analysis.secondary {o.name!r}: baseline wave {o.baseline_wave!r} does "
                    f"not ask {chosen!r}"
                )
            secondary_instrument = REGISTRY[chosen]
            if o.score is not None and o.score not in secondary_instrument.scores:
                raise ValueError(
                    f"analysis.secondary {o.name!r}: score {o.score!r} is not a score of "
                    f"{secondary_instrument.name}"
                )
        r = self.randomisation
        pairs = r.scheme == "matched-pairs"
        if pairs and (len(self.arms) != 2 or self.arms[0].ratio != self.arms[1].ratio):
            raise ValueError("randomisation.scheme 'matched-pairs' needs two arms in equal ratio")
        if r.scheme == "rerandomised" and len(self.arms) != 2:
            raise ValueError("randomisation.scheme 'rerandomised' balances two arms: give two")
        if r.scheme == "matched-pairs" and self.unit == "individual":
            raise ValueError("matched pairs pair teams or offices: use unit 'team' or 'office'")
        if "role" in r.minimisation_factors and self.unit != "individual":
            raise ValueError(
                "minimisation by role is for individual randomisation: teams and offices "
                'have no single role; use minimisation_factors = ["site"]'
            )
        check_fits(
            self.stepped_wedge, r.scheme, self.unit, len(self.arms), list(waves), a.outcome_wave
        )
        instrument = REGISTRY[waves[a.outcome_wave].instrument]
        if a.score is not None and a.score not in instrument.scores:
            raise ValueError(
                f"analysis.score {a.score!r} is not a score of {instrument.name}; "
                f"choose one of {', '.join(instrument.scores)}"
            )
        if a.baseline_wave is not None and (
            waves[a.baseline_wave].instrument != waves[a.outcome_wave].instrument
        ):
            raise ValueError("the baseline and outcome waves must use the same instrument")
        return self

    @property
    def control(self) -> str:
        return next(a.name for a in self.arms if a.control)

    def planned_outcomes(self) -> list[PlannedOutcome]:
        """The primary outcome, then each secondary one, resolved to instrument and score."""
        waves = {w.name: w for w in self.waves}
        a = self.analysis
        specs: list[tuple[str, str, str | None, str | None, str | None, Transform]] = [
            ("primary", a.outcome_wave, None, a.score, a.baseline_wave, a.transform)
        ]
        specs += [
            (o.name, o.wave, o.instrument, o.score, o.baseline_wave, o.transform)
            for o in a.secondary
        ]
        out = []
        for name, wave, chosen, score, baseline, transform in specs:
            instrument = REGISTRY[chosen or waves[wave].instrument]
            out.append(
                PlannedOutcome(
                    name,
                    wave,
                    instrument.name,
                    score or instrument.primary_score,
                    baseline,
                    transform,
                )
            )
        return out


@dataclass(frozen=True, slots=True)
class PlannedOutcome:
    """One outcome the plan analyses: ``score`` of ``instrument`` at ``wave``, transformed."""

    name: str
    wave: str
    instrument: str
    score: str
    baseline_wave: str | None
    transform: Transform = "none"


def parse_design(text: str, source: str = "design file") -> Design:
    """Parse and validate a design from TOML text (a leading byte-order mark is ignored)."""
    try:
        data = tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        raise DesignError(f"{source} is not valid TOML: {exc}") from None
    except RecursionError:
        raise DesignError(
            f"{source} nests arrays or tables too deeply to be a design: a design nests a few "
            "levels at most (see docs/reference/design-file.md)"
        ) from None
    try:
        return Design.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "(top level)"
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = (
                    "is not a design field: check its spelling (see docs/reference/design-file.md)"
                )
            elif err["type"] == "missing":
                msg = "is required: add it"
            lines.append(f"  - {where}: {msg}")
        raise DesignError(f"{source} has {len(lines)} problem(s):\n" + "\n".join(lines)) from None


def load_design(path: Path) -> Design:
    """Read and validate a design file."""
    if not path.is_file():
        raise NotFound(f"no design file at {path}")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DesignError(
            f"{path} is not UTF-8 text (byte {exc.start + 1} cannot be read): save the design "
            "file as UTF-8"
        ) from None
    return parse_design(text, source=str(path))
