"""A report page's HTML as Typst source, for a tagged PDF (PDF/UA-1).

Hearten's report templates are HTML. This module reads the rendered page with the standard
library's HTML parser and writes the same headings, paragraphs, lists, tables and figures as
Typst markup, so the PDF carries the same words and numbers as the page. It is written by hand
because no maintained library turns HTML into Typst; it covers only the elements the report
templates use.

Every piece of text becomes a Typst *string literal* (``#"..."``), never markup, so text from a
design file or a participant can never be read as Typst code: only ``\\`` and ``"`` need
escaping inside a string. Links are kept only for ``http``, ``https`` and ``mailto`` addresses.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from hearten.errors import DataError

_VOID = {"br", "img", "hr", "meta", "link", "input", "col", "wbr"}
_SKIP = {"style", "script", "head", "title", "nav", "button", "form", "noscript", "svg"}
_TEXT_WIDTH_PT = 504  # an A4 page (595 pt) less two 16 mm margins
_NUMBER = re.compile(r"^[(\[]?[−–+-]?[£$€]?\d[\d,]*(\.\d+)?%?[)\]]?(\s|$)")


@dataclass
class Node:
    """An element of the parsed page (or, with ``tag`` empty, a run of text)."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)
    text: str = ""


class _Tree(HTMLParser):
    """The page as a tree of ``Node``s; unclosed elements are closed by their parent's end."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("root")
        self.stack = [self.root]
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skipping or tag in _SKIP:
            self.skipping += tag not in _VOID
            return
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.skipping and tag not in _SKIP:
            self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            self.skipping -= tag not in _VOID
            return
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.stack[-1].children.append(Node("", text=data))


def parse(html: str) -> Node:
    """The ``<body>`` of ``html`` (or the whole text when it has none) as a tree."""
    start, end = html.find("<body"), html.rfind("</body>")
    if start >= 0:
        start = html.find(">", start) + 1
    body = html[start:end] if start > 0 and end > start else html
    tree = _Tree()
    tree.feed(body)
    tree.close()
    return tree.root


def string(text: str) -> str:
    """``text`` as a Typst string literal."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\n", "\\n").replace("\r", "").replace("\t", " ") + '"'


def plain(node: Node) -> str:
    """The text inside ``node``, whitespace collapsed."""
    if not node.tag:
        return node.text
    return " ".join("".join(plain(c) for c in node.children).split())


