"""One arm's effect on one planned outcome, typed, as a parallel trial's run stores it.

:class:`ArmEffect` holds the estimate, its standard error, degrees of freedom, interval and
p-value, the people and clusters analysed, the variance estimator, and Hedges' g
(:class:`StandardisedEffect`). It is read from and written back to the stored JSON exactly:
the stored keys and their order are kept (``layout``), so a key an older run lacks stays
absent when written back, and a key this version does not know (``extra``) is kept unchanged.
The values are kept as given (no conversion), so a run stores what it fitted, as before.

This module imports nothing heavy (the report reads stored runs through it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: A JSON object as stored.
JsonObject = Mapping[str, Any]

_G_KEYS = ("g", "std_error", "conf_low", "conf_high", "icc", "scale", "interval")
_EFFECT_KEYS = ("term", "estimate", "std_error", "df", "statistic", "p_value", "conf_low",
                "conf_high", "n", "n_clusters", "vcov_type", "alpha", "alternative",
                "hedges_g", "resampling")  # fmt: skip


def _laid_out(values: dict[str, Any], layout: tuple[str, ...], extra: tuple[tuple[str, Any], ...]
              ) -> dict[str, Any]:  # fmt: skip
    """``values`` and ``extra`` in the stored order ``layout`` (keys not in it are absent)."""
    every = {**values, **dict(extra)}
    return {k: every[k] for k in layout}


def _extra(value: JsonObject, known: tuple[str, ...]) -> tuple[tuple[str, Any], ...]:
    return tuple((k, v) for k, v in value.items() if k not in known)


@dataclass(frozen=True, slots=True)
class StandardisedEffect:
    """Hedges' g of an arm's effect (:mod:`hearten.stats.effect_size`).

    Attributes:
        g: the bias-corrected standardised difference.
        std_error, conf_low, conf_high: the planned analysis's standard error and interval
            taken to g's scale (an open end of a one-sided interval is ``None``).
        icc: the WWC cluster adjustment's intraclass correlation (0 unclustered).
        scale: g per outcome point (``None`` in runs stored before it was kept).
        interval: where the interval comes from (``"planned analysis"``).
        layout, extra: the stored keys in order, and those this version does not know.
    """

    g: float | None = None
    std_error: float | None = None
    conf_low: float | None = None
    conf_high: float | None = None
    icc: float | None = None
    scale: float | None = None
    interval: str | None = None
    layout: tuple[str, ...] = field(default=_G_KEYS, compare=False, repr=False)
    extra: tuple[tuple[str, Any], ...] = field(default=(), repr=False)

    def to_json(self) -> dict[str, Any]:
        values = {k: getattr(self, k) for k in _G_KEYS}
        return _laid_out(values, self.layout, self.extra)

    @classmethod
    def from_json(cls, value: JsonObject) -> StandardisedEffect:
        return cls(
            g=value.get("g"),
            std_error=value.get("std_error"),
            conf_low=value.get("conf_low"),
            conf_high=value.get("conf_high"),
            icc=value.get("icc"),
            scale=value.get("scale"),
            interval=value.get("interval"),
            layout=tuple(value),
            extra=_extra(value, _G_KEYS),
        )


@dataclass(frozen=True, slots=True)
class ArmEffect:
    """One non-control arm's effect on one planned outcome (``term`` is the arm's name).

    Attributes:
        term: the arm.
        estimate, std_error, df, statistic, p_value: the effect and its test (``df`` is
            ``None`` for a normal test).
        conf_low, conf_high: its interval (an open end of a one-sided interval is ``None``).
        n, n_clusters: people analysed and their clusters (``None`` when people were
            randomised).
        vcov_type: the variance estimator (``"CR2"``, ``"HC2"``).
        alpha, alternative: the plan's level and alternative.
        hedges_g: Hedges' g, or ``None`` when it could not be computed.
        resampling: the plan's resampling test of this effect, or ``None``.
        layout, extra: the stored keys in order, and those this version does not know (the
            complete-case estimate beside a multiple imputation, for one).
    """

    term: str
    estimate: float
    std_error: float | None = None
    df: float | None = None
    statistic: float | None = None
    p_value: float | None = None
    conf_low: float | None = None
    conf_high: float | None = None
    n: int | None = None
    n_clusters: int | None = None
    vcov_type: str | None = None
    alpha: float | None = None
    alternative: str | None = None
    hedges_g: StandardisedEffect | None = None
    resampling: JsonObject | None = None
    layout: tuple[str, ...] = field(default=_EFFECT_KEYS, compare=False, repr=False)
    extra: tuple[tuple[str, Any], ...] = field(default=(), repr=False)

    def beside(self, key: str, default: Any = None) -> Any:
        """A key the stored effect may hold beside the typed ones (``complete_case``)."""
        return dict(self.extra).get(key, default)

    def to_json(self) -> dict[str, Any]:
        """The stored form: the stored keys, in their stored order."""
        values = {k: getattr(self, k) for k in _EFFECT_KEYS}
        if self.hedges_g is not None:
            values["hedges_g"] = self.hedges_g.to_json()
        return _laid_out(values, self.layout, self.extra)

    @classmethod
    def from_json(cls, value: JsonObject) -> ArmEffect:
        """Read a stored effect (any version's)."""
        g = value.get("hedges_g")
        return cls(
            term=value["term"],
            estimate=value["estimate"],
            std_error=value.get("std_error"),
            df=value.get("df"),
            statistic=value.get("statistic"),
            p_value=value.get("p_value"),
            conf_low=value.get("conf_low"),
            conf_high=value.get("conf_high"),
            n=value.get("n"),
            n_clusters=value.get("n_clusters"),
            vcov_type=value.get("vcov_type"),
            alpha=value.get("alpha"),
            alternative=value.get("alternative"),
            hedges_g=None if g is None else StandardisedEffect.from_json(g),
            resampling=value.get("resampling"),
            layout=tuple(value),
            extra=_extra(value, _EFFECT_KEYS),
        )


_TAKERS_KEYS = ("definition", "note", "effects", "took_part")


@dataclass(frozen=True, slots=True)
class EffectOnTakers:
    """The complier average causal effect (CACE): each arm's effect on those who took part.

    Attributes:
        definition: the plan's rule for taking part.
        effects: each non-control arm's effect on those who took part (instrumental variables).
        took_part: the share of each arm who took part, or ``None`` with a ``note``.
        note: why the effect could not be estimated, or ``None``.
        layout, extra: the stored keys in order, and those this version does not know.
    """

    definition: str | None = None
    effects: tuple[ArmEffect, ...] = ()
    took_part: JsonObject | None = None
    note: str | None = None
    layout: tuple[str, ...] = field(default=("definition", "effects", "took_part"),
                                    compare=False, repr=False)  # fmt: skip
    extra: tuple[tuple[str, Any], ...] = field(default=(), repr=False)

    def to_json(self) -> dict[str, Any]:
        values = {
            "definition": self.definition,
            "note": self.note,
            "effects": [e.to_json() for e in self.effects],
            "took_part": self.took_part,
        }
        return _laid_out(values, self.layout, self.extra)

    @classmethod
    def from_json(cls, value: JsonObject) -> EffectOnTakers:
        return cls(
            definition=value.get("definition"),
            effects=tuple(ArmEffect.from_json(e) for e in value.get("effects", ())),
            took_part=value.get("took_part"),
            note=value.get("note"),
            layout=tuple(value),
            extra=_extra(value, _TAKERS_KEYS),
        )
