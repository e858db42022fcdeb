"""The end of a trial's retention period: keep the anonymised analysis dataset, purge the rest.

The dataset is written first (``exports/<trial>/anonymised-dataset.csv``): one row per person
randomised, with a row number instead of the study code, the arm, site, team, role, FTE,
caseload, years in post, consent, withdrawal and every planned score, treated as a release by
:mod:`hearten.analysis.release` (bands, small teams pooled, k-anonymity checked against the
trial's ``[monitoring] min_group``), with its codebook beside it
(``anonymised-codebook.md``). Then
:func:`hearten.trials.privacy.purge_identifiable` removes staff numbers, names, addresses,
links, letters' lines and programme work, in one transaction.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from hearten.analysis.dataset import build_dataset
from hearten.analysis.release import Release, codebook, release
from hearten.files import write_atomic
from hearten.spreadsheet import neutral_frame
from hearten.trials import audit
from hearten.trials.lifecycle import design_of
from hearten.trials.models import Trial
from hearten.trials.privacy import compact_database, purge_due, purge_identifiable


@dataclass(frozen=True, slots=True)
class Purge:
    """What a purge kept (``dataset``, its rows), removed (rows by kind), and how the database
    was rewritten so no deleted bytes stay in it (``""``: not, inside a transaction)."""

    dataset: Path
    rows: int
    removed: dict[str, int]
    compacted: str = ""


def anonymised_release(trial: Trial) -> Release:
    """The analysis dataset as a release (:mod:`hearten.analysis.release`), from what the
    database holds: the same before and after a purge."""
    data = build_dataset(trial).sort_values(["site", "team", "pseudonym"])
    data.insert(0, "row", [f"R{i:05d}" for i in range(1, len(data) + 1)])
    data = data.drop(columns=["pseudonym"])
    return release(data, design_of(trial).monitoring.min_group)


def anonymised_dataset(trial: Trial, now: datetime) -> tuple[Path, int]:
    """Write the anonymised release and its codebook; return the dataset's path and rows."""
    made = anonymised_release(trial)
    data = made.data
    folder = Path(settings.HEARTEN.home) / "exports" / trial.slug
    path = folder / "anonymised-dataset.csv"
    text = neutral_frame(data).to_csv(index=False)
    write_atomic(path, text)
    write_atomic(folder / "anonymised-codebook.md", codebook(made, trial.name))
    audit.record(
        trial,
        "exported",
        {"what": "anonymised dataset", "file": path.name, "rows": len(data),
         "sha256": hashlib.sha256(text.encode()).hexdigest()}, at=now,
    )  # fmt: skip
    return path, len(data)


def purge_trial(trial: Trial, *, now: datetime) -> Purge:
    """After ``privacy.retain_until``: write the anonymised dataset, then purge.

    ``now``: the time of the purge, read once by the caller (the command reads the present;
    a test gives a fixed one); its day is checked against the retention date, and it is
    recorded as the trial's ``purged_at`` (and in the erasure ledger)."""
    purge_due(trial, timezone.localdate(now))
    path, rows = anonymised_dataset(trial, now)
    removed = purge_identifiable(trial, now=now)
    return Purge(path, rows, removed, compact_database())