@dataclass
class Writer:
    """Turns the tree into Typst; figures' PNGs are collected in ``files`` by name."""

    files: dict[str, bytes] = field(default_factory=dict)
    heading: int = 0

    # inline content -----------------------------------------------------------------------
    def inline(self, nodes: list[Node]) -> str:
        return "".join(self.atom(node) for node in nodes)

    def atom(self, node: Node) -> str:
        tag = node.tag
        if not tag:
            text = re.sub(r"\s+", " ", node.text)
            return f"#{string(text)};" if text else ""
        inner = self.inline(node.children)
        if tag in ("strong", "b"):
            return f"#strong[{inner}];"
        if tag in ("em", "i", "cite"):
            return f"#emph[{inner}];"
        if tag in ("code", "kbd", "samp"):
            return f"#raw({string(plain(node))});"
        if tag == "br":
            return "#linebreak();"
        if tag == "sup":
            return f"#super[{inner}];"
        if tag == "sub":
            return f"#sub[{inner}];"
        if tag == "a":
            href = node.attrs.get("href", "")
            if re.match(r"^(https?:|mailto:)", href):
                return f"#link({string(href)})[{inner}];"
            return inner
        if tag == "img":
            return self.image(node)
        if tag in ("ul", "ol", "table", "p", "div", "figure", "details", "dl", "pre"):
            return f"#[{self.blocks([node])}];"  # a block where the HTML allowed inline
        return inner

    # blocks -------------------------------------------------------------------------------
    def blocks(self, nodes: list[Node]) -> str:
        """Block content: paragraphs are separated by blank lines; loose text and inline
        elements between blocks form a paragraph of their own."""
        out: list[str] = []
        loose: list[Node] = []

        def flush() -> None:
            text = self.inline(loose).strip()
            if text and text != '#" ";':
                out.append(text)
            loose.clear()

        for node in nodes:
            block = self.block(node)
            if block is None:
                loose.append(node)
                continue
            flush()
            if block:
                out.append(block)
        flush()
        return "\n\n".join(out)

    def block(self, node: Node) -> str | None:
        """``node`` as a block, or None when it is inline content."""
        tag = node.tag
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            # PDF/UA forbids skipped levels: a level never goes more than one deeper
            level = min(int(tag[1]), self.heading + 1)
            self.heading = level
            return f"#heading(level: {level})[{self.inline(node.children).strip()}]"
        if tag == "p":
            return self.inline(node.children).strip()
        if tag in ("ul", "ol"):
            kind = "list" if tag == "ul" else "enum"
            items = [f"[{self.blocks(li.children)}]" for li in node.children if li.tag == "li"]
            return f"#{kind}({', '.join(items)})" if items else ""
        if tag == "dl":
            terms = [c for c in node.children if c.tag in ("dt", "dd")]
            pairs = []
            for i, term in enumerate(terms):
                if term.tag == "dt":
                    desc = terms[i + 1] if i + 1 < len(terms) and terms[i + 1].tag == "dd" else None
                    body = self.blocks(desc.children) if desc else ""
                    pairs.append(f"terms.item[{self.inline(term.children)}][{body}]")
            return f"#terms({', '.join(pairs)})" if pairs else ""
        if tag == "table":
            return self.table(node)
        if tag == "figure":
            return self.figure(node)
        if tag == "pre":
            return f"#raw({string(plain(node))}, block: true)"
        if tag == "hr":
            return "#line(length: 100%, stroke: 0.5pt + luma(180))"
        if tag == "summary":
            return f"#strong[{self.inline(node.children)}]"
        if tag == "caption":
            return ""
        if tag in ("div", "section", "article", "main", "header", "footer", "details", "aside",
                   "blockquote", "body", "html", "root", "li", "dd", "dt", "figcaption",
                   "thead", "tbody"):  # fmt: skip
            return self.blocks(node.children)
        return None

    def image(self, node: Node) -> str:
        src, alt = node.attrs.get("src", ""), node.attrs.get("alt", "").strip()
        if not alt:
            raise DataError(f"a figure in the report has no alternative text ({src[:40]}…)")
        match = re.match(r"^data:image/(png|jpeg|svg\+xml);base64,(.*)$", src, re.S)
        if match is None:
            raise DataError("a figure in the report is not an embedded image (data: URI)")
        try:
            data = base64.b64decode(match.group(2), validate=True)
        except binascii.Error as error:
            raise DataError("a figure in the report is not valid base64") from error
        name = f"figure-{len(self.files) + 1}.{match.group(1).split('+')[0]}"
        self.files[name] = data
        width = node.attrs.get("width", "")
        size = f", width: {min(int(width), _TEXT_WIDTH_PT)}pt" if width.isdigit() else ""
        return f"#box(image({string(name)}, alt: {string(alt)}{size}));"

    def figure(self, node: Node) -> str:
        """An HTML figure: its content, then its caption as a small paragraph (Typst's own
        figure would be tagged as one Figure needing alternative text of its own)."""
        caption = next((c for c in node.children if c.tag == "figcaption"), None)
        content = self.blocks([c for c in node.children if c.tag != "figcaption"])
        if caption is None:
            return content
        words = self.inline(caption.children).strip()
        return "\n\n".join(p for p in (content, f"#text(size: 8pt)[{words}]") if p)

    def table(self, node: Node) -> str:
        rows: list[tuple[bool, Node]] = []  # (in the head, row)
        caption = ""
        for part in node.children:
            if part.tag == "caption":
                caption = self.inline(part.children).strip()
            elif part.tag in ("thead", "tbody", "tfoot"):
                rows += [(part.tag == "thead", r) for r in part.children if r.tag == "tr"]
            elif part.tag == "tr":
                all_th = all(c.tag == "th" for c in part.children if c.tag)
                rows.append((all_th and not rows, part))
        if not rows:
            return ""
        width = max(
            sum(int(c.attrs.get("colspan", "1") or 1) for c in r.children if c.tag in ("td", "th"))
            for _, r in rows
        )
        numeric = self._numeric_columns([r for in_head, r in rows if not in_head], width)
        header = [self._cells(r, numeric) for in_head, r in rows if in_head]
        body = [self._cells(r, numeric) for in_head, r in rows if not in_head]
        parts = [f"table.header({', '.join(c for row in header for c in row)})"] if header else []
        parts += [c for row in body for c in row]
        table = (
            f"#table(columns: {width}, stroke: none, inset: (x: 4pt, y: 3pt),"
            f" table.hline(stroke: 0.5pt), {', '.join(parts)}, table.hline(stroke: 0.5pt))"
        )
        return f"#strong[{caption}]\n\n{table}" if caption else table

    def _numeric_columns(self, rows: list[Node], width: int) -> set[int]:
        """Columns whose every filled body cell is a number (or marked ``class="num"``)."""
        votes: dict[int, list[bool]] = {}
        for row in rows:
            column = 0
            for cell in (c for c in row.children if c.tag in ("td", "th")):
                text = plain(cell).strip()
                if text and cell.tag == "td":
                    is_number = "num" in cell.attrs.get("class", "").split()
                    is_number = is_number or bool(_NUMBER.match(text)) or text in ("–", "-", "—")
                    votes.setdefault(column, []).append(is_number)
                column += int(cell.attrs.get("colspan", "1") or 1)
        return {c for c, v in votes.items() if v and all(v) and c < width}

    def _cells(self, row: Node, numeric: set[int]) -> list[str]:
        out, column = [], 0
        for cell in (c for c in row.children if c.tag in ("td", "th")):
            span = int(cell.attrs.get("colspan", "1") or 1)
            content = self.blocks(cell.children).replace("\n\n", " #linebreak(); ")
            if cell.tag == "th":
                content = f"#strong[{content}]"
            align = "right" if column in numeric and span == 1 else "left"
            extra = f", colspan: {span}" if span > 1 else ""
            out.append(f"table.cell(align: {align}{extra})[{content}]")
            column += span
        return out


