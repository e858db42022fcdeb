"""Trials: the trial, its arms, sites, teams, offices, participants and allocation."""
