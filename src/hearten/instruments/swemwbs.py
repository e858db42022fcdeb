"""SWEMWBS: the Short Warwick–Edinburgh Mental Wellbeing Scale (7 items).

Items are WEMWBS items 1, 2, 3, 6, 7, 9 and 11, answered 1–5. The raw sum (7–35) is
converted to the Rasch metric score with the table of Stewart-Brown et al. (2009),
Health and Quality of Life Outcomes 7:15, as Warwick requires for comparable results.
No missing-item rule is published and the table needs an integer total, so all seven
items are required.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from hearten.instruments.base import Instrument, Item, ResponseOption

#: Raw total (7–35) to metric score, Stewart-Brown et al. (2009) Table 3.
RAW_TO_METRIC: Mapping[int, float] = {
    7: 7.00, 8: 9.51, 9: 11.25, 10: 12.40, 11: 13.33, 12: 14.08, 13: 14.75,
    14: 15.32, 15: 15.84, 16: 16.36, 17: 16.88, 18: 17.43, 19: 17.98, 20: 18.59,
    21: 19.25, 22: 19.98, 23: 20.73, 24: 21.54, 25: 22.35, 26: 23.21, 27: 24.11,
    28: 25.03, 29: 26.02, 30: 27.03, 31: 28.13, 32: 29.31, 33: 30.70, 34: 32.55,
    35: 35.00,
}  # fmt: skip

_TEXTS = (
    "I’ve been feeling optimistic about the future",
    "I’ve been feeling useful",
    "I’ve been feeling relaxed",
    "I’ve been dealing with problems well",
    "I’ve been thinking clearly",
    "I’ve been feeling close to other people",
    "I’ve been able to make up my own mind about things",
)


def _score(values: Sequence[int]) -> Mapping[str, float]:
    raw = sum(values)
    return {"raw": float(raw), "metric": RAW_TO_METRIC[raw]}


SWEMWBS = Instrument(
    name="swemwbs",
    title="Short Warwick–Edinburgh Mental Wellbeing Scale (SWEMWBS)",
    prompt=(
        "Below are some statements about feelings and thoughts. Please select the option "
        "that best describes your experience of each over the last 2 weeks."
    ),
    items=tuple(Item(f"swemwbs_{i}", text) for i, text in enumerate(_TEXTS, start=1)),
    options=(
        ResponseOption(1, "None of the time"),
        ResponseOption(2, "Rarely"),
        ResponseOption(3, "Some of the time"),
        ResponseOption(4, "Often"),
        ResponseOption(5, "All of the time"),
    ),
    scores=("raw", "metric"),
    primary_score="metric",
    licence=(
        "Short Warwick Edinburgh Mental Wellbeing Scale (SWEMWBS) © NHS Health Scotland, "
        "University of Warwick and University of Edinburgh, 2008, all rights reserved."
    ),
    missing_rule="All 7 items are required; the metric conversion needs a complete raw total.",
    scorer=_score,
)