_PREAMBLE = """#set document(title: {title}, author: "Hearten")
#set text(font: "DejaVu Sans", size: 9pt, lang: {lang}, region: {region}, hyphenate: false)
#set par(justify: false, leading: 0.6em, spacing: 0.9em)
#set page(paper: "a4", margin: 16mm, footer: context align(center, text(size: 7pt, \
fill: rgb("#505a5f"))[#{title}; · page #counter(page).display() of \
#counter(page).final().first()]))
#show heading.where(level: 1): set text(size: 18pt)
#show heading.where(level: 2): set text(size: 13pt)
#show heading.where(level: 3): set text(size: 11pt)
#show heading: set block(above: 1.2em, below: 0.6em, sticky: true)
#show raw: set text(font: "DejaVu Sans Mono", size: 8pt)
#show link: set text(fill: rgb("#1d70b8"))
#show link: underline
#show figure.caption: set text(size: 8pt)
#show figure: set block(breakable: true)
"""


def to_typst(html: str, title: str, lang: str = "en-GB") -> tuple[str, dict[str, bytes]]:
    """The Typst source of ``html`` titled ``title``, and the image files it refers to."""
    language, _, region = lang.partition("-")
    writer = Writer()
    body = writer.blocks(parse(html).children)
    preamble = _PREAMBLE.format(
        title=string(title), lang=string(language.lower()), region=string(region.lower() or "gb")
    )
    return preamble + "\n" + body + "\n", writer.files
