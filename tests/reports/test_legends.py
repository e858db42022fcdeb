"""The value-for-money figures keep their legends off the data and off the axis labels."""

from __future__ import annotations

from typing import Any

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from hearten.reports.figures import (
    CostEffectDraws,
    acceptability_curve,
    both,
    cost_effectiveness_plane,
)

ARMS = (
    "Peer mentoring for new starters",
    "Weekly wellbeing text messages",
    "Line-manager coaching",
)
# A programme's legend names each "trial: arm", longer than a page is wide in two columns.
LONG = (
    "Recognition letters for children's social workers (demo): Personal recognition letter",
    "Six-week goals programme for children's social workers (demo): Online goals programme",
    "Free tea and coffee in the staff room for children's social workers (demo): Free coffee",
    "Caseload caps for newly qualified children's social workers (demo): Caseload cap",
)


def _comparisons(arms: tuple[str, ...] = ARMS) -> list[CostEffectDraws]:
    # Draws spread over all four quadrants and curves across the whole 0-1 range: wherever an
    # in-axes legend went, it would sit on data.
    out = []
    for i, arm in enumerate(arms):
        plane = tuple([(-1) ** k * (50.0 + 7 * k + i), (-1) ** (k // 2) * 0.02 * (k % 9 + i)]
                      for k in range(40))  # fmt: skip
        out.append(CostEffectDraws(
            name=arm,
            delta_cost=30.0 * (i + 1),
            delta_effect=0.05 * (i + 1),
            plane=plane,
            thresholds=(0, 500, 1000, 2000, 5000, 10000),
            acceptability=(0.0, 0.2 + 0.1 * i, 0.5, 0.7, 0.9 - 0.1 * i, 1.0),
        ))  # fmt: skip
    return out


def _drawn(fig: Figure) -> Any:
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


@pytest.mark.parametrize("arms", [ARMS, LONG], ids=["short", "long"])
@pytest.mark.parametrize(
    "draw",
    [
        lambda c: cost_effectiveness_plane(c, "standard deviations"),
        lambda c: acceptability_curve(c, "standard deviation"),
    ],
    ids=["plane", "acceptability"],
)
def test_the_legend_sits_outside_the_axes_and_clear_of_the_labels(
    draw: Any, arms: tuple[str, ...]
) -> None:
    fig = draw(_comparisons(arms))
    renderer = _drawn(fig)
    (ax,) = fig.axes
    legends = [*fig.legends, *([ax.get_legend()] if ax.get_legend() else [])]
    assert len(legends) == 1
    legend = legends[0].get_window_extent(renderer)
    shown = [" ".join(t.get_text().split("\n")) for t in legends[0].get_texts()]
    assert shown == list(arms)
    assert not legend.overlaps(ax.get_window_extent(renderer)), "legend over the plotting area"
    assert not legend.overlaps(ax.yaxis.label.get_window_extent(renderer)), "over the y label"
    assert not legend.overlaps(ax.xaxis.label.get_window_extent(renderer)), "over the x label"
    for tick in ax.get_xticklabels():
        if tick.get_visible() and tick.get_text():
            assert not legend.overlaps(tick.get_window_extent(renderer)), "over an x tick label"
    figure = fig.bbox
    assert figure.x0 <= legend.x0, "legend cut off at the left"
    assert legend.x1 <= figure.x1, "legend cut off at the right"
    assert figure.y0 <= legend.y0, "legend cut off at the bottom"


def test_the_figure_keeps_its_accessible_name() -> None:
    out = both(
        acceptability_curve(_comparisons(), "standard deviation"),
        summary="Probability each intervention is cost-effective",
        headers=["Intervention"],
        rows=[[arm] for arm in ARMS],
    )
    assert (
        '<svg role="img" aria-label="Probability each intervention is cost-effective' in out["svg"]
    )
    for arm in ARMS:
        assert arm in out["svg"]
