"""REFI-QDA interchange: the project as a ``.qdpx`` file that NVivo, ATLAS.ti, MAXQDA and
QualCoder read and write, and back.

A ``.qdpx`` is a zip holding ``project.qde`` (XML in the ``urn:QDA-XML:project:1.0``
namespace, validated against the standard's ``Project.xsd``, shipped in ``schema/`` under
its MIT licence) and ``Sources/<guid>.txt`` for each transcript. Hearten writes:

- ``Users``: each coder (name = user name; GUID derived from it, so it is stable);
- ``CodeBook``: the codebook, nested, each code's definition as its ``Description``;
- ``Variables`` and ``Cases``: one case per transcript with its arm, site, uptake stage and
  respondent, so the matrix can be rebuilt in the other tool;
- ``Sources``: each transcript (already pseudonymised) with one ``PlainTextSelection`` per
  excerpt, carrying the coder and a ``Coding`` with its code.

Reading merges a file into a trial, all or nothing: codes are matched by GUID, then by name,
and new ones are added under their parent; transcripts are matched by GUID or by name and
identical text (their text must be unchanged) or added; selections already present (by GUID,
or the same span, code and coder) are skipped. Every coder named in
the file must have an account. A transcript that still holds a name from the trial's roster
is refused, because pseudonymising it now would move every selection.
"""

from __future__ import annotations

import uuid
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET  # nosec B405 - builds the export only; imports are parsed by lxml with entities and DTDs off

from django.contrib.auth import get_user_model
from django.db import transaction

from hearten.errors import DataError, ImportRejected
from hearten.files import write_atomic
from hearten.process.codebook import entries
from hearten.process.models import Code, CodingPass, Excerpt, Transcript
from hearten.process.stages import describe
from hearten.process.transcripts import pseudonymise, roster_replacements
from hearten.trials.models import Trial

NS = "urn:QDA-XML:project:1.0"
SCHEMA = Path(__file__).parent / "schema" / "Project.xsd"
USERS = uuid.UUID("6f1d6a6e-3b0e-4a53-9a57-2f0f8f4c2d10")  # namespace for coders' GUIDs
VARIABLES = ("arm", "site", "stage", "respondent")


@dataclass(frozen=True, slots=True)
class Imported:
    """What reading a ``.qdpx`` added."""

    codes: int
    transcripts: int
    excerpts: int


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def user_guid(username: str) -> str:
    return str(uuid.uuid5(USERS, username))


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def project_xml(trial: Trial, *, now: datetime) -> tuple[bytes, dict[str, str]]:
    """``project.qde`` and the source texts (``internal`` file name → text); ``now`` (the
    caller's clock) is the project's creation time."""
    ET.register_namespace("", NS)
    root = ET.Element(
        _q("Project"),
        {"name": trial.name, "origin": "Hearten", "creationDateTime": _stamp(now)},
    )
    excerpts = list(
        Excerpt.objects.filter(transcript__trial=trial).select_related("coder").order_by("id")
    )
    coders = sorted({e.coder.get_username() for e in excerpts} | set(
        CodingPass.objects.filter(transcript__trial=trial).values_list(
            "coder__username", flat=True)))  # fmt: skip
    if coders:
        users = ET.SubElement(root, _q("Users"))
        for name in coders:
            ET.SubElement(users, _q("User"), {"guid": user_guid(name), "name": name})
    codes = {c.id: c for c in Code.objects.filter(trial=trial)}
    if codes:
        book = ET.SubElement(ET.SubElement(root, _q("CodeBook")), _q("Codes"))
        element: dict[int, ET.Element] = {}
        for e in entries(trial):
            code = codes[e.id]
            parent = element[code.parent_id] if code.parent_id else book
            node = ET.SubElement(
                parent, _q("Code"), {"guid": str(code.guid), "name": code.name, "isCodable": "true"}
            )
            if code.definition:
                ET.SubElement(node, _q("Description")).text = code.definition
            element[code.id] = node
    transcripts = list(Transcript.objects.filter(trial=trial).select_related("participant__site"))
    about = describe(trial, [t.participant for t in transcripts if t.participant is not None])
    variable_guid = {v: str(uuid.uuid5(USERS, f"variable:{v}")) for v in VARIABLES}
    if transcripts:
        variables = ET.SubElement(root, _q("Variables"))
        for v in VARIABLES:
            ET.SubElement(
                variables, _q("Variable"),
                {"guid": variable_guid[v], "name": v, "typeOfVariable": "Text"},
            )  # fmt: skip
        cases = ET.SubElement(root, _q("Cases"))
        for t in transcripts:
            values = dict(about.get(t.participant_id, {})) if t.participant_id else {}
            values["respondent"] = t.respondent
            case = ET.SubElement(
                cases, _q("Case"), {"guid": str(uuid.uuid5(t.guid, "case")), "name": t.name}
            )
            for v in VARIABLES:
                if v in values:
                    value = ET.SubElement(case, _q("VariableValue"))
                    ET.SubElement(value, _q("VariableRef"), {"targetGUID": variable_guid[v]})
                    ET.SubElement(value, _q("TextValue")).text = values[v]
            ET.SubElement(case, _q("SourceRef"), {"targetGUID": str(t.guid)})
    texts: dict[str, str] = {}
    if transcripts:
        sources = ET.SubElement(root, _q("Sources"))
        by_transcript: dict[int, list[Excerpt]] = {}
        for ex in excerpts:
            by_transcript.setdefault(ex.transcript_id, []).append(ex)
        for t in transcripts:
            file_name = f"{t.guid}.txt"
            texts[file_name] = t.text
            source = ET.SubElement(
                sources, _q("TextSource"),
                {"guid": str(t.guid), "name": t.name, "plainTextPath": f"internal://{file_name}",
                 "creationDateTime": _stamp(t.uploaded_at)},
            )  # fmt: skip
            if t.synthetic:
                ET.SubElement(
                    source, _q("Description")
                ).text = "Synthetic transcript written for the Hearten demo; not a real interview."
            for ex in by_transcript.get(t.id, []):
                coder = user_guid(ex.coder.get_username())
                selection = ET.SubElement(
                    source, _q("PlainTextSelection"),
                    {"guid": str(ex.guid), "name": ex.text[:60], "startPosition": str(ex.start),
                     "endPosition": str(ex.end), "creatingUser": coder,
                     "creationDateTime": _stamp(ex.created_at)},
                )  # fmt: skip
                coding = ET.SubElement(
                    selection, _q("Coding"),
                    {"guid": str(uuid.uuid5(ex.guid, "coding")), "creatingUser": coder},
                )  # fmt: skip
                ET.SubElement(coding, _q("CodeRef"), {"targetGUID": str(codes[ex.code_id].guid)})
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True), texts


