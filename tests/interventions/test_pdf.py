"""Letters are tagged PDFs (PDF/UA-1), like the reports: language, title, paragraphs in
reading order, the address where a window envelope shows it, and a manager's words printed as
typed, never read as markup."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pypdfium2

from hearten.interventions.pdf import letter_pdf, write_letters
from tests.reports.test_tagged_pdf import structure

LETTER = (
    "Dear Jo,\n\n"
    "Thank you for the care you took with the #1 case review: *every* detail, [all] of it, "
    "$0 spent and 100% heart.\n\n"
    "With thanks,\nAlex Morgan\nDirector of Children's Services"
)


def _text(pdf: bytes, page: int = 0) -> str:
    return str(pypdfium2.PdfDocument(pdf)[page].get_textpage().get_text_range())


def test_a_letter_is_a_tagged_pdf_with_its_language_and_a_title_that_names_no_arm() -> None:
    pdf = letter_pdf(LETTER, "Jo Bloggs; 1 High Street; Dudley", date(2026, 12, 1))
    s = structure(pdf)
    assert s["marked"]
    assert s["display_title"]
    assert s["ua"] == "1"
    assert s["lang"] == "en-GB"
    assert s["title"] == "Letter, 1 December 2026"
    # the address, the date, and the letter's three paragraphs, in reading order
    assert s["tags"].count("/P") == 5
    text = _text(pdf)
    assert text.index("Jo Bloggs") < text.index("1 December 2026") < text.index("Dear Jo,")
    assert text.index("Dear Jo,") < text.index("With thanks,") < text.index("Alex Morgan")


def test_what_a_manager_types_is_printed_as_typed() -> None:
    text = _text(letter_pdf(LETTER, "", date(2026, 12, 1)))
    assert "#1 case review: *every* detail, [all] of it, $0 spent and 100% heart." in " ".join(
        text.split()
    )


def test_the_print_file_has_a_page_a_letter_and_each_letter_its_own_file(
    tmp_path: Path,
) -> None:
    pages = [("A1", LETTER, "Jo Bloggs; 1 High Street"), ("B2", LETTER.replace("Jo", "Sam"), "")]
    paths = write_letters(pages, tmp_path, date(2027, 2, 3))
    assert [p.name for p in paths] == ["all-letters.pdf", "letter-A1.pdf", "letter-B2.pdf"]
    everything = paths[0].read_bytes()
    assert len(pypdfium2.PdfDocument(everything)) == 2
    assert "Dear Sam," in _text(everything, 1)
    # Dated by the clock the caller passes, not the machine's day (issue 27).
    assert structure(everything)["title"] == "Letters to print, 3 February 2027"
    assert "3 February 2027" in _text(everything, 0)
    assert structure(paths[1].read_bytes())["title"] == "Letter, 3 February 2027"
    for path in paths:
        assert structure(path.read_bytes())["ua"] == "1"
        assert path.stat().st_mode & 0o777 == 0o600  # personal data
