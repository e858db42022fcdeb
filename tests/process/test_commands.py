"""``hearten ipe`` as an evaluator types it: from a Word transcript to the framework matrix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import docx
import pytest

from hearten.process.models import Transcript

pytestmark = pytest.mark.django_db


def test_an_evaluator_goes_from_a_word_transcript_to_agreement_and_the_matrix(
    hearten: Callable[..., Any],
    named_trial: Any,
    coders: tuple[Any, Any],
    tmp_path: Path,
    write_file: Callable[[str, str], Path],
) -> None:
    guide = write_file("guide.txt", "1. What did you receive?\n2. What got in the way?\n")
    assert hearten("ipe", "guide", named_trial.slug, str(guide)).out.startswith(
        "Topic guide version 1 stored"
    )
    document = docx.Document()
    document.add_paragraph("Interviewer: What got in the way?")
    document.add_paragraph("Respondent: Honestly, no time. Chloe Price from Westshire agreed.")
    path = tmp_path / "interview.docx"
    document.save(str(path))
    mapping = write_file("mapping.csv", "name,code\nWestshire,[LA-A]\n")
    result = hearten(
        "ipe", "upload", named_trial.slug, str(path), "--name", "INT-01",
        "--mapping", str(mapping), "--guide", "1",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert "2 names replaced" in result.out
    stored = Transcript.objects.get(name="INT-01")
    assert "Chloe" not in stored.text
    assert "[LA-A]" in stored.text
    book = write_file("codebook.csv", "code,parent,definition\nBarriers,,\nTime,Barriers,No time\n")
    assert "2 codes added" in hearten("ipe", "codebook", named_trial.slug, "--load", str(book)).out
    for coder in ("coder-one", "coder-two"):
        result = hearten(
            "ipe", "code", named_trial.slug, "INT-01", "Time", "--coder", coder,
            "--quote", "no time",
        )  # fmt: skip
        assert result.code == 0, result.err
    agreement = hearten("ipe", "agreement", named_trial.slug).out
    assert "Time" in agreement
    assert "1.000" in agreement
    missing = hearten(
        "ipe", "code", named_trial.slug, "INT-01", "Time", "--coder", "coder-one",
        "--quote", "plenty of time",
    )  # fmt: skip
    assert missing.code != 0
    assert "does not contain 'plenty of time'" in missing.err
    assert "Traceback" not in missing.err
    matrix = hearten("ipe", "matrix", named_trial.slug, "--by", "respondent")
    assert "Barriers" in matrix.out
    assert "hidden" in matrix.out
    wrong = hearten("ipe", "matrix", named_trial.slug, "--by", "team")
    assert "unknown dimension 'team': choose arm, site, stage, respondent" in wrong.err
