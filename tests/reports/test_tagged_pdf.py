"""Every PDF Hearten writes is tagged (PDF/UA-1): structure, reading order, table headers,
alternative text, language and title, checked in the file's own structure tree.

veraPDF, the reference PDF/UA validator, is a Java program not packaged for Debian; these tests
read the same structures it checks with pikepdf instead.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pikepdf
import pytest

from hearten.errors import DataError
from hearten.reports.pdf import html_to_pdf
from hearten.reports.typeset import to_typst
from tests.conftest import CLOCK


def _png() -> str:
    fig, ax = plt.subplots(figsize=(2, 1))
    ax.plot([0, 1], [0, 1])
    out = io.BytesIO()
    fig.savefig(out, format="png")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _elements(node: Any, out: list[Any]) -> list[Any]:
    """The structure elements under ``node`` in reading order."""
    kids = node.get("/K")
    if kids is None:
        return out
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            out.append(kid)
            _elements(kid, out)
    return out


def structure(pdf: bytes) -> dict[str, Any]:
    """What a PDF/UA checker looks at: marking, title, language and the tagged elements."""
    doc = pikepdf.open(io.BytesIO(pdf))
    root = doc.Root
    elements = _elements(root.StructTreeRoot, [])
    return {
        "marked": bool(root.MarkInfo.Marked),
        "title": str(doc.docinfo.get("/Title", "")),
        "display_title": bool(root.ViewerPreferences.DisplayDocTitle),
        "lang": str(root.get("/Lang", "")),
        "ua": doc.open_metadata().get("pdfuaid:part"),
        "tags": [str(e.S) for e in elements],
        "figures": [str(e.get("/Alt", "")) for e in elements if e.S == "/Figure"],
    }


def page(figure_alt: str = "Forest plot: letters 0.20 (0.05 to 0.35).") -> str:
    return (
        "<html><head><title>x</title><style>h1{color:red}</style></head><body>"
        "<h1>Trial report</h1><p>The <strong>letters</strong> arm.</p>"
        "<h3>Deeper</h3><ul><li>one</li><li>two</li></ul>"
        "<table><thead><tr><th scope='col'>Arm</th><th scope='col'>Estimate (SE)</th></tr></thead>"
        "<tbody><tr><th scope='row'>Letters</th><td class='num'>0.20 (0.07)</td></tr></tbody>"
        "</table>"
        f"<img src='{_png()}' width='200' alt='{figure_alt}'><p>Caption</p></body></html>"
    )


def test_a_report_pdf_is_marked_titled_in_english_and_declares_pdf_ua() -> None:
    s = structure(html_to_pdf(page(), "Coffee: trial report"))
    assert s["marked"]
    assert s["display_title"]
    assert s["title"] == "Coffee: trial report"
    assert s["lang"] == "en-GB"
    assert s["ua"] == "1"


def test_headings_lists_tables_and_figures_are_tagged_in_reading_order() -> None:
    tags = structure(html_to_pdf(page(), "T"))["tags"]
    for tag in ("/H1", "/H2", "/P", "/L", "/LI", "/Table", "/TH", "/TD", "/Figure"):
        assert tag in tags, tag
    assert "/H3" not in tags  # the skipped level (h1 then h3) is closed up, as PDF/UA requires
    assert tags.index("/H1") < tags.index("/L") < tags.index("/Table") < tags.index("/Figure")


def test_every_figure_carries_its_alternative_text() -> None:
    s = structure(html_to_pdf(page(), "T"))
    assert s["figures"] == ["Forest plot: letters 0.20 (0.05 to 0.35)."]


def test_a_figure_without_alternative_text_is_refused() -> None:
    with pytest.raises(DataError, match="no alternative text"):
        html_to_pdf(page(figure_alt=""), "T")


def test_numbers_are_right_aligned_and_headers_never_hyphenated() -> None:
    source, _ = to_typst(page(), "T")
    assert "hyphenate: false" in source
    assert 'table.cell(align: right)[#"0.20 (0.07)";]' in source
    assert 'table.cell(align: right)[#strong[#"Estimate (SE)";]]' in source
    assert 'table.cell(align: left)[#strong[#"Letters";]]' in source


@pytest.mark.parametrize(
    "text",
    ['#set page(paper: "a0")', "] #panic() [", '"\\', "*bold* _em_ $x$ <label> @ref = h"],
)
def test_text_that_looks_like_typst_is_printed_not_run(text: str) -> None:
    from html import escape

    import pypdfium2 as pdfium

    pdf = html_to_pdf(f"<body><p>{escape(text)}</p></body>", "T")
    printed = pdfium.PdfDocument(pdf)[0].get_textpage().get_text_range()
    assert " ".join(text.split()) in " ".join(printed.split())


@pytest.mark.django_db
def test_the_trial_report_and_its_figures_are_tagged(trial: Any) -> None:
    from hearten.analysis.run import run_analysis
    from hearten.reports.render import write_report
    from tests.analysis.test_plan import _ready

    _ready(trial)
    run_analysis(trial, CLOCK)
    pdf = Path(write_report(trial, now=CLOCK)).with_suffix(".pdf").read_bytes()
    s = structure(pdf)
    assert s["marked"]
    assert s["ua"] == "1"
    assert s["lang"] == "en-GB"
    assert s["tags"].count("/Table") >= 3
    assert "/TH" in s["tags"]
    assert s["figures"]
    assert all(alt.strip() for alt in s["figures"])
    assert any("CONSORT flow diagram" in alt and "randomised" in alt for alt in s["figures"])


@pytest.mark.django_db
def test_the_pre_registration_and_data_protection_pdfs_are_tagged(trial: Any) -> None:
    from django.utils import timezone

    from hearten.reports.dpia import write_dpia
    from hearten.reports.preregistration import lock_and_preregister
    from hearten.web.dpia_facts import access_of

    _, _, pre = lock_and_preregister(trial, now=CLOCK)
    _, dpia = write_dpia(trial, access_of(trial, timezone.now()))
    for path in (pre, dpia):
        s = structure(Path(path).read_bytes())
        assert s["marked"], path
        assert s["ua"] == "1", path
        assert s["lang"] == "en-GB", path
        assert "/H1" in s["tags"], path
