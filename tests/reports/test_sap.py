"""Each plan version has its statistical analysis plan in the sections of Gamble et al.,
carrying that version's digest and every revision's reason."""

from __future__ import annotations

from typing import Any

import pytest

from hearten.analysis.plan import amend_plan, lock_plan
from hearten.reports.sap import sap_markdown, write_sap
from tests.analysis.test_plan import _changed

pytestmark = pytest.mark.django_db

GAMBLE_SECTIONS = (
    "## 1. Administrative information",
    "## 2. Introduction",
    "## 3. Study methods",
    "## 4. Statistical principles",
    "## 5. Trial population",
    "## 6. Analysis",
)


def test_the_sap_has_gambles_six_sections_and_the_versions_digest(trial: Any) -> None:
    version = lock_plan(trial)
    text = sap_markdown(trial, version)
    positions = [text.index(s) for s in GAMBLE_SECTIONS]
    assert positions == sorted(positions)
    assert version.sha256 in text
    assert "alpha 0.05" in text
    assert "**To write**: who wrote the plan" in text


def test_an_amendment_gets_its_own_sap_listing_the_revision(trial: Any) -> None:
    lock_plan(trial)
    second = amend_plan(trial, _changed(trial, alpha=0.1), "a smaller trial than planned")
    assert second is not None
    md, pdf = write_sap(trial, second)
    assert md.name == "statistical-analysis-plan-v2.md"
    text = md.read_text()
    assert "Version 2" in text
    assert "a smaller trial than planned" in text
    assert second.sha256 in text
    assert pdf.read_bytes().startswith(b"%PDF")
