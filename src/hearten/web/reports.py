"""The trial and programme reports inside the staff layout, and who may open a programme
report.

A report is written once, as a whole HTML file (``hearten.reports``), so that it can be read
and archived on its own. The staff pages show the same file's body inside their own layout
(header, back link, sign-out) instead of a second rendering that could drift from it: the
body is taken between the file's ``<body>`` tags, which Hearten's report templates write
exactly once, and styled by the layout's ``.hearten-report`` rules instead of the file's own
style sheet. This is a cut at two known markers of a file Hearten wrote, not HTML parsing, so
it is written by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify

from hearten.reports.programme import programme_folder
from hearten.trials.models import AuditEvent, Trial

_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.DOTALL | re.IGNORECASE)
_TITLE = re.compile(r"<title>(.*?)</title>", re.DOTALL | re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Embedded:
    """A report's title and body, ready to show inside the staff layout."""

    title: str
    body: SafeString


def embedded(path: Path) -> Embedded:
    """The body of the report file at ``path`` (written by Hearten, so trusted markup)."""
    text = path.read_text(encoding="utf-8")
    body = _BODY.search(text)
    title = _TITLE.search(text)
    return Embedded(
        title=title.group(1).strip() if title else path.parent.name,
        # Hearten's own report template rendered it with autoescaping on. Each table scrolls
        # inside its own box on a narrow screen, so it takes the keyboard focus to scroll.
        body=mark_safe(  # nosec B308 B703
            (body.group(1) if body else text).replace("<table", '<table tabindex="0"')
        ),
    )


@dataclass(frozen=True, slots=True)
class Programme:
    """A programme report: its name, its folder's slug, and the trials it pooled."""

    name: str
    slug: str
    trials: frozenset[str]

    @property
    def path(self) -> Path:
        return programme_folder(self.name) / "report.html"


def programmes() -> list[Programme]:
    """Every programme report written, from the audit trail (each pooled trial records it)."""
    pooled: dict[str, set[str]] = {}
    events = AuditEvent.objects.filter(action="exported", detail__what="programme report")
    for name, slug in events.values_list("detail__programme", "trial_slug"):
        pooled.setdefault(str(name), set()).add(slug)
    return sorted(
        (Programme(n, slugify(n), frozenset(s)) for n, s in pooled.items()),
        key=lambda p: p.name,
    )


def programmes_for(user_id: int) -> list[Programme]:
    """The programme reports a user may read: those whose every trial they evaluate, and
    whose file is there."""
    mine = set(Trial.objects.filter(evaluators__id=user_id).values_list("slug", flat=True))
    return [p for p in programmes() if p.trials <= mine and p.path.exists()]
