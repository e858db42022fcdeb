"""E-mails to participants: the outbox, its worker, retries and the mail status.

A small app below ``surveys`` and ``interventions``: each of them makes messages about its own
rows (a survey invitation, a goals-programme place) and registers how to write them
(:mod:`hearten.messaging.purposes`); this app stores, sends and retries them without knowing
what they are about.
"""
