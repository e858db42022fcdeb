"""Work engagement, burnout and working conditions: UWES-9, the CBI work-related burnout
subscale and the HSE Management Standards Indicator Tool.

* **UWES-9** (Schaufeli, Bakker & Salanova 2006): 0–6 frequency; vigour 1, 2, 5; dedication
  3, 4, 7; absorption 6, 8, 9; each score the item mean; nothing reversed. No missing-item
  rule is published: Hearten asks for 2 of 3 items per subscale and 7 of 9 for the total.
  Free for non-commercial scientific research (the UWES manual); other use needs the
  authors' written permission.
* **CBI work-related burnout** (Kristensen et al. 2005, Work & Stress 19:192): seven items
  valued 100/75/50/25/0, the last ("energy for family and friends") reversed; the score is
  the mean of the items answered, and fewer than three answered makes a non-responder.
  Free from the Danish National Research Centre for the Working Environment (NFA).
* **HSE Management Standards Indicator Tool** (HSE): 35 items valued 1–5 (frequency for
  1–23, agreement for 24–35), reverse-keyed 3, 5, 6, 9, 12, 14, 16, 18, 20, 21, 22 and 34, so
  that every scale's mean is higher for better conditions: demands, control, manager and
  peer support, relationships, role and change. Hearten asks for at least half of each
  scale's items. The item-to-scale mapping follows HSE's Analysis Tool as reproduced by
  several independent projects; check it against the HSE form before a trial relies on it.
"""

from __future__ import annotations

from hearten.instruments.base import Instrument, ResponseOption, Scale, items_of, scale_options

UWES_TEXTS = (
    "At my work, I feel bursting with energy",
    "At my job, I feel strong and vigorous",
    "I am enthusiastic about my job",
    "My job inspires me",
    "When I get up in the morning, I feel like going to work",
    "I feel happy when I am working intensely",
    "I am proud of the work that I do",
    "I am immersed in my work",
    "I get carried away when I’m working",
)
UWES9 = Instrument(
    name="uwes9",
    title="Utrecht Work Engagement Scale (UWES-9)",
    prompt="How often do you feel this way about your work?",
    items=items_of("uwes9", UWES_TEXTS, scale_options(
        ["Never", "Almost never (a few times a year or less)", "Rarely (once a month or less)",
         "Sometimes (a few times a month)", "Often (once a week)",
         "Very often (a few times a week)", "Always (every day)"], start=0)),
    scales=(
        Scale("vigour", (1, 2, 5), "mean", 2),
        Scale("dedication", (3, 4, 7), "mean", 2),
        Scale("absorption", (6, 8, 9), "mean", 2),
        Scale("total", tuple(range(1, 10)), "mean", 7),
    ),
    primary_score="total",
    licence="UWES © Schaufeli & Bakker: free for non-commercial scientific research.",
    source="Schaufeli, Bakker & Salanova 2006; UWES manual (items and subscales)",
    minutes=1.0,
    heading="How you feel about your work",
)  # fmt: skip

CBI_TEXTS = (
    "Is your work emotionally exhausting?",
    "Do you feel burnt out because of your work?",
    "Does your work frustrate you?",
    "Do you feel worn out at the end of the working day?",
    "Are you exhausted in the morning at the thought of another day at work?",
    "Do you feel that every working hour is tiring for you?",
    "Do you have enough energy for family and friends during leisure time?",
)
_DEGREE = (
    "To a very low degree",
    "To a low degree",
    "Somewhat",
    "To a high degree",
    "To a very high degree",
)
_FREQUENCY = ("Never or almost never", "Seldom", "Sometimes", "Often", "Always")


def _cbi_options(n: int) -> tuple[ResponseOption, ...]:
    labels = _DEGREE if n <= 3 else _FREQUENCY
    return tuple(ResponseOption(25 * i, label) for i, label in enumerate(labels))


