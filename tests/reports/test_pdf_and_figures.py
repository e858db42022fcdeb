"""The report's PDF carries the page's words and numbers; its figures show the counts."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pypdfium2 as pdfium
import pytest

from hearten.analysis.flow_counts import ArmFlow, Assessed
from hearten.analysis.run import run_analysis
from hearten.analysis.uptake_figures import UptakeFigures
from hearten.reports.figures import (
    Funnel,
    OutcomeMark,
    flow_diagram,
    funnel_chart,
    outcome_forest,
)
from hearten.reports.pdf import html_to_pdf
from hearten.reports.render import write_report
from tests.analysis.test_plan import _ready
from tests.conftest import CLOCK


def _pages(path: Path) -> list[tuple[str, Any]]:
    """Each page's text and its rendering (as pixels), as a reader would see them."""
    pdf = pdfium.PdfDocument(str(path))
    out = []
    for page in pdf:
        text = page.get_textpage().get_text_range()
        pixels = np.asarray(page.render(scale=0.5).to_pil().convert("L"))
        out.append((text, pixels))
    return out


@pytest.mark.django_db
def test_the_pdf_report_has_the_same_sections_and_numbers(trial: Any) -> None:
    _ready(trial)
    run = run_analysis(trial, CLOCK)
    html = write_report(trial, now=CLOCK)
    pages = _pages(html.with_suffix(".pdf"))
    assert len(pages) >= 3
    for _, pixels in pages:
        assert (pixels < 128).mean() > 0.005  # every page has ink on it
    text = " ".join(" ".join(t.split()) for t, _ in pages)
    effect = run.result["effects"][0]
    for needle in (
        "Participant flow",
        "Effects on every planned outcome",
        "Effect on wellbeing (intention to treat)",
        "Changes to the plan",
        "Reproducing this report",
        f"{effect['estimate']:.3f}",
        f"{effect['std_error']:.3f}",
        run.dataset_sha256,
    ):
        assert needle in text, needle
    assert "page 1 of" in pages[0][0]


def test_unsupported_markup_is_flattened_not_lost() -> None:
    html = (
        "<body><h2>Title</h2><figure><figcaption class='small'>A caption</figcaption></figure>"
        "<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td><strong>1</strong>"
        "<br>2</td><td><code>x</code></td></tr></tbody></table></body>"
    )
    pdf = pdfium.PdfDocument(html_to_pdf(html, "Test"))
    text = " ".join(pdf[0].get_textpage().get_text_range().split())
    for needle in ("Title", "A caption", "1 2", "x"):
        assert needle in text, needle


def _texts(fig: Any) -> str:
    return " ".join(t.get_text() for ax in fig.axes for t in ax.texts)


def test_the_flow_diagram_shows_every_stage_and_reason() -> None:
    row = {"sites": 2, "units": 4, "randomised": 40, "consented": 35, "declined_or_silent": 5,
           "withdrawn": 1, "responded": 30, "no_follow_up": 5, "no_baseline": 2, "analysed": 28,
           "units_analysed": 4}  # fmt: skip
    flow = [
        ArmFlow(arm="control", received=None, **row),
        ArmFlow(arm="letters", received=33, **row),
    ]
    fig = flow_diagram(flow, {"control": "Usual", "letters": "Letters"},
                       Assessed(sites=2, units=8, people=85), "team")  # fmt: skip
    text = _texts(fig)
    for needle in (
        "2 sites, 8 teams, 85 people",
        "Not randomised: 5",
        "8 teams, 80 people",
        "Allocated to Letters",
        "received the intervention: 33",
        "receipt not recorded",
        "of whom withdrew: 1",
        "no follow-up answer: 5",
        "4 teams, 28 people",
        "no baseline answer: 2",
    ):
        assert needle in text, needle


def test_the_forest_of_outcomes_and_the_funnel() -> None:
    rows = [
        OutcomeMark("primary", g=0.2, conf_low=0.0, conf_high=0.4, status="confirmatory"),
        OutcomeMark("valued", g=0.1, conf_low=-0.2, conf_high=0.4, status="exploratory"),
    ]
    fig = outcome_forest(rows, 95)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["primary (confirmatory)", "valued (exploratory)"]
    funnel = funnel_chart(
        Funnel.of({"invited": "205", "opened": "51", "all six": "fewer than 5"}, min_group=5)
    )
    assert "fewer than 5 (suppressed below 5)" in _texts(funnel)
    bars = [p.get_width() for p in funnel.axes[0].patches]
    assert bars == [205.0, 51.0]


def test_a_trial_with_a_compliance_rule_gets_an_uptake_funnel() -> None:
    from hearten.reports.render import _arm_funnel

    flow = [
        ArmFlow(arm="control", randomised=40, received=0, responded=30),
        ArmFlow(arm="letters", randomised=42, received=3, responded=31),
    ]
    uptake = UptakeFigures(min_group=5)
    labels = {"control": "Usual", "letters": "Letters"}
    assert _arm_funnel(flow, "control", uptake, labels) == {
        "randomised to letters": "42",
        "received it": "fewer than 5",
        "answered the follow-up": "31",
    }
    unreceived = [replace(f, received=None) for f in flow]
    assert _arm_funnel(unreceived, "control", uptake, labels) == {}
