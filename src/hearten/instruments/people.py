"""Feeling valued, belonging, intention to leave, motivation, and the single items that keep
structural causes of stress in view (caseload and supervision).

* **Feeling valued**: the 8-item Survey of Perceived Organizational Support (Eisenberger et
  al. 1986; short form of the highest-loading items), 0–6 agreement, items 2, 3, 5 and 7
  reversed, the mean; Hearten asks for 6 of 8. Free for research and practice. The wording
  of items 3, 6, 7 and 8 is from secondary sources: check it against the 36-item form.
* **Belonging**: the Belonging at Work Scale (Lee-Baggley et al. 2026, PLOS ONE 21(4), CC
  BY), seven items, one score (the mean; Hearten asks for 5 of 7). Its wording is not
  bundled: load it from the article (:func:`hearten.instruments.base.with_texts`).
* **Intention to leave**: the three items of Cammann et al. (1979, Michigan Organizational
  Assessment Questionnaire), 1–7 agreement, the mean (2 of 3 needed). Wording from
  secondary sources: check it before use.
* **Motivation**: intrinsic and prosocial motivation (four items each, Grant 2008, J Appl
  Psychol 93:48) and extrinsic motivation (four items), 1–7 agreement, each the mean (3 of 4
  needed). The wording is not bundled: load the version you have permission to use.
* **Caseload**: the number of children or families allocated (0–150), a single number.
* **Supervision**: how often formal supervision happens, from weekly to never (1–5).
"""

from __future__ import annotations

from hearten.instruments.base import Instrument, Item, Scale, items_of, scale_options

_AGREE_7 = scale_options(
    [
        "Strongly disagree",
        "Moderately disagree",
        "Slightly disagree",
        "Neither agree nor disagree",
        "Slightly agree",
        "Moderately agree",
        "Strongly agree",
    ]
)

VALUED = Instrument(
    name="valued",
    title="Feeling valued (Survey of Perceived Organizational Support, 8 items)",
    prompt="How much do you agree with each statement about the organisation you work for?",
    items=items_of(
        "valued",
        (
            "The organisation values my contribution to its well-being.",
            "The organisation fails to appreciate any extra effort from me.",
            "The organisation would ignore any complaint from me.",
            "The organisation really cares about my well-being.",
            "Even if I did the best job possible, the organisation would fail to notice.",
            "The organisation cares about my general satisfaction at work.",
            "The organisation shows very little concern for me.",
            "The organisation takes pride in my accomplishments at work.",
        ),
        scale_options([o.label for o in _AGREE_7], start=0),
        reverse=(2, 3, 5, 7),
    ),
    scales=(Scale("support", tuple(range(1, 9)), "mean", 6),),
    primary_score="support",
    licence="Survey of Perceived Organizational Support © Eisenberger et al.: free for "
    "research and practice, with citation.",
    source="Eisenberger et al. 1986; 8-item short form as in Worley, Fuqua & Hellman 2009",
    minutes=1.0,
    heading="Feeling valued at work",
)

BELONGING = Instrument(
    name="belonging",
    title="Belonging at Work Scale (7 items)",
    prompt="How much do you agree with each statement about your workplace?",
    items=items_of(
        "belonging", [f"Belonging item {n} (wording not bundled)" for n in range(1, 8)], _AGREE_7
    ),
    scales=(Scale("belonging", tuple(range(1, 8)), "mean", 5),),
    primary_score="belonging",
    licence="Belonging at Work Scale: Lee-Baggley et al. 2026, PLOS ONE 21(4), CC BY 4.0; "
    "cite the article.",
    source="Lee-Baggley, Bakour, Howatt, Gilin & Etezad 2026, PLOS ONE, "
    "doi:10.1371/journal.pone.0346786 (structure; wording and response labels from the "
    "article, loaded locally)",
    text_bundled=False,
    minutes=1.0,
    heading="Belonging at work",
)

TURNOVER = Instrument(
    name="turnover",
    title="Intention to leave (Michigan Organizational Assessment Questionnaire, 3 items)",
    prompt="How much do you agree with each statement?",
    items=items_of(
        "turnover",
        (
            "I often think about quitting this job.",
            "I will probably look for a new job in the next year.",
            "I am likely to actively look for a new job in the next year.",
        ),
        _AGREE_7,
    ),
    scales=(Scale("intention", (1, 2, 3), "mean", 2),),
    primary_score="intention",
    licence="Cammann, Fichman, Jenkins & Klesh 1979 (MOAQ): widely used with citation.",
    source="Cammann et al. 1979 (wording from secondary sources: check before use)",
    minutes=0.5,
    heading="Your plans",
)

MOTIVATION = Instrument(
    name="motivation",
    title="Work motivation: intrinsic, extrinsic and prosocial",
    prompt="Why are you motivated to do your work?",
    items=items_of(
        "motivation",
        [f"Motivation item {n} (wording not bundled)" for n in range(1, 13)],
        scale_options([o.label for o in _AGREE_7]),
    ),
    scales=(
        Scale("intrinsic", (1, 2, 3, 4), "mean", 3),
        Scale("extrinsic", (5, 6, 7, 8), "mean", 3),
        Scale("prosocial", (9, 10, 11, 12), "mean", 3),
    ),
    primary_score="prosocial",
    licence="Intrinsic and prosocial motivation after Grant 2008 (J Appl Psychol 93:48); "
    "use wording you have permission to use.",
    source="Grant 2008 (structure: items 1–4 intrinsic, 5–8 extrinsic, 9–12 prosocial); "
    "wording loaded locally",
    text_bundled=False,
    minutes=1.5,
    heading="Why you do your work",
)

CASELOAD = Instrument(
    name="caseload",
    title="Caseload",
    prompt="About your work now.",
    items=(
        Item(
            "caseload_1",
            "How many children or families are allocated to you at the moment?",
            kind="number",
            minimum=0,
            maximum=150,
        ),
    ),
    scales=(Scale("caseload", (1,), "sum", 1),),
    primary_score="caseload",
    licence="Hearten single item (free to use).",
    source="Single item, as in the DfE longitudinal study of child and family social workers",
    minutes=0.2,
    heading="Your caseload",
)

SUPERVISION = Instrument(
    name="supervision",
    title="Supervision frequency",
    prompt="About your work now.",
    items=(
        Item(
            "supervision_1",
            "How often do you have formal supervision with your manager?",
            scale_options(["Weekly", "Every two weeks", "Monthly", "Less than monthly", "Never"]),
        ),
    ),
    scales=(Scale("frequency", (1,), "sum", 1),),
    primary_score="frequency",
    licence="Hearten single item (free to use).",
    source="Single item (1 weekly … 5 never)",
    minutes=0.2,
    heading="Your supervision",
)
