"""Letters as tagged PDF (PDF/UA-1, A4), typeset by Typst like the reports.

A letter is posted on paper, but the same PDF is e-mailed to people and opened on the
participant's letter page, where a screen reader must read it: so every letter is tagged
(paragraphs in reading order), declares British English and a title that names no arm or
trial, and is compiled with Typst's PDF/UA-1 standard, which refuses a document that breaks
it. The address sits where a window envelope shows it. A manager's words reach Typst as
data (JSON through ``sys.inputs``), never as markup, so nothing they type (``#``, ``*``,
``$``, brackets) is read as a command. The fonts are matplotlib's DejaVu family, read from its
data folder, so every character a manager types prints on any machine.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import matplotlib
import typst

from hearten.errors import DataError
from hearten.files import private_folder, write_atomic

FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"

#: The letter's layout: the address placed for a window envelope (45 mm from the top edge,
#: 85 mm wide), the date at 95 mm, then the letter's paragraphs.
SOURCE = r"""
#let data = json(bytes(sys.inputs.letters))
#set document(title: data.title, author: "Hearten")
#set text(lang: "en", region: "gb", font: "DejaVu Sans", size: 11pt)
#set page(paper: "a4", margin: 25mm)
#set par(spacing: 1.1em, leading: 0.6em)
#for (i, letter) in data.letters.enumerate() {
  if i > 0 { pagebreak() }
  if letter.address.len() > 0 {
    place(top + left, dy: 20mm, block(width: 85mm, par(letter.address.join(linebreak()))))
  }
  v(70mm)
  par(letter.date)
  v(0.5em)
  for lines in letter.paragraphs { par(lines.join(linebreak())) }
}
"""


def _letter(text: str, address: str, today: date) -> dict[str, object]:
    """One letter as data: address lines (``;`` separates them), the date, and paragraphs
    (a blank line separates them) as lists of lines."""
    paragraphs = [
        [line.strip() for line in block.splitlines() if line.strip()]
        for block in text.replace("\r\n", "\n").split("\n\n")
    ]
    return {
        "address": [line.strip() for line in address.split(";") if line.strip()],
        "date": today.strftime("%-d %B %Y"),
        "paragraphs": [p for p in paragraphs if p],
    }


def _compile(title: str, letters: list[dict[str, object]]) -> bytes:
    data = json.dumps({"title": title, "letters": letters})
    # The stubs tie the source's type to the font paths' (bytes source, str paths is fine).
    compile_: Any = typst.compile
    try:
        pdf = compile_(
            SOURCE.encode(),
            font_paths=[str(FONTS)],
            ignore_system_fonts=True,
            pdf_standards="ua-1",
            sys_inputs={"letters": data},
        )
    except RuntimeError as error:
        raise DataError(f"could not typeset {title!r} as an accessible PDF: {error}") from error
    assert isinstance(pdf, bytes)
    return pdf


def letter_pdf(text: str, address: str, today: date) -> bytes:
    """One letter as tagged PDF bytes, titled with its date only (no arm, no trial).
    ``today``: the letter's date, from the caller's clock."""
    return _compile(f"Letter, {today:%-d %B %Y}", [_letter(text, address, today)])


def write_letters(
    pages: Sequence[tuple[str, str, str]], folder: Path, today: date, each: bool = True
) -> list[Path]:
    """Write ``(code, text, address)`` letters dated ``today`` (the caller's clock):
    ``all-letters.pdf`` (one letter a page, to print) and, with ``each``, ``letter-CODE.pdf``
    for every letter (each file whole or not at all)."""
    private_folder(folder)
    paths = []
    for code, text, address in pages if each else ():
        path = folder / f"letter-{code}.pdf"
        write_atomic(path, letter_pdf(text, address, today))
        paths.append(path)
    everything = folder / "all-letters.pdf"
    combined = [_letter(text, address, today) for _, text, address in pages]
    write_atomic(everything, _compile(f"Letters to print, {today:%-d %B %Y}", combined))
    return [everything, *paths]
