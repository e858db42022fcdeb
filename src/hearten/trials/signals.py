"""Signals other parts of Hearten listen to, so the trials layer need not know them.

Each is sent with ``at``: the sender's clock (a timezone-aware datetime, read once by the edge
that called the service), which a receiver stamps on what it changes (a link revoked, say)
instead of reading the clock itself (issue 27: time is an input)."""

from django.dispatch import Signal

#: Sent with ``participant`` and ``at`` when someone withdraws; interventions stop what is
#: undelivered.
participant_withdrawn = Signal()

#: Sent with ``participant`` and ``at`` inside the erasure's transaction; each part of
#: Hearten deletes what it holds about them and returns ``{what: rows deleted}``.
participant_erased = Signal()

#: Sent with ``trial`` and ``at`` inside the purge's transaction; each part deletes the
#: identifiable data it holds (contact details, free text, links) and returns
#: ``{what: rows changed}``.
trial_purged = Signal()
