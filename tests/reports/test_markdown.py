"""Design text reaches the pre-registration and data-protection PDFs as words, never as HTML,
and a document that cannot be laid out leaves the plan unlocked and nothing written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from django.utils import timezone

from hearten.analysis.plan import locked_version
from hearten.errors import HeartenError
from hearten.reports import markdown
from hearten.reports.dpia import write_dpia
from hearten.reports.markdown import markdown_html, quoted
from hearten.reports.preregistration import lock_and_preregister
from hearten.web.dpia_facts import access_of
from tests.conftest import CLOCK

HOSTILE = "XSS <script>alert(1)</script><img src=x onerror=alert(1)> ![a](x.png) **bold**"


def _rename(trial: Any, name: str, **privacy: str) -> None:
    design = dict(trial.design)
    design["name"] = name
    design["privacy"] = {**design.get("privacy", {}), **privacy}
    trial.design, trial.name = design, name
    trial.save(update_fields=["design", "name"])


def _text(path: Path) -> str:
    pages = pdfium.PdfDocument(str(path))
    return " ".join(" ".join(p.get_textpage().get_text_range().split()) for p in pages)


def test_raw_html_and_markdown_images_in_design_text_are_shown_as_text() -> None:
    html = markdown_html(f"# {quoted(HOSTILE)}\n\n<img src=y>\n\n![b](/etc/b.png)\n")
    assert "<img" not in html
    assert "<script" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "![a](x.png) **bold**" in html  # the design's Markdown is literal too


@pytest.mark.django_db
def test_a_trial_named_with_an_image_tag_locks_its_plan_and_gets_its_preregistration(
    trial: Any,
) -> None:
    _rename(trial, HOSTILE)
    version, md, pdf = lock_and_preregister(trial, now=CLOCK)
    assert locked_version(trial) == version
    assert b"/Subtype /Image" not in pdf.read_bytes()
    assert "<img src=x onerror=alert(1)>" in _text(pdf)
    assert "\\<img src=x onerror=alert(1)\\>" in md.read_text()


@pytest.mark.django_db
def test_a_pdf_that_cannot_be_laid_out_leaves_the_plan_unlocked_and_nothing_written(
    trial: Any, monkeypatch: pytest.MonkeyPatch, hearten_home: Path
) -> None:
    def broken(html: str, title: str) -> bytes:
        raise FileNotFoundError("x")

    monkeypatch.setattr(markdown, "html_to_pdf", broken)
    with pytest.raises(HeartenError, match="could not be laid out as PDF"):
        lock_and_preregister(trial, now=CLOCK)
    assert locked_version(trial) is None
    assert not list(hearten_home.rglob("preregistration.*"))


@pytest.mark.django_db
def test_an_image_path_in_the_privacy_contact_embeds_no_local_file(
    trial: Any, tmp_path: Path
) -> None:
    from PIL import Image

    local = tmp_path / "secret.png"
    Image.new("RGB", (40, 40), "red").save(local)
    _rename(trial, "Letters", contact=f'<img src="{local}"> ![s]({local}) dpo@example.org')
    _md, pdf = write_dpia(trial, access_of(trial, timezone.now()))
    assert b"/Subtype /Image" not in pdf.read_bytes()
    assert f'<img src="{local}">'.replace(" ", "") in _text(pdf).replace(" ", "")  # wrapped
