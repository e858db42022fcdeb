"""Figures for reports, drawn with matplotlib as SVG text to embed in HTML."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

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
    out = io.StringIO()
    fig.savefig(out, format="svg", metadata={"Date": None}, bbox_inches="tight")
    plt.close(fig)
    svg = out.getvalue()
    return svg[svg.index("<svg") :]
