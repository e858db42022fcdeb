"""How a validated scale is declared once and scored everywhere.

Forms, storage, scoring and exports all read an :class:`Instrument`; nothing else spells a
scale's items, options, reverse-keyed items, scales or missing-item rule.

Scoring (:meth:`Instrument.score_row`) never guesses: an answer outside an item's options
empties every score that uses the item, and a scale with fewer answered items than its
``min_items`` is empty; each empty score comes with a reason.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from hearten.errors import DataError

ItemKind = Literal["choice", "number"]
Method = Literal["sum", "mean"]


@dataclass(frozen=True, slots=True)
class ResponseOption:
    """One answer a participant can give, with its stored value."""

    value: int
    label: str


@dataclass(frozen=True, slots=True)
class Item:
    """One question, stored as ``key`` (``swemwbs_1`` ...).

    Attributes:
        options: the answers allowed (``choice`` items).
        reverse: score as ``lowest + highest - value`` (reverse-keyed).
        kind: ``choice`` (radio buttons) or ``number`` (a whole number from ``minimum`` to
            ``maximum``).
    """

    key: str
    text: str
    options: tuple[ResponseOption, ...] = ()
    reverse: bool = False
    kind: ItemKind = "choice"
    minimum: int | None = None
    maximum: int | None = None

    @property
    def values(self) -> tuple[int, int]:
        """The lowest and highest value allowed."""
        if self.kind == "number":
            return int(self.minimum or 0), int(self.maximum or 0)
        stored = [o.value for o in self.options]
        return min(stored), max(stored)

    def allows(self, value: int) -> bool:
        if self.kind == "number":
            low, high = self.values
            return low <= value <= high
        return any(o.value == value for o in self.options)

    def keyed(self, value: int) -> int:
        """The value as scored: reversed for reverse-keyed items."""
        low, high = self.values
        return low + high - value if self.reverse else value


@dataclass(frozen=True, slots=True)
class Scale:
    """A score: the sum or mean of some items (1-based, in published order) after reversing.

    ``min_items`` is the missing-item rule: with fewer answered the score is empty.
    """

    name: str
    items: tuple[int, ...]
    method: Method
    min_items: int


@dataclass(frozen=True, slots=True)
class Band:
    """A labelled range of a score, e.g. ONS4 life satisfaction 7–8 is "high"."""

    low: float
    high: float
    label: str


@dataclass(frozen=True, slots=True)
class Score:
    """A scored response: each named score of the scale (``{"raw": 27.0, ...}``)."""

    values: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class ScoredRow:
    """One row scored: every score (``None`` when it cannot be given), each score's band
    label where the scale has bands, and the reasons for any empty score."""

    scores: dict[str, float | None]
    bands: dict[str, str | None]
    problems: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Instrument:
    """A validated scale.

    Attributes:
        name: short machine name (``swemwbs``); item columns are ``name_1 ... name_k``.
        title: the scale's full name.
        prompt: the instruction shown above the items.
        items: the items in published order.
        scales: how each score is formed, with its missing-item rule.
        primary_score: the score analysed by default.
        licence: the notice that must be shown wherever the scale is used.
        source: where the items and scoring come from, and how sure that is.
        derived: extra scores computed from complete scales (SWEMWBS's metric score).
        bands: labelled ranges for some scores (ONS4).
        text_bundled: ``False`` when the wording cannot be shipped: the items carry
            placeholders until the licensed text is loaded (:func:`with_texts`).
        minutes: about how long it takes to answer.
        heading: the page's heading for participants (default: the title).
    """

    name: str
    title: str
    prompt: str
    items: tuple[Item, ...]
    scales: tuple[Scale, ...]
    primary_score: str
    licence: str
    source: str
    derived: Callable[[Mapping[str, float | None]], dict[str, float | None]] | None = None
    bands: Mapping[str, tuple[Band, ...]] = field(default_factory=dict)
    text_bundled: bool = True
    minutes: float = 1.0
    heading: str = ""

    def __post_init__(self) -> None:
        if not self.heading:
            object.__setattr__(self, "heading", self.title)

    @property
    def item_keys(self) -> tuple[str, ...]:
        return tuple(i.key for i in self.items)

    @property
    def scores(self) -> tuple[str, ...]:
        """The names of every score, scales first, then derived scores."""
        derived = tuple(self.derived({s.name: None for s in self.scales})) if self.derived else ()
        return tuple(s.name for s in self.scales) + derived

    @property
    def options(self) -> tuple[ResponseOption, ...]:
        """The first item's options (shared by every item of most scales)."""
        return self.items[0].options

    @property
    def missing_rule(self) -> str:
        """The missing-item rule, in words."""
        parts = []
        for s in self.scales:
            if s.min_items >= len(s.items):
                parts.append(f"{s.name}: all {len(s.items)} item(s) needed")
            else:
                parts.append(f"{s.name}: at least {s.min_items} of {len(s.items)} items")
        return "; ".join(parts)

    def _parse(
        self, item: Item, raw: object, strict: bool = False
    ) -> tuple[int | None, str | None]:
        if raw is None or raw == "" or (isinstance(raw, float) and math.isnan(raw)):
            return None, None
        if strict:
            value = plain_whole(raw)
            if value is None:
                return None, f"{item.key} is {raw!r}, not a whole number written in digits"
            number = float(value)
        else:
            try:
                number = float(str(raw))
            except ValueError:
                return None, f"{item.key} is {raw!r}, not a number"
        low, high = item.values
        if not number.is_integer() or not item.allows(int(number)):
            shown = int(number) if number.is_integer() else number
            return None, f"{item.key} is {shown}, outside {low} to {high}"
        return int(number), None

    def score_row(self, answers: Mapping[str, object]) -> ScoredRow:
        """Score one set of answers, some possibly missing (module docstring)."""
        values: dict[int, int | None] = {}
        invalid: dict[int, str] = {}
        for number, item in enumerate(self.items, start=1):
            value, problem = self._parse(item, answers.get(item.key))
            values[number] = None if value is None else item.keyed(value)
            if problem:
                invalid[number] = problem
        problems = list(invalid.values())
        scores: dict[str, float | None] = {}
        for s in self.scales:
            bad = [n for n in s.items if n in invalid]
            given = [values[n] for n in s.items if values[n] is not None]
            if bad:
                scores[s.name] = None
            elif len(given) < s.min_items:
                scores[s.name] = None
                problems.append(
                    f"{s.name}: {len(given)} of {len(s.items)} items answered, {s.min_items} needed"
                )
            else:
                total = float(sum(v for v in given if v is not None))
                scores[s.name] = total if s.method == "sum" else total / len(given)
        if self.derived is not None:
            scores.update(self.derived(scores))
        bands = {
            name: next((b.label for b in ranges if scores[name] is not None
                        and b.low <= float(scores[name] or 0) <= b.high), None)
            for name, ranges in self.bands.items()
        }  # fmt: skip
        return ScoredRow(scores, bands, tuple(problems))

    def validate(self, answers: Mapping[str, object]) -> dict[str, int]:
        """Check one complete set of answers; return them as whole numbers keyed by item.

        Answers are taken only in the plain form the question allows (:func:`plain_whole`):
        ``3``, never ``3.0``, ``3e0``, ``0_3``, ``３`` or ``٣``. (Scoring a file with
        :meth:`score_row` is more forgiving: spreadsheets write whole numbers as ``3.0``.)

        Raises:
            DataError: an item is missing or outside its options, naming the item and the
                values allowed.
        """
        clean: dict[str, int] = {}
        problems = []
        for item in self.items:
            value, problem = self._parse(item, answers.get(item.key), strict=True)
            if problem:
                problems.append(problem)
            elif value is None:
                problems.append(f"{item.key} is missing")
            else:
                clean[item.key] = value
        if problems:
            raise DataError(f"{self.title}: " + "; ".join(problems))
        return clean

    def score(self, answers: Mapping[str, object]) -> Score:
        """Validate and score one complete response."""
        row = self.score_row(self.validate(answers))
        if row.problems:
            raise DataError(f"{self.title}: " + "; ".join(row.problems))
        return Score({k: float(v) for k, v in row.scores.items() if v is not None})


#: A whole number as a form sends it: ASCII digits, an optional minus, at most nine digits.
PLAIN_WHOLE = re.compile(r"-?[0-9]{1,9}")


def plain_whole(raw: object) -> int | None:
    """``raw`` as a whole number if it is one in its plain form, else ``None``.

    An ``int`` (not a ``bool``) is taken as it is; text must be ASCII digits with an optional
    leading minus (surrounding spaces are ignored). Python's ``int`` and ``float`` would also
    take full-width and Arabic-Indic digits, ``3.0``, ``3e0`` and ``0_3``: a survey answer is
    a radio button's value or a number typed in a box, so none of those is a plain answer.
    """
    if isinstance(raw, bool):
        return None
    if isinstance(raw, numbers.Integral):
        return int(raw)
    if isinstance(raw, str):
        text = raw.strip(" \t\r\n")
        return int(text) if PLAIN_WHOLE.fullmatch(text) else None
    return None


def items_of(
    name: str,
    texts: Sequence[str],
    options: Sequence[ResponseOption] | Callable[[int], Sequence[ResponseOption]],
    reverse: Sequence[int] = (),
) -> tuple[Item, ...]:
    """Items ``name_1 ... name_k`` with shared (or per-item) options and reverse-keyed ones."""
    return tuple(
        Item(
            f"{name}_{n}",
            text,
            tuple(options(n) if callable(options) else options),
            reverse=n in reverse,
        )
        for n, text in enumerate(texts, start=1)
    )


def scale_options(labels: Sequence[str], start: int = 1) -> tuple[ResponseOption, ...]:
    """Options valued ``start, start + 1, ...`` in the order of ``labels``."""
    return tuple(ResponseOption(start + i, label) for i, label in enumerate(labels))


def with_texts(instrument: Instrument, texts: Mapping[str, object], source: str) -> Instrument:
    """The instrument with licensed wording loaded from a mapping read from ``source``:
    ``prompt`` (optional), ``items`` (one text per item, in order) and optionally
    ``options`` (labels, in the order of the stored values)."""
    items = texts.get("items")
    if not isinstance(items, list) or len(items) != len(instrument.items):
        raise DataError(
            f"{source}: give 'items', a list of {len(instrument.items)} texts for "
            f"{instrument.name}, in published order"
        )
    labels = texts.get("options")
    new_items = []
    for item, text in zip(instrument.items, items, strict=True):
        options = item.options
        if labels is not None:
            if not isinstance(labels, list) or len(labels) != len(item.options):
                raise DataError(f"{source}: 'options' must list {len(item.options)} labels")
            options = tuple(
                ResponseOption(o.value, str(label))
                for o, label in zip(item.options, labels, strict=True)
            )
        new_items.append(replace(item, text=str(text), options=options))
    prompt = str(texts.get("prompt", instrument.prompt))
    return replace(instrument, items=tuple(new_items), prompt=prompt, text_bundled=True)
