"""`hearten pool FILE`: estimates from several sites or trials, pooled."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hearten.stats.meta import meta_analyse

SITES = (
    "site,estimate,std_error\nBracknell Forest,0.42,0.30\nDudley,1.10,0.40\n"
    "Shropshire,-0.15,0.3464\nSouthwark,0.65,0.50\n"
)


@pytest.fixture
def sites(tmp_path: Path) -> Path:
    path = tmp_path / "sites.csv"
    path.write_text(SITES)
    return path


def test_pool_prints_and_serialises_the_meta_analysis(
    hearten: Callable[..., Any], sites: Path
) -> None:
    r = hearten("pool", str(sites), "--label", "site", "--json")
    assert r.code == 0, r.err
    out = json.loads(r.out)
    expected = meta_analyse([0.42, 1.10, -0.15, 0.65], [0.30, 0.40, 0.3464, 0.50])
    assert out["estimate"] == pytest.approx(expected.estimate, rel=1e-12)
    assert out["tau2"] == pytest.approx(expected.tau2, rel=1e-12)
    assert out["df"] == 3
    assert [s["label"] for s in out["studies"]] == [
        "Bracknell Forest",
        "Dudley",
        "Shropshire",
        "Southwark",
    ]
    assert sum(s["weight"] for s in out["studies"]) == pytest.approx(1.0)
    text = hearten("pool", str(sites), "--label", "site", "--method", "dl").out
    assert "random effects (DL)" in text
    assert "prediction interval" in text


@pytest.mark.parametrize("suffix", [".svg", ".png"])
def test_pool_draws_a_forest_plot(
    hearten: Callable[..., Any], sites: Path, tmp_path: Path, suffix: str
) -> None:
    figure = tmp_path / f"forest{suffix}"
    r = hearten("pool", str(sites), "--label", "site", "--figure", str(figure))
    assert r.code == 0, r.err
    head = figure.read_bytes()[:200]
    assert (b"<svg" in head) if suffix == ".svg" else head.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("text", "args", "message"),
    [
        ("estimate,std_error\n0.4,0.3\n", [], "at least two studies"),
        (
            "estimate,std_error\n0.4,0.3\n0.2,0\n",
            [],
            "'std_error' must be positive: 0 at line 3 of the file (the header is line 1)",
        ),
        (
            "site,estimate,std_error\nA,0.4,0.3\nB,0.2,0\n",
            ["--label", "site"],
            "'std_error' must be positive: 0 at B (line 3) of the file",
        ),
        (
            "site,estimate,std_error\nA,0.4,0.3\nB,0.2,0\nC,0.1,0\nD,0.3,-0.09\n",
            ["--label", "site"],
            "'std_error' must be positive: 0 at B (line 3), C (line 4); "
            "negative at D (line 5) of the file",
        ),
        (
            "estimate,std_error\n0.4,0.3\n0.2,-0.1\n",
            [],
            "'std_error' must be positive: negative at line 3 of the file",
        ),
        ("estimate,std_error\n0.4,0.3\n0.2,\n", [], "missing at line 3 of the file"),
        ("effect,std_error\n0.4,0.3\n0.2,0.1\n", [], "no estimate column 'estimate'"),
        (SITES, ["--method", "bayes"], "unknown method 'bayes'"),
    ],
)
def test_bad_pooling_input_is_explained(
    hearten: Callable[..., Any], tmp_path: Path, text: str, args: list[str], message: str
) -> None:
    path = tmp_path / "in.csv"
    path.write_text(text)
    r = hearten("pool", str(path), *args)
    assert r.code == 2, r.out
    assert message in " ".join(r.err.split())
