"""The demo participants' answers to their trial's own questions (the `[[questions]]` pages of
``coffee.toml``, ``goals.toml`` and ``caseload.toml``): how valued they feel, the control
arm's usual practice (in the stepped-wedge trial, asked in a team's periods before it starts),
how the change went once started, and now and then a comment, written for the demo (none
comes from a real person).

The answers are drawn from their own generator, seeded from the trial's slug, so adding them
leaves every other simulated number of the demo as it was. Every answer is sent through the
survey's own service; the server keeps only what each person is asked (an item for the control
arm sent for someone else is dropped, as a tampered form would be).
"""

from __future__ import annotations

import zlib
from datetime import datetime

import numpy as np

from hearten.instruments import REGISTRY
from hearten.surveys.models import Invitation
from hearten.surveys.services import save_page

#: Comments written for the demo, a few of them the kind the evaluator is alerted to.
COMMENTS = (
    "It was nice to be asked. Caseloads are the real problem in our team.",
    "Supervision keeps being cancelled because of duty cover.",
    "We sat down together more often this term, which helped.",
    "More admin support would make the biggest difference.",
    "I feel picked on at team meetings and dread going in.",
    "The survey was quick to do on my phone.",
    "Agency cover leaves the rest of us holding extra cases.",
    "Good to have something that says thank you, even a small thing.",
)
#: What a control-arm participant who answered "Yes" to the usual-practice question says it
#: was, by trial.
USUAL = {
    "demo-coffee": "A thank-you card from my team manager.",
    "demo-goals": "A wellbeing app I found myself, for a few weeks.",
    "demo-caseload": "Our manager moved two of my cases to a colleague for a month.",
}
#: How often the caseload limit held, by the people of teams that had started the change
#: (Always, Mostly, Sometimes, Never), for the trial that asks it.
KEPT = {"demo-caseload": (0.3, 0.45, 0.2, 0.05)}
#: Share of people who write a comment.
COMMENTING = 0.3


def own_generator(slug: str) -> np.random.Generator:
    """The demo's generator for these answers (module docstring)."""
    return np.random.default_rng(zlib.crc32(f"own-questions:{slug}".encode()))


def answer_own_questions(
    inv: Invitation, rng: np.random.Generator, slug: str, now: datetime
) -> None:
    """Answer every page of the trial's own questions in ``inv``'s wave (of trial ``slug``)
    at ``now`` (the demo's clock)."""
    for page in inv.wave.pages:
        if page in REGISTRY:
            continue
        answers: dict[str, object] = {
            "valued": int(rng.choice([1, 2, 3, 4, 5], p=[0.1, 0.2, 0.3, 0.3, 0.1])),
            "usual": int(rng.choice([1, 2, 3], p=[0.2, 0.7, 0.1])),
        }
        if answers["usual"] == 1:
            answers["usual_what"] = USUAL.get(slug, "Something similar.")
        if slug in KEPT:  # drawn only for the trial that asks it: the others' draws stay
            answers["kept"] = int(rng.choice([1, 2, 3, 4], p=KEPT[slug]))
        if rng.random() < COMMENTING:
            answers["comment"] = COMMENTS[int(rng.integers(len(COMMENTS)))]
        save_page(inv, page, answers, now=now)
