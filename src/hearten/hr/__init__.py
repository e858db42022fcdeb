"""HR records: sickness absence, leavers, contract changes, caseloads, supervision and team
rates, imported from councils' own exports, pseudonymised, and turned into outcomes."""
