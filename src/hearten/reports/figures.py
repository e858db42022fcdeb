"""Figures for reports, drawn with matplotlib as SVG text to embed in HTML.

Each figure takes the run's typed parts (:class:`~hearten.analysis.arm_effect.ArmEffect`,
:class:`~hearten.analysis.flow_counts.ArmFlow`) or, where the programme report or a standalone
command draws it too from data that is not a run's part, the narrowest frozen input both can
give: :class:`PooledMark` (a forest plot's pooled estimate), :class:`OutcomeMark` (a row of the
outcomes' forest), :class:`Funnel` (the uptake funnel as shown) and :class:`CostEffectDraws`
(an arm on the cost-effectiveness plane and acceptability curve).
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import matplotlib
from matplotlib.figure import Figure

from hearten.analysis.arm_effect import ArmEffect
from hearten.analysis.flow_counts import ArmFlow, Assessed

if TYPE_CHECKING:
    from hearten.analysis.cost_effectiveness import CostComparison
    from hearten.analysis.sites_result import PooledSites
    from hearten.stats.meta import MetaAnalysis

# Figures are made with matplotlib's object interface (Figure, no pyplot): pyplot's import and
# its global figure manager cost about as much CPU as drawing a report's figures, and a
# figure nobody holds is freed by the garbage collector (nothing to close).

matplotlib.rcParams["svg.hashsalt"] = "hearten"  # identical input, identical SVG


@dataclass(frozen=True, slots=True)
class PooledMark:
    """A forest plot's pooled estimate: the diamond (``estimate`` and its interval) and the
    ``prediction`` interval beneath it (``None`` when not given). A trial's pooled sites
    (:class:`~hearten.analysis.sites_result.PooledSites`) and a meta-analysis
    (:class:`~hearten.stats.meta.MetaAnalysis`, the programme's and ``hearten pool``'s) give
    it (:meth:`of`)."""

    estimate: float
    conf_low: float
    conf_high: float
    prediction: tuple[float, float] | None = None

    @classmethod
    def of(cls, pooled: PooledSites | MetaAnalysis) -> PooledMark:
        """The pooled estimate and intervals of a run's sites or of a meta-analysis."""
        low, high = pooled.pred_low, pooled.pred_high
        prediction = None if low is None or high is None else (low, high)
        return cls(pooled.estimate, pooled.conf_low, pooled.conf_high, prediction)


@dataclass(frozen=True, slots=True)
class OutcomeMark:
    """One row of the outcomes' forest: the planned outcome's (and arm's) ``name``, its Hedges'
    ``g`` with its interval (an open end of a one-sided interval is ``None``) and its
    ``status`` in the plan (``"confirmatory"`` or ``"exploratory"``)."""

    name: str
    g: float
    conf_low: float
    conf_high: float | None
    status: str


@dataclass(frozen=True, slots=True)
class Funnel:
    """The uptake funnel as shown: each stage and its count as text, in order (a suppressed
    count says so instead), and ``min_group``, the reporting threshold below which counts are
    suppressed."""

    stages: tuple[tuple[str, str], ...]
    min_group: int

    @classmethod
    def of(cls, stages: Mapping[str, str], min_group: int) -> Funnel:
        """The funnel of ``stages`` (stage to count as shown), in their order."""
        return cls(tuple(stages.items()), min_group)


@dataclass(frozen=True, slots=True)
class CostEffectDraws:
    """One arm (or, in the programme's report, one trial's intervention) on the
    cost-effectiveness plane and acceptability curve.

    Attributes:
        name: as the legend shows it.
        delta_cost, delta_effect: the extra cost per person and the extra effect.
        plane: the bootstrap draws, each ``[cost, effect]``.
        thresholds, acceptability: willingness to pay and the share of draws cost-effective
            at each.
    """

    name: str
    delta_cost: float
    delta_effect: float
    plane: tuple[Sequence[float], ...]
    thresholds: tuple[float, ...]
    acceptability: tuple[float, ...]

    @classmethod
    def of(cls, c: CostComparison, name: str) -> CostEffectDraws:
        """A run's comparison of an arm with control, shown as ``name``."""
        return cls(name, c.delta_cost, c.delta_effect, c.plane, c.thresholds, c.acceptability)


