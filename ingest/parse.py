"""Parse a source item into document text plus located structural elements (unstructured).

File parsing runs in a forked child under a wall-clock and a memory limit, so a hostile PDF or a
decompression bomb kills only that child, never the worker. `os.fork` is used rather than
multiprocessing because Celery's pool processes are daemonic and may not start multiprocessing children.
"""

from __future__ import annotations

import codecs
import io
import logging
import os
import pickle
import re
import resource
import select
import signal
import tempfile
import textwrap
import time
from bisect import bisect_left
from html import unescape
from pathlib import Path, PurePosixPath
from typing import Any

from ingest.formats import (
    MD_LIST_MARKER,
    Table,
    cell_spelling,
    csv_table,
    html_source,
    html_table,
    markdown_source,
    notebook_to_markdown,
    rst_to_html,
    unescaped_pipes,
    xlsx_tables,
)
from ingest.minimal_pdf import pdf_bytes
from ingest.pdf_columns import Box, column_order
from ingest.pdf_encoding import read_builtin_encodings
from ingest.pdf_fallback import pypdf_elements
from ingest.pdf_fonts import (
    BoxFont,
    Typesetting,
    item_lines,
    listing_text,
    nesting,
    recorded_typesetting,
    set_as_heading,
    typeset_category,
)
from ingest.pdf_tables import PrintedTable, as_terms
from ingest.pdf_text import word_repair
from ingest.sources import SourceItem
from kernel.errors import FileTooLargeError, ParseFailedError, ParseTimeoutError, UnsupportedTypeError
from kernel.rows import header_line, row_line
from kernel.text import same_words
from kernel.types import Element, ParsedDocument

log = logging.getLogger("cairn.ingest")

SEPARATOR = "\n\n"
# What the parser writes for a file: part of every document's fingerprint, so that a release that parses files
# differently (PDF words mended in 2, HTML page chrome left out in 3, HTML layout tables read as text and
# in-page contents left out in 4, MyST directives in 5, HTML permalinks, buttons and code flavours, XHTML
# pages that declare their encoding rewritten like any other page, tables of terms without a header, a site's
# menu column left out and an index kept, and PDF margin lines kept unless they repeat, in 6; PDF paragraphs
# that a page or column break cut in two read as one again, numbered PDF headings nest, and a PDF line that
# ends like a sentence or opens with a mark is no heading, and a PDF titled by its information dictionary, in 7;
# MyST roles and targets as text in 8; a text PDF pdfminer gets no text from read with pypdf in 9, so one that
# failed and was given up on is tried again; a PDF line with an address, code marks or field names, or of the
# front matter, is no heading in 10; mkdocstrings references left out in 11; Markdown footnotes as text in 12; a
# PDF line between two lines of a printed listing is no heading in 13; a printed copy button left out in 14;
# what looks like a footnote reference inside inline code kept in 15; a Markdown cell's escaped pipe unescaped in
# 16; PDF headings told by their type in 17, and in 18 whatever their words, with a running line that shares a
# line with text left out of it; a PDF listing set in a fixed-width face one code block with its line breaks in
# 19; a PDF paragraph led by a bullet drawn as a shape a list item in 20; a PDF paragraph boxed in pieces on one
# page one paragraph in 21; a printed list's nesting kept in 22; an HTML list of terms set as a two-column table
# read as terms with their descriptions in 23; Sphinx's object descriptions in reST (options, functions) kept as
# terms with their descriptions, and CMake's roles as text, in 24; an HTML table's spacer rows and columns dropped,
# and a headerless two-column table of short terms read as terms with their descriptions, a PDF's unmapped glyphs
# left out and TeX's slanted and italic typewriter faces read as code, in 25; an HTML paragraph of one code element
# a listing, a table of row headers read as terms, a cell's line breaks read as spaces, txfonts' typewriter faces
# read as code, Sphinx's notes that a block goes on across a page left out, and a PDF margin line that names a
# section a running line, in 26; a PDF line's words set apart by position alone kept apart, in 27; a deep section
# number before a lower-case name a heading, in 28; a compact font's own encoding read, a two-column page read column
# by column, a paragraph cut at a hyphen joined across a page or column break and a PDF with a dense plot read for
# its text, in 29; a bold heading boxed with its paragraph split from it, a figure's letters and a justified line's
# stray words no PDF headings, and a numbered heading set on two lines one, in 30; a Markdown paragraph of one code
# span a code block, in 31; sphinx-tabs' and sphinx-design's tabs and doctest blocks kept, in 32; a Markdown line
# ended by a backslash joined to the next, in 33; the pieces of a justified PDF line read in print order, in 34; a
# PDF listing's glyphs that map to no character left out, in 35; a PDF box cut before each bulleted line, and a list
# item continued across a page or column break, in 36; a rotated page's vertical lines left in pdfminer's order, in
# 37; collapsed "<details>" sections of Markdown and HTML kept, and a Markdown quote that is a GitHub alert or holds
# a code block read as text, in 38; a reST role of a project's own Sphinx extension read as its text, and a list item
# that is a term with its meaning set under it read as a definition, in 39; MkDocs content tabs and titled fences
# kept, in 40; a Markdown list item's paragraphs kept one item, in 41, and an HTML one's in 42; GitBook's and Jekyll's
# Liquid tags read as the page shows them, in 43; a printed table read as its rows, a list of terms set as one as
# terms, and a printed numbered list boxed as one paragraph as its items, in 44; a printed table's centred header and
# wrapped first-column cells, in 45; a Markdown list right under a paragraph's line kept a list, in 46; a Markdown
# list item's marker found by its words, in 47; a table cell spelled as the page spells it, not with a space at each
# inline element's edge, in 48) parses the ones already ingested again, instead of leaving their old
# text.
PARSE_VERSION = 48
TEXT_KINDS = ("md", "text", "html", "rst", "ipynb", "csv")
_SKIP = {"PageBreak", "Image", "Header", "Footer", "PageNumber"}


