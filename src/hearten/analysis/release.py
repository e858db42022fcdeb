"""The anonymised dataset as a release: quasi-identifiers coarsened until every combination of
them is shared by at least the trial's minimum group size (``[monitoring] min_group``).

Someone who knows a colleague's team, role, hours, caseload and start date must not find that
colleague's row. So, in order:

1. years in post, caseload and FTE are replaced by bands (:data:`BANDS`);
2. a team (and a cluster) with fewer people than the threshold is pooled with the site's other
   small teams as ``SITE-pooled``; a pool still too small is dropped, with its rows counted;
3. within each team where some combination of the quasi-identifiers (:data:`QUASI`) is
   shared by fewer people than the threshold, one variable after another (years in post,
   caseload, FTE, role) is replaced by ``suppressed`` for the whole team, until none is;
4. the result is checked: every combination of site, team, role and the bands is shared by
   at least the threshold, or :class:`~hearten.errors.StateError`.

Deterministic: the same stored data give the same file byte for byte, so a release can be
made again from what a purge keeps and compared with the digest in the audit log. The
codebook (:func:`codebook`) says which variable was treated how.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hearten.errors import StateError

SUPPRESSED = "suppressed"
#: Lower edges of each banded variable's bands, and each band's label.
BANDS: dict[str, tuple[tuple[float, str], ...]] = {
    "years_in_post": ((0, "under 1"), (1, "1 to under 2"), (2, "2 to under 5"),
                      (5, "5 to under 10"), (10, "10 or more")),
    "caseload": ((0, "under 10"), (10, "10 to 14"), (15, "15 to 19"), (20, "20 to 24"),
                 (25, "25 or more")),
    "fte": ((0, "under 0.5"), (0.5, "0.5 to under 0.8"), (0.8, "0.8 to under 1"),
            (1, "1 or more")),
}  # fmt: skip
#: The quasi-identifiers: what a colleague could know. Suppressed in this order.
QUASI = ("site", "team", "role", "fte", "caseload", "years_in_post")
SUPPRESS_ORDER = ("years_in_post", "caseload", "fte", "role")


@dataclass(frozen=True, slots=True)
class Release:
    """The released frame and what was done to make it."""

    data: pd.DataFrame
    k: int
    smallest_group: int
    pooled_teams: tuple[str, ...]
    dropped_rows: int
    suppressed: dict[str, int]  # variable -> teams in which it was suppressed


def band(values: pd.Series, variable: str) -> pd.Series:
    """Each value's band label ("" where missing)."""
    edges = BANDS[variable]
    lows = np.array([lo for lo, _ in edges])
    labels = np.array([label for _, label in edges], dtype=object)
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    at = np.clip(np.searchsorted(lows, numbers, side="right") - 1, 0, len(lows) - 1)
    return pd.Series(np.where(np.isnan(numbers), "", labels[at]), index=values.index)


def _smallest(data: pd.DataFrame) -> pd.Series:
    """Each row's group size: rows sharing all its quasi-identifiers."""
    return data.groupby(list(QUASI), dropna=False)["row"].transform("size")


def _pool(data: pd.DataFrame, column: str, k: int) -> tuple[pd.DataFrame, list[str]]:
    sizes = data.groupby(column)[column].transform("size")
    small = sizes < k
    pooled = sorted(data.loc[small, column].astype(str).unique())
    data.loc[small, column] = data.loc[small, "site"].astype(str) + "-pooled"
    return data, pooled


def release(data: pd.DataFrame, k: int) -> Release:
    """Treat the analysis dataset ``data`` (with ``row`` numbers, without pseudonyms) as a
    release with threshold ``k`` (module docstring)."""
    out = data.copy()
    for variable in BANDS:
        out[variable] = band(out[variable], variable)
    same = out["cluster"].astype(str) == out["team"].astype(str)
    out, pooled = _pool(out, "team", k)
    out.loc[same, "cluster"] = out.loc[same, "team"]
    if not same.all():
        out, more = _pool(out, "cluster", k)
        pooled += more
    sizes = out.groupby("team")["team"].transform("size")
    dropped = int((sizes < k).sum())
    out = out[sizes >= k].copy()
    out["row"] = [f"R{i:05d}" for i in range(1, len(out) + 1)]
    suppressed: dict[str, int] = {}
    for variable in SUPPRESS_ORDER:
        small = _smallest(out) < k
        teams = sorted(out.loc[small, "team"].unique())
        if teams:
            out.loc[out["team"].isin(teams), variable] = SUPPRESSED
            suppressed[variable] = len(teams)
    smallest = int(_smallest(out).min()) if len(out) else 0
    if len(out) and smallest < k:
        raise StateError(
            f"the anonymised dataset has a group of {smallest} people sharing site, team, "
            f"role and bands, below the trial's minimum of {k}"
        )
    return Release(out.reset_index(drop=True), k, smallest, tuple(pooled), dropped, suppressed)


def codebook(r: Release, title: str) -> str:
    """The release's codebook in Markdown: each variable and how it was treated."""
    bands = {v: "; ".join(label for _, label in BANDS[v]) for v in BANDS}
    how = {
        "row": "row number (R00001, ...) in place of the study code; means nothing else",
        "arm": "the arm randomised to",
        "stratum": "the randomisation stratum",
        "cluster": "the randomised unit; units smaller than the threshold pooled as team is",
        "site": "the site (council) code",
        "team": "the team code; teams of fewer than k people pooled as SITE-pooled"
        + (f" ({', '.join(r.pooled_teams)})" if r.pooled_teams else " (none needed it)"),
        "role": "the role as on the roster",
        "fte": f"full-time equivalent, banded: {bands['fte']}",
        "caseload": f"cases at randomisation, banded: {bands['caseload']}",
        "years_in_post": f"years from starting in post to randomisation, banded: "
        f"{bands['years_in_post']}",
    }
    lines = [
        f"# {title}: anonymised dataset codebook",
        "",
        f"Threshold k = {r.k} (the trial's `[monitoring] min_group`). Quasi-identifiers: "
        f"{', '.join(QUASI)}. After treatment every combination of them is shared by at least "
        f"{r.smallest_group} people.",
        "",
        f"Rows dropped (a pool of small teams still below k): {r.dropped_rows}.",
        "",
        "| variable | meaning and treatment | suppressed in |",
        "| --- | --- | --- |",
    ]
    for column in r.data.columns:
        text = how.get(column, "as analysed: a score, a flag or a covariate, not treated")
        where = r.suppressed.get(column)
        lines.append(f"| `{column}` | {text} | {f'{where} team(s)' if where else ''} |")
    return "\n".join(lines) + "\n"
