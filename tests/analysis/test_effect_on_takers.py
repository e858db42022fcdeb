"""The effect on those who took part stores each arm's share who took part in one order, the
control arm first and then the arms in the order of their effects, whatever the order of the
dataset's rows (issue 27, item 4), so a run is reproducible."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hearten.analysis.uptake import cace


def _stored(order: list[int]) -> dict[str, Any]:
    rng = np.random.default_rng(7)
    arms = np.repeat(["letters", "control", "goals"], 30)
    took = np.where(arms == "control", 0.0, (rng.random(90) < 0.6).astype(float))
    used = pd.DataFrame(
        {"y": rng.normal(size=90) + took, "arm": arms, "stratum": "all", "cluster": range(90)}
    ).iloc[order]
    primary: Any = SimpleNamespace(used=used)
    plan: Any = SimpleNamespace(compliance="letter-delivered", alpha=0.05)
    made = cace(pd.Series(took).iloc[order], primary, "control", plan, "HC2", False)
    assert made is not None
    assert made.note is None
    return made.to_json()


def test_each_arm_s_share_who_took_part_is_stored_control_first_whatever_the_row_order() -> None:
    forward = _stored(list(range(90)))
    backward = _stored(list(range(89, -1, -1)))
    assert list(forward["took_part"]) == ["control", "goals", "letters"]
    assert [e["term"] for e in forward["effects"]] == ["goals", "letters"]
    assert list(backward["took_part"]) == list(forward["took_part"])
    assert backward["took_part"] == pytest.approx(forward["took_part"])
    assert [e["term"] for e in backward["effects"]] == ["goals", "letters"]
