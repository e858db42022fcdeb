"""Reports as PDF: the same HTML template, laid out by fpdf2's HTML renderer.

fpdf2 is pure Python (no browser, no Pango), so a council officer's laptop can make the PDF.
Its HTML support is a subset: headings, paragraphs, lists, tables, images and inline emphasis.
The report's template renders figures as ``<img>`` PNGs when ``pdf`` is set, and this module
removes what fpdf2 does not lay out (the stylesheet, ``<figure>`` and ``<div>`` wrappers)
before rendering, so the PDF carries the same words and numbers as the HTML page.
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.fonts import FontFace

from hearten.files import write_atomic

FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
INK, BLUE, GREY = (11, 12, 12), (29, 112, 184), (80, 90, 95)


def _body(html: str) -> str:
    """The ``<body>`` of a page, without what fpdf2 cannot lay out."""
    start, end = html.find("<body>"), html.rfind("</body>")
    body = html[start + len("<body>") : end] if start >= 0 and end > start else html
    body = re.sub(r"<(/?)(figure|figcaption|div|section|span|nav)\b[^>]*>", "", body)
    body = re.sub(r"<p class=\"(small|caption)\">", r"<p>", body)
    body = re.sub(r"<caption>(.*?)</caption>", r"", body, flags=re.S)
    body = re.sub(r'\s(scope|class)="[^"]*"', "", body)
    body = re.sub(r"<(td|th)((?:\s[^>]*)?)>(.*?)</\1>", _plain_cell, body, flags=re.S)
    return re.sub(r"\n\s*\n", "\n", body)


def _plain_cell(match: re.Match[str]) -> str:
    """A table cell with its inner tags removed (fpdf2 lays out only text in a cell)."""
    inner = re.sub(r"<br\s*/?>", "; ", match.group(3))
    inner = re.sub(r"<[^>]+>", "", inner)
    return f"<{match.group(1)}{match.group(2)}>{' '.join(inner.split())}</{match.group(1)}>"


class _Report(FPDF):
    """An A4 document with the title and page number at the foot of every page."""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("body", size=7)
        self.set_text_color(*GREY)
        self.cell(0, 4, f"{self.title} · page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(*INK)


def _document(title: str) -> FPDF:
    pdf = _Report(format="A4")
    pdf.set_margins(16, 16, 16)
    pdf.set_auto_page_break(auto=True, margin=16)
    styles = {"": "", "B": "-Bold", "I": "-Oblique", "BI": "-BoldOblique"}
    for style, suffix in styles.items():
        pdf.add_font("body", style, str(FONTS / f"DejaVuSans{suffix}.ttf"))
    for style in ("", "B"):  # code in running text and in bold; each font costs ~0.1 s to read
        pdf.add_font("mono", style, str(FONTS / f"DejaVuSansMono{styles[style]}.ttf"))
    pdf.set_title(title)
    pdf.set_creator("Hearten")
    pdf.set_font("body", size=9)
    pdf.set_text_color(*INK)
    return pdf


def html_to_pdf(html: str, title: str) -> bytes:
    """A rendered HTML page (one of Hearten's report templates) as PDF bytes."""
    pdf = _document(title)
    pdf.add_page()
    pdf.write_html(
        _body(html),
        font_family="body",
        tag_styles={
            "h1": FontFace(color=INK, size_pt=18, emphasis="BOLD"),
            "h2": FontFace(color=INK, size_pt=13, emphasis="BOLD"),
            "h3": FontFace(color=INK, size_pt=11, emphasis="BOLD"),
            "code": FontFace(family="mono", size_pt=8),
            "a": FontFace(color=BLUE, emphasis="UNDERLINE"),
        },
        table_line_separators=True,
    )
    return bytes(pdf.output())


def write_pdf(html: str, path: Path, title: str) -> Path:
    """Write ``html`` as a PDF at ``path``, whole or not at all."""
    write_atomic(path, html_to_pdf(html, title))
    return path
