"""The pre-registration written at locking, and the programme report pooling trials."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from django.template.defaultfilters import floatformat

from hearten.analysis.plan import lock_plan
from hearten.analysis.run import run_analysis
from hearten.errors import DataError
from hearten.reports.preregistration import planned_power, write_preregistration
from hearten.reports.programme import write_programme_report
from hearten.stats.meta import meta_analyse
from hearten.stats.power import PowerDesign, solve_mdes
from hearten.trials.lifecycle import design_of
from tests.analysis.test_plan import _ready
from tests.conftest import CLOCK

pytestmark = pytest.mark.django_db


def test_the_preregistration_states_the_plan_its_digest_and_power(trial: Any) -> None:
    version = lock_plan(trial, now=CLOCK)
    md, pdf = write_preregistration(trial, version)
    text = md.read_text()
    # The test roster: 40 people in 8 teams of 5, in 2 sites; teams randomised within site.
    expected = solve_mdes(PowerDesign("bcra3f2", n=5, clusters=4, sites=2, icc2=0.05), 0.8)
    (power,) = planned_power(trial, design_of(trial))
    assert power.result.mdes == pytest.approx(expected.mdes, rel=1e-12)
    for needle in (
        "# Pre-registration: Recognition letters (test)",
        version.sha256,
        "## 3. Sampling plan",
        "PowerUp! design `bcra3f2`, 2 site(s), 8 teams",
        f"**{expected.mdes:.3f} SD** with 80% power",
        "CR2 with Satterthwaite degrees of freedom, clustered by team",
        "The primary outcome is confirmatory",
        "late joiners: blocked.",  # a parallel trial allocates them by its scheme
    ):
        assert needle in text, needle
    pages = pdfium.PdfDocument(str(pdf))
    first = " ".join(pages[0].get_textpage().get_text_range().split())
    assert "Pre-registration: Recognition letters (test)" in first
    assert version.sha256 in first


def _second(trial: Any, write_roster: Any) -> Any:
    from hearten.surveys.services import plan_waves
    from hearten.trials.lifecycle import create_trial
    from hearten.trials.roster import import_roster
    from tests.conftest import roster_text

    design = design_of(trial).model_copy(update={"slug": "letters-two", "name": "Second"})
    other = create_trial(design, now=CLOCK)
    plan_waves(other)
    import_roster(other, write_roster(roster_text()), now=CLOCK)
    return other


def test_the_programme_report_pools_the_trials_standardised_effects(
    trial: Any, write_roster: Any
) -> None:
    other = _second(trial, write_roster)
    for t in (trial, other):
        _ready(t)
        run_analysis(t, CLOCK)
    path = write_programme_report("Test programme", [trial.slug, other.slug], now=CLOCK)
    gs = [t.analysis_runs.first().result["effects"][0]["hedges_g"] for t in (trial, other)]
    pooled = meta_analyse([g["g"] for g in gs], [g["std_error"] for g in gs])
    # As the template prints it: Django's floatformat writes an estimate that rounds to zero
    # as 0.000 where Python's format would write -0.000 (the random data can pool near zero).
    shown = floatformat(pooled.estimate, 3)
    html = path.read_text()
    assert "Generated 30 November 2026, 09:00 by Hearten" in html  # the clock given (issue 27)
    assert "The trials, pooled" in html
    assert shown in html
    assert "<svg" in html
    pdf = pdfium.PdfDocument(str(path.with_suffix(".pdf")))
    text = " ".join(" ".join(p.get_textpage().get_text_range().split()) for p in pdf)
    assert shown in text
    assert isinstance(path, Path)


def test_a_programme_needs_two_different_trials(trial: Any) -> None:
    with pytest.raises(DataError, match="two or more"):
        write_programme_report("P", [trial.slug], now=CLOCK)
    with pytest.raises(DataError, match="named twice"):
        write_programme_report("P", [trial.slug, trial.slug], now=CLOCK)


def test_the_programme_report_compares_each_interventions_cost_per_sd(
    trial: Any, write_roster: Any
) -> None:
    from hearten.interventions.costs import add_cost

    other = _second(trial, write_roster)
    for t, each in ((trial, 10.0), (other, 30.0)):
        _ready(t)
        add_cost(t, "letters", "letters", each, per="participant", now=CLOCK)
        run_analysis(t, CLOCK)
    path = write_programme_report("Test programme", [trial.slug, other.slug], now=CLOCK)
    html = path.read_text()
    assert "Value for money across the programme" in html
    for t, each in ((trial, 10.0), (other, 30.0)):
        r = t.analysis_runs.first().result
        c = r["economics"]["per_point"][0]
        assert c["delta_cost"] == pytest.approx(each)
        # On the scale of the trial's own Hedges' g (points times its factor), so the
        # programme's value-for-money effect and its pooled g are one standardisation.
        scale = r["effects"][0]["hedges_g"]["scale"]
        assert f"{c['delta_effect'] * scale:.3f}" in html
    assert html.count('aria-label="Cost-effectiveness plane') == 1
    assert html.count('aria-label="Probability each intervention is cost-effective') == 1


@pytest.mark.parametrize(
    ("hr", "words"),
    [
        (
            {},
            "With fewer than 20 randomised units their p-values and intervals come from "
            "randomisation inference re-drawing the design.",
        ),
        (
            {"few_clusters_test": "wild-score", "ri_below_clusters": 12},
            "With fewer than 12 randomised units their p-values and intervals come from the wild "
            "score bootstrap by randomised unit.",
        ),
        ({"ri_below_clusters": 0}, "from the council's HR system."),
    ],
)
def test_the_preregistration_names_the_test_of_hr_outcomes_with_few_units(
    trial: Any, hr: dict[str, Any], words: str
) -> None:
    from hearten.reports.preregistration import _outcome_lines

    trial.design = {**trial.design, "analysis": {**trial.design["analysis"], "hr": hr}}
    trial.save()
    (line,) = [x for x in _outcome_lines(design_of(trial)) if "**HR records**" in x]
    assert line.endswith(words)
