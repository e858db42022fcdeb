"""Coding: a coder tags a span of a transcript with a code; each coder works separately."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from hearten.errors import DataError, NotFound, StateError
from hearten.process.models import Code, CodingPass, Excerpt, Transcript
from hearten.trials.models import Trial


def transcript_of(trial: Trial, name: str) -> Transcript:
    """The trial's transcript called ``name``."""
    found = Transcript.objects.filter(trial=trial, name=name).first()
    if found is None:
        known = ", ".join(Transcript.objects.filter(trial=trial).values_list("name", flat=True))
        raise NotFound(f"no transcript {name!r} in {trial.slug}: " + (known or "upload one first"))
    return found


def code_of(trial: Trial, name: str) -> Code:
    """The trial's code called ``name``."""
    found = Code.objects.filter(trial=trial, name=name).first()
    if found is None:
        raise NotFound(f"no code {name!r} in the codebook of {trial.slug}: add it first")
    return found


@transaction.atomic
def tag(transcript: Transcript, code: Code, coder: Any, start: int, end: int) -> Excerpt:
    """Tag characters ``start`` to ``end`` (end exclusive) of ``transcript`` with ``code``."""
    if code.trial_id != transcript.trial_id:
        raise DataError(f"code {code.name!r} belongs to another trial's codebook")
    if not 0 <= start < end <= len(transcript.text):
        raise DataError(
            f"an excerpt must lie within the transcript (0 to {len(transcript.text)}) "
            f"and not be empty; got {start} to {end}"
        )
    coding_pass, _ = CodingPass.objects.get_or_create(transcript=transcript, coder=coder)
    if coding_pass.finished_at is not None:
        raise StateError(
            f"{coder.get_username()} marked {transcript.name} as finished; reopen it to code more"
        )
    # trim surrounding white space so that the same words selected twice are one span
    text = transcript.text
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end:
        raise DataError("the excerpt is only white space: select some words")
    return Excerpt.objects.create(
        transcript=transcript, code=code, coder=coder, start=start, end=end
    )


def tag_quote(
    transcript: Transcript, code: Code, coder: Any, quote: str, occurrence: int = 1
) -> Excerpt:
    """Tag the ``occurrence``-th place ``quote`` appears in the transcript."""
    at = -1
    for _ in range(occurrence):
        at = transcript.text.find(quote, at + 1)
        if at < 0:
            raise NotFound(
                f"{transcript.name} does not contain {quote!r}"
                + (f" {occurrence} times" if occurrence > 1 else "")
                + ": copy the words exactly as the transcript has them"
            )
    return tag(transcript, code, coder, at, at + len(quote))


@transaction.atomic
def untag(excerpt_id: int, coder: Any) -> None:
    """Remove one of ``coder``'s own excerpts."""
    n, _ = Excerpt.objects.filter(id=excerpt_id, coder=coder).delete()
    if not n:
        raise NotFound(f"no excerpt {excerpt_id} of yours to remove")


@transaction.atomic
def finish(
    transcript: Transcript, coder: Any, reopen: bool = False, *, now: datetime
) -> CodingPass:
    """Mark ``coder``'s pass over ``transcript`` as finished at ``now`` (the caller's clock),
    or open it again."""
    coding_pass, _ = CodingPass.objects.get_or_create(transcript=transcript, coder=coder)
    coding_pass.finished_at = None if reopen else now
    coding_pass.save(update_fields=["finished_at"])
    return coding_pass
