from datetime import datetime
from typing import Any

from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "hearten.surveys"
    label = "surveys"
    verbose_name = "Surveys"

    def ready(self) -> None:
        from hearten.trials.signals import participant_erased, trial_purged

        participant_erased.connect(_erase, weak=False)
        trial_purged.connect(_purge, weak=False)

        from hearten.messaging.purposes import register
        from hearten.surveys.mail import SurveyMail
        from hearten.surveys.models import Invitation

        register(Invitation, SurveyMail())


def _erase(sender: Any, participant: Any, at: datetime, **kwargs: Any) -> dict[str, int]:
    """A withdrawn participant's answers and unsent e-mails go; their links stop working, as
    of ``at`` (the erasure's clock, sent with the signal)."""
    from hearten.messaging.models import Message, MessageStatus
    from hearten.surveys.models import Invitation, Response

    answers, _ = Response.objects.filter(invitation__participant=participant).delete()
    messages, _ = Message.objects.filter(
        invitation__participant=participant,
        status__in=[MessageStatus.PENDING, MessageStatus.FAILED],
    ).delete()
    Invitation.objects.filter(participant=participant, revoked_at=None).update(revoked_at=at)
    return {"survey answers": answers, "e-mails not yet sent": messages}


def _purge(sender: Any, trial: Any, at: datetime, **kwargs: Any) -> dict[str, int]:
    """Every link of the trial stops working (as of ``at``, the purge's clock, sent with the
    signal) and its token is replaced by a random one that was never sent; unsent e-mails go;
    free-text survey answers (comments) are removed."""
    from hearten.messaging.models import Message, MessageStatus
    from hearten.surveys.models import Invitation
    from hearten.trials.privacy import forget_tokens

    revoked = Invitation.objects.filter(wave__trial=trial, revoked_at=None).update(revoked_at=at)
    forget_tokens(Invitation.objects.filter(wave__trial=trial))
    messages, _ = Message.objects.filter(
        invitation__wave__trial=trial, status__in=[MessageStatus.PENDING, MessageStatus.FAILED]
    ).delete()
    from hearten.surveys.comments import purge_comments

    comments = purge_comments(trial.pk)
    return {"survey links revoked": revoked, "e-mails not yet sent": messages,
            "survey comments": comments}  # fmt: skip
