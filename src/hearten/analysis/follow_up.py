"""The HR follow-up window: the plan's days from randomisation, fixed by the two.

The window's end is ``window_days - 1`` days after the day of randomisation, whatever day the
analysis runs, so re-running a locked plan gives the same numbers on any later day. A window
that has not run yet (its last day is today or later: that day's records may not be in) is not
analysed at all, rather than cut short: a 90-day window cut to the days so far would be another
outcome than the one the plan names, silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True, slots=True)
class FollowUp:
    """The window: ``start`` (the day of randomisation), ``end`` (its last day, inclusive),
    ``days`` (its length as the plan gives it)."""

    start: date
    end: date
    days: int

    def has_run(self, today: date) -> bool:
        """Every day of the window is over on ``today`` (the clock is the caller's)."""
        return today > self.end

    def not_run_note(self) -> str:
        """What the report says while the window has not run."""
        return (
            f"the plan's {self.days}-day follow-up window runs from randomisation on "
            f"{self.start:%d %B %Y} to {self.end:%d %B %Y}: HR outcomes are analysed once it "
            f"has run (from {self.end + timedelta(days=1):%d %B %Y})"
        )


def follow_up(randomised_on: date, window_days: int) -> FollowUp:
    """The window of ``window_days`` days from the day of randomisation."""
    return FollowUp(randomised_on, randomised_on + timedelta(days=window_days - 1), window_days)


def uptake_end(closed_on: date | None, closes_on: date | None, today: date) -> date:
    """The last day a perk counts towards taking part (``perk-exposed``): the day the primary
    outcome's wave closed (``closed_on``, by hand) or its closing date, once either has
    passed on ``today`` (the run's day), so a run on any later day counts the same days; while
    the wave is open, ``today``. Uptake after the outcome was measured cannot have caused it."""
    ends = [] if closed_on is None else [closed_on]
    if closes_on is not None and today > closes_on:  # open to the end of its closing day
        ends.append(closes_on)
    return min(ends) if ends else today
