"""The survey forms, built from an instrument's one declaration."""

from __future__ import annotations

from typing import Any

from django import forms

from hearten.instruments import Instrument
from hearten.instruments.base import plain_whole


class ConsentForm(forms.Form):
    """Taking part (yes or no) and, for those who agree, the design's further statements."""

    consent = forms.ChoiceField(
        choices=[("yes", "Yes, I agree to take part"), ("no", "No, I do not want to take part")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether you agree to take part"},
    )
    hr = forms.BooleanField(required=False)
    interview = forms.BooleanField(required=False)


class WholeNumberField(forms.IntegerField):
    """A whole number in its plain form only (``instruments.base.plain_whole``): Django's own
    field would take ``3.0`` and full-width digits, which the instrument refuses."""

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        number = plain_whole(value)
        if number is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class InstrumentForm(forms.Form):
    """One required question per item of ``instrument``: radios, or a whole number."""

    def __init__(self, instrument: Instrument, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        for item in instrument.items:
            if item.kind == "number":
                self.fields[item.key] = WholeNumberField(
                    label=item.text,
                    min_value=item.minimum,
                    max_value=item.maximum,
                    error_messages={
                        "required": f"Enter a number for “{item.text}”",
                        "invalid": f"Enter a whole number for “{item.text}”, like 12",
                        "min_value": f"The answer to “{item.text}” must be {item.minimum} or more",
                        "max_value": f"The answer to “{item.text}” must be {item.maximum} or fewer",
                    },
                )
                continue
            self.fields[item.key] = forms.TypedChoiceField(
                label=item.text,
                choices=[(str(o.value), o.label) for o in item.options],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={
                    "required": f"Answer “{item.text}”",
                    "invalid_choice": f"Choose one of the answers to “{item.text}”",
                },
            )

    def questions(self) -> list[dict[str, Any]]:
        """What the template needs for each question, in order."""
        out = []
        for number, item in enumerate(self.instrument.items, start=1):
            bound = self[item.key]
            value = bound.value()
            out.append(
                {
                    "number": number,
                    "key": item.key,
                    "text": item.text,
                    "kind": item.kind,
                    "errors": bound.errors,
                    "value": "" if value is None else str(value),
                    "options": [(str(o.value), o.label) for o in item.options],
                }
            )
        return out
