"""Randomising an evaluator's own roster file, without a database (``hearten randomise``).

The file has one row per person. People are randomised one by one, or by cluster (every
member of a team or office gets the team's arm), within strata if given, by the blocked
scheme of ``hearten.stats.randomise``; optionally as matched pairs of clusters, or
re-randomised until the arms balance on named baseline columns (cluster means when
clusters are randomised). Everything is checked before anything is drawn.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

import hearten
from hearten.analysis.table_file import numeric_column, resolve_column, rows_of
from hearten.errors import DataError, DesignError
from hearten.stats.randomise import Assignment
from hearten.stats.rerandomise import Rerandomisation
from hearten.stats.schemes import SchemeInputs, draw_by_scheme


@dataclass(frozen=True, slots=True)
class RosterAllocation:
    """A roster randomised: a row per person, and the record that reproduces it.

    Attributes:
        table: the id column (and cluster and strata columns, if given), ``arm`` and
            ``probability``, in the file's row order.
        assignment: the draw over the randomised units.
        rerandomisation: the balance criterion's details, when re-randomised.
        record: seed, scheme, parameters, software version and the input's SHA-256.
    """

    table: pd.DataFrame
    assignment: Assignment
    rerandomisation: Rerandomisation | None
    record: dict[str, Any]


def parse_arms(arms: str, ratio: str | None) -> tuple[list[str], list[int]]:
    """``"control,letters"`` and ``"1:2"`` into names and whole-number ratios."""
    names = [a.strip() for a in arms.split(",") if a.strip()]
    if len(names) < 2:
        raise DesignError(f"--arms needs two or more names separated by commas, not {arms!r}")
    if len(set(names)) != len(names):
        raise DesignError(f"--arms names each arm once, not {arms!r}")
    if ratio is None:
        return names, [1] * len(names)
    parts = ratio.split(":")
    if len(parts) != len(names) or not all(p.strip().isdigit() and int(p) > 0 for p in parts):
        raise DesignError(
            f"--ratio must be {len(names)} positive whole numbers separated by colons "
            f"(one per arm, e.g. {':'.join(['1'] * len(names))}), not {ratio!r}"
        )
    return names, [int(p) for p in parts]


def _text(data: pd.DataFrame, column: str, role: str) -> pd.Series:
    values = data[column]
    missing = values.isna() | (values.astype(str).str.strip() == "")
    if missing.any():
        raise DataError(f"the {role} column {column!r} is empty in rows {rows_of(missing)}")
    return values.astype(str).str.strip()


def _units(
    people: pd.Series, cluster: pd.Series | None, strata: pd.Series | None
) -> tuple[list[str], list[str] | None, pd.Series]:
    """The randomised units, their strata, and each row's unit; refusing broken nesting."""
    repeated = people.duplicated(keep=False)
    if repeated.any():
        first = people[repeated].iloc[0]
        rows = people == first
        if cluster is not None and cluster[rows].nunique() > 1:
            where = ", ".join(sorted(cluster[rows].unique()))
            raise DataError(
                f"person {first!r} is in two clusters ({where}; rows {rows_of(rows)}): each "
                "person must be in one cluster"
            )
        raise DataError(f"person {first!r} appears more than once (rows {rows_of(rows)})")
    unit = cluster if cluster is not None else people
    if strata is not None:
        spans = strata.groupby(unit).nunique()
        if (spans > 1).any():
            bad = spans[spans > 1].index[0]
            rows = unit == bad
            where = " and ".join(sorted(strata[rows].unique()))
            raise DataError(
                f"cluster {bad!r} spans strata {where} (rows {rows_of(rows)}): a cluster must "
                "sit in one stratum"
            )
    units = sorted(unit.unique())
    unit_strata = None
    if strata is not None:
        first_stratum = strata.groupby(unit).first()
        unit_strata = [str(first_stratum[u]) for u in units]
    return units, unit_strata, unit


def randomise_roster(
    data: pd.DataFrame,
    id_column: str,
    arms: str,
    seed: int,
    ratio: str | None = None,
    cluster: str | None = None,
    strata: str | None = None,
    pairs_by: str | None = None,
    balance_on: list[str] | None = None,
    acceptance: float = 0.1,
    source_sha256: str = "",
) -> RosterAllocation:
    """Randomise the people in ``data`` (module docstring)."""
    names, weights = parse_arms(arms, ratio)
    if pairs_by and balance_on:
        raise DesignError("choose matched pairs (--pairs-by) or re-randomisation (--balance-on)")
    id_col = resolve_column(data, id_column, "id")
    people = _text(data, id_col, "id")
    cl = _text(data, resolve_column(data, cluster, "cluster"), "cluster") if cluster else None
    st = _text(data, resolve_column(data, strata, "strata"), "strata") if strata else None
    units, unit_strata, unit_of_row = _units(people, cl, st)
    if unit_strata is not None:
        sizes = pd.Series(unit_strata).value_counts()
        small = sizes[sizes < len(names)]
        if len(small):
            what = "clusters" if cluster else "people"
            listed = ", ".join(f"{s} ({n})" for s, n in sorted(small.items()))
            raise DesignError(
                f"these strata have fewer {what} than the {len(names)} arms: {listed}; merge "
                "small strata or randomise without --strata"
            )
    elif len(units) < len(names):
        raise DesignError(f"{len(units)} units cannot fill {len(names)} arms")

    def unit_means(column: str) -> list[float]:
        values = numeric_column(data, resolve_column(data, column, "balance"), column)
        if values.isna().any():
            raise DataError(f"{column!r} is empty in rows {rows_of(values.isna())}: fill it in")
        return [float(v) for v in values.groupby(unit_of_row).mean()[units]]

    parameters: dict[str, Any] = {
        "arms": names,
        "ratio": weights,
        "id": id_col,
        "cluster": cluster,
        "strata": strata,
    }
    if pairs_by and weights != [1, 1]:
        raise DesignError("matched pairs need two arms in ratio 1:1")
    kind = "matched-pairs" if pairs_by else "rerandomised" if balance_on else "blocked"
    drawn = draw_by_scheme(
        kind,
        SchemeInputs(
            units,
            unit_strata,
            names,
            weights,
            clustered=bool(cluster),
            pairs_score=unit_means(pairs_by) if pairs_by else None,
            balance=np.column_stack([unit_means(c) for c in balance_on]).tolist()
            if balance_on
            else None,
            balance_names=tuple(balance_on or ()),
            acceptance=acceptance,
        ),
        seed,
    )
    assignment, rerandomised = drawn.assignment, drawn.rerandomisation
    if pairs_by:
        parameters["pairs_by"] = pairs_by
    elif rerandomised is not None:
        parameters.update(
            balance_on=balance_on,
            acceptance=acceptance,
            threshold=rerandomised.threshold,
            draws=assignment.draws,
        )
    arm_of = dict(zip(assignment.units, assignment.arms, strict=True))
    prob_of = dict(zip(assignment.units, assignment.probabilities, strict=True))
    table = pd.DataFrame({id_col: people})
    if cl is not None:
        table[str(cluster)] = cl
    if st is not None:
        table[str(strata)] = st
    table["arm"] = unit_of_row.map(arm_of)
    table["probability"] = unit_of_row.map(prob_of)
    record = {
        "seed": seed,
        "scheme": assignment.scheme,
        "parameters": parameters,
        "software_version": hearten.__version__,
        "input_sha256": source_sha256,
        "units": len(units),
        "people": len(table),
    }
    return RosterAllocation(table, assignment, rerandomised, record)


def sha256_of(path_bytes: bytes) -> str:
    return hashlib.sha256(path_bytes).hexdigest()