CBI_WORK = Instrument(
    name="cbi_work",
    title="Copenhagen Burnout Inventory: work-related burnout",
    prompt="These questions are about your work.",
    items=items_of("cbi_work", CBI_TEXTS, _cbi_options, reverse=(7,)),
    scales=(Scale("burnout", tuple(range(1, 8)), "mean", 3),),
    primary_score="burnout",
    licence="Copenhagen Burnout Inventory, NFA (Danish National Research Centre for the "
    "Working Environment): free to use.",
    source="Kristensen et al. 2005, Work & Stress 19(3):192–207; NFA scoring note",
    minutes=1.0,
    heading="Tiredness and your work",
)

HSE_ITEMS = (
    ("I am clear what is expected of me at work", "role", False),
    ("I can decide when to take a break", "control", False),
    ("Different groups at work demand things from me that are hard to combine", "demands", True),
    ("I know how to go about getting my job done", "role", False),
    ("I am subject to personal harassment in the form of unkind words or behaviour",
     "relationships", True),
    ("I have unachievable deadlines", "demands", True),
    ("If work gets difficult, my colleagues will help me", "peer_support", False),
    ("I am given supportive feedback on the work I do", "manager_support", False),
    ("I have to work very intensively", "demands", True),
    ("I have a say in my own work speed", "control", False),
    ("I am clear what my duties and responsibilities are", "role", False),
    ("I have to neglect some tasks because I have too much to do", "demands", True),
    ("I am clear about the goals and objectives for my department", "role", False),
    ("There is friction or anger between colleagues", "relationships", True),
    ("I have a choice in deciding how I do my work", "control", False),
    ("I am unable to take sufficient breaks", "demands", True),
    ("I understand how my work fits into the overall aim of the organisation", "role", False),
    ("I am pressured to work long hours", "demands", True),
    ("I have a choice in deciding what I do at work", "control", False),
    ("I have to work very fast", "demands", True),
    ("I am subject to bullying at work", "relationships", True),
    ("I have unrealistic time pressures", "demands", True),
    ("I can rely on my line manager to help me out with a work problem", "manager_support", False),
    ("I get help and support I need from colleagues", "peer_support", False),
    ("I have some say over the way I work", "control", False),
    ("I have sufficient opportunities to question managers about change at work", "change",
     False),
    ("I receive the respect at work I deserve from my colleagues", "peer_support", False),
    ("Staff are always consulted about change at work", "change", False),
    ("I can talk to my line manager about something that has upset or annoyed me about work",
     "manager_support", False),
    ("My working time can be flexible", "control", False),
    ("My colleagues are willing to listen to my work-related problems", "peer_support", False),
    ("When changes are made at work, I am clear how they will work out in practice", "change",
     False),
    ("I am supported through emotionally demanding work", "manager_support", False),
    ("Relationships at work are strained", "relationships", True),
    ("My line manager encourages me at work", "manager_support", False),
)  # fmt: skip
HSE_SCALES = (
    "demands",
    "control",
    "manager_support",
    "peer_support",
    "relationships",
    "role",
    "change",
)
_OFTEN = scale_options(["Never", "Seldom", "Sometimes", "Often", "Always"])
_AGREE = scale_options(["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"])


def _hse_scales() -> tuple[Scale, ...]:
    out = []
    for name in HSE_SCALES:
        members = tuple(n for n, (_, s, _) in enumerate(HSE_ITEMS, start=1) if s == name)
        out.append(Scale(name, members, "mean", (len(members) + 1) // 2))
    return tuple(out)


HSE_INDICATOR = Instrument(
    name="hse_indicator",
    title="HSE Management Standards Indicator Tool",
    prompt="Thinking about the last six months, how much do you agree with each statement?",
    items=items_of(
        "hse_indicator",
        [t for t, _, _ in HSE_ITEMS],
        lambda n: _OFTEN if n <= 23 else _AGREE,
        reverse=[n for n, (_, _, r) in enumerate(HSE_ITEMS, start=1) if r],
    ),
    scales=_hse_scales(),
    primary_score="demands",
    licence="HSE Management Standards Indicator Tool: Crown copyright, Open Government "
    "Licence v3.0.",
    source="HSE Management Standards Indicator Tool user manual (items, scales, keying as "
    "reproduced by independent projects; check against the HSE form)",
    minutes=4.0,
    heading="Your working conditions",
)
