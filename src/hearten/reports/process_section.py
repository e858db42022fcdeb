"""The trial report's process evaluation section and the deliverers' voices.

Both read stored interviews, codes and answers (:mod:`hearten.process`), not a result of the
analysis run.
"""

from __future__ import annotations

from typing import Any

from hearten.analysis.result import AnalysisResult
from hearten.reports.effect_tables import ci_text
from hearten.trials.models import Trial


def _cell(cell: Any) -> str:
    return "not shown" if cell.hidden else f"{cell.mentioning} of {cell.interviewees}"


def process_section(trial: Trial, r: AnalysisResult, labels: dict[str, str]) -> dict[str, Any]:
    """The process evaluation section: flow, themes by arm beside each arm's effect, by
    uptake stage, and a quote per theme and arm where the column may be shown."""
    from hearten.process.summary import summary

    s = summary(trial)
    if s is None:
        return {"ipe": None}
    effect = {e.term: e for e in r.effects}
    columns = [
        {"key": c, "label": labels.get(c, c),
         "effect": f"{effect[c].estimate:.2f} ({ci_text(effect[c], 2)})"
                   if c in effect else None}
        for c in s.by_arm.columns
    ]  # fmt: skip
    rows = [
        {"theme": t, "cells": [_cell(s.by_arm.cells[t][c]) for c in s.by_arm.columns],
         "alpha": "–" if s.agreement.get(t) is None else f"{s.agreement[t]:.2f}"}
        for t in s.by_arm.themes
    ]  # fmt: skip
    quotes = [
        {"theme": t, "arm": labels.get(c, c), "quote": s.by_arm.cells[t][c].quote}
        for t in s.by_arm.themes
        for c in s.by_arm.columns
        if s.by_arm.cells[t][c].quote
    ]
    stage_rows = [
        {"theme": t, "cells": [_cell(s.by_stage.cells[t][c]) for c in s.by_stage.columns]}
        for t in s.by_stage.themes
    ]
    return {"ipe": s, "ipe_arm_columns": columns, "ipe_arm_rows": rows, "ipe_quotes": quotes,
            "ipe_stage_rows": stage_rows}  # fmt: skip


def deliverer_voices(trial: Trial) -> Any:
    """Deliverers' answers and the questions asked of some arms only
    (:mod:`hearten.process.voices`; stored answers, not a result of the run)."""
    from hearten.process.voices import voices

    return voices(trial)