def parse_item(item: SourceItem, max_bytes: int, timeout_s: float, memory_mb: int) -> ParsedDocument:
    if item.problem and item.source_type == "unsupported":
        raise UnsupportedTypeError(item.problem)
    if item.problem:
        raise ParseFailedError(item.problem)
    if item.size > max_bytes:
        raise FileTooLargeError(f"{item.size} bytes is over the {max_bytes}-byte limit")
    if item.record is not None:
        return parse_record(item.record)
    if item.content is not None:
        # Sent by the coordinator (a worker on another machine): parsed from a private copy.
        with tempfile.TemporaryDirectory(prefix="cairn-doc-") as tmp:
            copy = Path(tmp) / PurePosixPath(item.rel_path).name  # the name: a title falls back to its stem
            copy.write_bytes(item.content)
            return _in_child(copy, item.source_type, timeout_s, memory_mb)
    assert item.path is not None
    return _in_child(Path(item.path), item.source_type, timeout_s, memory_mb)


def preload_parsers() -> None:
    """Import every partitioner once in this process, so each forked parse child starts warm."""
    import unstructured.partition.docx
    import unstructured.partition.email
    import unstructured.partition.html
    import unstructured.partition.md
    import unstructured.partition.pdf
    import unstructured.partition.pptx
    import unstructured.partition.text
    # The first partition loads models (spaCy's tagger for narrative-text detection); do it here once.
    unstructured.partition.text.partition_text(text="Cairn warms up its parsers. This is a sentence.")
    # PDF text is ordered by numba-compiled code. Compiled in each child, it cost every PDF 1-3 s, and
    # under load a first (cache-cold) compile outran the parse time limit.
    sample = pdf_bytes([["Cairn warms up its PDF parser.", "This is a second line."]])
    unstructured.partition.pdf.partition_pdf(file=io.BytesIO(sample), strategy="fast")


def parse_record(record: dict[str, Any]) -> ParsedDocument:
    title = str(record.get("title") or "").strip()
    body = str(record.get("text") or "")
    builder = _Builder()
    if title:
        builder.add(title, "Title", depth=0, page=None)
    builder.add(body, "NarrativeText", depth=None, page=None)
    return builder.build(title)


def parse_file(path: Path, kind: str) -> ParsedDocument:
    """Parse in this process (no limits); the child in `_in_child` calls this."""
    # Text kinds are read and decoded once here; the partitioners get the text, not the file.
    source = decode_text(path.read_bytes()) if kind in TEXT_KINDS else ""
    if kind in TEXT_KINDS and not source.strip():
        raise ParseFailedError("the file is empty" if not source else "the file holds only white space")
    if kind == "text" and (len(source) > PLAIN_TEXT_CHARS
                           or max(map(len, source.splitlines()), default=0) > LONG_LINE_CHARS):
        return _plain_paragraphs(source, path.stem)
    if kind in ("csv", "xlsx"):
        return _spreadsheet([csv_table(source)] if kind == "csv" else xlsx_tables(path), path.stem)
    if kind == "rst":
        kind, source = "html", rst_to_html(source)
    if kind == "html":
        source = html_source(source)
    elif kind == "ipynb":
        kind, source = "md", notebook_to_markdown(source)
    front_title = ""
    if kind == "md":
        front_title, source = markdown_source(source)
    elements, typeset = _partition(path, kind, source)
    spelling = _cell_spelling(kind, source)
    body_size = typeset.body
    markers = _list_markers(source, elements) if kind == "md" else {}
    words = word_repair(str(getattr(el, "text", "")) for el in elements) if kind == "pdf" else None
    running = running_lines(elements) if kind == "pdf" else set()
    phrases = running_phrases(running)
    builder = _Builder()
    title = front_title
    named = pdf_title(path) if kind == "pdf" else ""
    body = False  # has a paragraph, list or table been added yet?
    at: tuple[int | None, float | None] | None = None  # the page and top of the last element added
    code_run: list[BoxFont] = []  # the fixed-width boxes of the listing added last
    last_font: BoxFont | None = None  # how the element added last was set
    levels: list[float] = []  # where the bullets of the printed list being read stand, by nesting level
    tables: set[int] = set()  # the printed tables added, by id: a table's boxes come one after another
    if kind == "eml" and elements:
        header = _email_header(getattr(elements[0], "metadata", None))
        if header:
            builder.add(header, "EmailHeader", depth=None, page=None)
            title = _meta_str(getattr(elements[0], "metadata", None), "subject")
    for i, el in enumerate(elements):
        category = str(getattr(el, "category", type(el).__name__))
        meta = getattr(el, "metadata", None)
        if (kind == "pdf" and (printed := typeset.table_at(getattr(meta, "page_number", None), _top(meta)))
                is not None):
            if id(printed) not in tables:
                tables.add(id(printed))
                _add_printed_table(builder, printed, getattr(meta, "page_number", None))
                body, code_run, levels = True, [], []
                at, last_font = (getattr(meta, "page_number", None), printed.top), None
            continue
        if kind == "eml" and category == "Title":
            category = "UncategorizedText"  # a signature line in an email is not a heading
        in_margin = kind == "pdf" and category in _MARGINS and _margin_key(str(getattr(el, "text", ""))) not in running
        if in_margin:
            category = "UncategorizedText"  # text that only happens to sit in a page's margin
        text = _render(el, category, meta)
        if in_margin:
            text = without_running(text, phrases)
        if words is not None:
            text = words(text)
        depth = getattr(meta, "category_depth", None)
        font = typeset.at(getattr(meta, "page_number", None),
                          getattr(getattr(meta, "coordinates", None), "points", None))
        if body_size is not None and font is not None:
            category = typeset_category(category, font, body_size)
        # A line led by a drawn bullet is a list item even when it is all code ("dns.lookup()") or short enough
        # for the parser to call it a heading, unless it is set as one.
        bulleted = (font is not None and bool(font.items) and bool(text) and (category in _PROSE or (
            category == "Title" and body_size is not None and not set_as_heading(font, body_size))))
        listed = font is not None and font.mono and bool(font.listing) and category in _PROSE and not bulleted
        if listed and font is not None:
            category = "CodeSnippet"
            text = _fenced(listing_text([font]))
        elif bulleted and font is not None:
            ending, text = item_lines(text, font.items)
            text = textwrap.indent(text, "  " * nesting(levels, font.bullet_left))
            category = "ListItem"
            if ending and builder.elements and builder.elements[-1].kind == "ListItem":
                builder.replace_last(f"{builder.parts[-1]} {ending}")
            elif ending:
                text = f"{ending}\n{text}"
        # Set as a heading, a line is one whatever its words (a contents entry aside): an API reference's
        # "UV_THREADPOOL_SIZE=size" reads as code to `heading_like`, written for a parser that sees words alone.
        headline = (body_size is not None and font is not None and set_as_heading(font, body_size)
                    and not _LEADERS.search(text) and not scattered(text))
        if kind == "pdf" and category == "Title" and (
                not (headline or heading_like(text)) or front_matter_line(text, named, title, body)
                or in_listing(text, builder.parts[-1] if builder.parts else "", _following(elements, i, "text"))):
            category = "UncategorizedText"
        if kind == "pdf" and category in ("Title", "ListItem") and (level := numbered_heading(text)) is not None:
            after = _following(elements, i, "category")
            if category == "Title" or not ((builder.elements and builder.elements[-1].kind == "ListItem")
                                           or after == "ListItem"):
                category, depth = "Title", level
        if category == "ListItem" and i in markers and text:
            text = f"{markers[i]} {text[2:]}"
        elif category == "ListItem" and kind in ("html", "md") and isinstance(depth, int) and depth > 1 and text:
            text = "  " * (depth - 1) + text  # the parser's nesting, where the source's markers are not used
        if category in _SKIP or not text or (kind == "pdf" and printed_furniture(text)):
            continue
        page = getattr(meta, "page_number", None)
        html = getattr(meta, "text_as_html", None) if category == "Table" else None
        if html and (table := html_table(html, spelling)) is not None:
            _add_table(builder, unescaped_pipes(table) if kind == "md" else table, page)
            continue
        here = (page, _top(meta))
        last = builder.elements[-1] if builder.elements else None
        if listed and font is not None and font.lines == 1 and last is not None and last.kind == "ListItem" and (
                last.page == page and builder.parts[-1].endswith(",")):
            # A list item naming code cut at its line's end ("such as crypto.pbkdf2(), …,") goes on in a box of
            # its own: an item's next line, not a listing.
            builder.replace_last(f"{builder.parts[-1]} {listing_text([font])}")
            at, last_font = here, font
            continue
        if listed and font is not None:
            # A printed listing's lines come as boxes of a line or a few: they make one block again.
            if code_run and last is not None and last.kind == "CodeSnippet" and last.page == page:
                code_run.append(font)
                builder.replace_last(_fenced(listing_text(code_run)))
                at, last_font = here, font
                continue
            code_run = [font]
        else:
            code_run = []
        # A paragraph goes on past a page or column break, or in the next box of the page when its last line
        # fills the line.
        glued = (kind == "pdf" and last is not None and (broke(at, here) or (
            at is not None and at[0] == here[0] and last_font is not None and last_font.fills))
                 and continues(last.kind, builder.parts[-1], category, text))
        joint = " " if glued else None
        if glued:
            category = "NarrativeText"
            if last is not None and last.kind == "Title":  # a first part short enough to pass for a heading
                title = "" if title == builder.parts[-1] else title
                builder.untitle_last()
            if words is not None and builder.parts[-1].endswith("-"):
                # A word hyphenated at the break ("occa-" / "sionally") is mended as one broken at a line end.
                head, tail = builder.parts[-1].rsplit(None, 1)[-1], text.split(None, 1)[0]
                mended = words(f"{head} {tail}")
                if mended in (head + tail, head[:-1] + tail):
                    joint = ""
                    if mended == head[:-1] + tail:
                        builder.replace_last(builder.parts[-1][:-1])
        if (kind == "pdf" and joint is None and font is not None and category in _PROSE
                and (lead := run_in_heading(font.lead, text)) is not None):
            builder.add(lead, "Title", depth=numbered_heading(lead), page=page)
            text = text[len(lead):].lstrip()
        last = builder.elements[-1] if builder.elements else None
        if (kind == "pdf" and category == "Title" and last is not None and last.kind == "Title"
                and last.page == page and cut_heading(builder.parts[-1], text)):
            # A numbered heading set on two lines ("7.41 Why does summary() report strange results for" / "the
            # R^2 estimate when ..."): the second line is no section of its own.
            head = builder.parts[-1]
            builder.retitle_last(f"{head[:-1]}{text}" if head.endswith("-") else f"{head} {text}")
            at, last_font = here, font
            continue
        if category == "Title" and not title:
            title = text
        body = body or category in _BODY
        builder.add(text, category, depth=depth if category == "Title" else None, page=page, joint=joint)
        at, last_font = here, font
        if category != "ListItem":
            levels = []
    if not builder.elements:
        raise ParseFailedError(_why_empty(path, kind))
    return builder.build(named or title or path.stem)


