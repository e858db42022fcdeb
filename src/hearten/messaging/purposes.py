"""What each kind of message is about, and how to write it: registered by the app above.

``messaging`` sends e-mails without knowing surveys or the goals programme. Each app that
makes messages registers a :class:`Purpose` for the model its messages are about (surveys for
``Invitation``, interventions for ``Enrolment``) in its ``AppConfig.ready``; the outbox asks
it whether a message is still wanted, how it reads, and what to do once it has gone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from django.contrib.contenttypes.models import ContentType
from django.db import models

from hearten.messaging.models import Message


@dataclass(frozen=True, slots=True)
class Draft:
    """One e-mail as it will go: its subject and plain-text body, the page where the person
    leaves the study (the ``List-Unsubscribe`` header), the study's contact address for
    ``Reply-To`` ("" when the study has none) and ``stop``, the person's one-click "no more
    e-mails" address (``hearten.messaging.stops``; "" when it has none): when given, it is the
    ``List-Unsubscribe`` header instead, with ``List-Unsubscribe-Post`` (RFC 8058)."""

    subject: str
    body: str
    leave: str
    reply_to: str
    stop: str = ""


class Purpose(Protocol):
    """How the app that made a message writes it (module docstring)."""

    def unwanted(self, message: Message, now: datetime) -> str | None:
        """Why ``message`` should not go any more at ``now`` (the send's clock; a short note
        kept on it), or ``None``."""

    def draft(self, message: Message, now: datetime) -> Draft:
        """The e-mail ``message`` is when it goes at ``now`` (the send's clock)."""

    def sent(self, message: Message, now: datetime) -> None:
        """What follows once ``message`` has gone at ``now`` (the send's clock): nothing, or
        an engagement event stamped with it."""


_PURPOSES: dict[tuple[str, str], Purpose] = {}


def register(model: type[models.Model], purpose: Purpose) -> None:
    """Messages about rows of ``model`` are written by ``purpose``."""
    _PURPOSES[(model._meta.app_label, model._meta.model_name or "")] = purpose


def purpose_of(message: Message) -> Purpose | None:
    """The registered purpose of ``message`` (``None``: nothing registered writes it)."""
    ct = ContentType.objects.get_for_id(message.content_type_id)
    return _PURPOSES.get((ct.app_label, ct.model))


def queue(
    model: type[models.Model], rows: Iterable[tuple[int, int, str, datetime]]
) -> list[Message]:
    """Make a message for each ``(row id, participant id, kind, due)`` about rows of
    ``model``; one that exists already (the same row and kind) is left as it is, so
    scheduling twice sends once. Returns the messages asked for, as ``bulk_create`` does."""
    ct = ContentType.objects.get_for_model(model)
    return Message.objects.bulk_create(
        [
            Message(content_type=ct, object_id=pk, participant_id=person, kind=kind, due_at=due)
            for pk, person, kind, due in rows
        ],
        ignore_conflicts=True,
    )
