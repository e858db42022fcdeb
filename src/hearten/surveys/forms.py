"""The survey form, built from an instrument's one declaration."""

from __future__ import annotations

from typing import Any

from django import forms

from hearten.instruments import Instrument


class ConsentForm(forms.Form):
    consent = forms.ChoiceField(
        choices=[("yes", "Yes, I agree to take part"), ("no", "No, I do not want to take part")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether you agree to take part"},
    )


class InstrumentForm(forms.Form):
    """One required radio question per item of ``instrument``."""

    def __init__(self, instrument: Instrument, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        choices = [(str(o.value), o.label) for o in instrument.options]
        for number, item in enumerate(instrument.items, start=1):
            self.fields[item.key] = forms.TypedChoiceField(
                label=item.text,
                choices=choices,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={
                    "required": f"Answer question {number}: “{item.text}”",
                    "invalid_choice": f"Choose one of the answers for question {number}",
                },
            )

    def questions(self) -> list[dict[str, Any]]:
        """What the template needs for each question, in order."""
        out = []
        for number, item in enumerate(self.instrument.items, start=1):
            bound = self[item.key]
            out.append(
                {
                    "number": number,
                    "key": item.key,
                    "text": item.text,
                    "errors": bound.errors,
                    "value": str(bound.value() or ""),
                    "options": [(str(o.value), o.label) for o in self.instrument.options],
                }
            )
        return out
