"""The demo programme: a realistic recognition-letters trial, simulated end to end."""