_MARGINS = ("Header", "Footer")
_BODY = ("NarrativeText", "ListItem", "Table", "TableRow")


def front_matter_line(line: str, named: str, title: str, body: bool) -> bool:
    """Is this PDF "heading" a line of the front matter — authors, affiliations, a publisher — rather than a
    section's? Before the first paragraph, every line the parser calls a heading but the document's title
    (`named` in its information dictionary, or else the first heading, `title` once set) and a numbered one
    is such a line. Taken for a heading, "Jane Doe and John Roe" became the one section of a whole paper and
    was read with each of its sentences."""
    if body or numbered_heading(line) is not None:
        return False
    return not same_words(line, named) if named else bool(title)


_PROSE = ("NarrativeText", "UncategorizedText")
# A paragraph cut by a page or column break ends mid-sentence (a word, a number, a comma, a word hyphenated at
# the line's end) and its rest opens in lower case.
_OPEN_END = re.compile(r"(?:[\w,]|[A-Za-z]-)\Z")
_LOWER_START = re.compile(r"[a-z]")
_SENTENCE_END = re.compile(r"[.!?,;]\Z")
# A first part is prose, not a code line cut from its block ("cwd: undefined,") or a printed button ("C O P Y");
# neither part is a line of code.
_WORD = re.compile(r"[A-Za-z]{2,}")
_MIN_WORDS = 4
_CODE_MARKS = frozenset("(){}[];=<>/\\|&*")
_NEAR = 60  # characters each side of the break that are read: prose may hold a path or a call further away
_CODE_SHARE = 0.08  # prose: "fast; the cache" 0.02; code: "console.log(params.toString());" 0.12


def _codey(line: str) -> bool:
    """Does a line read as code? Printed code blocks lose their box: their lines break like prose."""
    return sum(c in _CODE_MARKS for c in line) >= _CODE_SHARE * max(len(line), 1)


