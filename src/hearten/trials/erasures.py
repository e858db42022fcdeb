"""The erasure ledger: every erasure and purge, kept outside the database, so a restored
backup made before them has them applied again; and export files on disk cleared of an erased
person.

A backup holds the data as they were; a participant erased since must not come back with it.
Each committed erasure (and each purge) appends one line to ``HEARTEN_HOME/erasures.jsonl``
(mode 0600): the trial, the participant's pseudonym (a random code, nothing more) and when.
``hearten restore`` reads it, and the current database's own erasures, before it replaces
anything, and afterwards erases again whoever the backup still holds.

Files already exported under ``HEARTEN_HOME/exports/TRIAL`` are cleared when a participant is
erased: CSV files lose that participant's rows; files that cannot be edited row by row here
(Parquet, Stata, PDF letters) are deleted, to be exported again. Files written elsewhere with
``--out`` are named in the audit log's export events and must be deleted by hand.
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import transaction

from hearten.files import FILE_MODE, private_folder, write_atomic
from hearten.trials.models import Participant, Trial

#: Kept after an erasure: it holds row numbers, never pseudonyms (written by a purge).
ANONYMISED = "anonymised-dataset.csv"
#: The anonymised release a purge keeps: the dataset and its codebook.
RELEASE = (ANONYMISED, "anonymised-codebook.md")


@dataclass(frozen=True, slots=True)
class Erasure:
    """One line of the ledger: a participant erased, or (``participant`` empty) a purge."""

    trial: str
    participant: str
    at: str


def ledger_path() -> Path:
    return Path(settings.HEARTEN.home) / "erasures.jsonl"


def _append(entry: Erasure) -> None:
    path = ledger_path()
    private_folder(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
    with os.fdopen(fd, "a", encoding="utf-8") as f:
        f.write(json.dumps({"trial": entry.trial, "participant": entry.participant,
                            "at": entry.at}) + "\n")  # fmt: skip
        f.flush()
        os.fsync(f.fileno())


def record_erasure(trial: Trial, pseudonym: str, *, now: datetime) -> None:
    """Once the erasure commits: note it in the ledger (as of ``now``, the erasure's clock)
    and clear the trial's export files."""
    slug, at = trial.slug, now.isoformat()

    def done() -> None:
        _append(Erasure(slug, pseudonym, at))
        clear_exports(slug, pseudonym)

    transaction.on_commit(done)


def record_purge(trial: Trial, *, now: datetime) -> None:
    """Once the purge commits: note it in the ledger (as of ``now``, the purge's clock) and
    delete the trial's export files but the anonymised release (links files, exports with
    names or study codes)."""
    slug, at = trial.slug, now.isoformat()

    def done() -> None:
        _append(Erasure(slug, "", at))
        clear_exports_of_purged(slug)

    transaction.on_commit(done)


def clear_exports_of_purged(slug: str) -> list[Path]:
    """Delete every file under ``HEARTEN_HOME/exports/SLUG`` but the anonymised dataset and
    its codebook; returns the files deleted."""
    folder = Path(settings.HEARTEN.home) / "exports" / slug
    if not folder.is_dir():
        return []
    gone = [p for p in sorted(folder.rglob("*")) if p.is_file() and p.name not in RELEASE]
    for path in gone:
        path.unlink()
    return gone


def read_ledger() -> list[Erasure]:
    """Every erasure and purge in the ledger (none if there is no ledger yet)."""
    path = ledger_path()
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            out.append(Erasure(str(item["trial"]), str(item["participant"]), str(item["at"])))
    return out


def erasures_held() -> list[Erasure]:
    """The erasures and purges the database in use holds (before it is replaced)."""
    people = Participant.objects.filter(erased_at__isnull=False).select_related("trial")
    found = [Erasure(p.trial.slug, p.pseudonym, p.erased_at.isoformat()) for p in people
             if p.erased_at is not None]  # fmt: skip
    found += [Erasure(t.slug, "", t.purged_at.isoformat())
              for t in Trial.objects.filter(purged_at__isnull=False) if t.purged_at]  # fmt: skip
    return found


def reapply(erasures: list[Erasure], now: datetime) -> tuple[int, int]:
    """Erase again every listed participant the database still holds (at ``now``, the
    caller's clock), and purge again every listed trial it holds unpurged (its retention date
    checked against ``now``'s day); return (participants erased, trials purged)."""
    from hearten.trials.privacy import erase_participant, purge_identifiable

    erased = purged = 0
    for e in erasures:
        if e.participant:
            person = Participant.objects.filter(
                trial__slug=e.trial, pseudonym=e.participant, erased_at__isnull=True
            ).first()
            if person is not None:
                erase_participant(person, now=now)
                erased += 1
    for slug in sorted({e.trial for e in erasures if not e.participant}):
        trial = Trial.objects.filter(slug=slug, purged_at__isnull=True).first()
        if trial is not None:
            purge_identifiable(trial, now=now)
            purged += 1
    return erased, purged


def clear_exports(slug: str, pseudonym: str) -> list[Path]:
    """Remove ``pseudonym`` from the files under ``HEARTEN_HOME/exports/SLUG``: CSV rows naming
    them are dropped; other files (Parquet, Stata, PDF) are deleted. Returns the files touched."""
    folder = Path(settings.HEARTEN.home) / "exports" / slug
    if not folder.is_dir():
        return []
    touched = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.name == ANONYMISED or path.name.startswith("."):
            continue
        if path.suffix.lower() == ".csv":
            with path.open(newline="", encoding="utf-8") as f:
                rows = list(csv.reader(f))
            kept = [r for r in rows if pseudonym not in r]
            if len(kept) < len(rows):
                buffer = io.StringIO()
                csv.writer(buffer, lineterminator="\n").writerows(kept)
                write_atomic(path, buffer.getvalue())
                touched.append(path)
        else:
            path.unlink()
            touched.append(path)
    return touched
