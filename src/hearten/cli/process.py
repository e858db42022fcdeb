"""``hearten ipe``: the implementation and process evaluation — topic guides, transcripts,
the codebook, coding, agreement and the framework matrix."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from hearten.cli.bootstrap import require_database
from hearten.cli.output import out

ipe_app = typer.Typer(
    help="Process evaluation: interviews, transcripts, coding, agreement.", no_args_is_help=True
)
TrialArg = Annotated[str, typer.Argument(help="the trial's slug, e.g. letters-2026")]


def _user(username: str) -> Any:
    from django.contrib.auth import get_user_model

    from hearten.errors import NotFound

    found = get_user_model().objects.filter(username=username).first()
    if found is None:
        raise NotFound(f"no user {username!r}: add them with hearten user add")
    return found


@ipe_app.command("guide")
def guide(
    trial: TrialArg,
    file: Annotated[Path, typer.Argument(help="the topic guide, a text file")],
    note: Annotated[str, typer.Option(help="what changed since the last version")] = "",
) -> None:
    """Store a new version of the interview topic guide."""
    require_database()
    from hearten.process.transcripts import add_guide, read_file
    from hearten.trials.lifecycle import get_trial

    made = add_guide(get_trial(trial), read_file(file), note)
    out.print(f"Topic guide version {made.version} stored for {trial}.")


@ipe_app.command("upload")
def upload_cmd(
    trial: TrialArg,
    file: Annotated[Path, typer.Argument(help="the transcript: .txt (UTF-8) or .docx")],
    name: Annotated[str, typer.Option(help="a code for it, e.g. INT-07 (never a name)")],
    interviewee: Annotated[
        str | None, typer.Option(help="the interviewee's pseudonym, when a participant")
    ] = None,
    mapping: Annotated[
        Path | None, typer.Option(help="CSV of name,code: other names to replace")
    ] = None,
    kind: Annotated[str, typer.Option(help="interview or focus group")] = "interview",
    respondent: Annotated[
        str, typer.Option(help="participant, deliverer or coordinator")
    ] = "participant",
    guide: Annotated[int | None, typer.Option(help="the topic guide version followed")] = None,
) -> None:
    """Pseudonymise a transcript and store it (the file itself is not kept)."""
    require_database()
    from django.utils import timezone

    from hearten.process.transcripts import read_file, read_mapping, upload
    from hearten.trials.lifecycle import get_trial

    table = read_mapping(mapping.read_text(encoding="utf-8")) if mapping else None
    t = upload(
        get_trial(trial),
        name,
        read_file(file),
        mapping=table,
        interviewee=interviewee,
        kind=kind,
        respondent=respondent,
        guide_version=guide,
        now=timezone.now(),
    )
    out.print(
        f"Transcript {t.name} stored with {t.replacements} names replaced. "
        "Delete the original file if it holds names."
    )


@ipe_app.command("codebook")
def codebook(
    trial: TrialArg,
    load: Annotated[
        Path | None, typer.Option(help="CSV of code,parent,definition to add (all or none)")
    ] = None,
) -> None:
    """Show the codebook, or add codes to it from a CSV."""
    require_database()
    from rich.table import Table

    from hearten.process.codebook import entries, load_codebook
    from hearten.trials.lifecycle import get_trial

    t = get_trial(trial)
    if load is not None:
        added = load_codebook(t, load.read_text(encoding="utf-8"))
        out.print(f"{len(added)} codes added to the codebook of {trial}.")
    table = Table("code", "definition", title=f"{trial}: codebook")
    for e in entries(t):
        table.add_row("  " * e.depth + e.name, e.definition)
    out.print(table)


@ipe_app.command("code")
def code(
    trial: TrialArg,
    transcript: Annotated[str, typer.Argument(help="the transcript's code, e.g. INT-07")],
    code_name: Annotated[str, typer.Argument(metavar="CODE", help="the code to apply")],
    coder: Annotated[str, typer.Option(help="the coder's user name")],
    quote: Annotated[str, typer.Option(help="the words to tag, exactly as in the transcript")],
    occurrence: Annotated[int, typer.Option(help="which time the words appear")] = 1,
) -> None:
    """Tag a quote in a transcript with a code, as one coder."""
    require_database()
    from hearten.process.coding import code_of, tag_quote, transcript_of
    from hearten.trials.lifecycle import get_trial

    t = get_trial(trial)
    ex = tag_quote(
        transcript_of(t, transcript), code_of(t, code_name), _user(coder), quote, occurrence
    )
    out.print(f"Excerpt {ex.id} ({ex.start}–{ex.end}) of {transcript} tagged {code_name}.")


@ipe_app.command("agreement")
def agreement(trial: TrialArg) -> None:
    """Agreement between coders for each code: Cohen's kappa and Krippendorff's alpha."""
    require_database()
    from rich.table import Table

    from hearten.process.reliability import per_code
    from hearten.trials.lifecycle import get_trial

    def shown(value: float | None) -> str:
        return "—" if value is None else f"{value:.3f}"

    table = Table("code", "units", "tagged", "kappa", "alpha", title=f"{trial}: agreement")
    for a in per_code(get_trial(trial)):
        table.add_row(
            "  " * a.depth + a.code, str(a.units), str(a.applied), shown(a.kappa), shown(a.alpha)
        )
    out.print(table)
    out.print("Units are speakers' turns coded by two or more coders; — where undefined.")


@ipe_app.command("matrix")
def matrix_cmd(
    trial: TrialArg,
    by: Annotated[str, typer.Option(help="arm, site, stage or respondent")] = "arm",
    quotes: Annotated[bool, typer.Option(help="show an exemplar quote in each cell")] = False,
) -> None:
    """The framework matrix: themes by arm, site, uptake stage or respondent."""
    require_database()
    from rich.table import Table

    from hearten.errors import one_of
    from hearten.process.framework import DIMENSIONS, matrix
    from hearten.trials.lifecycle import get_trial

    m = matrix(get_trial(trial), one_of(by, DIMENSIONS, "dimension"))
    table = Table("theme", *m.columns, title=f"{trial}: themes by {by}")
    for theme in m.themes:
        row = []
        for col in m.columns:
            cell = m.cells[theme][col]
            if cell.hidden:
                row.append(f"hidden ({cell.hidden})")
            else:
                text = f"{cell.mentioning} of {cell.interviewees}"
                if quotes and cell.quote:
                    text += f"\n“{cell.quote}”"
                row.append(text)
        table.add_row(theme, *row)
    out.print(table)
    out.print(f"Columns of fewer than {m.min_group} interviewees are hidden.")


def _pseudonyms(path: Path) -> list[str]:
    """Pseudonyms from a file, one a line or a CSV with a ``pseudonym`` column."""
    import csv

    from hearten.errors import DataError

    text = path.read_text(encoding="utf-8-sig")
    first = text.splitlines()[0].strip() if text.strip() else ""
    if "," in first or first == "pseudonym":
        rows = list(csv.DictReader(text.splitlines()))
        if not rows or "pseudonym" not in rows[0]:
            raise DataError(f"{path.name}: a CSV needs a pseudonym column")
        return [r["pseudonym"].strip() for r in rows if r["pseudonym"].strip()]
    return [line.strip() for line in text.splitlines() if line.strip()]


@ipe_app.command("sample")
def sample(
    trial: TrialArg,
    seed: Annotated[int, typer.Option(help="the seed, recorded with the sample")],
    contactable: Annotated[
        Path | None,
        typer.Option(
            help="pseudonyms of people who agreed on paper to be contacted, one a line "
            "(default: those who agreed on the consent page)"
        ),
    ] = None,
    per_stratum: Annotated[int, typer.Option(help="people to sample in each stratum")] = 1,
    strata: Annotated[
        str, typer.Option(help="stratify by these, comma-separated: arm,site,stage,caseload")
    ] = "arm,site,stage,caseload",
) -> None:
    """Draw the interview sample, stratified, from a recorded seed (once)."""
    from django.utils import timezone

    require_database()
    from hearten.process.sampling import draw_sample
    from hearten.trials.lifecycle import get_trial

    draw = draw_sample(
        get_trial(trial),
        _pseudonyms(contactable) if contactable else None,
        per_stratum,
        seed,
        [s.strip() for s in strata.split(",") if s.strip()],
        now=timezone.now(),
    )
    out.print(
        f"{draw.members.count()} people sampled from {draw.eligible} who agreed to be "
        f"contacted, seed {draw.seed}. See them with hearten ipe strata {trial}."
    )


@ipe_app.command("strata")
def strata_cmd(trial: TrialArg) -> None:
    """The interview sample: each stratum, and who was sampled."""
    require_database()
    from rich.table import Table

    from hearten.process.sampling import draw_of, strata_table
    from hearten.trials.lifecycle import get_trial

    draw = draw_of(get_trial(trial))
    table = Table("stratum", "eligible", "sampled", title=f"{trial}: interview sample strata")
    for s in strata_table(draw):
        table.add_row(s.key, s.eligible, str(s.sampled))
    out.print(table)
    people = Table("pseudonym", "stratum", "status", title="sampled")
    for m in draw.members.select_related("participant"):
        people.add_row(m.participant.pseudonym, m.stratum, m.status)
    out.print(people)


@ipe_app.command("invite")
def invite_cmd(
    trial: TrialArg,
    first: Annotated[str, typer.Option(help="the first proposed time, e.g. 2026-12-01T10:00")],
    interviewer: Annotated[str, typer.Option(help="the interviewer's e-mail, for replies")],
    count: Annotated[int, typer.Option(help="how many times to propose")] = 3,
    every_hours: Annotated[int, typer.Option(help="hours between proposed times")] = 24,
    minutes: Annotated[int, typer.Option(help="how long the interview lasts")] = 45,
) -> None:
    """E-mail everyone sampled and not yet invited, with proposed times as calendar files."""
    require_database()
    from datetime import datetime, timedelta

    from django.utils import timezone

    from hearten.errors import DataError
    from hearten.process.invitations import invite
    from hearten.process.sampling import draw_of, proposed_times
    from hearten.trials.lifecycle import get_trial

    try:
        start = datetime.fromisoformat(first)
    except ValueError as e:
        raise DataError(f"--first {first!r}: give a date and time like 2026-12-01T10:00") from e
    if timezone.is_naive(start):
        start = timezone.make_aware(start)
    times = proposed_times(start, count, timedelta(hours=every_hours))
    done = invite(draw_of(get_trial(trial)), times, minutes, interviewer, now=timezone.now())
    out.print(f"{len(done.invited)} invited.")
    for who, why in done.skipped.items():
        out.print(f"{who} not invited: {why}")


@ipe_app.command("record")
def record_cmd(
    trial: TrialArg,
    pseudonym: Annotated[str, typer.Argument(help="the sampled person's pseudonym")],
    status: Annotated[str, typer.Argument(help="invited, agreed, declined or interviewed")],
) -> None:
    """Record that a sampled person agreed, declined or was interviewed."""
    require_database()
    from django.utils import timezone

    from hearten.process.sampling import record
    from hearten.trials.lifecycle import get_trial

    member = record(get_trial(trial), pseudonym, status, timezone.now())
    out.print(f"{pseudonym} is now {member.status}.")


@ipe_app.command("flow")
def flow_cmd(trial: TrialArg) -> None:
    """The interview sample's flow: sampled, invited, agreed, declined, interviewed."""
    require_database()
    from hearten.process.sampling import draw_of, flow
    from hearten.trials.lifecycle import get_trial

    f = flow(draw_of(get_trial(trial)))
    out.print(
        f"sampled {f.sampled}, invited {f.invited}, agreed {f.agreed}, "
        f"declined {f.declined}, interviewed {f.interviewed}"
    )


