"""The trial report, the reporting pack and the programme report read the run's typed result
(issue 27, item 4): a run stored before a section existed still renders, without that section."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hearten.analysis.run import run_analysis
from hearten.analysis.stored import latest_result
from hearten.reports.programme import _trial_studies
from hearten.reports.render import write_report
from hearten.reports.standards import standards_markdown
from tests.analysis.test_plan import _ready
from tests.conftest import CLOCK

#: The keys a parallel run has stored since its first version (each reads as ``None`` or empty
#: from an older run that lacks it).
_LATER = ("observed_icc", "imputation", "multilevel", "cace", "uptake", "hr", "coefficients",
          "secondary", "sites", "stressors", "stressors_note", "moderators", "attrition",
          "families", "assessed", "randomisation_balance", "sample_ratio", "allocation",
          "economics", "as_of", "plan")  # fmt: skip


@pytest.mark.django_db
def test_a_run_stored_before_the_later_sections_renders_every_report(trial: Any) -> None:
    _ready(trial)
    run = run_analysis(trial, CLOCK)
    effect = run.result["effects"][0]
    sites = run.result["sites"]
    # the oldest stored shape: none of the keys added since (the allocation was always there)
    run.result = {k: v for k, v in run.result.items() if k not in _LATER or k == "allocation"}
    run.save(update_fields=["result"])
    typed = latest_result(trial)
    # written back as the database keeps it (PostgreSQL's jsonb keeps its own key order)
    run.refresh_from_db()
    assert json.dumps(typed.to_json()) == json.dumps(run.result)
    assert typed.sites is None
    assert typed.secondary == ()
    assert typed.plan is None

    html = write_report(trial, now=CLOCK).read_text()
    assert f"{effect['estimate']:.3f}" in html
    assert sites  # stored by this run, so leaving it out below is the old shape's doing
    assert "Effects by site" not in html
    pack = standards_markdown(trial)
    assert f"seed {run.result['allocation']['seed']}" in pack
    assert "Value for money evaluation" not in pack  # no economics stored
    studies, by_site, _ = _trial_studies([trial.slug])  # the programme report's rows
    assert [(s.g, s.std_error, s.design) for s in studies] == [
        (effect["hedges_g"]["g"], effect["hedges_g"]["std_error"], "parallel")
    ]
    assert by_site == []
