"""``hearten pool FILE``: one row per site or trial, pooled by meta-analysis.

Every row needs an estimate and a positive standard error; a fault names the sites (by
``label``) and the lines of the file. The pooling itself is
:func:`hearten.stats.meta.meta_analyse` (fixed or random effects, REML, DerSimonian–Laird or
Paule–Mandel ``τ²``, the Hartung–Knapp interval). Nothing here imports Django.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hearten.analysis.table_file import numeric_column, resolve_column
from hearten.errors import DataError, one_of

if TYPE_CHECKING:
    from hearten.stats.meta import MetaAnalysis


def pool_table(
    data: pd.DataFrame,
    estimate: str,
    std_error: str,
    label: str | None,
    method: str,
    hartung_knapp: bool,
    alpha: float,
) -> MetaAnalysis:
    """Pool one row per site or trial; every row needs an estimate and a standard error."""
    from hearten.stats.meta import TAU2_METHODS, meta_analyse

    tau2_method = one_of(method, TAU2_METHODS, "method")
    resolve_column(data, estimate, "estimate")
    resolve_column(data, std_error, "standard error")
    if label is not None:
        resolve_column(data, label, "label")
    y = numeric_column(data, estimate, "estimate")
    se = numeric_column(data, std_error, "standard error")

    def which(mask: pd.Series) -> str:
        """The sites at fault by name (with --label) and by line of the file."""
        lines = np.flatnonzero(mask.to_numpy()) + 2
        named = [
            f"{data[label].iloc[i - 2]!s} (line {i})" if label is not None else f"line {i}"
            for i in lines[:5]
        ]
        return ", ".join(named) + (", ..." if len(lines) > 5 else "")

    missing = y.isna() | se.isna()
    if missing.any():
        raise DataError(
            f"every row needs an estimate and a standard error; missing at {which(missing)} "
            "of the file (the header is line 1)"
        )
    zero, negative = se == 0, se < 0
    if zero.any() or negative.any():
        faults = [f"0 at {which(zero)}"] if zero.any() else []
        faults += [f"negative at {which(negative)}"] if negative.any() else []
        raise DataError(
            f"{std_error!r} must be positive: {'; '.join(faults)} of the file (the header is "
            "line 1): a site with no spread cannot be weighted; check how its estimate was made"
        )
    names = (
        data[label].astype(str).tolist()
        if label is not None
        else [f"row {i + 2}" for i in range(len(data))]
    )
    return meta_analyse(y.to_numpy(), se.to_numpy(), names, tau2_method, hartung_knapp, alpha)
