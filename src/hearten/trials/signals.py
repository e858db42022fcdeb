"""Signals other parts of Hearten listen to, so the trials layer need not know them."""

from django.dispatch import Signal

#: Sent with ``participant`` when someone withdraws; interventions stop what is undelivered.
participant_withdrawn = Signal()

#: Sent with ``participant`` inside the erasure's transaction; each part of Hearten deletes
#: what it holds about them and returns ``{what: rows deleted}``.
participant_erased = Signal()

#: Sent with ``trial`` inside the purge's transaction; each part deletes the identifiable data
#: it holds (contact details, free text, links) and returns ``{what: rows changed}``.
trial_purged = Signal()
