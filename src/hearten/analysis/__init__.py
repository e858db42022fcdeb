"""Analysis: turn a trial's stored data into an analysis dataset and run its plan."""