# A line ending in a stop, a comma or a hyphen ("Latency-", a table cell cut at its line end) breaks off.
_FRAGMENT_END = re.compile(r"[.,;:)-]\s*\Z")
# Words a paper sets apart from its sentence (pdfminer boxes a word or two of a justified line alone: "from", "the
# perspective of", "important advantage of") and the letters of a figure ("A", "G", and an axis label set sideways,
# "d n o c e s"): the parser called them headings, and every unit after them was read under "Advantage" or "In". A
# heading opens with a capital, a number or a name written as code ("path.basename()", "curl_easy_setopt"), and
# does not end on a word that wants what follows.
_SCATTERED = re.compile(r"\w(?: \w)*")
_PLAIN_LOWER = re.compile(r"[a-z][a-z ,'’-]*")
_OPEN_WORDS = frozenset({"a", "an", "the", "of", "to", "for", "from", "in", "into", "on", "at", "by", "with", "and",
                         "or", "as", "that", "than", "its", "their", "is", "are"})
_LEADERS = re.compile(r"\.{4,}|(?:\. ){3,}")
# An author's or publisher's contact line ("Fabio Fiorina (help-libtasn1@gnu.org)", "X Desktop Group
# (http://www.freedesktop.org)", "tal197 at users.sf.net") or a reference entry: no section is named by an address.
_ADDRESS = re.compile(r"\S@\w|\b\w+ at \w[\w-]*\.\w+\.\w{2,}\b|\b(?:https?|ftp)://|\bwww\.\w", re.IGNORECASE)
# Grammar, data-layout and formula lines set apart like headings ("Version ::= INTEGER", "Group ::= SEQUENCE {",
# "LEN = strlen(VALUE)+1", 'MIME-Type ":" icon-name'); a call signature heading has none of these marks.
_CODE_HEADING = re.compile(r'[{}=;<>"]')
# A line of field names, types and sizes ("MIME_TYPE_OFFSET PARENTS_OFFSET", "Match: 4 4 4", "GlobList: 4 CARD32
# 12*N_GLOBS"): a row of a layout table. One identifier alone may well head its section ("curl_easy_setopt").
_FIELD = re.compile(r"\S*[_*]\S*|[A-Z]+\d+|\d+")


def _following(elements: list[Any], i: int, field: str) -> str:
    """The parser's `field` ("text", "category") of the element after the i-th, or "" at the end."""
    return str(getattr(elements[i + 1], field, "")) if i + 1 < len(elements) else ""


# A documentation site's copy button beside each code block ("Copy code", "Copied!"; Node.js's "C O P Y", spaced
# out by its style) is printed with the page. Read as a heading, it named the section of the text after each code
# block in place of the heading above it: 627 of the 2,256 headings of the 17 printed Node.js pages. "Copy" as
# written may be a heading of its own (a Dockerfile reference's COPY), so a one-word line is a button only spaced out.
# Sphinx's LaTeX notes where a code block goes on across a page break ("(continues on next page)", "(continued from
# previous page)"): read as text, they were lines of the example, and paragraphs of their own an answer could quote.
_FURNITURE = re.compile(r"copy code|copy to clipboard|copied!?|c o p y|\(continue[sd] (?:on next|from previous) page\)",
                        re.IGNORECASE)


def printed_furniture(line: str) -> bool:
    """Is this PDF line a copy button printed with a web page, or a typesetter's note that a block goes on?"""
    return bool(_FURNITURE.fullmatch(" ".join(line.split())))


def in_listing(line: str, before: str, after: str) -> bool:
    """Is this PDF line, between those two, a line of a code or grammar listing? A printed listing loses its box
    and its short lines pass for headings: libtasn1's "BEGIN", "END" and "value1 INTEGER, value2 BOOLEAN" between
    "DEFINITIONS EXPLICIT TAGS ::=" and "}" each became a section of the text after them. A heading may follow a
    code block or open one, and in an API reference a signature, a dotted name or a label ("Event: 'close'")
    heads a section between an example and its parameter lines ("callback <Function>"): neither is read so."""
    if numbered_heading(line) is not None or any(c in line for c in "(.:"):
        return False
    last = before.strip().rsplit("\n", 1)[-1]
    first = after.strip().split("\n", 1)[0]
    return bool(_CODE_HEADING.search(last) and _CODE_HEADING.search(first))


def heading_like(text: str) -> bool:
    """Can this line the PDF parser calls a heading be one? It takes any short line for a heading: the end of a
    sentence ("tifier.", "?2, and so on."), a line announcing an example ("For example:"), a code line
    ("asn1_node definitions = NULL;", "<mime-type type=\"text/x-diff\">"), the end of a signature cut in two
    ("char * error_desc)"), a contents entry with its dot leaders. Those became the section of the text after
    them, and the path above every later heading."""
    t = text.strip()
    if not t or not t[0].isalnum() or _LEADERS.search(t) or _ADDRESS.search(t) or _CODE_HEADING.search(t):
        return False
    if scattered(t) or (_PLAIN_LOWER.fullmatch(t) and numbered_heading(t) is None):
        return False
    words = t.split()
    fields = sum(bool(_FIELD.fullmatch(w.rstrip(",:"))) for w in words)
    if fields >= 2 and 2 * fields >= len(words):
        return False
    # A call signature is a heading in API references ("path.basename(path[, suffix])"); a parenthesis closing
    # what the line never opened is the end of one cut in two.
    return not _FRAGMENT_END.search(t) or (t.endswith(")") and t.count("(") == t.count(")"))


def scattered(text: str) -> bool:
    """Is this line a figure's letters or words a justified line lost, whatever its type size?"""
    t = text.strip()
    return bool(_SCATTERED.fullmatch(t)) or (bool(t) and t.split()[-1].lower() in _OPEN_WORDS
                                             and numbered_heading(t) is None)


def cut_heading(first: str, second: str) -> bool:
    """Are two heading lines one numbered heading set on two? The second goes on in lower case, where the first
    broke off: on a word that wants more, in a hyphenated word, or in a question that only the second closes.
    A numbered section's first subheading ("4.1 ASN.1 schema functions" / "asn1 parser2tree") is its own."""
    first = first.strip()
    if _NUMBERED.fullmatch(first) is None or not _LOWER_START.match(second):
        return False
    return first.endswith("-") or first.split()[-1].lower() in _OPEN_WORDS or (
        second.rstrip().endswith("?") and not first.endswith("?"))


