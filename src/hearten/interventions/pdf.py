"""Print-ready letters as PDF (A4), with fpdf2 and the DejaVu Sans font matplotlib ships, so
every character a manager types (curly quotes, accents) prints on any machine."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import matplotlib
from fpdf import FPDF

from hearten.files import private_folder, write_atomic

FONT = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"


def _page(pdf: FPDF, text: str, address: str) -> None:
    pdf.add_page()
    pdf.set_font("body", size=11)
    if address.strip():  # placed for a window envelope
        pdf.set_xy(25, 45)
        pdf.multi_cell(85, 5.5, "\n".join(line.strip() for line in address.split(";")))
    pdf.set_xy(25, 95)
    pdf.cell(0, 6, date.today().strftime("%-d %B %Y"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.multi_cell(0, 6, text)


def _document() -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_margins(25, 25, 25)
    pdf.set_auto_page_break(auto=True, margin=25)
    pdf.add_font("body", fname=str(FONT))
    pdf.set_creator("Hearten")
    return pdf


def letter_pdf(text: str, address: str) -> bytes:
    """One letter as PDF bytes."""
    pdf = _document()
    _page(pdf, text, address)
    return bytes(pdf.output())


def write_letters(
    pages: Sequence[tuple[str, str, str]], folder: Path, each: bool = True
) -> list[Path]:
    """Write ``(code, text, address)`` letters: ``all-letters.pdf`` and, with ``each``,
    ``letter-CODE.pdf`` for every letter (each file whole or not at all). A letter's own file
    costs about 35 ms (half of it fpdf2 reading the font afresh for every document)."""
    private_folder(folder)
    combined = _document()
    paths = []
    for code, text, address in pages:
        if each:
            path = folder / f"letter-{code}.pdf"
            write_atomic(path, letter_pdf(text, address))
            paths.append(path)
        _page(combined, text, address)
    everything = folder / "all-letters.pdf"
    write_atomic(everything, bytes(combined.output()))
    return [everything, *paths]
