"""Money in the report reads as ``hearten costs show`` prints it: pounds and pence with
thousands separators (£31,024.74, not £31024.74)."""

from __future__ import annotations

from django.template.loader import render_to_string


def test_the_uptake_table_prints_pounds_with_thousands_separators() -> None:
    costs = [{"label": "Letters", "total": 31024.742, "participants": 20,
              "per_participant": 1551.2371, "per_point": 1234567.0}]  # fmt: skip
    html = render_to_string(
        "reports/_uptake.html", {"r": {"uptake": {"costs": costs}}, "costs": costs}
    )
    assert "£31,024.74" in html
    assert "£1,551.24" in html
    assert "£1,234,567.00" in html
    assert "31024" not in html


def test_the_caseload_sentence_prints_pounds_with_thousands_separators() -> None:
    economics = {"caseload": {"case_cost": 4500.0, "source": "a tenth of a post",
                              "points_per_case": 0.5, "points_low": 0.1, "points_high": 0.9,
                              "cost_per_point": 9000.0,
                              "cost_per_point_range": [5000.0, 45000.0]}}  # fmt: skip
    html = render_to_string(
        "reports/_economics.html", {"economics": economics, "r": {"instrument": {"name": "x"}}}
    )
    assert "at £4,500.00 a year" in html
    assert "£9,000.00 per point (£5,000.00 to £45,000.00)" in html