def run_in_heading(lead: str, text: str) -> str | None:
    """The heading that opens a PDF paragraph on a bold line of its own (`BoxFont.lead`), or None: a numbered
    heading, or a short one that can be a heading ("Worker Failure"), with text after it. A bold sentence
    opening a paragraph is no heading."""
    if not lead or not text.startswith(lead) or not text[len(lead):].strip():
        return None
    if numbered_heading(lead) is not None:
        return lead
    short = len(lead.split()) <= _RUN_IN_WORDS and not _SENTENCE_END.search(lead)
    return lead if short and heading_like(lead) and lead[0].isupper() else None


_RUN_IN_WORDS = 6


# "2.1 Fusion methods", "3. Results": a section number, a capital, a few words, no full stop. A number of three
# parts or more may go before a lower-case name ("4.4.5 salsa.debian.org: Git repositories"), which a quantity
# ("1.5 times") does not.
_NUMBERED = re.compile(r"(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+([A-Za-z])[^\n]{0,80}")
_DEEP = 2  # dots in a section number that may go before a lower-case name
_MAX_HEADING_WORDS = 10


def numbered_heading(text: str) -> int | None:
    """The level of a numbered section heading in a PDF ("2" → 1, "2.1" → 2), or None. A PDF says nothing of
    its headings' levels, so every heading replaced the one before it in a section's path; and the parser takes
    "2. Related Work" for a list item, leaving the text under it in the section before. A lone numbered line
    between paragraphs is a heading; numbered lines in a run are a list's items."""
    m = _NUMBERED.fullmatch(text.strip())
    if (m is None or text.rstrip()[-1] in ".!?:;," or len(text.split()) > _MAX_HEADING_WORDS
            or (m.group(2).islower() and m.group(1).count(".") < _DEEP)):
        return None
    return m.group(1).count(".") + 1


def _top(meta: Any) -> float | None:
    """Where an element's box begins on its page, from the top (the parser's PDF coordinates grow downwards)."""
    points = getattr(getattr(meta, "coordinates", None), "points", None)
    return min(float(y) for _, y in points) if points else None


def broke(before: tuple[int | None, float | None] | None, here: tuple[int | None, float | None]) -> bool:
    """Did the text cross a page or column break between two elements (page, top)? A new page, or a box that
    begins higher on the page than the one before it: the top of the next column. A heading and the text
    under it cross neither."""
    if before is None or before[0] is None or here[0] is None:
        return False
    if before[0] != here[0]:
        return True
    return before[1] is not None and here[1] is not None and here[1] < before[1]


def continues(before_kind: str, before: str, category: str, text: str) -> bool:
    """Is this PDF text, found after a page or column break (`broke`), the rest of the paragraph before it? The
    parser makes a new element at every such break, so a sentence that runs across one was two paragraphs,
    split apart in chunks and answer units ("… the cache of each user lives in" / "the home directory …"). A
    short first part is often taken for a heading ("The cache of each user lives in"); when the text after it
    is its rest, it is text again (the caller undoes the heading)."""
    if before_kind not in (*_PROSE, "Title", "ListItem"):  # an item runs across a break as a paragraph does
        return False
    # The rest, when short, is taken for a heading too; a heading does not end like a sentence.
    if category not in _PROSE and not (category == "Title" and _SENTENCE_END.search(text)):
        return False
    if not (_OPEN_END.search(before) and _LOWER_START.match(text)) or len(_WORD.findall(before)) < _MIN_WORDS:
        return False
    return not (_codey(before.rsplit("\n", 1)[-1][-_NEAR:]) or _codey(text.split("\n", 1)[0][:_NEAR]))


_DIGITS = re.compile(r"\d+")
# A margin line that is only a page number, Arabic or Roman ("#" once digits are masked; "xiv", not "civil").
_PAGE_NUMBER = re.compile(r"(?:page )?(?:#|c{0,3}(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3}))")


def _margin_key(text: str) -> str:
    """A margin line as it repeats: "Page 2 of 9" and "Page 3 of 9" are the same running footer."""
    return " ".join(_DIGITS.sub("#", text.lower()).split())


_WORDS_AND_NUMBERS = re.compile(r"[a-z0-9]+")


def _heading_words(text: str) -> str:
    """A heading's words and numbers: a running line writes "5.11. Non-Maintainer Uploads (NMUs)" where the
    heading it repeats writes "5.11 Non-Maintainer Uploads (NMUs)"."""
    return " ".join(_WORDS_AND_NUMBERS.findall(text.lower()))


def running_lines(elements: list[Any]) -> set[str]:
    """The PDF's running headers and footers: margin lines that repeat on two pages or more, page numbers
    ("iv", "12"), and margin lines that name a heading of the body ("5.11. Non-Maintainer Uploads (NMUs)" under
    a page of section "5.11 Non-Maintainer Uploads (NMUs)": a book's running line names its section, which may
    last a page). The parser calls any line in a page's top or bottom 7% a header or footer, and those were
    left out; but a line of the text (a code line, a step) that falls there at a page break is not one, and
    was lost: in pages printed from HTML with narrow margins, half of them. Kept as text, a running line naming
    a section was a heading in the middle of a paragraph, and what followed it read as a section of its own."""
    pages: dict[str, set[object]] = {}
    named: set[str] = set()
    headings = {_heading_words(str(getattr(el, "text", ""))) for el in elements
                if str(getattr(el, "category", "")) == "Title"} - {""}
    for el in elements:
        if str(getattr(el, "category", "")) in _MARGINS:
            text = str(getattr(el, "text", ""))
            key = _margin_key(text)
            pages.setdefault(key, set()).add(getattr(getattr(el, "metadata", None), "page_number", None))
            if _heading_words(text) in headings:
                named.add(key)
    return named | {key for key, on in pages.items() if len(on) >= 2 or _PAGE_NUMBER.fullmatch(key)}


def running_phrases(running: set[str]) -> list[re.Pattern[str]]:
    """The running lines (`running_lines`' keys) that may be taken out of a line of text they share, as patterns.
    Running lines of one word or none ("12", a chapter's name) are not: words of the text could be taken for
    them."""
    phrases = []
    for key in running:
        words = key.split()
        if len(words) >= 2 and any(ch.isalpha() for ch in key):
            # The key writes each run of digits as "#" ("page # of #").
            body = r"\s+".join(r"\d+".join(map(re.escape, w.split("#"))) for w in words)
            phrases.append(re.compile(rf"(?i)(?<!\S){body}(?!\S)"))
    return phrases