def export(trial: Trial, path: Path, *, now: datetime) -> Path:
    """Write ``trial``'s process evaluation to ``path`` as a ``.qdpx`` (mode 0600: it holds
    transcripts), created at ``now`` (the caller's clock)."""
    import io

    xml, texts = project_xml(trial, now=now)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("project.qde", xml)
        for name, text in texts.items():
            z.writestr(f"Sources/{name}", text.encode("utf-8"))
    write_atomic(path, buffer.getvalue())
    return path


def validate(xml: bytes) -> Any:
    """Check ``project.qde`` against the REFI-QDA schema and return its parsed root (an lxml
    element), or :class:`DataError` with the first problems and their lines. The file comes
    from outside, so the parser resolves no entities, loads no DTD and fetches nothing."""
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    parser = etree.XMLParser(
        resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False
    )
    try:
        document = etree.fromstring(xml, parser=parser)
    except etree.XMLSyntaxError as e:
        raise DataError(f"project.qde is not well-formed XML: {e}") from e
    if not schema.validate(document):
        problems = "; ".join(f"line {e.line}: {e.message}" for e in list(schema.error_log)[:3])
        raise DataError(f"project.qde does not follow the REFI-QDA schema: {problems}")
    return document


def _read(path: Path) -> tuple[Any, dict[str, str]]:
    try:
        z = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, FileNotFoundError) as e:
        raise DataError(f"{path.name} is not a .qdpx file (a zip): export it again") from e
    with z:
        names = set(z.namelist())
        if "project.qde" not in names:
            raise DataError(f"{path.name} has no project.qde inside: is it a REFI-QDA project?")
        root = validate(z.read("project.qde"))
        texts = {
            n.removeprefix("Sources/"): z.read(n).decode("utf-8-sig")
            for n in names
            if n.startswith("Sources/") and n.endswith(".txt")
        }
    return root, texts


def _guid(value: str) -> uuid.UUID:
    return uuid.UUID(value.strip("{}"))


