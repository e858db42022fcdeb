"""ONS4 personal wellbeing: four single items on 0–10, each reported on its own.

Wording of the GSS harmonised standard (gss.civilservice.gov.uk/policy-store/personal-well-being).
ONS forms no composite, so each item is its own score, with the ONS threshold bands: life
satisfaction, worthwhile and happiness 0–4 low, 5–6 medium, 7–8 high, 9–10 very high;
anxiety 0–1 very low, 2–3 low, 4–5 medium, 6–10 high. Anxiety is not reversed: a higher
score means more anxious. A missing item leaves only its own score empty.
"""

from __future__ import annotations

from hearten.instruments.base import Band, Instrument, Item, ResponseOption, Scale


def _zero_to_ten(low: str, high: str) -> tuple[ResponseOption, ...]:
    return tuple(
        ResponseOption(v, f"{v} – {low}" if v == 0 else f"{v} – {high}" if v == 10 else str(v))
        for v in range(11)
    )


POSITIVE_BANDS = (
    Band(0, 4, "low"),
    Band(5, 6, "medium"),
    Band(7, 8, "high"),
    Band(9, 10, "very high"),
)
ANXIETY_BANDS = (
    Band(0, 1, "very low"),
    Band(2, 3, "low"),
    Band(4, 5, "medium"),
    Band(6, 10, "high"),
)
NAMES = ("life_satisfaction", "worthwhile", "happiness", "anxiety")

ONS4 = Instrument(
    name="ons4",
    title="ONS personal wellbeing (ONS4)",
    prompt=(
        "Next are four questions about your feelings on aspects of your life. There are no "
        "right or wrong answers. Answer each on a scale of 0 to 10, where 0 is “not at all” "
        "and 10 is “completely”."
    ),
    items=(
        Item(
            "ons4_1",
            "Overall, how satisfied are you with your life nowadays?",
            _zero_to_ten("not at all satisfied", "completely satisfied"),
        ),
        Item(
            "ons4_2",
            "Overall, to what extent do you feel that the things you do in your "
            "life are worthwhile?",
            _zero_to_ten("not at all worthwhile", "completely worthwhile"),
        ),
        Item(
            "ons4_3",
            "Overall, how happy did you feel yesterday?",
            _zero_to_ten("not at all happy", "completely happy"),
        ),
        Item(
            "ons4_4",
            "Overall, how anxious did you feel yesterday?",
            _zero_to_ten("not at all anxious", "completely anxious"),
        ),
    ),
    scales=tuple(Scale(name, (n,), "mean", 1) for n, name in enumerate(NAMES, start=1)),
    bands={**{n: POSITIVE_BANDS for n in NAMES[:3]}, "anxiety": ANXIETY_BANDS},
    primary_score="life_satisfaction",
    licence="ONS personal wellbeing questions: Crown copyright, GSS harmonised standard.",
    source="GSS harmonised standard (2019); ONS thresholds (ONS FOI, score distributions)",
    minutes=1.0,
    heading="Your wellbeing",
)
