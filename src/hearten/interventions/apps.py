from datetime import datetime
from typing import Any

from django.apps import AppConfig


class InterventionsConfig(AppConfig):
    name = "hearten.interventions"
    label = "interventions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hearten.trials.signals import participant_withdrawn

        def stop_deliveries(sender: Any, participant: Any, at: datetime, **kwargs: Any) -> None:
            from hearten.interventions.letters import stop_for

            stop_for(participant, now=at)  # stopped as of the withdrawal's clock

        participant_withdrawn.connect(stop_deliveries, weak=False)
        from hearten.trials.signals import participant_erased, trial_purged

        participant_erased.connect(_erase, weak=False)
        trial_purged.connect(_purge, weak=False)

        from hearten.interventions.models import Enrolment
        from hearten.interventions.programme_mail import ProgrammeMail
        from hearten.messaging.purposes import register

        register(Enrolment, ProgrammeMail())


def _erase(sender: Any, participant: Any, **kwargs: Any) -> dict[str, int]:
    """A withdrawn participant's letter and goals-programme place, work and engagement."""
    from hearten.interventions.models import Enrolment, Letter

    letters, _ = Letter.objects.filter(participant=participant).delete()
    programme, _ = Enrolment.objects.filter(participant=participant).delete()
    return {"letters": letters, "goals programme records": programme}


def _purge(sender: Any, trial: Any, at: datetime, **kwargs: Any) -> dict[str, int]:
    """Letters' personal lines and what people wrote in the programme go; its links stop, as
    of ``at`` (the purge's clock, sent with the signal)."""
    from hearten.interventions.models import Enrolment, Letter, ModuleWork
    from hearten.trials.privacy import forget_tokens

    lines = Letter.objects.filter(trial=trial).exclude(lines="").update(lines="")
    work, _ = ModuleWork.objects.filter(enrolment__trial=trial).delete()
    links = Enrolment.objects.filter(trial=trial, revoked_at=None).update(revoked_at=at)
    forget_tokens(Enrolment.objects.filter(trial=trial))
    return {"letters' personal lines": lines, "programme work": work, "programme links": links}
