"""Reports as tagged PDF (PDF/UA-1): the same HTML template, typeset by Typst.

``hearten.reports.typeset`` turns the rendered page into Typst source; the ``typst`` package (a
Python binding to the Typst compiler, one wheel, no browser) compiles it with the PDF/UA-1
standard, which tags headings, paragraphs, lists, tables (header cells as ``TH``) and figures
(with their alternative text), sets the document's language and title, and refuses to build a
document that breaks the standard (a figure without alternative text, a skipped heading level).
The fonts are matplotlib's DejaVu family, read from its data folder, so every machine lays out
the same PDF.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import matplotlib
import typst

from hearten.errors import DataError
from hearten.files import write_atomic
from hearten.reports.typeset import to_typst

FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def html_to_pdf(html: str, title: str, lang: str = "en-GB") -> bytes:
    """A rendered HTML page (one of Hearten's report templates) as tagged PDF bytes."""
    source, files = to_typst(html, title, lang)
    with tempfile.TemporaryDirectory(prefix="hearten-pdf-") as folder:
        root = Path(folder)
        for name, data in files.items():
            (root / name).write_bytes(data)
        main = root / "main.typ"
        main.write_text(source, encoding="utf-8")
        try:
            pdf = typst.compile(
                str(main),
                root=str(root),
                font_paths=[str(FONTS)],
                ignore_system_fonts=True,
                pdf_standards="ua-1",
            )
        except RuntimeError as error:
            raise DataError(f"could not typeset {title!r} as an accessible PDF: {error}") from error
    assert isinstance(pdf, bytes)
    return pdf


def write_pdf(html: str, path: Path, title: str) -> Path:
    """Write ``html`` as a tagged PDF at ``path``, whole or not at all."""
    write_atomic(path, html_to_pdf(html, title))
    return path
