"""The trial's own questions: pages of single items and free-text comments declared in the
design file, beside the validated scales of :mod:`hearten.instruments`.

A ``[[questions]]`` page holds items of three kinds: ``choice`` (one answer from a short list,
stored as ``start``, ``start + 1``, ...), ``number`` (a whole number from ``minimum`` to
``maximum``) and ``text`` (free text of at most ``max_length`` characters: a comment, which
only evaluators read, with roster names redacted; :mod:`hearten.surveys.comments`). A wave asks
a page by naming it in its ``questions`` list; its pages come after the wave's instruments.

An item may be asked only of some arms (``arms``: for example the control arm's questions
about usual practice) and only when an earlier answer was one of some values (``show_if``).
Nothing here is ever shown with an arm's name: the design refuses participant text that
names an arm. Conditions refer to an earlier item of the same page, or to an item of a page
asked before it in every wave that asks the page; every page has at least one item that
everyone is asked, so no participant meets an empty page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ItemKind = Literal["choice", "number", "text"]

#: The longest free-text answer a design may allow (about 300 words).
MAX_TEXT = 2000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ShowIf(_Strict):
    """Ask the item only when the answer to ``item`` (an earlier choice or number item) is
    one of ``equals``."""

    item: str = Field(min_length=1, max_length=40)
    equals: list[int] = Field(min_length=1, max_length=20)


class QuestionSpec(_Strict):
    """One question of a ``[[questions]]`` page (module docstring)."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=24)
    text: str = Field(min_length=1, max_length=300)
    kind: ItemKind = "choice"
    hint: str = Field(default="", max_length=300)
    options: list[str] = Field(default_factory=list, max_length=11)
    start: int = Field(default=1, ge=0, le=10, description="the value of the first option")
    minimum: int | None = Field(default=None, ge=0, le=100_000)
    maximum: int | None = Field(default=None, ge=0, le=100_000)
    max_length: int = Field(default=500, ge=1, le=MAX_TEXT)
    required: bool = False
    arms: list[str] = Field(default_factory=list, description="asked of these arms only")
    show_if: ShowIf | None = None

    @model_validator(mode="after")
    def _complete(self) -> QuestionSpec:
        k = self.key
        if self.kind == "choice":
            if len(self.options) < 2 or any(not o.strip() for o in self.options):
                raise ValueError(f"question {k!r}: a choice item needs 2 to 11 options, none empty")
        elif self.options:
            raise ValueError(f"question {k!r}: options are for choice items only")
        if self.kind == "number":
            if self.minimum is None or self.maximum is None or self.maximum <= self.minimum:
                raise ValueError(
                    f"question {k!r}: a number item needs minimum and maximum, minimum below"
                )
        elif self.minimum is not None or self.maximum is not None:
            raise ValueError(f"question {k!r}: minimum and maximum are for number items only")
        if self.kind == "text" and self.required:
            raise ValueError(f"question {k!r}: a free-text answer cannot be required")
        return self

    @property
    def values(self) -> tuple[int, ...]:
        """The stored values a choice or number item allows (empty for text)."""
        if self.kind == "choice":
            return tuple(range(self.start, self.start + len(self.options)))
        if self.kind == "number" and self.minimum is not None and self.maximum is not None:
            return tuple(range(self.minimum, self.maximum + 1))
        return ()

    @property
    def for_everyone(self) -> bool:
        """Asked of every participant: no arm restriction and no condition."""
        return not self.arms and self.show_if is None


class QuestionPageSpec(_Strict):
    """A page of the trial's own questions."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=40)
    heading: str = Field(min_length=1, max_length=120)
    prompt: str = Field(default="", max_length=500)
    items: list[QuestionSpec] = Field(min_length=1, max_length=30)

    def texts(self) -> Iterable[tuple[str, str]]:
        """Every piece of text participants read on the page, with where it is."""
        where = f"questions {self.name!r}"
        yield where, self.heading
        yield where, self.prompt
        for q in self.items:
            for text in (q.text, q.hint, *q.options):
                yield f"{where} item {q.key!r}", text


def check_questions(
    pages: Sequence[QuestionPageSpec],
    waves: Sequence[tuple[str, list[str], list[str]]],
    arms: Sequence[str],
    instrument_items: dict[str, dict[str, tuple[int, ...]]],
) -> None:
    """Check the design's question pages against its waves and arms.

    ``waves``: each wave's name, instruments and question pages, in order;
    ``instrument_items``: each instrument's item keys with the values each allows. Raises
    ``ValueError`` with one line saying what to fix.
    """
    by_name = {p.name: p for p in pages}
    if len(by_name) != len(pages):
        raise ValueError("questions page names must be unique")
    taken = {k for keys in instrument_items.values() for k in keys}
    seen: set[str] = set()
    for page in pages:
        if page.name in instrument_items:
            raise ValueError(f"questions page {page.name!r} has an instrument's name: rename it")
        if not any(q.for_everyone for q in page.items):
            raise ValueError(
                f"questions page {page.name!r} needs at least one item asked of everyone "
                "(no arms and no show_if), so nobody meets an empty page"
            )
        for q in page.items:
            if q.key in taken or q.key in seen:
                raise ValueError(
                    f"questions {page.name!r}: key {q.key!r} is used twice (or by an "
                    "instrument): give each question its own key"
                )
            seen.add(q.key)
            unknown = [a for a in q.arms if a not in arms]
            if unknown:
                raise ValueError(
                    f"questions {page.name!r} item {q.key!r}: arms names {unknown[0]!r}, which "
                    f"is not an arm ({', '.join(arms)})"
                )
    for wave, instruments, names in waves:
        if len(set(names)) != len(names):
            raise ValueError(f"wave {wave!r} lists a questions page twice")
        before = {k: v for i in instruments for k, v in instrument_items.get(i, {}).items()}
        for name in names:
            if name not in by_name:
                declared = ", ".join(by_name) or "none are declared"
                raise ValueError(
                    f"wave {wave!r} asks questions page {name!r}, which is not declared "
                    f"([[questions]] pages: {declared})"
                )
            for q in by_name[name].items:
                if q.show_if is not None:
                    _check_condition(wave, name, q, before)
                if q.kind != "text":
                    before[q.key] = q.values

    asked = {name for _, _, names in waves for name in names}
    for name in sorted(set(by_name) - asked):
        raise ValueError(f"questions page {name!r} is not asked in any wave: add it to a "
                         "wave's questions list")  # fmt: skip


def _check_condition(
    wave: str, page: str, q: QuestionSpec, before: dict[str, tuple[int, ...]]
) -> None:
    assert q.show_if is not None
    target = q.show_if.item
    if target not in before:
        raise ValueError(
            f"questions {page!r} item {q.key!r}: show_if names {target!r}, which is not a "
            f"choice or number item asked before it in wave {wave!r}"
        )
    allowed = before[target]
    outside = [v for v in q.show_if.equals if v not in allowed]
    if outside:
        raise ValueError(
            f"questions {page!r} item {q.key!r}: show_if value {outside[0]} is not an "
            f"answer {target!r} can have ({allowed[0]} to {allowed[-1]})"
        )


def question_pages(design: Mapping[str, object]) -> dict[str, QuestionPageSpec]:
    """The questions pages of a stored design (its JSON), by name."""
    pages = design.get("questions") or []
    assert isinstance(pages, list)
    return {p["name"]: QuestionPageSpec.model_validate(p) for p in pages}
