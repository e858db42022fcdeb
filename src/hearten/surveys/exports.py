"""Tidy exports of a trial's survey answers, with a codebook. Pseudonymous ids only.

* ``responses_long``: one row per person, wave, instrument and variable (each item's answer
  as given, each score as scored), with the person's site, team and arm.
* ``responses_wide``: one row per person; a column per wave and variable
  (``baseline_swemwbs_1``, ``follow_up_swemwbs_metric``, ``baseline_complete``). Names keep
  to Stata's 32 characters: a longer one becomes ``w<wave number>_<variable>``, and if that
  is still too long it is cut and given a short hash; the codebook says what each is.
* ``codebook``: variable, label, values, instrument, wave, licence notice and notes (the text
  variables' note that CSV cells a spreadsheet would run as a formula start with ``'``:
  :mod:`hearten.spreadsheet`).

Written as CSV, Parquet or Stata ``.dta`` (with variable labels). Answers on pages saved
before a survey was finished are included; ``complete`` says whether it was.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, get_args

import pandas as pd
from django.db import transaction

from hearten.errors import DataError
from hearten.files import create_private, private_folder
from hearten.instruments import Instrument, get_instrument
from hearten.spreadsheet import NOTICE, neutral_frame
from hearten.surveys.export_schedule import PERIOD, PERSON, codebook_rows, export_schedule
from hearten.surveys.items import QuestionPage, describe, own_questions
from hearten.surveys.models import Invitation, Response
from hearten.trials import audit
from hearten.trials.allocation import arms_by_participant
from hearten.trials.lifecycle import design_of
from hearten.trials.models import Trial

ExportFormat = Literal["csv", "parquet", "dta"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = get_args(ExportFormat)
STATA_NAME = 32


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


def wide_name(wave: str, position: int, variable: str) -> str:
    """A Stata-safe column name for a wave's variable (module docstring)."""
    name = f"{_safe(wave)}_{variable}"
    if len(name) <= STATA_NAME:
        return name
    short = f"w{position}_{variable}"
    if len(short) <= STATA_NAME:
        return short
    digest = hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()[:6]
    return f"{short[: STATA_NAME - 7]}_{digest}"


def _describe(instrument: Instrument | QuestionPage, variable: str) -> tuple[str, str]:
    """A variable's label and its values, from the instrument's (or the design's)
    declaration."""
    if isinstance(instrument, QuestionPage):
        return describe(instrument, variable)
    for item in instrument.items:
        if item.key == variable:
            if item.kind == "number":
                return item.text, f"whole number {item.minimum}–{item.maximum}"
            values = "; ".join(f"{o.value}={o.label}" for o in item.options)
            return item.text, values + ("; reverse-scored" if item.reverse else "")
    score = variable.removeprefix(f"{instrument.name}_")
    for s in instrument.scales:
        if s.name == score:
            return (
                f"{instrument.title}: {score} ({s.method} of items "
                f"{', '.join(map(str, s.items))}; needs {s.min_items})",
                "score",
            )
    return f"{instrument.title}: {score} (derived)", "score"


def _teams_released(trial: Trial, invitations: Any) -> dict[int, str]:
    """Each invited participant's team code as exported: a team with fewer people in the
    export than the trial's ``[monitoring] min_group`` is pooled with its site's other small
    teams as ``SITE-pooled``, so a small team's answers cannot be read as a few colleagues'."""
    k = design_of(trial).monitoring.min_group
    people = {i.participant_id: (i.participant.site.code, i.participant.team.code)
              for i in invitations}  # fmt: skip
    sizes = Counter(team for _, team in people.values())
    return {pid: team if sizes[team] >= k else f"{site}-pooled"
            for pid, (site, team) in people.items()}  # fmt: skip


