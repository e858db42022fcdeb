"""The evaluator's interview pages: the transcripts with each one's coding, agreement per code,
and a transcript page where a coder tags words with a code.

Each coder sees only their own excerpts, so that two coders code independently and their
agreement means something. Only the trial's evaluators may open these pages; anyone else gets
"not found", with no hint that the trial exists.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from hearten.errors import HeartenError
from hearten.process.codebook import entries
from hearten.process.coding import code_of, finish, tag, tag_quote, untag
from hearten.process.models import CodingPass, Excerpt, SampleDraw, Transcript
from hearten.process.reliability import per_code
from hearten.process.sampling import flow
from hearten.process.transcripts import units
from hearten.trials.models import Trial


def _evaluated(request: HttpRequest, slug: str) -> Trial:
    from hearten.trials.concealment import trial_for

    found = trial_for(request.user, slug, ("evaluator",))
    if found is None:
        raise Http404("no such trial")
    return found[0]


@login_required
def interviews(request: HttpRequest, slug: str) -> HttpResponse:
    """The trial's transcripts, how far the signed-in coder has got, and agreement."""
    trial = _evaluated(request, slug)
    me = request.user.pk
    transcripts = Transcript.objects.filter(trial=trial).annotate(
        mine=Count("excerpts", filter=Q(excerpts__coder_id=me)),
        coders=Count("passes", distinct=True),
    )
    finished = set(
        CodingPass.objects.filter(
            transcript__trial=trial, coder_id=me, finished_at__isnull=False
        ).values_list("transcript_id", flat=True)
    )
    draw = SampleDraw.objects.filter(trial=trial).first()
    return render(
        request,
        "process/interviews.html",
        {
            "trial": trial,
            "transcripts": transcripts,
            "finished": finished,
            "agreement": per_code(trial),
            "flow": flow(draw) if draw else None,
        },
    )


@login_required
def interview(request: HttpRequest, slug: str, name: str) -> HttpResponse:
    """One transcript: its turns, a form to tag words with a code, the coder's own excerpts."""
    trial = _evaluated(request, slug)
    transcript = Transcript.objects.filter(trial=trial, name=name).first()
    if transcript is None:
        raise Http404("no such transcript")
    error = None
    if request.method == "POST":
        try:
            _act(request, trial, transcript)
            return redirect(request.path + "#your-excerpts")
        except HeartenError as e:
            error = str(e)
    mine = Excerpt.objects.filter(transcript=transcript, coder_id=request.user.pk).select_related(
        "code"
    )
    coding_pass = CodingPass.objects.filter(transcript=transcript, coder_id=request.user.pk).first()
    return render(
        request,
        "process/interview.html",
        {
            "trial": trial,
            "transcript": transcript,
            "turns": [(start, transcript.text[start:end]) for start, end in units(transcript.text)],
            "codes": entries(trial),
            "mine": mine,
            "finished": coding_pass is not None and coding_pass.finished_at is not None,
            "error": error,
            "posted": request.POST if error else {},
        },
        status=400 if error else 200,
    )


def _offset(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _act(request: HttpRequest, trial: Trial, transcript: Transcript) -> None:
    """Carry out the form's action: tag, remove an excerpt, finish or reopen."""
    post = request.POST
    if "remove" in post:
        untag(int(post["remove"]) if post["remove"].isdigit() else -1, request.user)
        return
    if "finish" in post or "reopen" in post:
        finish(transcript, request.user, reopen="reopen" in post, now=timezone.now())
        return
    if not post.get("code"):
        raise HeartenError("Choose the code to apply")
    code = code_of(trial, post["code"])
    quote = post.get("quote", "")
    start, end = _offset(post.get("start")), _offset(post.get("end"))
    if start is not None and end is not None and start < end <= len(transcript.text):
        selected = " ".join(transcript.text[start:end].split())
        if selected and selected == " ".join(quote.split()):
            tag(transcript, code, request.user, start, end)
            return
    if not quote.strip():
        raise HeartenError("Select the words to tag in the transcript, or type them exactly")
    tag_quote(transcript, code, request.user, quote.strip())
