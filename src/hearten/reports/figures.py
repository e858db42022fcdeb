"""Figures for reports, drawn with matplotlib as SVG text to embed in HTML."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

matplotlib.rcParams["svg.hashsalt"] = "hearten"  # identical input, identical SVG


def effect_plot(
    effects: Sequence[Mapping[str, Any]], labels: Mapping[str, str], control_label: str, unit: str
) -> str:
    """Each arm's effect against control with its confidence interval, as SVG."""
    fig, ax = plt.subplots(figsize=(7.0, 1.2 + 0.7 * len(effects)))
    ys = list(range(len(effects)))[::-1]
    for y, e in zip(ys, effects, strict=True):
        ax.plot([e["conf_low"], e["conf_high"]], [y, y], color="#1d70b8", linewidth=3)
        ax.plot([e["estimate"]], [y], "o", color="#0b0c0c", markersize=8)
    ax.axvline(0.0, color="#505a5f", linestyle="--", linewidth=1)
    ax.set_yticks(ys, [labels.get(e["term"], e["term"]) for e in effects])
    level = round(100 * (1 - effects[0]["alpha"])) if effects else 95
    ax.set_xlabel(f"Difference from {control_label}\n({unit}; line: {level}% confidence interval)")
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_ylim(-0.8, len(effects) - 0.2)
    fig.tight_layout()
    return to_svg(fig)


def forest_plot(
    labels: Sequence[str],
    estimates: Sequence[float],
    lows: Sequence[float],
    highs: Sequence[float],
    weights: Sequence[float],
    pooled: Mapping[str, Any],
    xlabel: str,
) -> Figure:
    """A forest plot: each study's estimate and interval (marker size by weight), the pooled
    estimate as a diamond, and its prediction interval as a line beneath it when given."""
    k = len(labels)
    fig, ax = plt.subplots(figsize=(7.5, 1.6 + 0.42 * k))
    ys = list(range(k + 1, 1, -1))
    for y, est, lo, hi, w in zip(ys, estimates, lows, highs, weights, strict=True):
        ax.plot([lo, hi], [y, y], color="#0b0c0c", linewidth=1.5)
        ax.plot([est], [y], "s", color="#1d70b8", markersize=4 + 14 * float(w) ** 0.5)
    mu, lo, hi = pooled["estimate"], pooled["conf_low"], pooled["conf_high"]
    ax.fill([lo, mu, hi, mu], [0.5, 0.8, 0.5, 0.2], color="#0b0c0c")
    if pooled.get("pred_low") is not None:
        ax.plot(
            [pooled["pred_low"], pooled["pred_high"]],
            [-0.2, -0.2],
            color="#505a5f",
            linewidth=2,
            linestyle=":",
        )
    ax.axvline(0.0, color="#505a5f", linestyle="--", linewidth=1)
    ticks, names = [*ys, 0.5], [*labels, "Pooled"]
    if pooled.get("pred_low") is not None:
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
    plt.close(fig)
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
    plt.close(fig)


def power_curves(
    effects: Sequence[float], curves: Mapping[str, Sequence[float]], target: float, title: str
) -> Figure:
    """Power against effect size, one line per ICC, with the target power marked."""
    fig, ax = plt.subplots(figsize=(7.0, 4.2))
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
    fig, ax = plt.subplots(figsize=(7.0, 4.2))
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
    fig, ax = plt.subplots(figsize=(7.0, 4.2))
    low = [max(p - b, 0.0) for p, b in zip(power, band, strict=True)]
    high = [min(p + b, 1.0) for p, b in zip(power, band, strict=True)]
    ax.fill_between(effects, low, high, color="#1d70b8", alpha=0.2, linewidth=0)
    ax.plot(effects, power, color="#1d70b8", linewidth=2, label="simulated (±2 MC SE)")
    ax.plot(effects, closed_form, color="#d4351c", linestyle="--", linewidth=1.5,
            label="closed form (PowerUp!)")  # fmt: skip
    return _power_axes(
        fig, ax, target, "Effect on those who take part (standard deviations)", title
    )
