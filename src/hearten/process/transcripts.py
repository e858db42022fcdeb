"""Transcripts: read from plain text or .docx, pseudonymised on upload, stored.

Pseudonymisation replaces, before anything is stored:

1. the interviewer's own mapping (``name,code`` rows: places, managers, services the roster
   does not hold), matched whole-word and ignoring case;
2. every roster name of the trial by the person's pseudonym in brackets (``[P-7KX3M9QD]``);
   a first name or surname on its own is replaced too, by the pseudonym when only one person
   on the roster has it and by ``[staff member]`` when several do.

Longer names are matched first, so "Jane Smith" becomes one code, not two. The original
file is never stored. Word documents are read with python-docx (a well-kept library for the
format), one paragraph a line.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from django.db import transaction

from hearten.errors import DataError, NotFound, one_of
from hearten.process.choices import RESPONDENTS, TRANSCRIPT_KINDS
from hearten.process.models import SampleMember, TopicGuide, Transcript
from hearten.trials.models import IdentityKey, Participant, Trial

#: A transcript longer than this is refused (about 300 pages): a likely wrong file.
MAX_CHARACTERS = 1_000_000
#: Name parts shorter than this are not replaced alone (initials, "Al", "Jo" would hit
#: ordinary words); full names are always replaced.
MIN_PART = 3
NAME_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,59}$")


def read_file(path: Path) -> str:
    """The text of a transcript file: UTF-8 plain text (``.txt``) or a Word document
    (``.docx``)."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise NotFound(f"no transcript file at {path}: check the path")
    if suffix == ".txt":
        try:
            return path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as e:
            raise DataError(
                f"{path.name} is not UTF-8 text: save it as UTF-8 (or as .docx) and upload again"
            ) from e
    if suffix == ".docx":
        import zipfile

        import docx
        from docx.opc.exceptions import PackageNotFoundError

        try:
            document = docx.Document(str(path))
        except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError) as e:
            raise DataError(
                f"{path.name} is not a readable Word document: open and save it again as .docx"
            ) from e
        return "\n".join(p.text for p in document.paragraphs)
    raise DataError(f"{path.name}: upload a transcript as .txt or .docx (not {suffix or 'none'})")


def read_mapping(text: str) -> dict[str, str]:
    """The interviewer's mapping from a CSV with columns ``name`` and ``code``."""
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or not {"name", "code"} <= set(reader.fieldnames):
        raise DataError("the mapping needs a header row with the columns name and code")
    mapping: dict[str, str] = {}
    problems = []
    for line, row in enumerate(reader, start=2):
        name, code = (row.get("name") or "").strip(), (row.get("code") or "").strip()
        if not name or not code:
            problems.append(f"row {line}: give both a name and a code")
        elif name.lower() in {n.lower() for n in mapping}:
            problems.append(f"row {line}: {name!r} is mapped twice")
        else:
            mapping[name] = code
    if problems:
        raise DataError("the mapping cannot be used: " + "; ".join(problems))
    return mapping


def roster_replacements(trial: Trial) -> dict[str, str]:
    """Each roster name (and each long enough part of one) and what replaces it."""
    full: dict[str, str] = {}
    parts: dict[str, set[str]] = defaultdict(set)
    rows = IdentityKey.objects.filter(participant__trial=trial).values_list(
        "name", "participant__pseudonym"
    )
    for name, pseudonym in rows:
        name = " ".join(name.split())
        if not name:
            continue
        full[name] = f"[{pseudonym}]"
        for part in name.split(" "):
            if len(part) >= MIN_PART:
                parts[part].add(pseudonym)
    out = {
        part: (f"[{next(iter(who))}]" if len(who) == 1 else "[staff member]")
        for part, who in parts.items()
    }
    out.update(full)
    return out