@ipe_app.command("export")
def export_cmd(
    trial: TrialArg,
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out", help="where to write (default HEARTEN_HOME/exports/TRIAL/TRIAL.qdpx)"
        ),
    ] = None,
) -> None:
    """Write the process evaluation as REFI-QDA (.qdpx) for NVivo, ATLAS.ti or MAXQDA."""
    require_database()
    from django.conf import settings
    from django.utils import timezone

    from hearten.process.qdpx import export
    from hearten.trials.lifecycle import get_trial

    path = out_file or settings.HEARTEN.home / "exports" / trial / f"{trial}.qdpx"
    export(get_trial(trial), path, now=timezone.now())
    out.print(f"Wrote {path} (transcripts, codebook, coding, cases with arm, site and stage).")


@ipe_app.command("import")
def import_cmd(
    trial: TrialArg,
    file: Annotated[Path, typer.Argument(help="a REFI-QDA project file (.qdpx)")],
) -> None:
    """Merge a REFI-QDA project (.qdpx) into the trial: codes, transcripts, coding."""
    require_database()
    from hearten.process.qdpx import import_project
    from hearten.trials.lifecycle import get_trial

    done = import_project(get_trial(trial), file)
    out.print(
        f"Imported {done.codes} new codes, {done.transcripts} new transcripts and "
        f"{done.excerpts} new excerpts."
    )


