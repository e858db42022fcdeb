"""Agreement between coders, code by code.

The units are the transcripts' non-blank lines (speakers' turns). For each code, a coder's
value for a unit is 1 when one of their excerpts with that code (or a code beneath it) overlaps
the unit and 0 when it does not; a coder who has not worked on a transcript has no value for
its units. Krippendorff's alpha (nominal) uses every coder; Cohen's kappa is given when exactly
two coders worked (on the units both coded).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from hearten.process.codebook import entries
from hearten.process.models import CodingPass, Excerpt, Transcript
from hearten.process.transcripts import units
from hearten.stats.agreement import cohen_kappa, krippendorff_alpha
from hearten.trials.models import Trial


@dataclass(frozen=True, slots=True)
class CodeAgreement:
    """One code's agreement: ``units`` coded by two or more coders, ``applied`` how many of
    them any coder tagged with it, ``kappa`` and ``alpha`` (``None`` when undefined, e.g. no
    coder used the code)."""

    code: str
    path: str
    depth: int
    units: int
    applied: int
    kappa: float | None
    alpha: float | None


def per_code(trial: Trial) -> list[CodeAgreement]:
    """Agreement for each code of the codebook, in codebook order."""
    passes = list(CodingPass.objects.filter(transcript__trial=trial).values_list(
        "transcript_id", "coder_id"))  # fmt: skip
    coders = sorted({c for _, c in passes})
    worked = set(passes)
    transcripts = {t.id: units(t.text) for t in Transcript.objects.filter(trial=trial)}
    book = entries(trial)
    parent_path = {e.id: e.path for e in book}
    # excerpts count for their code and every code above it
    spans: dict[int, dict[tuple[int, int], list[tuple[int, int]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for code_id, tid, coder, start, end in Excerpt.objects.filter(
        transcript__trial=trial
    ).values_list("code_id", "transcript_id", "coder_id", "start", "end"):
        path = parent_path[code_id]
        for e in book:
            if path == e.path or path.startswith(e.path + " / "):
                spans[e.id][(tid, coder)].append((start, end))
    out = []
    for e in book:
        rows: list[list[int | None]] = [[] for _ in coders]
        for tid, unit_spans in transcripts.items():
            for u_start, u_end in unit_spans:
                for i, coder in enumerate(coders):
                    if (tid, coder) not in worked:
                        rows[i].append(None)
                        continue
                    hit = any(
                        s < u_end and u_start < t for s, t in spans[e.id].get((tid, coder), [])
                    )
                    rows[i].append(1 if hit else 0)
        pairable = [
            j for j in range(len(rows[0]) if rows else 0)
            if sum(r[j] is not None for r in rows) >= 2
        ]  # fmt: skip
        if not pairable:
            out.append(CodeAgreement(e.name, e.path, e.depth, 0, 0, None, None))
            continue
        applied = sum(1 for j in pairable if any(r[j] == 1 for r in rows))
        alpha = krippendorff_alpha(rows).alpha
        kappa = None
        if len(coders) == 2:
            kappa = cohen_kappa(rows[0], rows[1]).kappa
        out.append(CodeAgreement(e.name, e.path, e.depth, len(pairable), applied, kappa, alpha))
    return out
