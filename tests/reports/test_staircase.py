"""The stepped-wedge staircase figure."""

from __future__ import annotations

from matplotlib.text import Text

from hearten.reports.figures import staircase, to_svg
from hearten.stats.sequences import schedule


def test_the_staircase_shows_each_team_starting_in_its_period() -> None:
    plan = schedule(["A", "B", "C"], ["s"] * 3, ["sequence-3", "sequence-1", "sequence-2"], 3)
    fig = staircase([r.unit for r in plan.rows], [r.conditions for r in plan.rows], "team")
    texts = [t.get_text() for t in fig.findobj(Text)]
    # B starts at period 1, C at 2, A at 3: 3 + 2 + 1 cells marked X, the rest control
    assert texts.count("X") == 6
    assert {"B", "C", "A", "control", "change"} <= set(texts)
    assert "Period (0: before anyone starts)" in texts
    assert to_svg(fig).lstrip().startswith("<")
