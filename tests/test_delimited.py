"""A delimited file's separator is read from its header line."""

from __future__ import annotations

from pathlib import Path

import pytest

from hearten.analysis.table_file import read_table
from hearten.delimited import delimiter_of
from hearten.trials.choices import Unit
from hearten.trials.roster import read_roster
from tests.conftest import roster_text


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("staff_id,site,team\n", ","),
        ("staff_id;site;team\n", ";"),
        ("staff_id\tsite\tteam\n", "\t"),
        ("staff_id|site|team\n", "|"),
        ('"name; with semicolon",site,team\n', ","),
        ('"a,b";"c,d";"e,f";g\n', ";"),
        ("outcome\n", ","),
        ("", ","),
    ],
)
def test_the_separator_is_the_one_splitting_the_header_most(
    tmp_path: Path, header: str, expected: str
) -> None:
    path = tmp_path / "file.csv"
    path.write_text(header + "1\n", encoding="utf-8")
    assert delimiter_of(path) == expected


def test_a_byte_order_mark_does_not_hide_the_separator(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffstaff_id;site\n1;A\n".encode())
    assert delimiter_of(path) == ";"


@pytest.mark.parametrize("separator", [";", "\t"])
def test_a_roster_saved_with_semicolons_or_tabs_imports_as_with_commas(
    tmp_path: Path, separator: str
) -> None:
    comma = tmp_path / "comma.csv"
    comma.write_text(roster_text(), encoding="utf-8")
    other = tmp_path / "other.csv"
    other.write_text(roster_text().replace(",", separator), encoding="utf-8")
    assert read_roster(other, Unit.TEAM) == read_roster(comma, Unit.TEAM)


def test_a_tab_separated_data_file_is_analysed_by_its_columns(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("y\tarm\tteam\n1.5\t1\tA\n2.5\t0\tB\n", encoding="utf-8")
    data = read_table(path)
    assert list(data.columns) == ["y", "arm", "team"]
    assert data["y"].tolist() == [1.5, 2.5]
