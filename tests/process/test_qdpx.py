"""REFI-QDA: the export follows the standard's schema and comes back whole."""

from __future__ import annotations

import stat
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from hearten.errors import DataError, ImportRejected
from hearten.process.codebook import entries, load_codebook
from hearten.process.coding import code_of, tag_quote
from hearten.process.models import Code, Excerpt, Transcript
from hearten.process.qdpx import SCHEMA, export, import_project, project_xml
from hearten.process.transcripts import upload
from hearten.trials.allocation import arms_by_participant
from hearten.trials.design import load_design
from hearten.trials.lifecycle import create_trial
from hearten.trials.models import Participant
from tests.conftest import CLOCK

pytestmark = pytest.mark.django_db
TEXT = (
    "Interviewer: What got in the way?\n"
    "Respondent: No time, honestly. The letter felt personal though.\n"
    "Respondent: The coffee was a nice touch – ça marche.\n"
)


@pytest.fixture
def coded(named_trial: Any, coders: tuple[Any, Any]) -> Any:
    load_codebook(
        named_trial,
        "code,parent,definition\nBarriers,,What got in the way\nTime,Barriers,No time\n"
        "Valued,,Felt valued\n",
    )
    person = Participant.objects.filter(trial=named_trial).order_by("id").first()
    assert person is not None
    t = upload(named_trial, "INT-01", TEXT, interviewee=person.pseudonym, now=CLOCK)
    upload(named_trial, "FG-01", "Facilitator: Hello.\nVoice: Hi.\n", kind="focus group",
           respondent="deliverer", now=CLOCK)  # fmt: skip
    for coder in coders:
        tag_quote(t, code_of(named_trial, "Time"), coder, "No time")
    tag_quote(t, code_of(named_trial, "Valued"), coders[1], "ça marche")
    return named_trial


def _excerpts(trial: Any) -> set[tuple[str, str, str, int, int]]:
    return {
        (e.transcript.name, e.code.name, e.coder.username, e.start, e.end)
        for e in Excerpt.objects.filter(transcript__trial=trial).select_related(
            "transcript", "code", "coder"
        )
    }


def test_the_project_file_follows_the_refi_qda_schema(coded: Any) -> None:
    xml, texts = project_xml(coded, now=CLOCK)
    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    document = etree.fromstring(xml)
    assert schema.validate(document), schema.error_log
    ns = {"q": "urn:QDA-XML:project:1.0"}
    assert document.xpath("/q:Project/q:CodeBook/q:Codes/q:Code[@name='Barriers']/q:Code/@name",
                          namespaces=ns) == ["Time"]  # fmt: skip
    arm = document.xpath(
        "//q:Case[@name='INT-01']/q:VariableValue[q:VariableRef/@targetGUID="
        "//q:Variable[@name='arm']/@guid]/q:TextValue/text()",
        namespaces=ns,
    )
    person = Transcript.objects.get(name="INT-01").participant_id
    assert arm == [arms_by_participant(coded)[person]]
    assert len(document.xpath("//q:PlainTextSelection", namespaces=ns)) == 3
    assert document.get("creationDateTime") == "2026-11-30T09:00:00Z"  # CLOCK, given
    assert sorted(texts.values()) == sorted(Transcript.objects.values_list("text", flat=True))


def test_a_project_goes_out_and_comes_back_into_a_new_trial_unchanged(
    coded: Any, design_file: Path, tmp_path: Path
) -> None:
    path = export(coded, tmp_path / "out" / "project.qdpx", now=CLOCK)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = design_file.read_text().replace('slug = "letters-test"', 'slug = "letters-copy"')
    copy_design = tmp_path / "copy.toml"
    copy_design.write_text(text)
    other = create_trial(load_design(copy_design), now=CLOCK)
    done = import_project(other, path)
    assert (done.codes, done.transcripts, done.excerpts) == (3, 2, 3)
    assert [(e.path, e.definition) for e in entries(other)] == [
        (e.path, e.definition) for e in entries(coded)
    ]
    assert {(t.name, t.text) for t in Transcript.objects.filter(trial=other)} == {
        (t.name, t.text) for t in Transcript.objects.filter(trial=coded)
    }
    assert _excerpts(other) == _excerpts(coded)
    # importing the same file again adds nothing
    again = import_project(other, path)
    assert (again.codes, again.transcripts, again.excerpts) == (0, 0, 0)


def test_work_done_in_another_tool_is_merged_back(
    coded: Any, coders: tuple[Any, Any], tmp_path: Path
) -> None:
    path = export(coded, tmp_path / "project.qdpx", now=CLOCK)
    # in the other tool a coder adds a code and tags with it: simulate by doing it here,
    # exporting, and rolling our own copy back
    t = Transcript.objects.get(trial=coded, name="INT-01")
    later = load_codebook(
        coded, "code,parent,definition\nPersonal,Valued,The letter was personal\n"
    )
    tag_quote(t, later[0], coders[0], "felt personal")
    edited = export(coded, tmp_path / "edited.qdpx", now=CLOCK)
    Excerpt.objects.filter(code=later[0]).delete()
    later[0].delete()
    assert path.exists()
    done = import_project(coded, edited)
    assert (done.codes, done.transcripts, done.excerpts) == (1, 0, 1)
    assert Code.objects.get(trial=coded, name="Personal").parent == code_of(coded, "Valued")


def test_files_that_break_the_rules_are_refused_whole(
    coded: Any, tmp_path: Path, write_file: Callable[[str, str], Path]
) -> None:
    with pytest.raises(DataError, match=r"not a \.qdpx file"):
        import_project(coded, write_file("x.qdpx", "plain text"))
    path = export(coded, tmp_path / "project.qdpx", now=CLOCK)
    broken = tmp_path / "broken.qdpx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.namelist():
            data = src.read(item)
            if item == "project.qde":
                data = data.replace(b'isCodable="true"', b'isCodable="maybe"', 1)
            dst.writestr(item, data)
    with pytest.raises(DataError, match="does not follow the REFI-QDA schema: line"):
        import_project(coded, broken)
    # a transcript still holding a roster name, and a coder with no account
    named = tmp_path / "named.qdpx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(named, "w") as dst:
        for item in src.namelist():
            data = src.read(item)
            if item.startswith("Sources/") and b"Facilitator" in data:
                data = data.replace(b"Hello.", b"Hello, Chloe Price.")
            if item == "project.qde":
                data = data.replace(b'name="coder-two"', b'name="coder-nine"')
            dst.writestr(item, data)
    before = Excerpt.objects.count()
    with pytest.raises(ImportRejected) as caught:
        import_project(coded, named)
    problems = " ".join(caught.value.problems)
    assert "coder 'coder-nine' has no account here" in problems
    assert "holds names from the roster" in problems
    assert Excerpt.objects.count() == before