@ipe_app.command("deliverer")
def deliverer_cmd(
    trial: TrialArg,
    user: Annotated[str, typer.Argument(help="the letter writer's or coordinator's user name")],
    minutes_per_letter: Annotated[
        int | None, typer.Option(help="letter writers: minutes one letter took")
    ] = None,
    acceptability: Annotated[
        int | None, typer.Option(help="letter writers: 1 very unacceptable – 5 very acceptable")
    ] = None,
    hard: Annotated[str, typer.Option(help="what was hard, in a few sentences")] = "",
) -> None:
    """Record a deliverer's answers to the deliverer survey (replacing earlier ones)."""
    require_database()
    from hearten.process.deliverers import answer
    from hearten.trials.lifecycle import get_trial

    row = answer(
        get_trial(trial),
        _user(user),
        minutes_per_letter=minutes_per_letter,
        acceptability=acceptability,
        hard=hard,
    )
    out.print(f"Deliverer survey answers of {user} ({row.role}) stored.")


@ipe_app.command("deliverers")
def deliverers_cmd(trial: TrialArg) -> None:
    """The deliverer survey: minutes per letter, acceptability, and what was hard."""
    require_database()
    from hearten.process.deliverers import letter_writing_time
    from hearten.process.models import DelivererAnswer
    from hearten.trials.lifecycle import get_trial

    t = get_trial(trial)
    time = letter_writing_time(t)
    if time.answers:
        out.print(
            f"Minutes per letter ({time.answers} letter writers): mean {time.mean_minutes:.1f}, "
            f"median {time.median_minutes:.1f}."
        )
    else:
        out.print("No letter writer has said how long a letter took.")
    for row in DelivererAnswer.objects.filter(trial=t).order_by("role", "id"):
        if row.acceptability is not None or row.hard:
            rating = f"acceptability {row.acceptability}/5. " if row.acceptability else ""
            out.print(f"- {row.role}: {rating}{row.hard}")
