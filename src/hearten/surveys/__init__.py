"""Surveys: waves, invitations (personal links), consent and responses."""