def pseudonymise(text: str, roster: dict[str, str], mapping: dict[str, str]) -> tuple[str, int]:
    """``text`` with the mapping's names (ignoring case) and the roster's names (as written)
    replaced, longest first, and how many replacements were made."""
    count = 0

    def apply(text: str, table: dict[str, str], flags: int) -> str:
        nonlocal count
        if not table:
            return text
        lookup = {(k.lower() if flags else k): v for k, v in table.items()}
        names = sorted(table, key=len, reverse=True)
        pattern = re.compile(
            r"(?<!\w)(" + "|".join(re.escape(n) for n in names) + r")(?!\w)", flags
        )

        def swap(m: re.Match[str]) -> str:
            nonlocal count
            count += 1
            return lookup[m.group(1).lower() if flags else m.group(1)]

        return pattern.sub(swap, text)

    text = apply(text, mapping, re.IGNORECASE)
    text = apply(text, roster, 0)
    return text, count


@transaction.atomic
def upload(
    trial: Trial,
    name: str,
    raw: str,
    *,
    mapping: dict[str, str] | None = None,
    interviewee: str | None = None,
    kind: str = "interview",
    respondent: str = "participant",
    guide_version: int | None = None,
    synthetic: bool = False,
    now: datetime,
) -> Transcript:
    """Pseudonymise ``raw`` and store it as transcript ``name`` (all or nothing); the
    ``interviewee``, if sampled and agreed, is recorded as interviewed at ``now`` (the
    caller's clock)."""
    if not NAME_CODE.match(name):
        raise DataError(
            f"transcript name {name!r}: use a short code of letters, digits, '.', '_' or '-' "
            "(for example INT-07), never a person's name"
        )
    kind = one_of(kind, TRANSCRIPT_KINDS, "transcript kind")
    respondent = one_of(respondent, RESPONDENTS, "respondent")
    if not raw.strip():
        raise DataError(f"transcript {name} is empty: check the file")
    if len(raw) > MAX_CHARACTERS:
        raise DataError(
            f"transcript {name} has {len(raw)} characters, more than {MAX_CHARACTERS}: "
            "split it or check it is the right file"
        )
    if Transcript.objects.filter(trial=trial, name=name).exists():
        raise DataError(f"{trial.slug} already has a transcript called {name}: choose another")
    participant = None
    if interviewee is not None:
        participant = Participant.objects.filter(trial=trial, pseudonym=interviewee).first()
        if participant is None:
            raise NotFound(f"no participant {interviewee} in {trial.slug}: give a pseudonym")
    guide = None
    if guide_version is not None:
        guide = TopicGuide.objects.filter(trial=trial, version=guide_version).first()
        if guide is None:
            raise NotFound(f"{trial.slug} has no topic guide version {guide_version}")
    if participant is not None:
        SampleMember.objects.filter(participant=participant, status="agreed").update(
            status="interviewed", interviewed_at=now
        )
    text, count = pseudonymise(raw.replace("\r\n", "\n"), roster_replacements(trial), mapping or {})
    return Transcript.objects.create(
        trial=trial,
        name=name,
        kind=kind,
        respondent=respondent,
        participant=participant,
        guide=guide,
        text=text,
        replacements=count,
        synthetic=synthetic,
        uploaded_at=now,
    )


@transaction.atomic
def add_guide(trial: Trial, text: str, note: str = "") -> TopicGuide:
    """A new version of the trial's topic guide (versions count up from 1)."""
    if not text.strip():
        raise DataError("the topic guide is empty: check the file")
    last = TopicGuide.objects.filter(trial=trial).order_by("-version").first()
    return TopicGuide.objects.create(
        trial=trial, version=(last.version + 1) if last else 1, text=text, note=note
    )


def units(text: str) -> list[tuple[int, int]]:
    """The transcript's units of analysis: each non-blank line (a speaker's turn), as
    ``(start, end)`` character offsets."""
    out = []
    offset = 0
    for line in text.split("\n"):
        if line.strip():
            out.append((offset, offset + len(line)))
        offset += len(line) + 1
    return out
