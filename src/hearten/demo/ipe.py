"""A small process evaluation for the demo's coffee and goals trials, through the real
services: an interview sample from a recorded seed, **synthetic** transcripts written for the
demo (labelled as such in the text, the database and the report), two coders whose coding
agrees imperfectly, agreement, and the framework matrix the report shows.

The transcripts are assembled from short lines written for each theme and arm; nothing in
them comes from a real interview.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from django.utils import timezone

from hearten.process.codebook import load_codebook
from hearten.process.coding import code_of, finish, tag
from hearten.process.sampling import draw_sample, record
from hearten.process.stages import describe
from hearten.process.transcripts import add_guide, upload
from hearten.trials.choices import Consent
from hearten.trials.models import Participant, Trial

CODERS = ("demo-coder-a", "demo-coder-b")  # the demo's accounts begin "demo-"
SYNTHETIC = "[Synthetic transcript written for the Hearten demo. Not a real interview.]"
#: Share of the consenting staff who agreed to be contacted for an interview (demo fiction).
CONTACTABLE = 0.6
#: How often each coder tags a line with the code it was written for; otherwise they miss
#: it, or (the second coder) choose a neighbouring code.
HIT = (0.93, 0.85)
WRONG = 0.05
GUIDE = """Topic guide (demo)
1. What did you receive from the study, if anything, and what did you make of it?
2. What got in the way of taking part?
3. What support for your wellbeing is there in your team day to day?
4. Did anything change in how valued you feel at work?
"""
CODEBOOK = """code,parent,definition
Feeling valued,,Whether the respondent feels noticed and appreciated by their employer
Noticed by managers,Feeling valued,Managers saw and named the respondent's work
Tokenism,Feeling valued,The gesture felt empty beside the pressures of the job
Barriers,,What stopped people taking part or benefiting
No time,Barriers,Caseload and deadlines left no time
Access,Barriers,Practical problems reaching the intervention
Usual practice,,Support that exists anyway: supervision, peer support, team rituals
"""


@dataclass(frozen=True, slots=True)
class Line:
    code: str
    text: str


LINES: dict[str, list[Line]] = {
    "treated": [
        Line(
            "Noticed by managers",
            "It was the first time anyone senior said they had seen "
            "the work we do on the duty desk.",
        ),
        Line("Noticed by managers", "Honestly it made me feel someone upstairs knew we existed."),
        Line(
            "Tokenism",
            "It was nice, but it does not change the fact that I hold twenty-four cases.",
        ),
        Line("Tokenism", "A gesture is fine, but what we need is more social workers."),
        Line(
            "No time",
            "I meant to use it, but by Thursday I had three visits and two reports "
            "due, so it slipped.",
        ),
        Line("Access", "The link did not open on the council laptop, so I gave up."),
        Line(
            "Usual practice",
            "Supervision is monthly, when it happens, and that is where I would raise anything.",
        ),
    ],
    "control": [
        Line(
            "Usual practice", "We have a team meeting on Mondays and sometimes someone brings cake."
        ),
        Line(
            "Usual practice",
            "Supervision is where you get any support, and it gets cancelled a lot.",
        ),
        Line("No time", "There is no time in the week for anything that is not a case."),
        Line("Tokenism", "Wellbeing emails go round, but nobody has the time to read them."),
        Line("Noticed by managers", "My team manager does say thank you, to be fair to her."),
    ],
}
FILLER = (
    "I suppose so, yes.",
    "It has been a busy few months in [LA-A], with the inspection coming.",
    "I would have to think about that.",
)


def _coders() -> list[Any]:
    from django.contrib.auth import get_user_model

    users = get_user_model()
    out = []
    for name in CODERS:
        user, made = users.objects.get_or_create(username=name)
        if made:
            user.set_unusable_password()
            user.save()
        out.append(user)
    return out


def _transcript(rng: np.random.Generator, treated: bool, site: str) -> tuple[str, list[Line]]:
    """A synthetic interview and the coded lines it holds, in order."""
    bank = LINES["treated" if treated else "control"]
    chosen = [bank[i] for i in sorted(rng.choice(len(bank), size=3, replace=False))]
    turns = [SYNTHETIC]
    questions = GUIDE.splitlines()[1:]
    for i, line in enumerate(chosen):
        turns.append(f"Interviewer: {questions[i % len(questions)][3:]}")
        filler = FILLER[int(rng.integers(len(FILLER)))].replace("[LA-A]", site)
        turns.append(f"Respondent: {line.text} {filler}")
    return "\n".join(turns) + "\n", chosen


def add_ipe(trial: Trial, seed: int, strata: list[str], per_stratum: int, now: datetime) -> int:
    """Run the demo's process evaluation on ``trial`` at ``now`` (the builder's clock); returns
    the transcripts stored."""
    rng = np.random.default_rng(seed)
    consenting = list(
        Participant.objects.filter(trial=trial, consent=Consent.CONSENTED)
        .order_by("pseudonym")
        .values_list("pseudonym", flat=True)
    )
    contactable = [p for p in consenting if rng.random() < CONTACTABLE]
    draw = draw_sample(trial, contactable, per_stratum, seed, strata, now=timezone.now())
    add_guide(trial, GUIDE, note="demo")
    load_codebook(trial, CODEBOOK)
    control = set(trial.arms.filter(is_control=True).values_list("name", flat=True))
    members = list(draw.members.select_related("participant__site").order_by("id"))
    about = describe(trial, [m.participant for m in members])
    coders = _coders()
    codes = {name: code_of(trial, name) for name in {ln.code for b in LINES.values() for ln in b}}
    stored = 0
    for m in members:
        who = m.participant.pseudonym
        record(trial, who, "invited", now)
        if rng.random() < 0.2:
            record(trial, who, "declined", now)
            continue
        record(trial, who, "agreed", now)
        text, lines = _transcript(rng, about[m.participant_id]["arm"] not in control,
                                  m.participant.site.code)  # fmt: skip
        t = upload(
            trial,
            f"INT-{stored + 1:02d}",
            text,
            mapping={m.participant.site.code: "[LA-A]"},
            interviewee=who,
            synthetic=True,
            now=now,
        )
        stored += 1
        for hit, coder in zip(HIT, coders, strict=True):
            start = 0
            for line in lines:
                start = t.text.index(line.text, start)
                end = start + len(line.text)
                if rng.random() < hit:
                    code = line.code
                    if coder is coders[1] and rng.random() < WRONG:
                        code = "Tokenism" if code != "Tokenism" else "No time"
                    tag(t, codes[code], coder, start, end)
                start = end
            finish(t, coder, now=now)
    return stored
