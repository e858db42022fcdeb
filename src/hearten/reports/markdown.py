"""Markdown documents (pre-registration, data-protection summary) as safe HTML.

Both documents quote text from the design file (the trial's name, arm labels, the privacy
contact), which anyone who writes a design controls. That text must reach a PDF renderer as
words only: raw HTML in it (``<img src=...>``) would otherwise be laid out, fetching or
embedding files, and Markdown in it (``![x](/a/file.png)``) would become an image. So

* :func:`quoted` escapes design text before it is put into a document's Markdown, and
* :func:`markdown_html` renders a document with raw HTML and images switched off, so that even
  unescaped text cannot bring in a tag or a file.

markdown-it-py (the CommonMark reference port) does the rendering; the escaping is written by
hand because it is one regular expression over CommonMark's escapable punctuation.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

from hearten.errors import DataError
from hearten.reports.pdf import html_to_pdf

#: Punctuation that starts Markdown or HTML syntax inside a line (CommonMark allows a
#: backslash before any ASCII punctuation, so escaping one that needs no escape is harmless).
_ACTIVE = re.compile(r"([\\`*_\[\]<>!&|~#])")


def quoted(text: str) -> str:
    """Design text as literal Markdown: one line, every active character backslash-escaped."""
    return _ACTIVE.sub(r"\\\1", " ".join(text.split()))


def markdown_html(text: str, *, tables: bool = False) -> str:
    """A Hearten document's Markdown as HTML, with raw HTML escaped and no images."""
    md = MarkdownIt("commonmark", {"html": False}).disable("image")
    if tables:
        md.enable("table")
    html: str = md.render(text)
    return html


def markdown_pdf(text: str, title: str, *, tables: bool = False) -> bytes:
    """A Hearten document's Markdown as PDF bytes, or a ``DataError`` saying why not.

    The PDF renderer is third-party code fed with text from the design file, so any failure
    of it becomes one clear message rather than a traceback (nothing has been written yet).
    """
    try:
        return html_to_pdf(f"<body>{markdown_html(text, tables=tables)}</body>", title)
    except Exception as exc:  # any renderer failure, reported in one line
        raise DataError(
            f"the document {title!r} could not be laid out as PDF ({type(exc).__name__}: "
            f"{exc}); simplify the design's text (name, labels, privacy section) and try again"
        ) from exc