def build_exports(trial: Trial) -> dict[str, pd.DataFrame]:
    """The long and wide tables and the codebook (module docstring)."""
    arms = arms_by_participant(trial)
    waves = {w.name: w.position for w in trial.waves.all()}
    invitations = Invitation.objects.filter(wave__trial=trial).select_related(
        "participant__site", "participant__team", "wave"
    )
    complete = {
        (i.participant.pseudonym, i.wave.name): i.completed_at is not None for i in invitations
    }
    team_of = _teams_released(trial, invitations)
    long_rows: list[dict[str, Any]] = []
    codebook: dict[tuple[str, str], dict[str, Any]] = {}
    responses = Response.objects.filter(invitation__wave__trial=trial).select_related(
        "invitation__participant__site", "invitation__participant__team", "invitation__wave"
    )
    own = own_questions(trial)
    roll = export_schedule(trial)  # a stepped wedge's roll-out, in place of ``arm``
    for r in responses.order_by("invitation__participant__pseudonym", "invitation__wave__position"):
        p = r.invitation.participant
        wave = r.invitation.wave.name
        instrument = own.get(r.instrument) or get_instrument(r.instrument)
        values = [(k, v, "text" if isinstance(v, str) else "item") for k, v in r.answers.items()]
        values += [(f"{instrument.name}_{k}", v, "score") for k, v in r.scores.items()]
        for variable, value, kind in values:
            arm: dict[str, Any] = {"arm": arms.get(p.id, "")}
            when: dict[str, Any] = {}
            if roll is not None:
                arm = dict(zip(PERSON, roll.person_values(p.id), strict=True))
                when = dict(zip(PERIOD, roll.period_values(p.id, wave), strict=True))
            long_rows.append(
                {
                    "pseudonym": p.pseudonym,
                    "site": p.site.code,
                    "team": team_of[p.id],
                    **arm,
                    "wave": wave,
                    **when,
                    "instrument": instrument.name,
                    "variable": variable,
                    "kind": kind,
                    "value": None if kind == "text" else float(value),
                    "text": value if kind == "text" else "",
                }
            )
            column = wide_name(wave, waves[wave], variable)
            if (wave, variable) not in codebook:
                label, described = _describe(instrument, variable)
                codebook[wave, variable] = {
                    "variable": column,
                    "label": f"{wave}: {label}",
                    "values": described,
                    "instrument": instrument.name,
                    "wave": wave,
                    "licence": instrument.licence,
                }
    person_columns = ["arm"] if roll is None else list(PERSON)
    columns = ["pseudonym", "site", "team", *person_columns, "wave",
               *([] if roll is None else PERIOD), "instrument", "variable", "kind", "value",
               "text"]  # fmt: skip
    long = pd.DataFrame(long_rows, columns=columns)
    people = sorted(
        {(i.participant.pseudonym, i.participant.site.code, team_of[i.participant_id],
          *((arms.get(i.participant_id, ""),) if roll is None
            else roll.person_values(i.participant_id))) for i in invitations},
        key=lambda row: row[0],
    )  # fmt: skip
    wide = pd.DataFrame(people, columns=["pseudonym", "site", "team", *person_columns]).set_index(
        "pseudonym"
    )
    if roll is not None:  # whole numbers, empty where not allocated
        long = long.astype({c: "Int64" for c in (*PERSON, "period", "exposed")})
        wide = wide.astype({c: "Int64" for c in PERSON})
    if not long.empty:
        long["column"] = [
            wide_name(w, waves[w], v) for w, v in zip(long["wave"], long["variable"], strict=True)
        ]
        numbers = long[long["kind"] != "text"]
        texts = long[long["kind"] == "text"]
        pivoted = numbers.pivot(index="pseudonym", columns="column", values="value")
        if not texts.empty:
            pivoted = pivoted.join(
                texts.pivot(index="pseudonym", columns="column", values="text"), how="outer"
            )
        ordered = [c["variable"] for c in codebook.values()]
        if roll is not None:  # by period (first answered order could put p0 last)
            order = sorted(codebook, key=lambda k: waves[k[0]])
            ordered = [codebook[k]["variable"] for k in order]
        wide = wide.join(pivoted[ordered])
        long = long.drop(columns="column")
    for wave, position in sorted(waves.items(), key=lambda kv: kv[1]):
        column = wide_name(wave, position, "complete")
        wide[column] = pd.array(
            [float(complete[p, wave]) if (p, wave) in complete else None for p in wide.index],
            dtype="Float64",
        )  # fmt: skip
        codebook[wave, "complete"] = {
            "variable": column,
            "label": f"{wave}: every page of the survey was answered",
            "values": "1=yes; 0=no; empty=not invited",
            "instrument": "",
            "wave": wave,
            "licence": "",
        }
    fixed = [
        ("pseudonym", "Study code (no name, staff number or e-mail)"),
        ("site", "Site (employer)"),
        (
            "team",
            f"Team code (teams of fewer than {design_of(trial).monitoring.min_group} "
            "people in the export pooled as SITE-pooled)",
        ),
    ]
    value_notes: dict[str, str] = {}
    if roll is None:
        fixed.append(("arm", "Randomised arm (empty before randomisation)"))
    else:
        spec = design_of(trial).stepped_wedge
        assert spec is not None  # export_schedule found one
        for variable, label, described in codebook_rows(trial.unit, spec.steps):
            fixed.append((variable, label))
            value_notes[variable] = described
    book = pd.DataFrame(
        [{"variable": v, "label": label, "values": value_notes.get(v, ""), "instrument": "",
          "wave": "", "licence": "", "notes": NOTICE} for v, label in fixed]
        + [{**c, "notes": ""} for c in codebook.values()]
    )  # fmt: skip
    return {"responses_long": long, "responses_wide": wide.reset_index(), "codebook": book}


def write_exports(
    trial: Trial, folder: Path, fmt: ExportFormat = "csv", *, now: datetime
) -> list[Path]:
    """Write the exports to ``folder`` (each file whole or not at all) and audit it."""
    if fmt not in EXPORT_FORMATS:
        raise DataError(f"unknown format {fmt!r}: choose {', '.join(EXPORT_FORMATS)}")
    tables = build_exports(trial)
    private_folder(folder)
    labels = dict(zip(tables["codebook"]["variable"], tables["codebook"]["label"], strict=True))
    written = []
    for name, table in tables.items():
        ext = "csv" if name == "codebook" else fmt
        path = folder / f"{name}.{ext}"
        tmp = create_private(folder / f".{name}.{ext}.tmp")  # 0600 before any data
        if ext == "csv":
            neutral_frame(table).to_csv(tmp, index=False)
        elif ext == "parquet":
            table.to_parquet(tmp, index=False)
        else:
            variable_labels = {c: str(labels.get(c, c))[:80] for c in table.columns}
            long_text = [  # comments can be longer than Stata's 244-byte strings
                c for c in table.columns
                if table[c].dtype == object and table[c].astype(str).str.len().max() > 244
            ]  # fmt: skip
            table.to_stata(tmp, write_index=False, variable_labels=variable_labels, version=118,
                           convert_strl=long_text)  # fmt: skip
        tmp.replace(path)
        written.append(path)
    with transaction.atomic():
        audit.record(
            trial,
            "exported",
            {
                "what": "survey responses",
                "format": fmt,
                "files": [p.name for p in written],
                "rows": len(tables["responses_long"]),
                "sha256": {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in written},
            },
            at=now,
        )
    return written
