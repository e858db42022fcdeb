"""How a validated scale is declared once and scored everywhere.

Forms, storage, scoring and exports all read an :class:`Instrument`; nothing else spells a
scale's items or options.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from hearten.errors import DataError


@dataclass(frozen=True, slots=True)
class ResponseOption:
    """One answer a participant can give, with its stored value."""

    value: int
    label: str


@dataclass(frozen=True, slots=True)
class Item:
    """One question. ``key`` is the stored column name (``swemwbs_1`` ...)."""

    key: str
    text: str


@dataclass(frozen=True, slots=True)
class Score:
    """A scored response: each named score of the scale (``{"raw": 27.0, ...}``)."""

    values: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class Instrument:
    """A validated scale.

    Attributes:
        name: short machine name (``swemwbs``).
        title: the scale's full name.
        prompt: the instruction shown above the items.
        items: the items in published order.
        options: the response options shared by every item.
        scores: the names of the scores :meth:`score` returns, e.g. ``("raw", "metric")``.
        primary_score: the score analysed by default.
        licence: the notice that must be shown wherever the scale is used.
        missing_rule: the rule for missing items, in words.
        scorer: turns a complete mapping of item key to value into the scores.
    """

    name: str
    title: str
    prompt: str
    items: tuple[Item, ...]
    options: tuple[ResponseOption, ...]
    scores: tuple[str, ...]
    primary_score: str
    licence: str
    missing_rule: str
    scorer: Callable[[Sequence[int]], Mapping[str, float]]

    @property
    def item_keys(self) -> tuple[str, ...]:
        return tuple(i.key for i in self.items)

    def validate(self, answers: Mapping[str, object]) -> dict[str, int]:
        """Check one set of answers; return them as whole numbers keyed by item.

        Raises:
            DataError: an item is missing or has a value outside the response options,
                naming the item and the values allowed.
        """
        allowed = {o.value for o in self.options}
        low, high = min(allowed), max(allowed)
        clean: dict[str, int] = {}
        problems = []
        for item in self.items:
            raw = answers.get(item.key)
            if raw is None or raw == "":
                problems.append(f"{item.key} is missing")
                continue
            try:
                value = int(str(raw))
            except ValueError:
                problems.append(f"{item.key} is {raw!r}, not a whole number from {low} to {high}")
                continue
            if value not in allowed:
                problems.append(f"{item.key} is {value}, outside {low} to {high}")
                continue
            clean[item.key] = value
        if problems:
            raise DataError(f"{self.title}: " + "; ".join(problems))
        return clean

    def score(self, answers: Mapping[str, object]) -> Score:
        """Validate and score one complete response."""
        clean = self.validate(answers)
        return Score(dict(self.scorer([clean[k] for k in self.item_keys])))
