"""The stored plan runs on stored data and the report tells what was found."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

from hearten.analysis.dataset import build_dataset
from hearten.analysis.run import run_analysis
from hearten.errors import StateError
from hearten.reports.render import report_path, write_report
from hearten.stats.estimate import estimate_itt
from hearten.surveys.models import Invitation
from hearten.surveys.services import invite, record_consent, submit_response
from hearten.trials.allocation import arms_by_participant, randomise_trial
from tests.conftest import CLOCK

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def _answer(trial: Any, wave: str, shift: dict[int, int], skip_every: int = 0) -> None:
    rng = np.random.default_rng(len(wave))
    for i, inv in enumerate(
        Invitation.objects.filter(wave__trial=trial, wave__name=wave)
        .select_related("participant")
        .order_by("id")
    ):
        if inv.participant.consent == "pending":
            record_consent(inv, True, now=NOW)
        if skip_every and i % skip_every == 0:
            continue
        base = int(rng.integers(2, 5)) + shift.get(inv.participant_id, 0)
        values = [int(np.clip(base + rng.integers(-1, 2), 1, 5)) for _ in range(7)]
        submit_response(inv, {f"swemwbs_{k}": v for k, v in enumerate(values, 1)}, now=NOW)


@pytest.fixture
def analysed(trial: Any) -> Any:
    invite(trial.waves.get(name="baseline"), NOW)
    _answer(trial, "baseline", {})
    randomise_trial(trial, 11, now=CLOCK)
    arms = arms_by_participant(trial)
    invite(trial.waves.get(name="follow-up"), NOW)
    _answer(trial, "follow-up", {pid: 1 for pid, a in arms.items() if a == "letters"}, skip_every=5)
    return run_analysis(trial, CLOCK)


def test_the_plan_is_ancova_with_strata_and_cr2_by_team(analysed: Any, trial: Any) -> None:
    data = build_dataset(trial)
    used = data.dropna(subset=["baseline", "outcome"])
    expected = estimate_itt(
        used["outcome"],
        used["arm"].tolist(),
        "control",
        {"baseline": used["baseline"]},
        used["stratum"].tolist(),
        cluster=used["team"],
        vcov="CR2",
    ).effects[0]
    effect = analysed.result["effects"][0]
    assert effect["term"] == "letters"
    assert effect["vcov_type"] == "CR2"
    assert effect["estimate"] == pytest.approx(expected.estimate, rel=1e-12)
    assert effect["std_error"] == pytest.approx(expected.std_error, rel=1e-12)
    assert effect["df"] == pytest.approx(expected.df, rel=1e-12)
    assert analysed.result["model"]["n"] == 32
    assert analysed.result["model"]["n_clusters"] == 8


def test_the_dataset_is_pseudonymous(analysed: Any, trial: Any) -> None:
    data = build_dataset(trial)
    assert not {"staff_id", "email", "name"} & set(data.columns)
    assert data["pseudonym"].str.startswith("P-").all()


def test_flow_counts_follow_each_arm(analysed: Any) -> None:
    flow = {f["arm"]: f for f in analysed.result["flow"]}
    assert flow["control"]["randomised"] + flow["letters"]["randomised"] == 40
    assert sum(f["responded"] for f in flow.values()) == 32
    assert sum(f["analysed"] for f in flow.values()) == 32


def test_the_report_has_flow_balance_and_effects(analysed: Any, trial: Any) -> None:
    path = write_report(trial, now=CLOCK)
    assert path == report_path(trial)
    assert path.exists()
    html = path.read_text()
    assert "Generated 30 November 2026, 09:00 by Hearten" in html  # the clock given (issue 27)
    effect = analysed.result["effects"][0]
    for text in (
        "Participant flow",
        "Baseline balance",
        "Caseload",
        "Effect on wellbeing (intention to treat)",
        "<svg",
        f"{effect['estimate']:.3f}",
        "CR2, Bell and McCaffrey",
        "Satterthwaite degrees of freedom",
        "NHS Health Scotland",
    ):
        assert text in html, text
    assert "S0001" not in html  # no staff ids


def test_analysis_before_randomisation_is_refused(trial: Any) -> None:
    with pytest.raises(StateError, match="not randomised yet"):
        run_analysis(trial, CLOCK)


def test_a_report_needs_an_analysis(trial: Any) -> None:
    randomise_trial(trial, 1, now=CLOCK)
    with pytest.raises(StateError, match="has not been analysed"):
        write_report(trial, now=CLOCK)


def test_the_report_gives_hedges_g_with_the_cluster_adjustment(analysed: Any, trial: Any) -> None:
    g = analysed.result["effects"][0]["hedges_g"]
    assert g["conf_low"] < g["g"] < g["conf_high"]
    assert 0.0 <= g["icc"] < 1.0
    html = write_report(trial, now=CLOCK).read_text()
    assert f"{g['g']:.2f} ({g['conf_low']:.2f} to {g['conf_high']:.2f})" in html
    assert "What Works Clearinghouse" in html


@pytest.mark.parametrize("lift", [1, 0])
def test_the_reports_g_interval_excludes_zero_exactly_when_the_primary_interval_does(
    trial: Any, lift: int
) -> None:
    """g's interval is the planned analysis's, on g's scale: one factor (small-sample and
    cluster corrections over the pooled SD) takes the estimate and both limits to g, so the
    report never calls the same result significant on one scale and not on the other."""
    invite(trial.waves.get(name="baseline"), NOW)
    _answer(trial, "baseline", {})
    randomise_trial(trial, 11, now=CLOCK)
    arms = arms_by_participant(trial)
    invite(trial.waves.get(name="follow-up"), NOW)
    shift = {pid: lift for pid, a in arms.items() if a == "letters"}
    _answer(trial, "follow-up", shift, skip_every=5)
    e = run_analysis(trial, CLOCK).result["effects"][0]
    g = e["hedges_g"]
    assert g["interval"] == "planned analysis"
    assert g["g"] == pytest.approx(g["scale"] * e["estimate"], rel=1e-12)
    for limit in ("std_error", "conf_low", "conf_high"):
        assert g[limit] == pytest.approx(g["scale"] * e[limit], rel=1e-12)
    primary_excludes = e["conf_low"] > 0 or e["conf_high"] < 0
    assert (g["conf_low"] > 0 or g["conf_high"] < 0) == primary_excludes
    assert primary_excludes == (e["p_value"] < 0.05)
    html = write_report(trial, now=CLOCK).read_text()
    assert f"{g['g']:.2f} ({g['conf_low']:.2f} to {g['conf_high']:.2f})" in html


@pytest.mark.parametrize("method", ["wild", "ri"])
def test_a_plan_can_ask_for_resampling_inference(trial: Any, method: str) -> None:
    design = dict(trial.design)
    design["analysis"] = {**design["analysis"], "method": method, "reps": 999, "seed": 5}
    trial.design = design
    trial.save()
    invite(trial.waves.get(name="baseline"), NOW)
    _answer(trial, "baseline", {})
    randomise_trial(trial, 11, now=CLOCK)
    invite(trial.waves.get(name="follow-up"), NOW)
    _answer(trial, "follow-up", {})
    run = run_analysis(trial, CLOCK)
    r = run.result["effects"][0]["resampling"]
    assert r["method"] == method
    assert r["enumerated"]  # 8 teams: 2^8 sign vectors, or C(4,2)² = 36 assignments
    html = write_report(trial, now=CLOCK).read_text()
    name = "wild cluster bootstrap" if method == "wild" else "randomisation inference"
    assert name in html
    if method == "wild":
        assert r["conf_low"] < run.result["effects"][0]["estimate"] < r["conf_high"]
    else:
        # The smallest possible p-value is 2/36 > 0.05: no effect can be ruled out.
        assert r["reps"] == 36
        assert r["conf_low"] is None
        assert r["conf_high"] is None
        assert "no value can be ruled out" in html


def test_each_site_gets_its_own_estimate_and_the_report_a_forest_plot(
    analysed: Any, trial: Any
) -> None:
    sites = analysed.result["sites"]
    assert [e["site"] for e in sites["effects"]] == ["Dudley", "Shropshire"]
    assert sum(sites["weights"]) == pytest.approx(1.0)
    assert sites["pooled"]["k"] == 2
    html = write_report(trial, now=CLOCK).read_text()
    assert "Effects by site" in html
    assert html.count("<svg") >= 2  # the effect plot and the forest plot


def test_working_conditions_are_reported_beside_the_effect(analysed: Any, trial: Any) -> None:
    (caseload,) = analysed.result["stressors"]
    assert caseload["stressor"] == "caseload"
    assert caseload["n"] == 40
    html = write_report(trial, now=CLOCK).read_text()
    assert "Working conditions and wellbeing" in html
    assert "associations, not effects" in html


def test_a_working_conditions_section_that_cannot_be_shown_says_why(trial: Any) -> None:
    """Everyone has the same caseload and no HR conditions were imported: the section stays,
    saying why there is nothing in it (it vanished silently)."""
    from hearten.trials.models import Participant

    Participant.objects.filter(trial=trial).update(caseload=15)
    invite(trial.waves.get(name="baseline"), NOW)
    _answer(trial, "baseline", {})
    randomise_trial(trial, 11, now=CLOCK)
    invite(trial.waves.get(name="follow-up"), NOW)
    _answer(trial, "follow-up", {}, skip_every=5)
    result = run_analysis(trial, CLOCK).result
    assert result["stressors"] == []
    note = (
        "no working condition (caseload, supervision, vacancies) is recorded for 10 or more "
        "people with differing values"
    )
    assert result["stressors_note"] == note
    html = write_report(trial, now=CLOCK).read_text()
    assert "Working conditions and wellbeing" in html
    assert f"Not shown: {note}." in html


def test_attrition_and_lee_bounds_are_reported(analysed: Any, trial: Any) -> None:
    a = analysed.result["attrition"]
    assert sum(row[1] for row in a["by_arm"]) == 40
    assert sum(row[2] for row in a["by_arm"]) == 8  # every fifth follow-up answer skipped
    assert a["lee"]["lower"] <= a["lee"]["upper"]
    html = write_report(trial, now=CLOCK).read_text()
    assert "Who did not answer the follow-up" in html
    assert "Lee bounds, tightened by site" in html


def test_planned_moderators_are_adjusted_and_reported(trial: Any) -> None:
    design = dict(trial.design)
    design["analysis"] = {**design["analysis"], "moderators": ["caseload", "site"]}
    trial.design = design
    trial.save()
    invite(trial.waves.get(name="baseline"), NOW)
    _answer(trial, "baseline", {})
    randomise_trial(trial, 11, now=CLOCK)
    invite(trial.waves.get(name="follow-up"), NOW)
    _answer(trial, "follow-up", {})
    run = run_analysis(trial, CLOCK)
    mods = run.result["moderators"]
    assert [(m["moderator"], m["level"]) for m in mods] == [
        ("caseload", None),
        ("site", "Shropshire"),
    ]
    assert all(m["pre_registered"] and m["adjusted_p"] >= m["p_value"] for m in mods)
    assert "Does the effect differ between groups?" in write_report(trial, now=CLOCK).read_text()


def test_the_report_gives_the_observed_icc_and_the_mdes_at_analysis(
    analysed: Any, trial: Any
) -> None:
    from hearten.analysis.dataset import build_dataset
    from hearten.stats.icc import estimate_icc

    observed = analysed.result["observed_icc"]
    data = build_dataset(trial)
    used = data[data["consented"] & data["outcome"].notna() & data["baseline"].notna()]
    cell = used["arm"].astype(str) + "|" + used["stratum"].astype(str)
    expected = estimate_icc(used["outcome"], used["cluster"], cell, used["baseline"])
    assert observed["icc"] == pytest.approx(expected.icc_reml)
    assert observed["conf_low"] <= observed["icc"] <= observed["conf_high"]
    assert observed["teams"] == analysed.result["model"]["n_clusters"]
    assert observed["mdes"]["letters"] > 0
    html = write_report(trial, now=CLOCK).read_text()
    assert "Observed clustering</strong> (CONSORT item 17a)" in html
    assert f"is {observed['icc']:.3f} (95% CI {observed['conf_low']:.3f} to" in html
    assert f"is {observed['mdes']['letters']:.2f} SD" in html
    # Hedges' g on the total variance (EEF): the ITT estimate over sqrt(τ² + σ²), corrected.
    effect = analysed.result["effects"][0]
    n = int(used["arm"].isin(["control", "letters"]).sum())
    correction = 1 - 3 / (4 * (n - 2) - 1)
    g = effect["estimate"] / np.sqrt(expected.total_variance) * correction
    assert observed["eef_g"]["letters"]["g"] == pytest.approx(g)
    assert "as the Education Endowment Foundation reports effect sizes), Hedges' g for" in html
    assert f" is {g:.2f} (95% CI" in html


@pytest.fixture
def analysed_with_team_effects(trial: Any) -> Any:
    """As ``analysed``, with teams that really differ at follow-up (the plain fixture has no
    team effect, so REML puts the team variance on its boundary in about half the draws)."""
    from hearten.trials.models import Participant

    invite(trial.waves.get(name="baseline"), NOW)
    _answer(trial, "baseline", {})
    randomise_trial(trial, 11, now=CLOCK)
    arms = arms_by_participant(trial)
    team_of = dict(Participant.objects.filter(trial=trial).values_list("id", "team__code"))
    offset = {
        code: (-1, 0, 1, 1, 0, -1, 1, -1)[i] for i, code in enumerate(sorted(set(team_of.values())))
    }
    shift = {pid: offset[team_of[pid]] + (a == "letters") for pid, a in arms.items()}
    invite(trial.waves.get(name="follow-up"), NOW)
    _answer(trial, "follow-up", shift, skip_every=5)
    return run_analysis(trial, CLOCK)


def test_the_report_gives_the_multilevel_sensitivity_estimate(
    analysed_with_team_effects: Any, trial: Any
) -> None:
    analysed = analysed_with_team_effects
    from hearten.analysis.dataset import build_dataset
    from hearten.stats.estimate import design_matrix, treatment_columns
    from hearten.stats.multilevel import fit_random_intercepts

    data = build_dataset(trial)
    used = data[data["consented"] & data["outcome"].notna() & data["baseline"].notna()]
    treat = treatment_columns(used["arm"].tolist(), "control")
    X, names = design_matrix(
        len(used), treat, {"baseline": used["baseline"]}, used["stratum"].tolist()
    )
    fit = fit_random_intercepts(used["outcome"], X, names, used["cluster"])
    (effect,) = analysed.result["multilevel"]["effects"]
    assert effect["estimate"] == pytest.approx(fit.coef[1])
    assert effect["df"] == pytest.approx(fit.df[1])
    html = write_report(trial, now=CLOCK).read_text()
    assert "Sensitivity: multilevel model</strong>" in html
    assert f" {effect['estimate']:.3f} (95% CI {effect['conf_low']:.3f} to" in html
