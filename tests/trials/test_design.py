"""Design files: a good one parses; a bad one names the field and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from hearten.errors import DesignError, NotFound
from hearten.trials.design import load_design, parse_design


def _text(design_file: Path) -> str:
    return design_file.read_text()


def test_the_example_design_parses(design_file: Path) -> None:
    d = load_design(design_file)
    assert d.unit == "team"
    assert d.strata == "site"
    assert d.control == "control"
    primary = d.planned_outcomes()[0]
    assert (primary.instrument, primary.score) == ("swemwbs", "metric")


BAD_DESIGNS = [
    (
        'unit = "team"',
        'unit = "department"',
        r"unit: Input should be 'individual', 'team' or 'office'",
    ),
    ('strata = "site"', 'stratum = "site"', r"stratum: is not a design field: check its spelling"),
    ('name = "Recognition letters (test)"\n', "", r"name: is required"),
    (
        'instrument = "swemwbs"\n\n[[waves]]',
        'instrument = "phq9"\n\n[[waves]]',
        r"waves.0: unknown instrument 'phq9'",
    ),
    (
        'outcome_wave = "follow-up"',
        'outcome_wave = "endline"',
        r"analysis.outcome_wave is 'endline', which is not one of the waves",
    ),
    (
        'label = "Personal recognition letter"',
        'label = "Letter"\ncontrol = true',
        r"exactly one arm must have control = true \(found 2\)",
    ),
]


@pytest.mark.parametrize(("old", "new", "message"), BAD_DESIGNS)
def test_a_bad_design_names_the_field_and_the_fix(
    design_file: Path, old: str, new: str, message: str
) -> None:
    text = _text(design_file)
    assert old in text
    with pytest.raises(DesignError, match=message):
        parse_design(text.replace(old, new, 1))


def test_broken_toml_says_so() -> None:
    with pytest.raises(DesignError, match="not valid TOML"):
        parse_design("slug = ", "design.toml")


def test_a_missing_design_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="no design file"):
        load_design(tmp_path / "nope.toml")


def test_resampling_needs_a_seed_and_ancova(design_file: Path) -> None:
    text = design_file.read_text()
    with pytest.raises(DesignError, match=r"add analysis\.seed"):
        parse_design(text + 'method = "wild"\n')
    with pytest.raises(DesignError, match="tests the ANCOVA estimate"):
        parse_design(text + 'method = "ri"\nseed = 4\nadjustment = "lin"\n')
    assert parse_design(text + 'method = "ri"\nseed = 4\n').analysis.reps == 9999


def test_a_design_file_that_is_not_utf8_says_so(design_file: Path, tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(design_file.read_text().replace("letters", "l\xe9tters", 1).encode("latin-1"))
    with pytest.raises(DesignError, match=r"is not UTF-8 text \(byte \d+ cannot be read\)"):
        load_design(path)


def test_a_byte_order_mark_is_ignored(design_file: Path, tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + design_file.read_bytes())
    assert load_design(path) == load_design(design_file)


def test_a_design_nested_thousands_deep_is_refused_in_one_line() -> None:
    with pytest.raises(DesignError, match="nests arrays or tables too deeply"):
        parse_design("x = " + "[" * 5000 + "]" * 5000, "deep.toml")


STEPPED = """
[randomisation]
scheme = "stepped-wedge"

[stepped_wedge]
steps = 3
transition = 1
period_waves = ["baseline", "follow-up", "p2", "p3", "p4"]
"""


def test_a_stepped_wedge_section_parses_with_its_periods(design_file: Path) -> None:
    text = _text(design_file) + STEPPED.replace(', "p2", "p3", "p4"', "").replace(
        "transition = 1", "transition = 0"
    ).replace("steps = 3", "steps = 1")
    d = parse_design(text)
    assert d.stepped_wedge is not None
    assert d.stepped_wedge.periods == 2
    assert d.randomisation.scheme == "stepped-wedge"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (STEPPED, "period_waves names p2, p3, p4, not among the waves"),
        (STEPPED.replace('"p4"]', '"p4", "p5"]'), "lists 6 waves but the design has 5 periods"),
        ("\n[stepped_wedge]\nsteps = 3\n", 'randomisation.scheme = "stepped-wedge"'),
        (
            '\n[randomisation]\nscheme = "stepped-wedge"\n\n'
            "[stepped_wedge]\nsteps = 2\niac = 0.4\n",
            'sampling = "closed-cohort"',
        ),
        (
            '\n[randomisation]\nscheme = "stepped-wedge"\n\n[stepped_wedge]\nsteps = 1\n'
            "period_starts = [2026-01-05]\nlast_day = 2026-06-01\n",
            "lists 1 dates but the design has 2 periods",
        ),
        (
            '\n[randomisation]\nscheme = "stepped-wedge"\n\n[stepped_wedge]\nsteps = 1\n'
            "period_starts = [2026-03-05, 2026-01-05]\nlast_day = 2026-06-01\n",
            "must be in order",
        ),
        (
            '\n[randomisation]\nscheme = "stepped-wedge"\n\n[stepped_wedge]\nsteps = 1\n'
            "period_starts = [2026-01-05, 2026-03-05]\n",
            "period_starts and last_day go together",
        ),
        (
            '\n[randomisation]\nscheme = "stepped-wedge"\n\n[stepped_wedge]\nsteps = 1\n'
            'random_effects = "team"\n',
            "random_effects",
        ),
    ],
)
def test_a_stepped_wedge_section_that_does_not_fit_is_refused(
    design_file: Path, extra: str, message: str
) -> None:
    with pytest.raises(DesignError, match=message):
        parse_design(_text(design_file) + extra)


def test_a_stepped_wedge_trial_randomises_teams_not_people(design_file: Path) -> None:
    text = _text(design_file).replace('unit = "team"', 'unit = "individual"')
    with pytest.raises(DesignError, match="rolls out to teams or offices"):
        parse_design(
            text + '\n[randomisation]\nscheme = "stepped-wedge"\n\n[stepped_wedge]\nsteps = 2\n'
        )
