"""What each kind of message is about, and how to write it: registered by the app above.

``messaging`` sends e-mails without knowing surveys or the goals programme. Each app that
makes messages registers a :class:`Purpose` for the model its messages are about (surveys for
``Invitation``, interventions for ``Enrolment``) in its ``AppConfig.ready``; the outbox asks
it whether a message is still wanted, how it reads, and what to do once it has gone.

Each purpose declares its closed set of kinds (:class:`MessageKind`: surveys'
``SurveyKind``, the programme's ``ProgrammeKind``), stored in ``Message.kind`` as text and read
back by :meth:`Purpose.kind`; :func:`queue` refuses a kind the purpose registered for the model
does not declare, with one line naming it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from django.contrib.contenttypes.models import ContentType
from django.db import models

from hearten.errors import DataError
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


class MessageKind(Protocol):
    """One kind of message as the app that writes it declares it (module docstring)."""

    @property
    def stored(self) -> str:
        """The kind as ``Message.kind`` stores it."""


class Purpose(Protocol):
    """How the app that made a message writes it (module docstring)."""

    def kind(self, stored: str) -> MessageKind:
        """The kind stored as ``stored``; a :class:`ValueError` for a kind this purpose does
        not write."""

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
    _PURPOSES[_key(model)] = purpose


def _key(model: type[models.Model]) -> tuple[str, str]:
    return (model._meta.app_label, model._meta.model_name or "")


def purpose_of(message: Message) -> Purpose | None:
    """The registered purpose of ``message`` (``None``: nothing registered writes it)."""
    ct = ContentType.objects.get_for_id(message.content_type_id)
    return _PURPOSES.get((ct.app_label, ct.model))


def checked(model: type[models.Model], kind: MessageKind) -> str:
    """``kind`` as stored, once the purpose registered for ``model`` has read it back as the
    same kind; else a :class:`DataError` naming it (nothing is queued)."""
    stored = kind.stored
    app, name = _key(model)
    unknown = f"unknown e-mail kind {stored!r} about {app}.{name}"
    purpose = _PURPOSES.get((app, name))
    if purpose is None:
        raise DataError(f"{unknown}: no app registered e-mails about it")
    try:
        read = purpose.kind(stored)
    except ValueError as exc:
        raise DataError(f"{unknown}: {exc}") from None
    if read != kind:
        raise DataError(f"{unknown}: not a kind its app declares")
    return stored


def queue(
    model: type[models.Model], rows: Iterable[tuple[int, int, MessageKind, datetime]]
) -> list[Message]:
    """Make a message for each ``(row id, participant id, kind, due)`` about rows of
    ``model``, each kind one its registered purpose declares (:func:`checked`); one that
    exists already (the same row and kind) is left as it is, so scheduling twice sends once.
    Returns the messages asked for, as ``bulk_create`` does."""
    ct = ContentType.objects.get_for_model(model)
    made = [
        Message(
            content_type=ct, object_id=pk, participant_id=person, kind=checked(model, kind),
            due_at=due,
        )
        for pk, person, kind, due in rows
    ]  # fmt: skip
    return Message.objects.bulk_create(made, ignore_conflicts=True)
