"""Issue 25: the stepped-wedge how-to's design snippet is a design Hearten accepts once its
arms and waves are added, and the ``[analysis] outcome_wave`` it names is what the analysis
takes its outcome from (so the how-to must show it: the design file requires it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hearten.errors import DesignError
from hearten.trials.design import parse_design

HOW_TO = Path(__file__).parents[2] / "docs/how-to/evaluate-a-change-rolled-out-in-steps.md"
REST = """slug = "caseload"
name = "Protected caseloads"
{snippet}
[[arms]]
name = "control"
label = "Caseloads as usual"
control = true

[[arms]]
name = "protected"
label = "Protected caseload model"
{waves}"""


def snippet() -> str:
    text = HOW_TO.read_text(encoding="utf-8")
    section = text.split("## Declare the trial and randomise the teams to steps", 1)[1]
    found = re.search(r"```toml\n(.*?)```", section, re.S)
    assert found is not None
    return found.group(1)


def waves(instrument: str = "swemwbs") -> str:
    return "".join(f'\n[[waves]]\nname = "p{k}"\ninstrument = "{instrument}"\n' for k in range(5))


def test_the_how_to_snippet_is_a_stepped_design_with_its_outcome_wave() -> None:
    design = parse_design(REST.format(snippet=snippet(), waves=waves()))
    assert design.stepped_wedge is not None
    assert design.analysis.outcome_wave == design.stepped_wedge.period_waves[-1]
    primary = design.planned_outcomes()[0]  # what the stepped analysis fits in every period
    assert (primary.instrument, primary.score) == ("swemwbs", "metric")


def test_without_outcome_wave_the_design_is_refused() -> None:
    text = snippet().replace('outcome_wave = "p4"\n', "")
    with pytest.raises(DesignError, match="outcome_wave"):
        parse_design(REST.format(snippet=text, waves=waves()))


def test_an_outcome_wave_outside_the_period_waves_is_refused_in_one_line() -> None:
    """The plan times the final analysis after ``outcome_wave`` and the analysis reads every
    period wave, so a wave that is not a period's cannot be the outcome's (issue 25)."""
    extra = '\n[[waves]]\nname = "follow-up"\ninstrument = "swemwbs"\n'
    text = snippet().replace('outcome_wave = "p4"', 'outcome_wave = "follow-up"')
    with pytest.raises(DesignError) as refused:
        parse_design(REST.format(snippet=text, waves=waves() + extra))
    problems = [line for line in str(refused.value).splitlines() if "outcome_wave" in line]
    assert problems == [
        "  - (top level): analysis.outcome_wave is 'follow-up', which is not one of "
        "stepped_wedge.period_waves (p0, p1, p2, p3, p4): name the last period's wave, 'p4'"
    ]
