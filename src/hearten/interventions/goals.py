"""The six-week goals programme: modules in Markdown, unlocked weekly, engagement logged.

**Content** lives in Markdown files (``NN-name.md``, six of them), so evaluators can change it
without code: a ``+++`` TOML header gives the ``title``, ``minutes`` and the ``questions`` the
participant answers (kept private to them), then the Markdown body. A link to another module
is written ``module-N``; any other link must be a full ``https://`` address. Content is checked
whole before use: a missing module, a broken link or a repeated question is refused with the
file and line.

**Participants** get a personal link (no account). Module ``k`` unlocks ``7 (k - 1)`` days after
their start date. Every step is an :class:`EngagementEvent`: invited, opened, module started,
module completed, goal set, reminder sent, reminder clicked, opted out. From those Hearten
derives the uptake funnel (invited, ever opened, completed at least one module, completed all
six) and the compliance indicators a CACE analysis can name before unblinding
(``any-module``, ``all-modules``).
"""

from __future__ import annotations

import functools
import re
import secrets
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Literal, get_args

from django.db import transaction
from django.utils import timezone
from markdown_it import MarkdownIt

from hearten.errors import DataError, StateError
from hearten.interventions.models import EngagementEvent, EngagementKind, Enrolment, ModuleWork
from hearten.trials import audit
from hearten.trials.allocation import arms_by_participant
from hearten.trials.models import Participant, Trial

MODULES = 6
DEFAULT_CONTENT = Path(__file__).parent / "content" / "goals"
Compliance = Literal["any-module", "all-modules"]
COMPLIANCE: tuple[Compliance, ...] = get_args(Compliance)
_LINK = re.compile(r"\]\(([^)\s]+)\)")


@dataclass(frozen=True, slots=True)
class Question:
    key: str
    prompt: str


@dataclass(frozen=True, slots=True)
class Module:
    """One module: its number, title, expected minutes, questions and rendered HTML."""

    number: int
    title: str
    minutes: int
    questions: tuple[Question, ...]
    html: str


def _render(markdown: str) -> str:
    """Markdown to HTML, raw HTML off (escaped), module links made relative to the page."""
    html = MarkdownIt("commonmark", {"html": False}).render(markdown)
    return re.sub(r'href="module-(\d)"', r'href="../\1/"', html)


def load_modules(folder: Path = DEFAULT_CONTENT) -> list[Module]:
    """Read and check the six modules (module docstring). Parsed once per version of the
    files (their names, sizes and modification times), not on every page view."""
    files = sorted(folder.glob("*.md"))
    stamp = tuple((f.name, f.stat().st_size, f.stat().st_mtime_ns) for f in files)
    return list(_parsed(folder, stamp))


@functools.lru_cache(maxsize=16)
def _parsed(folder: Path, stamp: tuple[tuple[str, int, int], ...]) -> tuple[Module, ...]:
    """The modules of ``folder`` as they were when ``stamp`` was taken (the cache key)."""
    files = sorted(folder.glob("*.md"))
    numbers = {}
    for f in files:
        match = re.match(r"(\d+)-", f.name)
        if match:
            numbers[int(match.group(1))] = f
    missing = [n for n in range(1, MODULES + 1) if n not in numbers]
    if missing or len(numbers) != MODULES:
        raise DataError(
            f"{folder}: give six module files named 01-....md to 06-....md "
            f"(missing: {', '.join(map(str, missing)) or 'none'}; found {len(numbers)})"
        )
    modules = []
    for n in range(1, MODULES + 1):
        path = numbers[n]
        text = path.read_text(encoding="utf-8")
        parts = text.split("+++")
        if len(parts) < 3 or parts[0].strip():
            raise DataError(f"{path}: start with a +++ header (title, minutes, questions) +++")
        try:
            head = tomllib.loads(parts[1])
        except tomllib.TOMLDecodeError as exc:
            raise DataError(f"{path}: the +++ header is not valid TOML: {exc}") from None
        body = "+++".join(parts[2:])
        questions = tuple(
            Question(str(q.get("key", "")), str(q.get("prompt", "")))
            for q in head.get("questions", [])
        )
        keys = [q.key for q in questions]
        if not head.get("title") or any(not q.key or not q.prompt for q in questions):
            raise DataError(f"{path}: give a title, and a key and prompt for every question")
        if len(set(keys)) != len(keys):
            raise DataError(f"{path}: a question key is repeated ({', '.join(keys)})")
        for line_number, line in enumerate(
            body.splitlines(), start=text[: text.find(body)].count("\n") + 1
        ):
            for target in _LINK.findall(line):
                module_link = re.fullmatch(r"module-(\d+)", target)
                if module_link and 1 <= int(module_link.group(1)) <= MODULES:
                    continue
                if re.fullmatch(r"https://[\w.-]+\.[a-z]{2,}(/\S*)?", target):
                    continue
                raise DataError(
                    f"{path}, line {line_number}: the link {target!r} is broken: link to another "
                    "module as module-N (N from 1 to 6) or give a full https:// address"
                )
        modules.append(
            Module(n, str(head["title"]), int(head.get("minutes", 10)), questions, _render(body))
        )
    return tuple(modules)


