"""WEMWBS and SWEMWBS: the Warwick–Edinburgh Mental Wellbeing Scales (14 and 7 items).

Items answered 1–5 over the last two weeks (Tennant et al. 2007, HQLO 5:63); no item is
reverse-keyed. WEMWBS is the sum (14–70). SWEMWBS's items are WEMWBS items 1, 2, 3, 6, 7, 9
and 11; its raw sum (7–35) is converted to the Rasch metric score with the table of
Stewart-Brown et al. (2009), HQLO 7:15, as Warwick requires for comparable results. No
missing-item rule is published and the table needs an integer total, so every item is
required (a project decision any analysis plan can state). Both need registration with
Warwick, and the copyright notice shown wherever they are used.
"""

from __future__ import annotations

from collections.abc import Mapping

from hearten.instruments.base import Instrument, Scale, items_of, scale_options

#: Raw total (7–35) to metric score, Stewart-Brown et al. (2009) Table 3.
RAW_TO_METRIC: Mapping[int, float] = {
    7: 7.00, 8: 9.51, 9: 11.25, 10: 12.40, 11: 13.33, 12: 14.08, 13: 14.75,
    14: 15.32, 15: 15.84, 16: 16.36, 17: 16.88, 18: 17.43, 19: 17.98, 20: 18.59,
    21: 19.25, 22: 19.98, 23: 20.73, 24: 21.54, 25: 22.35, 26: 23.21, 27: 24.11,
    28: 25.03, 29: 26.02, 30: 27.03, 31: 28.13, 32: 29.31, 33: 30.70, 34: 32.55,
    35: 35.00,
}  # fmt: skip

WEMWBS_TEXTS = (
    "I’ve been feeling optimistic about the future",
    "I’ve been feeling useful",
    "I’ve been feeling relaxed",
    "I’ve been feeling interested in other people",
    "I’ve had energy to spare",
    "I’ve been dealing with problems well",
    "I’ve been thinking clearly",
    "I’ve been feeling good about myself",
    "I’ve been feeling close to other people",
    "I’ve been feeling confident",
    "I’ve been able to make up my own mind about things",
    "I’ve been feeling loved",
    "I’ve been interested in new things",
    "I’ve been feeling cheerful",
)
SHORT_ITEMS = (1, 2, 3, 6, 7, 9, 11)
OPTIONS = scale_options(
    ["None of the time", "Rarely", "Some of the time", "Often", "All of the time"]
)
PROMPT = (
    "Below are some statements about feelings and thoughts. Please select the option that "
    "best describes your experience of each over the last 2 weeks."
)
SOURCE = (
    "Tennant et al. 2007, HQLO 5:63 (items); Stewart-Brown et al. 2009, HQLO 7:15 "
    "(SWEMWBS metric table); warwick.ac.uk/wemwbs (scoring)"
)


def _metric(scores: Mapping[str, float | None]) -> dict[str, float | None]:
    raw = scores.get("raw")
    return {"metric": None if raw is None else RAW_TO_METRIC[int(raw)]}


SWEMWBS = Instrument(
    name="swemwbs",
    title="Short Warwick–Edinburgh Mental Wellbeing Scale (SWEMWBS)",
    prompt=PROMPT,
    items=items_of("swemwbs", [WEMWBS_TEXTS[i - 1] for i in SHORT_ITEMS], OPTIONS),
    scales=(Scale("raw", tuple(range(1, 8)), "sum", 7),),
    derived=_metric,
    primary_score="metric",
    licence=(
        "Short Warwick Edinburgh Mental Wellbeing Scale (SWEMWBS) © NHS Health Scotland, "
        "University of Warwick and University of Edinburgh, 2008, all rights reserved."
    ),
    source=SOURCE,
    minutes=1.0,
    heading="How you have been feeling",
)

WEMWBS = Instrument(
    name="wemwbs",
    title="Warwick–Edinburgh Mental Wellbeing Scale (WEMWBS)",
    prompt=PROMPT,
    items=items_of("wemwbs", WEMWBS_TEXTS, OPTIONS),
    scales=(Scale("total", tuple(range(1, 15)), "sum", 14),),
    primary_score="total",
    licence=(
        "Warwick Edinburgh Mental Wellbeing Scale (WEMWBS) © NHS Health Scotland, University "
        "of Warwick and University of Edinburgh, 2006, all rights reserved."
    ),
    source=SOURCE,
    minutes=2.0,
    heading="How you have been feeling",
)