def without_running(text: str, phrases: list[re.Pattern[str]]) -> str:
    """A line of text in a page's margin, less the running line that shares it. A web page printed to PDF prints
    its fixed links on every page ("Skip to content" on each of Node's pages), and where one sits level with the
    text's first line the parser makes one line of both: "emitter.setMaxListeners(n) Skip to content", a heading
    that no longer matched the question."""
    for shared in phrases:
        text = " ".join(shared.sub(" ", text).split())
    return text


_MD_FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def _list_markers(source: str, elements: list[Any]) -> dict[int, str]:
    """The Markdown source's own list markers, indented two spaces per nesting level, by the index of the parser's
    list item each belongs to, so numbered steps keep their numbers and a nested list (an exception hierarchy,
    sub-steps) keeps its shape. An item takes the next marker whose line opens with the item's words: the parser
    now and then reads an item as a paragraph or runs two together, and markers paired with items one to one were
    then used on no list of the page (13 of 150 pages with numbered lists, dxw's "Suggesting a change" among them).
    An item no marker opens keeps the parser's nesting and a "- "."""
    found = list(MD_LIST_MARKER.finditer(_MD_FENCE.sub("", source)))
    markers = []
    widths: list[int] = []  # the indentation of each open nesting level; sources indent by 2, 3 or 4
    for m in found:
        width = len(m.group(1).expandtabs(4))
        while widths and widths[-1] > width:
            widths.pop()
        if not widths or widths[-1] < width:
            widths.append(width)
        marker = m.group(2)
        markers.append("  " * (len(widths) - 1) + ("-" if marker in "-*+" else marker))
    # Markers by their opening's first letters, which any marker matching an item shares with it (`_same_opening`):
    # a page of thousands of items the parser reads otherwise must not cost a scan of every marker per item.
    opens = [_opening(_item_text(m.string, m.end() - 1)) for m in found]
    by_head: dict[str, list[int]] = {}
    for k, opened in enumerate(opens):
        if opened:
            by_head.setdefault(opened[:_SHORT], []).append(k)
    out: dict[int, str] = {}
    at = 0
    for i, el in enumerate(elements):
        if str(getattr(el, "category", "")) != "ListItem" or not (words := _opening(str(getattr(el, "text", "")))):
            continue
        ks = by_head.get(words[:_SHORT], [])
        hit = next((k for k in ks[bisect_left(ks, at):] if _same_opening(words, opens[k])), None)
        if hit is not None:
            out[i], at = markers[hit], hit + 1
    return out


# A link's target and an HTML tag are not read; an autolink ("<https://…>") is.
_MD_LINK_TARGET = re.compile(r"\]\([^)]*\)|</?[A-Za-z][A-Za-z0-9-]*(?:\s[^>]*)?/?>")
_ITEM_END = re.compile(r"\n[ \t]*(?:\n|(?:[-*+]|\d{1,3}[.)])[ \t])")
_OPENING_CHARS = 24
_SHORT = 8  # an opening shorter than this must match whole


def _opening(line: str) -> str:
    """A list item's first letters and digits, lowercased, without Markdown's link targets and tags and with its
    character references read ("&lt;" is the parser's "<")."""
    return re.sub(r"[^a-z0-9]", "", unescape(_MD_LINK_TARGET.sub("", line)).lower())[:_OPENING_CHARS]


def _item_text(text: str, at: int) -> str:
    """The opening of the source's list item whose text starts at `at`: up to a blank line or the next marker, so
    that an item wrapped after its first word ("1. Follow\n   these steps ...") is read whole."""
    window = text[at : at + 500]  # room for a link's long target before the item's words
    end = _ITEM_END.search(window)
    return window[: end.start()] if end else window


def _same_opening(item: str, marked: str) -> bool:
    """Does the source line `marked` open the parser's item? A short item must match whole ("Yes" is no prefix of
    "Yesterday's notes")."""
    if min(len(item), len(marked)) < _SHORT:
        return item == marked
    return item.startswith(marked) or marked.startswith(item)


_OWN_MARKER = re.compile(r"\d{1,3}[.)][ \t]+\S")


def _render(el: Any, category: str, meta: Any) -> str:
    """An element's text as it goes into the document: structure written out so that it survives as text
    (and as answer units): list items as "- " lines, code fenced with its line breaks. Tables with a
    header are written by `_add_table`."""
    raw = str(getattr(el, "text", "") or "")
    if category == "CodeSnippet":
        return _fenced(raw)
    text = raw.strip()
    if category == "ListItem" and text:
        # Word's numbered lists arrive with their numbers ("1. Open ..."); another marker would double it.
        return text if _OWN_MARKER.match(text) else f"- {text}"
    return text


def _fenced(code: str) -> str:
    body = code.strip("\n").rstrip()
    return f"```\n{body}\n```" if body.strip() else ""


def _add_table(builder: _Builder, table: Table, page: int | None) -> None:
    """The header line (a table of terms has none), then one element per row: rows are answer units and chunk
    boundaries of their own, so a long table is never cut inside a row."""
    if any(table.header):
        builder.add(header_line(table.header), "Table", depth=None, page=page)
    for row in table.rows:
        builder.add(row_line(table.header, row), "TableRow", depth=None, page=page)


def _add_printed_table(builder: _Builder, table: PrintedTable, page: int | None) -> None:
    """A table read from a PDF page: a list of terms as paragraphs led by their terms, as an HTML page's; any other
    as a table."""
    terms = as_terms(table)
    for term in terms:
        builder.add(term, "NarrativeText", depth=None, page=page)
    if not terms:
        _add_table(builder, Table("", table.header, table.rows), page)


def _spreadsheet(tables: list[Table], title: str) -> ParsedDocument:
    builder = _Builder()
    for table in tables:
        if table.name and len(tables) > 1:
            builder.add(table.name, "Title", depth=1, page=None)
        _add_table(builder, table, None)
    return builder.build(title)


def _meta_str(meta: Any, name: str) -> str:
    value = getattr(meta, name, None) if meta is not None else None
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value) if value else ""


def _email_header(meta: Any) -> str:
    fields = [("Subject", "subject"), ("From", "sent_from"), ("To", "sent_to"), ("Date", "last_modified")]
    return "\n".join(f"{label}: {v}" for label, name in fields if (v := _meta_str(meta, name)))