def effect_plot(
    effects: Sequence[ArmEffect], labels: Mapping[str, str], control_label: str, unit: str
) -> Figure:
    """Each arm's effect against control with its confidence interval (the run's effects,
    each with both ends of its interval)."""
    fig = Figure(figsize=(7.0, 1.2 + 0.7 * len(effects)))
    ax = fig.subplots()
    ys = list(range(len(effects)))[::-1]
    for y, e in zip(ys, effects, strict=True):
        ax.plot([e.interval.low, e.interval.high], [y, y], color="#1d70b8", linewidth=3)
        ax.plot([e.estimate], [y], "o", color="#0b0c0c", markersize=8)
    ax.axvline(0.0, color="#505a5f", linestyle="--", linewidth=1)
    ax.set_yticks(ys, [labels.get(e.term, e.term) for e in effects])
    alpha = effects[0].alpha if effects else None
    level = round(100 * (1 - alpha)) if alpha is not None else 95
    ax.set_xlabel(f"Difference from {control_label}\n({unit}; line: {level}% confidence interval)")
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_ylim(-0.8, len(effects) - 0.2)
    fig.tight_layout()
    return fig


def forest_plot(
    labels: Sequence[str],
    estimates: Sequence[float],
    lows: Sequence[float],
    highs: Sequence[float],
    weights: Sequence[float],
    pooled: PooledMark,
    xlabel: str,
) -> Figure:
    """A forest plot: each study's estimate and interval (marker size by weight), the pooled
    estimate as a diamond, and its prediction interval as a line beneath it when given."""
    k = len(labels)
    fig = Figure(figsize=(7.5, 1.6 + 0.42 * k))
    ax = fig.subplots()
    ys = list(range(k + 1, 1, -1))
    for y, est, lo, hi, w in zip(ys, estimates, lows, highs, weights, strict=True):
        ax.plot([lo, hi], [y, y], color="#0b0c0c", linewidth=1.5)
        ax.plot([est], [y], "s", color="#1d70b8", markersize=4 + 14 * float(w) ** 0.5)
    mu, lo, hi = pooled.estimate, pooled.conf_low, pooled.conf_high
    ax.fill([lo, mu, hi, mu], [0.5, 0.8, 0.5, 0.2], color="#0b0c0c")
    if pooled.prediction is not None:
        ax.plot(
            list(pooled.prediction),
            [-0.2, -0.2],
            color="#505a5f",
            linewidth=2,
            linestyle=":",
        )
    ax.axvline(0.0, color="#505a5f", linestyle="--", linewidth=1)
    ticks, names = [*ys, 0.5], [*labels, "Pooled"]
    if pooled.prediction is not None:
        ticks.append(-0.2)
        names.append("Prediction interval")
    ax.set_yticks(ticks, names)
    ax.set_xlabel(xlabel)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def to_svg(fig: Figure) -> str:
    """A figure as SVG text to embed in HTML."""
    out = io.StringIO()
    fig.savefig(out, format="svg", metadata={"Date": None}, bbox_inches="tight")
    svg = out.getvalue()
    return svg[svg.index("<svg") :]


def save(fig: Figure, *paths: str) -> None:
    """Write a figure to each path, as SVG or PNG by the file's extension, then free it."""
    for path in paths:
        fig.savefig(
            path,
            metadata={"Date": None} if path.endswith(".svg") else None,
            bbox_inches="tight",
            dpi=150,
        )


def power_curves(
    effects: Sequence[float], curves: Mapping[str, Sequence[float]], target: float, title: str
) -> Figure:
    """Power against effect size, one line per ICC, with the target power marked."""
    fig = Figure(figsize=(7.0, 4.2))
    ax = fig.subplots()
    for label, values in curves.items():
        ax.plot(effects, values, linewidth=2, label=label)
    return _power_axes(fig, ax, target, "Effect size (standard deviations)", title)


