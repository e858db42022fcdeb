"""The plan's moderators of the primary effect, as a parallel trial's run stores them, typed.

:class:`ModeratorEffect` is one treatment-by-moderator interaction
(:class:`hearten.stats.moderators.ModeratorTerm`, stored by
:func:`hearten.analysis.moderators.moderators`), or, when the moderators could not be
estimated, a single one holding only ``note``. It is read from and written back to the
stored JSON exactly (:class:`~hearten.analysis.keyed.Keyed`).

This module imports nothing heavy (the report reads stored runs through it).
"""

from __future__ import annotations

from dataclasses import dataclass

from hearten.analysis.keyed import Keyed


@dataclass(frozen=True, slots=True)
class ModeratorEffect(Keyed):
    """One treatment-by-moderator interaction, or why there are none.

    Attributes:
        moderator: the moderator's name; level: the category compared with the first
            (``None`` for a numeric moderator, where the term is per unit).
        arm: the treatment arm.
        estimate, std_error, df, p_value, conf_low, conf_high: the interaction.
        adjusted_p: the Holm-adjusted p-value (``None`` for exploratory moderators).
        pre_registered: whether the plan named this moderator.
        note: why the moderators could not be estimated (then nothing else is stored).
    """

    moderator: str | None = None
    level: str | None = None
    arm: str | None = None
    estimate: float | None = None
    std_error: float | None = None
    df: float | None = None
    p_value: float | None = None
    conf_low: float | None = None
    conf_high: float | None = None
    adjusted_p: float | None = None
    pre_registered: bool | None = None
    note: str | None = None