# unstructured's text partitioner needs gigabytes for one 5 MB line; past these sizes a plain text file is
# split into paragraphs (and over-long ones at white space) by this module instead.
PLAIN_TEXT_CHARS = 1_000_000
LONG_LINE_CHARS = 20_000


def _plain_paragraphs(text: str, title: str) -> ParsedDocument:
    builder = _Builder()
    for para in re.split(r"\n\s*\n", text):
        words = para.split()
        piece: list[str] = []
        size = 0
        for w in words:
            piece.append(w)
            size += len(w) + 1
            if size >= LONG_LINE_CHARS:
                builder.add(" ".join(piece), "NarrativeText", depth=None, page=None)
                piece, size = [], 0
        if piece:
            builder.add(" ".join(piece), "NarrativeText", depth=None, page=None)
    if not builder.elements:
        raise ParseFailedError("the file is empty")
    return builder.build(title)


def decode_text(data: bytes) -> str:
    """Text files in the encoding they were written in. UTF-8 (with or without BOM) and UTF-16 with a BOM
    are certain; otherwise Windows-1252, which decodes every Latin-1 file as written. Detectors guess
    wrong on short Western text (Latin-1 "crème" read as cp1250 "crčme"), so one is only asked when
    cp1252 cannot decode the bytes at all."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        return str(best) if best is not None else data.decode("latin-1")


# A Markdown image whose URL holds a quote makes the Markdown parser drop the rest of its paragraph; the
# image itself is never indexed, so it is replaced by its alt text before parsing.
_MD_IMAGE = re.compile(r"!\[([^\]\n]*)\]\([^)\n]*\)")


# How far apart, relative to a character's size, two characters of a PDF line must be to have a space between them:
# pdfminer's own default. unstructured raises it to 0.185, and TeX's justified lines, which set words apart by
# position and no space character, then lost their spaces: 62 runs of words in the Debian Developer's Reference
# (Sphinx's LaTeX) read "Ifyouwanttoprintthisreference,". The R FAQ, libtasn1's manual and pages Chromium prints
# read the same words either way; only their dot leaders get spaces (". . ."), still contents entries.
WORD_MARGIN = 0.1


# unstructured skips the text of a PDF any page of which has over 10,000 graphics operators at 20 times its text
# operators, taking it for a CAD drawing that pdfminer would be slow on or read as garbage. A paper with one plot of
# many points is such a PDF: 4 of 41 papers sampled (papers-we-love) lost their text layer and came out of the
# fallback reader a line per paragraph. Parsing runs in a child process with a time and memory limit
# (`parse_item`), the defence against a slow file; unstructured's caps on stream sizes (CVE-2026-33123) stay.
GRAPHICS_OPS = 500_000


def _graphics_tolerated() -> None:
    """Raise unstructured's graphics-operator limit to GRAPHICS_OPS (idempotent)."""
    import unstructured.partition.pdf as pdf

    check = pdf.is_pdf_too_complex
    if getattr(check, "cairn_graphics_ops", None) == GRAPHICS_OPS:
        return

    def too_complex(filename: str = "", file: Any = None, **limits: Any) -> bool:
        return bool(check(filename=filename, file=file, **{"max_graphics_ops": GRAPHICS_OPS, **limits}))

    setattr(too_complex, "cairn_graphics_ops", GRAPHICS_OPS)  # noqa: B010
    setattr(pdf, "is_pdf_too_complex", too_complex)  # noqa: B010


def _partition(path: Path, kind: str, source: str) -> tuple[list[Any], Typesetting]:
    """Elements of the file, and for a PDF how their boxes are set; `source` is its decoded text for the text
    kinds (md, text, html)."""
    if kind != "pdf":
        return _elements(path, kind, source), Typesetting()
    from unstructured.partition.pdf import partition_pdf

    read_builtin_encodings()
    _graphics_tolerated()
    try:
        with recorded_typesetting() as typeset:
            elements = list(partition_pdf(filename=str(path), strategy="fast", pdfminer_word_margin=WORD_MARGIN))
    except Exception as exc:  # pdfminer fails in many ways on files other readers open
        log.info("pdfminer could not read %s: %s: %s", path.name, type(exc).__name__, exc)
        elements = []
    if any(str(getattr(el, "text", "")).strip() for el in elements):
        return _in_column_order(elements), typeset
    return pypdf_elements(path), Typesetting()


def _in_column_order(elements: list[Any]) -> list[Any]:
    """The elements of a page set in two columns read down one column, then the other (`column_order`)."""
    pages = [getattr(getattr(el, "metadata", None), "page_number", None) for el in elements]
    return [elements[i] for i in column_order(pages, [_box(el) for el in elements])]


def _box(el: Any) -> Box | None:
    coordinates = getattr(getattr(el, "metadata", None), "coordinates", None)
    points, system = getattr(coordinates, "points", None), getattr(coordinates, "system", None)
    width = getattr(system, "width", None)
    if not points or not width:
        return None
    xs, ys = [float(x) for x, _ in points], [float(y) for _, y in points]
    return Box(min(xs), min(ys), max(xs), len(str(getattr(el, "text", ""))), float(width))


def _cell_spelling(kind: str, source: str) -> dict[str, str]:
    """The page's table cells as it spells them (`cell_spelling`), for the kinds unstructured reads as HTML: an
    HTML page as it is, Markdown rendered as `partition_md` renders it (with Python-Markdown, which unstructured's
    md extra brings)."""
    if kind == "html" and "<table" in source.lower():
        return cell_spelling(source)
    if kind == "md" and "|" in source:
        import markdown

        return cell_spelling(markdown.markdown(_MD_IMAGE.sub(r"\1", source), extensions=["tables", "fenced_code"]))
    return {}


def _elements(path: Path, kind: str, source: str) -> list[Any]:
    name = str(path)
    if kind == "md":
        from unstructured.partition.md import partition_md

        return list(partition_md(text=_MD_IMAGE.sub(r"\1", source)))
    if kind == "text":
        from unstructured.partition.text import partition_text

        return list(partition_text(text=source))
    if kind == "html":
        from unstructured.partition.html import partition_html

        return list(partition_html(text=source))
    if kind == "docx":
        from unstructured.partition.docx import partition_docx

        return list(partition_docx(filename=name))
    if kind == "pptx":
        from unstructured.partition.pptx import partition_pptx

        return list(partition_pptx(filename=name))
    if kind == "eml":
        from unstructured.partition.email import partition_email

        return list(partition_email(filename=name))
    raise UnsupportedTypeError(f"unsupported file type {kind!r}")


