from typing import Any

from django.apps import AppConfig


class ProcessConfig(AppConfig):
    name = "hearten.process"
    label = "process"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hearten.trials.signals import participant_erased, trial_purged

        participant_erased.connect(_erase, weak=False)
        trial_purged.connect(_purge, weak=False)


def _erase(sender: Any, participant: Any, **kwargs: Any) -> dict[str, int]:
    """An erased participant's place in an interview sample and their transcripts."""
    from hearten.process.models import SampleMember, Transcript

    transcripts, _ = Transcript.objects.filter(participant=participant).delete()
    members, _ = SampleMember.objects.filter(participant=participant).delete()
    return {"interview transcripts and sample places": transcripts + members}


def _purge(sender: Any, trial: Any, **kwargs: Any) -> dict[str, int]:
    """A purged trial's free text: transcripts (and their coding) go, and deliverers' "what
    was hard" answers are emptied."""
    from hearten.process.models import DelivererAnswer, Transcript

    n, _ = Transcript.objects.filter(trial=trial).delete()
    hard = DelivererAnswer.objects.filter(trial=trial).exclude(hard="").update(hard="")
    return {"interview transcripts": n, "deliverers' free-text answers": hard}
