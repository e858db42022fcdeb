"""The trial's own questions on the survey pages (:mod:`hearten.trials.questions` declares
them): which items a participant is asked, checking their answers, and the form that shows
them.

A ``[[questions]]`` page is one of a wave's pages, stored like an instrument's page (one
:class:`~hearten.surveys.models.Response` named after the page), so saving, resuming, the
check page and completion work as they do for the scales. What differs is who is asked what:
an item restricted to some arms is shown only to their participants (never saying why), and
an item with a condition is asked only when the earlier answer it names was one of its
values. A condition on an earlier page is settled when the page is drawn; one on the same
page is shown with its hint ("Answer this if you chose ...") and hidden until it applies by
``conditions.mjs`` when scripts run. Either way the server decides: an answer to an item
whose condition does not hold is dropped, never stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms

from hearten.errors import DataError
from hearten.instruments import REGISTRY, Instrument, get_instrument
from hearten.instruments.base import ResponseOption, plain_whole
from hearten.trials.questions import QuestionPageSpec, QuestionSpec

Answer = int | str


@dataclass(frozen=True, slots=True)
class Question:
    """One item as a participant meets it.

    Attributes:
        options: the answers of a choice item (empty otherwise).
        condition: the earlier item and the values that make this one asked, or ``None``.
        settled: the condition names an earlier page's item, so it is already known whether
            the item is asked (``True``), or it names an item of this page (``False``).
        when: the condition in words, for the hint beside a same-page condition.
    """

    key: str
    text: str
    kind: str
    hint: str
    options: tuple[ResponseOption, ...]
    minimum: int | None
    maximum: int | None
    max_length: int
    required: bool
    condition: tuple[str, tuple[int, ...]] | None
    when: str = ""
    arms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class QuestionPage:
    """A page of the trial's own questions for one participant: the items they may be asked
    (their arm's), and their answers on earlier pages of the wave (for conditions).

    Reads like an :class:`~hearten.instruments.Instrument` where the survey pages need it
    (``name``, ``heading``, ``prompt``, ``items``, ``item_keys``, ``validate``).
    """

    name: str
    heading: str
    prompt: str
    items: tuple[Question, ...]
    earlier: Mapping[str, Any]
    licence: str = ""

    @property
    def title(self) -> str:
        return self.heading

    @property
    def item_keys(self) -> tuple[str, ...]:
        return tuple(q.key for q in self.items)

    def asked(self, answers: Mapping[str, object]) -> list[Question]:
        """The items asked, given this page's ``answers`` (for same-page conditions)."""
        given: dict[str, object] = dict(self.earlier)
        out = []
        for q in self.items:
            if q.condition is not None:
                value = plain_whole(given.get(q.condition[0]))
                if value not in q.condition[1]:
                    continue
            out.append(q)
            if q.kind != "text":
                given[q.key] = answers.get(q.key)
        return out

    def problems(self, answers: Mapping[str, object]) -> tuple[dict[str, Answer], dict[str, str]]:
        """The answers kept (of the items asked), and what is wrong with the others."""
        clean: dict[str, Answer] = {}
        wrong: dict[str, str] = {}
        for q in self.asked(answers):
            raw = answers.get(q.key)
            if q.kind == "text":
                text = str(raw or "").replace("\r\n", "\n").strip()
                if len(text) > q.max_length:
                    wrong[q.key] = (
                        f"“{q.text}” must be {q.max_length} characters or fewer (it is {len(text)})"
                    )
                elif text:
                    clean[q.key] = text
                continue
            if raw is None or str(raw).strip() == "":
                if q.required:
                    wrong[q.key] = f"Answer “{q.text}”"
                continue
            value = plain_whole(raw)
            allowed = [o.value for o in q.options] if q.kind == "choice" else None
            if value is None:
                wrong[q.key] = f"Enter a whole number for “{q.text}”, like 12"
            elif allowed is not None and value not in allowed:
                wrong[q.key] = f"Choose one of the answers to “{q.text}”"
            elif q.kind == "number" and not (q.minimum or 0) <= value <= (q.maximum or 0):
                wrong[q.key] = f"The answer to “{q.text}” must be from {q.minimum} to {q.maximum}"
            else:
                clean[q.key] = value
        return clean, wrong

    def validate(self, answers: Mapping[str, object]) -> dict[str, Answer]:
        """The answers to store: those of the items asked, checked (module docstring).

        Raises:
            DataError: an answer is out of range, too long, or a required one is missing.
        """
        clean, wrong = self.problems(answers)
        if wrong:
            raise DataError(f"{self.heading}: " + "; ".join(wrong.values()))
        return clean


def _question(
    spec: QuestionSpec, earlier_keys: set[str], labels: dict[str, dict[int, str]]
) -> Question:
    options = tuple(ResponseOption(spec.start + i, o) for i, o in enumerate(spec.options))
    condition = None
    when = ""
    if spec.show_if is not None:
        target, values = spec.show_if.item, tuple(spec.show_if.equals)
        condition = (target, values)
        if target not in earlier_keys:
            named = [f"“{labels.get(target, {}).get(v, v)}”" for v in values]
            when = "Answer this if you chose " + " or ".join(named) + " above."
    return Question(
        key=spec.key,
        text=spec.text,
        kind=spec.kind,
        hint=spec.hint,
        options=options,
        minimum=spec.minimum,
        maximum=spec.maximum,
        max_length=spec.max_length,
        required=spec.required,
        condition=condition,
        when=when,
        arms=tuple(spec.arms),
    )


def question_page(
    spec: QuestionPageSpec, arm: str | None, earlier: Mapping[str, Any]
) -> QuestionPage:
    """The page ``spec`` for a participant in ``arm`` (``None`` before randomisation: items
    for some arms only are not asked), with their ``earlier`` answers in the wave."""
    labels = {q.key: {q.start + i: o for i, o in enumerate(q.options)} for q in spec.items}
    items = tuple(
        _question(q, set(earlier), labels)
        for q in spec.items
        if not q.arms or (arm is not None and arm in q.arms)
    )
    return QuestionPage(spec.name, spec.heading, spec.prompt, items, dict(earlier))


def page_for(v: Any, name: str) -> Instrument | QuestionPage:
    """The page ``name`` of the link ``v`` (a :class:`~hearten.surveys.visits.Visit`): an
    instrument, or a questions page as this participant meets it."""
    if name in REGISTRY:
        return get_instrument(name)
    from hearten.trials.allocation import arms_by_participant
    from hearten.trials.models import Participant

    person = Participant.objects.select_related("trial").get(pk=v.participant_id)
    found = [x for x in person.trial.design.get("questions", []) if x.get("name") == name]
    if not found:
        raise DataError(f"wave {v.wave.name!r} does not ask {name!r}")
    spec = QuestionPageSpec.model_validate(found[0])
    arm = arms_by_participant(person.trial, Participant.objects.filter(pk=person.pk))
    current = arm.get(person.pk)
    if current is not None and person.trial.design.get("stepped_wedge"):
        # a stepped-wedge team is in control until it starts: its people are asked the
        # control arm's questions in those periods (usual practice), the change's after
        from hearten.trials.allocation import unit_key
        from hearten.trials.rollout import arm_in_wave

        current = arm_in_wave(person.trial, unit_key(person, person.trial.unit), v.wave.name)
    earlier: dict[str, Any] = {}
    for before in v.pages[: v.pages.index(name)] if name in v.pages else ():
        earlier.update(v.saved.get(before, {}))
    return question_page(spec, current, earlier)


class QuestionsForm(forms.Form):
    """The form of a questions page, to show it and explain a refusal (the page's own
    :meth:`QuestionPage.problems` decides; see the module docstring)."""

    def __init__(self, page: QuestionPage, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.page = page
        for q in page.items:
            self.fields[q.key] = forms.CharField(label=q.text, required=False, strip=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _, wrong = self.page.problems(data)
        for key, message in wrong.items():
            self.add_error(key, message)
        return data

    def questions(self) -> list[dict[str, Any]]:
        """What ``surveys/_items.html`` needs for each item shown, in order."""
        shown = {q.key for q in self.page.asked(self.data or self.initial)} | {
            q.key for q in self.page.items if q.condition and q.when
        }  # same-page conditions are drawn (hidden by script until they apply)
        out = []
        for number, q in enumerate((q for q in self.page.items if q.key in shown), start=1):
            bound = self[q.key]
            value = bound.value()
            out.append(
                {
                    "number": number,
                    "key": q.key,
                    "text": q.text,
                    "kind": q.kind,
                    "hint": q.hint,
                    "when": q.when,
                    "errors": bound.errors,
                    "value": "" if value is None else str(value),
                    "options": [(str(o.value), o.label) for o in q.options],
                    "max_length": q.max_length,
                    "show_if": q.condition[0] if q.condition and q.when else "",
                    "show_values": " ".join(map(str, q.condition[1])) if q.condition else "",
                }
            )
        return out


def checked(
    v: Any, name: str, answers: Mapping[str, object]
) -> tuple[dict[str, Any], dict[str, float]]:
    """A page's answers as stored and its scores: an instrument's validated and scored; a
    questions page's validated, with its free text redacted
    (:func:`hearten.surveys.comments.redact_answers`; no scores)."""
    page = page_for(v, name)
    if isinstance(page, Instrument):
        clean = page.validate(answers)
        return dict(clean), dict(page.score(clean).values)
    from hearten.surveys.comments import redact_answers
    from hearten.trials.models import Participant

    kept = page.validate(answers)
    texts = {q.key: kept[q.key] for q in page.items if q.kind == "text" and q.key in kept}
    if texts:
        trial_id = Participant.objects.values_list("trial_id", flat=True).get(pk=v.participant_id)
        kept.update(redact_answers(trial_id, texts))
    return dict(kept), {}


def text_keys(page: Instrument | QuestionPage) -> tuple[str, ...]:
    """The page's free-text items (none for an instrument)."""
    if isinstance(page, Instrument):
        return ()
    return tuple(q.key for q in page.items if q.kind == "text")


def summary(page: Instrument | QuestionPage, given: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Each question asked on ``page`` and the answer ``given`` to it, in words (the check
    page): a questions page lists only the items it asked."""
    items = page.items if isinstance(page, Instrument) else page.asked(given)
    rows = []
    for item in items:
        value = given.get(item.key)
        labels = {o.value: o.label for o in item.options}
        rows.append((item.text, "" if value is None else labels.get(value, str(value))))
    return rows


def comment_flags(v: Any, name: str) -> bool:
    """Whether a comment saved on the page ``name`` of the link ``v`` raises a flag (the
    next page then shows where to find support)."""
    if name in REGISTRY or name not in v.saved:
        return False
    from hearten.surveys.comments import flags

    return any(isinstance(x, str) and flags(x) for x in v.saved[name].values())


def own_questions(trial: Any) -> dict[str, QuestionPage]:
    """Every questions page of ``trial``'s design with all its items (whatever their arms),
    for the exports and the codebook."""
    pages = {}
    for raw in trial.design.get("questions", []):
        spec = QuestionPageSpec.model_validate(raw)
        labels = {q.key: {q.start + i: o for i, o in enumerate(q.options)} for q in spec.items}
        items = tuple(_question(q, set(), labels) for q in spec.items)
        pages[spec.name] = QuestionPage(spec.name, spec.heading, spec.prompt, items, {})
    return pages


def describe(page: QuestionPage, key: str) -> tuple[str, str]:
    """A question's codebook label and values, with who was asked it."""
    q = next(q for q in page.items if q.key == key)
    if q.kind == "text":
        values = f"free text (at most {q.max_length} characters; staff names replaced by [name])"
    elif q.kind == "number":
        values = f"whole number {q.minimum}–{q.maximum}"
    else:
        values = "; ".join(f"{o.value}={o.label}" for o in q.options)
    asked = []
    if q.arms:
        asked.append(f"asked in arm(s) {', '.join(q.arms)} only")
    if q.condition is not None:
        asked.append(f"asked when {q.condition[0]} is {' or '.join(map(str, q.condition[1]))}")
    if not q.required and q.kind != "text":
        asked.append("optional")
    label = q.text + (f" ({'; '.join(asked)})" if asked else "")
    return label, values


def own_pages(v: Any) -> dict[str, QuestionPageSpec]:
    """The questions pages the link ``v`` asks, by name (none: no query)."""
    if all(name in REGISTRY for name in v.pages):
        return {}
    from hearten.trials.models import Participant
    from hearten.trials.questions import question_pages

    person = Participant.objects.select_related("trial").get(pk=v.participant_id)
    return question_pages(person.trial.design)
