from typing import Any

from django.apps import AppConfig


class HrConfig(AppConfig):
    name = "hearten.hr"
    label = "hr"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hearten.trials.signals import participant_erased

        participant_erased.connect(_erase, weak=False)


def _erase(sender: Any, participant: Any, **kwargs: Any) -> dict[str, int]:
    """Every HR record of a participant whose data are erased."""
    from hearten.hr.models import (
        AbsenceSpell,
        CaseloadSnapshot,
        ContractChange,
        Leaver,
        Supervision,
    )

    deleted = 0
    for model in (AbsenceSpell, Leaver, ContractChange, CaseloadSnapshot, Supervision):
        n, _ = model.objects.filter(participant=participant).delete()
        deleted += n
    return {"HR records": deleted}
