"""Interventions: recognition letters, the six-week goals programme and workplace perks,
each recording exactly who received what and when."""