def enrol(trial: Trial, arm: str, starts: date, *, now: datetime) -> int:
    """Give everyone in ``arm`` (not withdrawn, not yet enrolled) a link from ``starts`` (the
    caller's day), invited at ``now`` (the caller's clock); returns how many."""
    arms = {a.name: a for a in trial.arms.all()}
    if arm not in arms or arms[arm].is_control:
        raise DataError(f"{arm!r} is not an intervention arm of {trial.slug!r}")
    load_modules()
    allocated = arms_by_participant(trial)
    if not allocated:
        raise StateError(f"trial {trial.slug!r} is not randomised: nobody is in {arm!r} yet")
    have = set(Enrolment.objects.filter(trial=trial).values_list("participant_id", flat=True))
    people = Participant.objects.filter(trial=trial, withdrawn_at__isnull=True)
    new = [p for p in people if allocated.get(p.id) == arm and p.id not in have]
    with transaction.atomic():
        made = Enrolment.objects.bulk_create(
            Enrolment(trial=trial, participant=p, token=secrets.token_urlsafe(32), starts_on=starts)
            for p in new
        )
        saved = list(Enrolment.objects.filter(trial=trial, participant__in=new))
        EngagementEvent.objects.bulk_create(
            EngagementEvent(enrolment=e, kind=EngagementKind.INVITED, at=now) for e in saved
        )
        from hearten.interventions.programme_mail import schedule_programme

        schedule_programme([e.pk for e in saved], starts, MODULES)
        audit.record(trial, "programme-enrolled", {"arm": arm, "people": len(made)}, at=now)
    return len(made)


def unlocked(enrolment: Enrolment, number: int, today: date) -> bool:
    """Module ``number`` is open on ``today`` (the caller's clock) from ``7 (number - 1)``
    days after the start."""
    return today >= enrolment.starts_on + timedelta(days=7 * (number - 1))


def unlock_date(enrolment: Enrolment, number: int) -> date:
    return enrolment.starts_on + timedelta(days=7 * (number - 1))


def log(
    enrolment: Enrolment, kind: EngagementKind, at: datetime, module: int | None = None
) -> None:
    """Record that ``kind`` happened at ``at`` (the caller's clock), about ``module``."""
    if kind not in EngagementKind.values:
        raise ValueError(f"unknown engagement event {kind!r}")
    EngagementEvent.objects.create(enrolment=enrolment, kind=kind, module=module, at=at)


def opt_out(enrolment: Enrolment, *, now: datetime) -> None:
    """The participant stops the programme and its reminders at ``now`` (the caller's clock,
    recorded as the time they stopped; kept if they had stopped already); the trial and its
    surveys carry on. Logged as an engagement event."""
    with transaction.atomic():
        Enrolment.objects.filter(pk=enrolment.pk, opted_out_at=None).update(opted_out_at=now)
        log(enrolment, EngagementKind.OPTED_OUT, now)


def save_module(
    enrolment: Enrolment, number: int, answers: dict[str, str], complete: bool, now: datetime
) -> ModuleWork:
    """Save a participant's answers to a module (private to them), and mark it done; ``now``
    (the caller's clock) decides whether the module has opened and is when it was done."""
    if enrolment.opted_out_at is not None or enrolment.participant.withdrawn_at is not None:
        raise StateError("you have left the programme")
    if not unlocked(enrolment, number, timezone.localdate(now)):
        raise StateError(f"module {number} opens on {unlock_date(enrolment, number):%-d %B}")
    module = load_modules()[number - 1]
    keys = {q.key for q in module.questions}
    clean = {k: v.strip()[:2000] for k, v in answers.items() if k in keys}
    with transaction.atomic():
        work, _ = ModuleWork.objects.get_or_create(
            enrolment=enrolment, module=number, defaults={"started_at": now}
        )
        work.answers = {**work.answers, **clean}
        if complete and work.completed_at is None:
            work.completed_at = now
            log(enrolment, EngagementKind.MODULE_COMPLETED, now, number)
        work.save()
        if clean.get("goal") or clean.get("next"):
            log(enrolment, EngagementKind.GOAL_SET, now, number)
    return work


@dataclass(frozen=True, slots=True)
class Funnel:
    """The programme's uptake funnel."""

    invited: int
    opened: int
    one_module: int
    all_modules: int


def funnel(trial: Trial, sites: set[int] | None = None) -> Funnel:
    """Invited, ever opened, completed at least one module, completed all six (of the
    ``sites`` given, or everyone)."""
    enrolments = Enrolment.objects.filter(trial=trial)
    events = EngagementEvent.objects.filter(enrolment__trial=trial, kind=EngagementKind.OPENED)
    done = completed_modules(trial)
    if sites is not None:
        enrolments = enrolments.filter(participant__site_id__in=sites)
        events = events.filter(enrolment__participant__site_id__in=sites)
        keep = set(enrolments.values_list("participant_id", flat=True))
        done = {pid: n for pid, n in done.items() if pid in keep}
    opened = set(events.values_list("enrolment_id", flat=True))
    return Funnel(
        invited=enrolments.count(),
        opened=len(opened),
        one_module=sum(1 for n in done.values() if n >= 1),
        all_modules=sum(1 for n in done.values() if n >= MODULES),
    )


def completed_modules(trial: Trial) -> dict[int, int]:
    """Modules completed, by participant id (0 for enrolled people who did none)."""
    out = {pid: 0 for pid in Enrolment.objects.filter(trial=trial).values_list(
        "participant_id", flat=True)}  # fmt: skip
    for pid in ModuleWork.objects.filter(
        enrolment__trial=trial, completed_at__isnull=False
    ).values_list("enrolment__participant_id", flat=True):
        out[pid] = out.get(pid, 0) + 1
    return out


def complied(trial: Trial, definition: Compliance) -> dict[int, bool]:
    """Each enrolled participant's compliance under a pre-registered definition."""
    if definition not in COMPLIANCE:
        raise DataError(f"unknown compliance {definition!r}: choose {', '.join(COMPLIANCE)}")
    need = 1 if definition == "any-module" else MODULES
    return {pid: n >= need for pid, n in completed_modules(trial).items()}
