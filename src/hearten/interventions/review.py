"""The evaluator's fidelity review of recognition letters.

The evaluator draws a sample: up to ``per_writer`` letters of each writer, at random, from
the letters that have passed every check (ready, sent for printing, printed, posted or
e-mailed) and are neither waiting for review nor accepted already. The draw uses a recorded
seed (``numpy.random.default_rng``; each writer's letters in study-code order, writers in
username order), and the pool it was drawn from is stored with it, so :func:`redraw` repeats
it exactly and anyone can check that nobody picked the letters by hand.

The evaluator reads each sampled letter as it will be printed and **accepts** it or
**returns** it to its writer with a comment. A returned letter is taken out of printing
(status ``returned``); its writer sees the comment on their letters page and rewrites it,
and once it passes the checks again it can be sent and sampled again. A letter already posted
or e-mailed cannot be returned. Drawing and every verdict are audited.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from datetime import datetime
from typing import Any

from django.db import transaction

from hearten.errors import DataError, NotFound, StateError
from hearten.interventions.models import Letter, LetterReview, LetterSample, Verdict
from hearten.trials import audit
from hearten.trials.models import Trial

#: Letters that have passed every check and can be reviewed.
REVIEWABLE = ("ready", "approved", "printed", "posted", "emailed")
#: Letters that can still be taken back from printing.
RETURNABLE = ("ready", "approved", "printed")
#: The most letters per writer one sample may hold.
MAX_PER_WRITER = 20


def choose(pool: dict[str, list[str]], per_writer: int, seed: int) -> dict[str, list[str]]:
    """Up to ``per_writer`` of each writer's letters, drawn without replacement with
    ``seed``: writers in sorted order, each writer's letters sorted, one stream for all."""
    import numpy as np

    rng = np.random.default_rng(seed)
    out = {}
    for writer in sorted(pool):
        letters = sorted(pool[writer])
        k = min(per_writer, len(letters))
        picked = rng.choice(len(letters), size=k, replace=False).tolist() if k else []
        out[writer] = sorted(letters[int(i)] for i in picked)
    return out


def _evaluator(user: Any, trial: Trial) -> None:
    if not trial.evaluators.filter(pk=user.pk).exists():
        raise StateError("only the trial's evaluators review letters")


def draw_sample(
    user: Any, trial: Trial, per_writer: int, seed: int | None = None, *, now: datetime
) -> LetterSample:
    """Draw a review sample (module docstring); ``seed`` defaults to a fresh random one,
    which is recorded."""
    _evaluator(user, trial)
    if not 1 <= per_writer <= MAX_PER_WRITER:
        raise DataError(f"choose between 1 and {MAX_PER_WRITER} letters per writer")
    busy = LetterReview.objects.filter(
        letter__trial=trial, verdict__in=[Verdict.PENDING, Verdict.ACCEPTED]
    ).values_list("letter_id", flat=True)
    letters = (
        Letter.objects.filter(trial=trial, status__in=REVIEWABLE)
        .exclude(id__in=list(busy))
        .select_related("writer", "participant")
    )
    pool: dict[str, list[str]] = defaultdict(list)
    by_code = {}
    for letter in letters:
        pool[letter.writer.get_username()].append(letter.participant.pseudonym)
        by_code[letter.participant.pseudonym] = letter
    if not pool:
        raise StateError(
            "no letter is waiting for review: letters join the pool once they pass every check"
        )
    seed = secrets.randbits(32) if seed is None else seed
    chosen = choose(dict(pool), per_writer, seed)
    with transaction.atomic():
        sample = audit.create_recorded(
            trial,
            "letter-sample-drawn",
            LetterSample,
            lambda drawn: {
                "sample": drawn.pk,
                "seed": seed,
                "per_writer": per_writer,
                "writers": len(pool),
                "letters": sum(len(cs) for cs in chosen.values()),
            },
            trial=trial,
            seed=seed,
            per_writer=per_writer,
            pool={w: sorted(codes) for w, codes in pool.items()},
            drawn_by=user,
            drawn_at=now,
            at=now,
        )
        LetterReview.objects.bulk_create(
            [LetterReview(sample=sample, letter=by_code[c]) for cs in chosen.values() for c in cs]
        )
    return sample


def redraw(sample: LetterSample) -> dict[str, list[str]]:
    """The sample drawn again from its stored pool and seed (equal to the letters it holds
    unless someone changed them)."""
    return choose(sample.pool, sample.per_writer, sample.seed)


def sampled(sample: LetterSample) -> dict[str, list[str]]:
    """The letters the sample holds, as ``redraw`` returns them."""
    out: dict[str, list[str]] = {w: [] for w in sample.pool}
    for r in sample.reviews.select_related("letter__participant", "letter__writer"):
        out[r.letter.writer.get_username()].append(r.letter.participant.pseudonym)
    return {w: sorted(cs) for w, cs in out.items()}


def review_letter(
    user: Any, review: LetterReview, verdict: str, comment: str, *, now: datetime
) -> LetterReview:
    """Accept a sampled letter, or return it to its writer with ``comment`` (module
    docstring), at ``now`` (the caller's clock, recorded as the time it was reviewed)."""
    trial = review.sample.trial
    _evaluator(user, trial)
    try:
        chosen = Verdict(verdict)
    except ValueError:
        raise DataError("choose whether to accept the letter or return it to its writer") from None
    if chosen is Verdict.PENDING:
        raise DataError("choose whether to accept the letter or return it to its writer")
    if review.verdict != Verdict.PENDING:
        raise StateError(f"this letter was {review.get_verdict_display()} already")
    comment = comment.strip()
    letter = review.letter
    if chosen is Verdict.RETURNED:
        if not comment:
            raise DataError("say what the writer should change: a returned letter needs a comment")
        if letter.status not in RETURNABLE:
            raise StateError(
                f"this letter was {letter.status} already, so it cannot be returned: accept it "
                "or note the problem for the report"
            )
    with transaction.atomic():
        if chosen is Verdict.RETURNED:
            updated = Letter.objects.filter(pk=letter.pk, status__in=RETURNABLE).update(
                status="returned", approved_at=None, printed_at=None
            )
            if not updated:
                raise StateError("this letter changed meanwhile: open it again")
        LetterReview.objects.filter(pk=review.pk).update(
            verdict=chosen, comment=comment, reviewer=user, reviewed_at=now
        )
        audit.record(
            trial,
            "letter-reviewed",
            {"participant": letter.participant.pseudonym, "verdict": str(chosen)},
            at=now,
        )
    review.refresh_from_db()
    return review


def review_of(user: Any, trial: Trial, pk: int) -> LetterReview:
    """A review of ``trial`` the evaluator ``user`` may open."""
    _evaluator(user, trial)
    found = (
        LetterReview.objects.filter(pk=pk, sample__trial=trial)
        .select_related("letter__participant", "letter__writer", "sample")
        .first()
    )
    if found is None:
        raise NotFound("no such letter in this trial's review samples")
    return found


def returned_comment(letter: Letter) -> str:
    """The evaluator's comment when ``letter`` is returned to its writer; "" otherwise."""
    if letter.status != "returned":
        return ""
    last = letter.reviews.filter(verdict=Verdict.RETURNED).order_by("-reviewed_at").first()
    return last.comment if last else ""