def _power_axes(fig: Figure, ax: Any, target: float, xlabel: str, title: str) -> Figure:
    """Label a power plot, mark the target power, and tidy it."""
    ax.axhline(target, color="#505a5f", linestyle="--", linewidth=1)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("Power")
    ax.set_ylim(0, 1)
    ax.set_title(title, fontsize=10)
    ax.legend(frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def mdes_curves(
    sizes: Sequence[float], curves: Mapping[str, Sequence[float]], unit: str, title: str
) -> Figure:
    """The minimum detectable effect against the number of teams (or sites), per ICC."""
    fig = Figure(figsize=(7.0, 4.2))
    ax = fig.subplots()
    for label, values in curves.items():
        ax.plot(sizes, values, linewidth=2, label=label)
    ax.set_xlabel(f"Number of {unit}")
    ax.set_ylabel("Minimum detectable effect (SD)")
    ax.set_title(title, fontsize=10)
    ax.legend(frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def simulated_power_curve(
    effects: Sequence[float],
    power: Sequence[float],
    band: Sequence[float],
    closed_form: Sequence[float],
    target: float,
    title: str,
) -> Figure:
    """Simulated power with a ±2 Monte-Carlo SE band, beside the closed form's curve."""
    fig = Figure(figsize=(7.0, 4.2))
    ax = fig.subplots()
    low = [max(p - b, 0.0) for p, b in zip(power, band, strict=True)]
    high = [min(p + b, 1.0) for p, b in zip(power, band, strict=True)]
    ax.fill_between(effects, low, high, color="#1d70b8", alpha=0.2, linewidth=0)
    ax.plot(effects, power, color="#1d70b8", linewidth=2, label="simulated (±2 MC SE)")
    ax.plot(effects, closed_form, color="#d4351c", linestyle="--", linewidth=1.5,
            label="closed form (PowerUp!)")  # fmt: skip
    return _power_axes(
        fig, ax, target, "Effect on those who take part (standard deviations)", title
    )


def both(
    fig: Figure,
    width_mm: float = 170.0,
    *,
    summary: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
) -> dict[str, Any]:
    """A figure for the report's two formats: SVG for the page (``role="img"`` with its
    accessible name), a PNG data URI for the PDF, the PNG's width on an A4 page (``width_mm``) in
    points, the data behind it (``headers`` and ``rows``, shown as a table beside the figure) and
    its alternative text: ``summary`` followed by every row of the data in words."""
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=200, bbox_inches="tight")
    cells = [[_cell(v) for v in row] for row in rows]
    alt = alternative_text(summary, headers, cells)
    svg = to_svg(fig).replace("<svg ", f'<svg role="img" aria-label="{html.escape(alt)}" ', 1)
    png = "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()
    return {
        "svg": svg,
        "png": png,
        "width": round(width_mm * 72 / 25.4),
        "alt": alt,
        "headers": list(headers),
        "rows": cells,
    }


def _cell(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def alternative_text(summary: str, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A figure's alternative text from its data: the summary, then each row as "first cell:
    header value, header value"."""
    said = [
        f"{row[0]}: "
        + ", ".join(f"{h.lower()} {v}" for h, v in zip(headers[1:], row[1:], strict=True))
        for row in rows
    ]
    return " ".join([summary.rstrip(".") + ".", *(s + "." for s in said)])


def interval_rows(
    names: Sequence[str], estimates: Sequence[float], lows: Sequence[float], highs: Sequence[float]
) -> list[list[object]]:
    """The data behind an interval plot: name, estimate, lower and upper limit."""
    return [list(r) for r in zip(names, estimates, lows, highs, strict=True)]


def flow_rows(
    flow: Iterable[ArmFlow], labels: Mapping[str, str]
) -> tuple[list[str], list[list[object]]]:
    """The data behind the CONSORT flow diagram: one row per arm."""
    headers = ["Arm", "Randomised", "Received", "Consented", "Answered the follow-up", "Analysed"]
    rows: list[list[object]] = [
        [labels.get(f.arm, f.arm), f.randomised, f.received, f.consented, f.responded,
         f.analysed]
        for f in flow
    ]  # fmt: skip
    return headers, rows


def _box(ax: Any, x: float, y: float, text: str, width: float = 0.42) -> None:
    ax.text(
        x, y, text, ha="center", va="center", fontsize=8.5,
        bbox={"boxstyle": "round,pad=0.5", "facecolor": "white", "edgecolor": "#0b0c0c"},
    )  # fmt: skip


def _arrow(ax: Any, x0: float, y0: float, x1: float, y1: float) -> None:
    ax.annotate(
        "", xy=(x1, y1), xytext=(x0, y0),
        arrowprops={"arrowstyle": "->", "color": "#505a5f", "linewidth": 1},
    )  # fmt: skip


def flow_diagram(
    rows: Iterable[ArmFlow],
    labels: Mapping[str, str],
    assessed: Assessed,
    unit: str,
) -> Figure:
    """The CONSORT flow diagram for a (cluster) trial: sites, units and people at each stage,
    one column per arm, with the reasons people were not analysed (a run's typed ``rows`` and
    ``assessed``, everyone on the roster)."""
    flow = tuple(rows)
    k = len(flow)
    fig = Figure(figsize=(7.5, 7.5))
    ax = fig.subplots()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axis("off")
    clustered = unit != "individual"
    units = f"{unit}s"

    def people(n: int, u: int | None = None) -> str:
        return f"{u} {units}, {n} people" if clustered and u is not None else f"{n} people"

    total_units = sum(int(f.units) for f in flow)
    total = sum(int(f.randomised) for f in flow)
    _box(ax, 0.5, 0.95, "Assessed (on the roster)\n" + (
        f"{assessed.sites} site{'s' if assessed.sites != 1 else ''}, "
        + people(assessed.people, assessed.units)
    ))  # fmt: skip
    not_randomised = assessed.people - total
    if not_randomised > 0:
        _box(ax, 0.85, 0.86, f"Not randomised: {not_randomised}\n(joined after the draw)")
    _box(ax, 0.5, 0.78, "Randomised\n" + people(total, total_units))
    _arrow(ax, 0.5, 0.925, 0.5, 0.81)
    xs = [(i + 0.5) / k for i in range(k)]
    for x, f in zip(xs, flow, strict=True):
        received = (
            f"received the intervention: {f.received}"
            if f.received is not None
            else "receipt not recorded"
        )
        _arrow(ax, 0.5, 0.75, x, 0.66)
        _box(ax, x, 0.6, f"Allocated to {labels.get(f.arm, f.arm)}\n"
             + people(f.randomised, f.units) + f"\n{received}")  # fmt: skip
        _arrow(ax, x, 0.54, x, 0.45)
        _box(ax, x, 0.38, "Followed up\n"
             f"consented: {f.consented} (not: {f.declined_or_silent},\n"
             f"of whom withdrew: {f.withdrawn})\n"
             f"answered the follow-up: {f.responded}\n"
             f"no follow-up answer: {f.no_follow_up}")  # fmt: skip
        _arrow(ax, x, 0.29, x, 0.2)
        _box(ax, x, 0.13, "Analysed\n" + people(f.analysed, f.units_analysed)
             + f"\nno baseline answer: {f.no_baseline}")  # fmt: skip
    fig.tight_layout()
    return fig


def outcome_forest(rows: Sequence[OutcomeMark], level: int) -> Figure:
    """Every planned outcome's effect in standard deviations (Hedges' g) with its interval;
    confirmatory results in dark blue, exploratory in grey."""
    k = len(rows)
    fig = Figure(figsize=(7.5, 1.2 + 0.45 * k))
    ax = fig.subplots()
    ys = list(range(k, 0, -1))
    for y, r in zip(ys, rows, strict=True):
        colour = "#1d70b8" if r.status == "confirmatory" else "#505a5f"
        high = math.nan if r.conf_high is None else r.conf_high  # open: no line, as before
        ax.plot([r.conf_low, high], [y, y], color=colour, linewidth=2.5)
        ax.plot([r.g], [y], "D" if r.status == "confirmatory" else "o", color=colour)
    ax.axvline(0.0, color="#505a5f", linestyle="--", linewidth=1)
    ax.set_yticks(ys, [f"{r.name} ({r.status})" for r in rows])
    ax.set_ylim(0.4, k + 0.6)
    ax.set_xlabel(f"Effect in standard deviations (Hedges' g, {level}% interval)")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def funnel_chart(funnel: Funnel) -> Figure:
    """The uptake funnel as horizontal bars; a suppressed count has no bar and says so."""
    stages = [stage for stage, _ in funnel.stages]
    min_group = funnel.min_group
    fig = Figure(figsize=(7.0, 0.9 + 0.5 * len(stages)))
    ax = fig.subplots()
    ys = list(range(len(stages), 0, -1))
    top = max((float(v) for _, v in funnel.stages if v.isdigit()), default=1.0)
    for y, (_, value) in zip(ys, funnel.stages, strict=True):
        if value.isdigit():
            ax.barh(y, float(value), color="#1d70b8", height=0.6)
            ax.text(float(value) + top * 0.01, y, value, va="center", fontsize=9)
        else:
            why = (
                f"suppressed below {min_group}"
                if value.startswith("fewer")
                else ("suppressed so that nobody's status can be worked out")
            )
            ax.text(top * 0.01, y, f"{value} ({why})", va="center", fontsize=9,
                    color="#505a5f")  # fmt: skip
    ax.set_yticks(ys, stages)
    ax.set_xlim(0, top * 1.15)
    ax.set_xlabel("People")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def cost_effectiveness_plane(comparisons: Sequence[CostEffectDraws], unit: str) -> Figure:
    """Each arm's bootstrap draws of incremental effect (x) and cost (y), with the point
    estimate; the quadrants are marked by the axes through zero."""
    fig = Figure(figsize=(7.0, 4.6), layout="constrained")
    ax = fig.subplots()
    colours = ("#1d70b8", "#d4351c", "#00703c", "#912b88")
    for c, colour in zip(comparisons, colours, strict=False):
        draws = list(c.plane)
        ax.scatter([d[1] for d in draws], [d[0] for d in draws], s=4, alpha=0.25, color=colour)
        ax.plot([c.delta_effect], [c.delta_cost], "D", color=colour, markersize=8,
                markeredgecolor="#0b0c0c", label=c.name)  # fmt: skip
    ax.axhline(0.0, color="#505a5f", linewidth=1)
    ax.axvline(0.0, color="#505a5f", linewidth=1)
    ax.set_xlabel(f"Incremental effect ({unit})")
    ax.set_ylabel("Incremental cost per person (£)")
    ax.spines[["top", "right"]].set_visible(False)
    _legend_below(fig, ax)
    return fig


def acceptability_curve(comparisons: Sequence[CostEffectDraws], unit: str) -> Figure:
    """The probability each arm is cost-effective at each willingness to pay per unit."""
    fig = Figure(figsize=(7.0, 4.0), layout="constrained")
    ax = fig.subplots()
    colours = ("#1d70b8", "#d4351c", "#00703c", "#912b88")
    for c, colour in zip(comparisons, colours, strict=False):
        ax.plot(c.thresholds, c.acceptability, "-o", color=colour, markersize=3,
                label=c.name)  # fmt: skip
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(f"Willingness to pay per {unit} (£)")
    ax.set_ylabel("Probability cost-effective")
    ax.spines[["top", "right"]].set_visible(False)
    _legend_below(fig, ax)
    return fig


def _legend_below(fig: Figure, ax: Any) -> None:
    """The legend in its own rows beneath the axes, outside the plotting area: inside it
    (``loc="best"``) it covered data points and the y-axis label. The figure's constrained
    layout reserves the rows. Long names (a programme's "trial: arm") are wrapped, and the
    legend takes as many columns (up to three) as fit the figure's width, measured rather than
    guessed from the names' lengths, so it is never wider than the figure."""
    import textwrap

    handles, names = ax.get_legend_handles_labels()
    if not handles:
        return
    names = [textwrap.fill(name, 60) for name in names]
    for ncols in range(min(len(handles), 3), 0, -1):
        legend = fig.legend(handles, names, loc="outside lower center", ncols=ncols,
                            frameon=False)  # fmt: skip
        if ncols == 1 or legend.get_window_extent().width <= fig.bbox.width:
            return
        legend.remove()


def staircase(
    units: Sequence[str], conditions: Sequence[Sequence[str]], unit_word: str = "team"
) -> Figure:
    """The stepped-wedge "staircase": one row per cluster (in order of starting), one column
    per period, shaded by condition (control, transition, the change), each cell labelled
    so the figure does not rely on colour."""
    from matplotlib.patches import Patch, Rectangle

    colours = {"control": "#f3f2f1", "transition": "#ffdd00", "change": "#1d70b8"}
    marks = {"control": "", "transition": "t", "change": "X"}
    periods = len(conditions[0]) if conditions else 0
    fig = Figure(figsize=(1.6 + 0.55 * periods, 1.2 + 0.32 * len(units)))
    ax = fig.subplots()
    for row, cells in enumerate(conditions):
        y = len(units) - 1 - row
        for p, cond in enumerate(cells):
            ax.add_patch(
                Rectangle((p, y), 1, 1, facecolor=colours[cond], edgecolor="#ffffff", linewidth=1)
            )
            text_colour = "#ffffff" if cond == "change" else "#0b0c0c"
            ax.text(p + 0.5, y + 0.5, marks[cond], ha="center", va="center", color=text_colour)
    ax.set_xlim(0, periods)
    ax.set_ylim(0, len(units))
    ax.set_xticks([p + 0.5 for p in range(periods)], [str(p) for p in range(periods)])
    ax.set_yticks([len(units) - 0.5 - i for i in range(len(units))], list(units))
    ax.set_xlabel("Period (0: before anyone starts)")
    ax.set_ylabel(unit_word.capitalize())
    ax.tick_params(length=0)
    ax.spines[["top", "right", "left", "bottom"]].set_visible(False)
    used = [c for c in colours if any(c in cells for cells in conditions)]
    ax.legend(
        handles=[Patch(facecolor=colours[c], edgecolor="#505a5f", label=c) for c in used],
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        frameon=False,
    )
    fig.tight_layout()
    return fig
