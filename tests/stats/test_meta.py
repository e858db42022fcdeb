"""Meta-analysis: hand-worked cases, metafor's published BCG example, then metafor itself."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hearten.errors import EstimationError
from hearten.stats.meta import meta_analyse

REFERENCE = Path(__file__).parent / "reference"
#: metafor was run with convergence thresholds of 1e-12.
METAFOR_TOLERANCE = 1e-6


def test_fixed_effect_is_the_inverse_variance_mean_worked_by_hand() -> None:
    # Estimates 1 and 3 with variances 1 and 3: weights 1 and 1/3, mean (1 + 1) / (4/3) = 1.5.
    m = meta_analyse([1.0, 3.0], [1.0, np.sqrt(3.0)], method="fe", hartung_knapp=False)
    assert m.estimate == pytest.approx(1.5)
    assert m.std_error == pytest.approx(np.sqrt(3 / 4))
    assert m.q == pytest.approx(0.25 + 1.5**2 / 3)
    assert [s.weight for s in m.studies] == pytest.approx([0.75, 0.25])


def test_dersimonian_laird_worked_by_hand() -> None:
    y, v = np.array([0.0, 1.0, 3.0]), np.array([1.0, 1.0, 1.0])
    # Equal variances: Q = Σ(y - ȳ)² = 14/3 on 2 df; τ² = (Q - 2) / (3 - 1) = 4/3.
    m = meta_analyse(y, np.sqrt(v), method="dl", hartung_knapp=False)
    assert m.q == pytest.approx(14 / 3)
    assert m.tau2 == pytest.approx(4 / 3)
    assert m.estimate == pytest.approx(4 / 3)


def test_metafor_published_bcg_example() -> None:
    # Viechtbauer (2010), J. Stat. Softw. 36(3), BCG vaccine trials, log risk ratios, REML:
    # estimate -0.7145 (SE 0.1798), tau² 0.3132, I² 92.22%.
    d = pd.read_csv(REFERENCE / "meta_studies.csv").query("set == 'bcg'")
    m = meta_analyse(d["yi"], np.sqrt(d["vi"]), method="reml", hartung_knapp=False)
    assert round(m.estimate, 4) == -0.7145
    assert round(m.std_error, 4) == 0.1798
    assert round(m.tau2, 4) == 0.3132
    assert round(100 * m.i2, 2) == 92.22


@pytest.mark.parametrize("row", range(14))
def test_every_method_matches_metafor(row: int) -> None:
    ref = pd.read_csv(REFERENCE / "meta.csv").iloc[row]
    d = pd.read_csv(REFERENCE / "meta_studies.csv").query("set == @ref.set")
    m = meta_analyse(d["yi"], np.sqrt(d["vi"]), method=ref["method"], hartung_knapp=bool(ref["hk"]))
    for field in (
        "estimate",
        "std_error",
        "conf_low",
        "conf_high",
        "p_value",
        "tau2",
        "i2",
        "h2",
        "q",
        "q_p_value",
        "pred_low",
        "pred_high",
    ):
        if pd.isna(ref[field]):
            assert getattr(m, field) is None
            continue
        assert getattr(m, field) == pytest.approx(ref[field], rel=METAFOR_TOLERANCE, abs=1e-12), (
            field
        )


def test_hartung_knapp_with_studies_that_agree_exactly_has_a_zero_standard_error() -> None:
    # Identical estimates (with weights that make the mean exact in floating point): the
    # Hartung-Knapp residual sum Σw(y - μ)² is 0, so its SE is 0;
    # the interval is the point and p is 0 (or 1 when the pooled effect is itself 0).
    m = meta_analyse([0.5, 0.5, 0.5], [0.5, 0.5, 0.5], method="reml", hartung_knapp=True)
    assert m.estimate == 0.5
    assert m.std_error == 0.0
    assert (m.conf_low, m.conf_high) == (0.5, 0.5)
    assert m.p_value == 0.0
    zero = meta_analyse([0.0, 0.0], [0.5, 0.25], method="fe", hartung_knapp=True)
    assert zero.std_error == 0.0
    assert zero.p_value == 1.0


def test_pooling_needs_two_studies_and_positive_standard_errors() -> None:
    with pytest.raises(EstimationError, match="at least two studies"):
        meta_analyse([1.0], [0.5])
    with pytest.raises(EstimationError, match="must be positive"):
        meta_analyse([1.0, 2.0], [0.5, 0.0])


def test_site_effects_are_each_sites_own_itt_and_refuse_a_one_arm_site() -> None:
    from hearten.stats.estimate import estimate_itt
    from hearten.stats.meta import site_effects

    d = pd.read_csv(REFERENCE / "trial_data.csv")
    arm = np.where(d["treat"] == 1, "t", "c")
    effects = site_effects(
        d["y"], arm.tolist(), "c", d["stratum"].tolist(), {"baseline": d["baseline"]}, d["team"]
    )
    assert [e.site for e in effects] == ["A", "B", "C"]
    rows = (d["stratum"] == "B").to_numpy()
    own = estimate_itt(
        d["y"][rows],
        arm[rows].tolist(),
        "c",
        {"baseline": d["baseline"][rows]},
        cluster=d["team"][rows],
    ).effects[0]
    assert effects[1].effect.estimate == pytest.approx(own.estimate, rel=1e-12)
    assert effects[1].effect.vcov_type == "CR2"
    one_arm = np.where(d["stratum"] == "C", "c", arm)
    with pytest.raises(EstimationError, match="site 'C' has people in only one arm"):
        site_effects(d["y"], one_arm.tolist(), "c", d["stratum"].tolist())


def test_pooling_sites_pools_each_sites_own_effect() -> None:
    """The site analysis the report and ``hearten analyse --by-site`` share: each site's ITT,
    pooled by REML with the Hartung–Knapp interval."""
    from hearten.stats.meta import pool_sites, site_effects

    d = pd.read_csv(REFERENCE / "trial_data.csv")
    arm = np.where(d["treat"] == 1, "t", "c").tolist()
    found = pool_sites(d["y"], arm, "c", d["stratum"].tolist(), None, d["team"], "CR2")
    effects = site_effects(d["y"], arm, "c", d["stratum"].tolist(), None, d["team"], "CR2")
    assert found.effects == effects
    alone = meta_analyse([e.effect.estimate for e in effects],
                         [e.effect.std_error for e in effects], ["A", "B", "C"])  # fmt: skip
    assert found.pooled.estimate == pytest.approx(alone.estimate, rel=1e-12)
    assert found.pooled.conf_low == pytest.approx(alone.conf_low, rel=1e-12)
    assert [s.label for s in found.pooled.studies] == ["A", "B", "C"]