# What PDF writers put in the title field when nobody set one: the source file's name, or a tool's label of it.
_NO_TITLE = re.compile(r"(?i)^(?:untitled\b.*|.*\.(?:pdf|docx?|odt|rtf|tex|dvi|ps|indd|pages|key|pptx?|xlsx?))$")
_TOOL_PREFIX = re.compile(r"^(?:Microsoft (?:Word|PowerPoint|Excel) - )")


def pdf_title(path: Path) -> str:
    """The title the PDF names itself by (its information dictionary), or "" when it names none or only a file.
    The parser's first heading is a poor title for a paper: it calls the author line a heading, and the title
    itself, printed high on the first page, a page header."""
    import pypdf

    try:
        meta = pypdf.PdfReader(str(path)).metadata
        raw = str(meta.title or "") if meta is not None else ""
    except Exception:  # a damaged information dictionary leaves the title to the text
        return ""
    title = " ".join(_TOOL_PREFIX.sub("", raw).split())
    return "" if not any(c.isalpha() for c in title) or _NO_TITLE.match(title) or len(title) > 200 else title


def _why_empty(path: Path, kind: str) -> str:
    """Name the real reason a parse gave no text, instead of one guess for every case."""
    if path.stat().st_size == 0:
        return "the file is empty"
    if kind == "pdf":
        import pypdf

        try:
            reader = pypdf.PdfReader(str(path))
            if reader.is_encrypted and not reader.decrypt(""):
                return "the PDF is encrypted with a password"
            pages = len(reader.pages)
        except Exception as exc:
            return f"the PDF is corrupt and cannot be read ({type(exc).__name__})"
        return f"the PDF has {pages} page(s) but no text layer (a scan needs OCR, which is not enabled)"
    if kind == "html":
        return "the HTML has no readable text (or nests too deeply for the parser)"
    return f"no text could be extracted from this {kind} file"


class _Builder:
    """Joins element texts into one document text and records each element's span and headings."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.elements: list[Element] = []
        self.pos = 0
        self.headings: list[tuple[int, str]] = []
        self._before_title: list[tuple[int, str]] = []

    def add(self, text: str, kind: str, depth: int | None, page: int | None, joint: str | None = None) -> None:
        """`joint`: the text continues the paragraph before it (`continues`), joined by this (a space, or nothing
        inside a word); it stays an element of its own, which keeps the page it is on."""
        if self.parts:
            # Consecutive list items stay one block (one line each), as they were written; so do a table's rows.
            prev = self.elements[-1].kind
            sep = joint if joint is not None else "\n" if (kind, prev) == ("ListItem", "ListItem") or (
                kind == "TableRow" and prev in ("Table", "TableRow")) else SEPARATOR
            self.parts.append(sep)
            self.pos += len(sep)
        if kind == "Title":
            level = depth if depth is not None else 0
            self._before_title = self.headings
            self.headings = [(d, h) for d, h in self.headings if d < level] + [(level, text)]
        start = self.pos
        self.parts.append(text)
        self.pos += len(text)
        path = tuple(h for _, h in self.headings)
        self.elements.append(Element(kind=kind, start=start, end=self.pos, heading_path=path, page=page))

    def replace_last(self, text: str) -> None:
        """The last element's text grows (a listing's next lines): it keeps its place, kind and headings."""
        last = self.elements[-1]
        self.pos += len(text) - len(self.parts[-1])
        self.parts[-1] = text
        self.elements[-1] = Element(kind=last.kind, start=last.start, end=self.pos, heading_path=last.heading_path,
                                    page=last.page)

    def retitle_last(self, text: str) -> None:
        """The last element, a heading, reads on: its text and the section it names both grow."""
        last = self.elements[-1]
        self.replace_last(text)
        self.headings = [*self.headings[:-1], (self.headings[-1][0], text)]
        self.elements[-1] = Element(kind=last.kind, start=last.start, end=self.pos,
                                    heading_path=tuple(h for _, h in self.headings), page=last.page)

    def untitle_last(self) -> None:
        """The last element was taken for a heading but is text: undo its heading."""
        last = self.elements[-1]
        self.headings = self._before_title
        self.elements[-1] = Element(kind="NarrativeText", start=last.start, end=last.end,
                                    heading_path=tuple(h for _, h in self.headings), page=last.page)

    def build(self, title: str) -> ParsedDocument:
        return ParsedDocument(text="".join(self.parts), title=title, elements=tuple(self.elements))


def _in_child(path: Path, kind: str, timeout_s: float, memory_mb: int) -> ParsedDocument:
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never returns
        os.close(read_fd)
        code = 0
        try:
            _limit_memory(memory_mb)
            try:
                result: object = parse_file(path, kind)
            except MemoryError:
                result = ParseFailedError(f"parsing needed more than the {memory_mb} MB memory limit "
                                          "(CAIRN_PARSE_MEMORY_MB)")
            except RecursionError:
                result = ParseFailedError("the document nests too deeply to parse")
            except Exception as exc:
                result = exc if isinstance(exc, ParseFailedError | UnsupportedTypeError) else (
                    ParseFailedError(f"{type(exc).__name__}: {exc}"))
            with os.fdopen(write_fd, "wb") as out:
                pickle.dump(result, out)
        except BaseException:
            code = 1
        os._exit(code)
    os.close(write_fd)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                raise ParseTimeoutError(f"parsing took longer than {timeout_s:g} s and was stopped")
            ready, _, _ = select.select([read_fd], [], [], min(left, 1.0))
            if ready:
                data = os.read(read_fd, 1 << 20)
                if not data:
                    break
                chunks.append(data)
    finally:
        os.close(read_fd)
        os.waitpid(pid, 0)
    if not chunks:
        raise ParseFailedError("the parser process died without a result (out of memory?)")
    result = pickle.loads(b"".join(chunks))  # noqa: S301 - our own child wrote it
    if isinstance(result, Exception):
        raise result
    assert isinstance(result, ParsedDocument)
    return result


def _limit_memory(memory_mb: int) -> None:
    # The fork inherits the parent's mappings (models included), so the cap is relative to them.
    with Path("/proc/self/status").open() as fh:
        vm = next((int(line.split()[1]) for line in fh if line.startswith("VmSize:")), 0)
    limit = vm * 1024 + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
