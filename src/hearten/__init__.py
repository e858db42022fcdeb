"""Hearten: randomised trials of staff-wellbeing interventions, end to end."""

__version__ = "0.1.0"
