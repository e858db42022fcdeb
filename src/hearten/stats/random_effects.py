"""The random effects a stepped-wedge analysis model may have, spelled once (no numerical
imports, so the design file can name them without loading numpy)."""

from __future__ import annotations

from typing import Literal, get_args

from hearten.errors import DesignError

#: Cluster intercepts (Hussey and Hughes 2007), or cluster and cluster-by-period intercepts
#: (Hooper et al. 2016).
RandomEffects = Literal["cluster", "cluster-period"]


def check_random_effects(value: str) -> RandomEffects:
    """``value`` as a :data:`RandomEffects`, or a one-line error listing the choices."""
    if value not in get_args(RandomEffects):
        raise DesignError(
            f"random effects {value!r} is not one of {', '.join(get_args(RandomEffects))}"
        )
    return value  # type: ignore[return-value]
