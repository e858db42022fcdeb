"""Signals other parts of Hearten listen to, so the trials layer need not know them."""

from django.dispatch import Signal

#: Sent with ``participant`` when someone withdraws; interventions stop what is undelivered.
participant_withdrawn = Signal()