@transaction.atomic
def import_project(trial: Trial, path: Path) -> Imported:
    """Merge a ``.qdpx`` into ``trial`` (module docstring), all or nothing."""
    root, texts = _read(path)
    problems: list[str] = []
    accounts = get_user_model()
    coders: dict[str, Any] = {}
    for user in root.iter(_q("User")):
        name = user.get("name") or user.get("id") or ""
        account = accounts.objects.filter(username=name).first()
        if account is None:
            problems.append(f"coder {name or user.get('guid')!r} has no account here: create it")
        coders[user.get("guid", "").strip("{}").lower()] = account
    # codes
    new_codes = 0
    code_by_guid: dict[str, Code] = {}

    def walk(node: Any, parent: Code | None) -> None:
        nonlocal new_codes
        for child in node.findall(_q("Code")):
            guid = _guid(child.get("guid", ""))
            name = " ".join((child.get("name") or "").split())
            found = Code.objects.filter(trial=trial, guid=guid).first() or Code.objects.filter(
                trial=trial, name=name).first()  # fmt: skip
            if found is None:
                taken = Code.objects.filter(guid=guid).exists()
                description = child.find(_q("Description"))
                found = Code.objects.create(
                    trial=trial, name=name, parent=parent,
                    definition=(description.text or "").strip() if description is not None else "",
                    guid=uuid.uuid4() if taken else guid,
                    position=Code.objects.filter(trial=trial).count(),
                )  # fmt: skip
                new_codes += 1
            code_by_guid[str(guid)] = found
            walk(child, found)

    book = root.find(f"{_q('CodeBook')}/{_q('Codes')}")
    if book is not None:
        walk(book, None)
    # sources
    roster = roster_replacements(trial)
    new_transcripts = new_excerpts = 0
    for source in root.iter(_q("TextSource")):
        guid = _guid(source.get("guid", ""))
        name = source.get("name") or f"QDA-{str(guid)[:8]}"
        content = source.find(_q("PlainTextContent"))
        internal = (source.get("plainTextPath") or "").removeprefix("internal://")
        if content is not None:
            text = content.text or ""
        elif internal in texts:
            text = texts[internal]
        else:
            problems.append(f"source {name}: its text ({internal or 'none'}) is not in the file")
            continue
        if pseudonymise(text, roster, {})[1]:
            problems.append(
                f"source {name} holds names from the roster: pseudonymise it before importing"
            )
            continue
        transcript = (
            Transcript.objects.filter(trial=trial, guid=guid).first()
            or Transcript.objects.filter(trial=trial, name=name, text=text).first()
        )
        if transcript is None:
            if Transcript.objects.filter(trial=trial, name=name).exists():
                problems.append(f"source {name}: another transcript here has that name")
                continue
            transcript = Transcript.objects.create(
                trial=trial, name=name, text=text,
                guid=uuid.uuid4() if Transcript.objects.filter(guid=guid).exists() else guid,
            )  # fmt: skip
            new_transcripts += 1
        elif transcript.text != text:
            problems.append(f"source {name}: its text differs from transcript {transcript.name}")
            continue
        for selection in source.findall(_q("PlainTextSelection")):
            start, end = int(selection.get("startPosition", -1)), int(
                selection.get("endPosition", -1))  # fmt: skip
            coder = coders.get((selection.get("creatingUser") or "").strip("{}").lower())
            if not 0 <= start < end <= len(text):
                problems.append(f"source {name}: a selection ({start}–{end}) lies outside it")
                continue
            if coder is None:
                problems.append(f"source {name}: a selection at {start} has no known coder")
                continue
            for coding in selection.findall(_q("Coding")):
                ref = coding.find(_q("CodeRef"))
                code = (
                    code_by_guid.get(str(_guid(ref.get("targetGUID", ""))))
                    if ref is not None
                    else None
                )
                if code is None:
                    problems.append(f"source {name}: a coding at {start} names no code in the book")
                    continue
                selection_guid = _guid(selection.get("guid", ""))
                excerpt_guid = selection_guid if len(selection.findall(_q("Coding"))) == 1 else (
                    uuid.uuid5(selection_guid, str(code.guid)))  # fmt: skip
                if Excerpt.objects.filter(transcript=transcript, guid=excerpt_guid).exists() or (
                    Excerpt.objects.filter(
                        transcript=transcript, code=code, coder=coder, start=start, end=end
                    ).exists()
                ):
                    continue
                CodingPass.objects.get_or_create(transcript=transcript, coder=coder)
                Excerpt.objects.create(
                    transcript=transcript, code=code, coder=coder, start=start, end=end,
                    guid=uuid.uuid4() if Excerpt.objects.filter(guid=excerpt_guid).exists()
                    else excerpt_guid,
                )  # fmt: skip
                new_excerpts += 1
    if problems:
        raise ImportRejected(f"{path.name} was not imported.", problems)
    return Imported(new_codes, new_transcripts, new_excerpts)
