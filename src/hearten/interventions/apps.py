from typing import Any

from django.apps import AppConfig


class InterventionsConfig(AppConfig):
    name = "hearten.interventions"
    label = "interventions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hearten.trials.signals import participant_withdrawn

        def stop_deliveries(sender: Any, participant: Any, **kwargs: Any) -> None:
            from hearten.interventions.letters import stop_for

            stop_for(participant)

        participant_withdrawn.connect(stop_deliveries, weak=False)
