"""Transcripts are pseudonymised before they are stored, from text or Word files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import docx
import pytest

from hearten.errors import DataError, NotFound
from hearten.process.models import Transcript
from hearten.process.transcripts import (
    add_guide,
    pseudonymise,
    read_file,
    read_mapping,
    roster_replacements,
    units,
    upload,
)
from hearten.trials.models import IdentityKey
from tests.conftest import CLOCK

pytestmark = pytest.mark.django_db


def _pseudonym(trial: Any, name: str) -> str:
    return IdentityKey.objects.get(participant__trial=trial, name=name).participant.pseudonym


def test_roster_names_become_pseudonyms_and_shared_first_names_become_staff_member(
    named_trial: Any,
) -> None:
    raw = (
        "Interviewer: Did Amara Okafor's letter help?\n"
        "Respondent: Amara said so. Ben told me too, and Hughes agreed; Chloe did not.\n"
        "Respondent: An amaranth grew outside.\n"
    )
    t = upload(named_trial, "INT-01", raw, now=CLOCK)
    assert t.uploaded_at == CLOCK  # the clock given: the REFI-QDA export's creationDateTime
    amara = _pseudonym(named_trial, "Amara Okafor")
    chloe = _pseudonym(named_trial, "Chloe Price")
    hughes = _pseudonym(named_trial, "Ben Hughes")
    assert f"Did [{amara}]'s letter help?" in t.text
    assert f"[{amara}] said so." in t.text
    assert "[staff member] told me too" in t.text  # two Bens on the roster
    assert f"[{hughes}] agreed; [{chloe}] did not." in t.text
    assert "amaranth" in t.text  # a name inside a word is left alone
    for name in ("Amara", "Okafor", "Ben", "Hughes", "Chloe"):
        assert name not in t.text
    assert t.replacements == 5


def test_the_interviewers_mapping_is_applied_ignoring_case_longest_first() -> None:
    mapping = read_mapping("name,code\nDr Patel,[MANAGER-1]\nPatel,[MANAGER-2]\nWestshire,[LA-A]\n")
    text, n = pseudonymise("dr patel from WESTSHIRE met Patel.", {}, mapping)
    assert text == "[MANAGER-1] from [LA-A] met [MANAGER-2]."
    assert n == 3


def test_a_mapping_without_its_columns_or_with_a_name_twice_is_refused() -> None:
    with pytest.raises(DataError, match="columns name and code"):
        read_mapping("who,what\nA,B\n")
    with pytest.raises(DataError, match="row 3: 'patel' is mapped twice"):
        read_mapping("name,code\nPatel,X\npatel,Y\n")


def test_a_word_document_is_read_paragraph_by_paragraph(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Interviewer: How was the coffee?")
    document.add_paragraph("Respondent: Welcome, Chloe Price brought biscuits.")
    path = tmp_path / "int.docx"
    document.save(str(path))
    assert read_file(path) == (
        "Interviewer: How was the coffee?\nRespondent: Welcome, Chloe Price brought biscuits."
    )


def test_files_that_are_not_text_or_word_are_refused_with_what_to_do(
    tmp_path: Path, write_file: Callable[[str, str], Path]
) -> None:
    with pytest.raises(DataError, match=r"upload a transcript as \.txt or \.docx \(not \.pdf\)"):
        read_file(write_file("int.pdf", "x"))
    latin = tmp_path / "int.txt"
    latin.write_bytes("caf\xe9".encode("latin-1"))
    with pytest.raises(DataError, match="not UTF-8 text"):
        read_file(latin)
    broken = write_file("int.docx", "not a zip")
    with pytest.raises(DataError, match="not a readable Word document"):
        read_file(broken)
    with pytest.raises(NotFound, match="no transcript file"):
        read_file(tmp_path / "missing.txt")


def test_an_upload_is_refused_whole_when_its_name_or_interviewee_is_wrong(
    named_trial: Any,
) -> None:
    with pytest.raises(DataError, match="never a person's name"):
        upload(named_trial, "Amara Okafor", "text", now=CLOCK)
    with pytest.raises(NotFound, match="no participant P-NOBODY"):
        upload(named_trial, "INT-02", "text", interviewee="P-NOBODY", now=CLOCK)
    upload(named_trial, "INT-02", "text", now=CLOCK)
    with pytest.raises(DataError, match="already has a transcript called INT-02"):
        upload(named_trial, "INT-02", "more", now=CLOCK)
    assert Transcript.objects.count() == 1


def test_topic_guides_are_versioned_and_a_transcript_records_its_guide(named_trial: Any) -> None:
    add_guide(named_trial, "1. What did you receive?")
    second = add_guide(named_trial, "1. What did you receive?\n2. Why?", note="added why")
    t = upload(named_trial, "INT-03", "Respondent: yes", guide_version=2, now=CLOCK)
    assert (second.version, t.guide) == (2, second)
    with pytest.raises(NotFound, match="no topic guide version 7"):
        upload(named_trial, "INT-04", "Respondent: yes", guide_version=7, now=CLOCK)


def test_units_are_the_non_blank_lines_with_their_offsets() -> None:
    text = "A: one\n\nB: two\n"
    assert [text[s:e] for s, e in units(text)] == ["A: one", "B: two"]


def test_roster_replacements_leave_short_name_parts_alone(named_trial: Any) -> None:
    key = IdentityKey.objects.filter(participant__trial=named_trial, name="").first()
    assert key is not None
    key.name = "Jo Li"
    key.save()
    table = roster_replacements(named_trial)
    assert "Jo Li" in table
    assert "Jo" not in table
    assert "Li" not in table
