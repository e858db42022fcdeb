"""Scoring a whole table of answers: one row per person, item columns ``NAME_1 ... NAME_k``."""

from __future__ import annotations

import pandas as pd

from hearten.errors import DataError
from hearten.instruments.base import Instrument


def score_table(instrument: Instrument, data: pd.DataFrame) -> pd.DataFrame:
    """``data`` with the scale's scores added: ``NAME_SCORE`` for each score,
    ``NAME_SCORE_band`` where the scale has bands, and ``NAME_problems`` giving, row by row,
    why a score is empty (blank when every score was given)."""
    missing = [k for k in instrument.item_keys if k not in data.columns]
    if missing:
        raise DataError(
            f"{instrument.name} needs columns {', '.join(instrument.item_keys)} (items in "
            f"published order); missing: {', '.join(missing)}"
        )
    name = instrument.name
    added = [f"{name}_{s}" for s in instrument.scores]
    added += [f"{name}_{s}_band" for s in instrument.bands]
    clash = [c for c in [*added, f"{name}_problems"] if c in data.columns]
    if clash:
        raise DataError(f"the file already has column(s) {', '.join(clash)}: rename them first")
    records = data[list(instrument.item_keys)].to_dict(orient="records")
    rows = [instrument.score_row({str(k): v for k, v in answers.items()}) for answers in records]
    out = data.copy()
    for s in instrument.scores:
        out[f"{name}_{s}"] = pd.array([r.scores.get(s) for r in rows], dtype="Float64")
    for s in instrument.bands:
        out[f"{name}_{s}_band"] = [r.bands.get(s) for r in rows]
    out[f"{name}_problems"] = ["; ".join(r.problems) for r in rows]
    return out
