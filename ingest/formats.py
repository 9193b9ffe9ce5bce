"""Formats unstructured cannot read (or reads as one flat blob), turned into what the parser handles well:
reStructuredText into HTML (docutils), a Jupyter notebook into Markdown (its cells in order, code fenced),
spreadsheets (CSV, XLSX) into tables whose every row names its columns.
"""

from __future__ import annotations

import copy
import csv
import functools
import io
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kernel.errors import ParseFailedError


@dataclass(frozen=True)
class Table:
    name: str  # the sheet's name, or "" for a CSV file
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


# Sphinx's cross-reference roles: docutils alone prints them as raw markup (":ref:`setup`"). Their text is
# kept; a target in angle brackets ("the guide <guide-ref>") is not words of the document.
_SPHINX_ROLES = ("ref", "doc", "class", "func", "meth", "mod", "attr", "obj", "data", "exc", "const", "term",
                 "option", "envvar", "file", "program", "command", "kbd", "samp", "abbr", "py:class",
                 "py:func", "py:meth", "py:mod", "py:attr", "py:obj", "py:exc", "py:data", "py:const",
                 # CMake's domain: its manual is reST, cross-referenced by these
                 "manual", "module", "variable", "generator", "policy", "genex", "prop_tgt", "prop_dir", "prop_sf",
                 "prop_test", "prop_gbl", "prop_cache", "prop_inst", "cpack_gen", "guide")
# Sphinx directives whose body is prose worth indexing; any other unknown directive (toctree, autodoc,
# literalinclude, index) holds build instructions and is dropped.
_PROSE_DIRECTIVES = ("versionadded", "versionchanged", "deprecated", "versionremoved", "seealso", "only", "glossary",
                     "hlist", "centered", "tabs", "tab-set", "card", "dropdown", "rubric")
_VERSION_LABELS = {"versionadded": "New in version", "versionchanged": "Changed in version",
                   "deprecated": "Deprecated since version", "versionremoved": "Removed in version"}
# Tabs (sphinx-tabs, sphinx-design): a tab's label leads what it holds ("Bash:"), as MyST's tabs are read. Unknown
# to docutils, sphinx-tabs' group tabs were dropped with their bodies: Flask's CLI page lost every shell's command
# for setting an option from the environment ("export FLASK_RUN_PORT=8000"). A code tab's body is its code.
_TAB_DIRECTIVES = ("tab", "group-tab", "tab-item")
_CODE_DIRECTIVES = ("code-tab", "testcode", "doctest", "testoutput")
# Sphinx's object descriptions (its standard, Python, C, C++ and JavaScript domains, and CMake's): a signature
# and what it does. Unknown to docutils, each was dropped with its body, and cmake(1)'s 197 options with it.
_DOMAINS = {"py": ("function", "class", "method", "attribute", "data", "exception", "classmethod", "staticmethod",
                   "decorator", "property", "type"),
            "c": ("function", "macro", "type", "member", "var", "struct", "union", "enum", "enumerator"),
            "cpp": ("function", "class", "member", "type", "enum", "enumerator", "struct"),
            "js": ("function", "method", "class", "data", "attribute")}
# Unprefixed, a name is the Python domain's, Sphinx's default: `.. class::` describes a class there, not
# docutils' directive that sets an HTML class on the next element.
_DESCRIPTIONS = ("option", "cmdoption", "envvar", "describe", "object", "confval", "setting", "command", "variable",
                 "genex", *_DOMAINS["py"],
                 *(f"{domain}:{name}" for domain, names in _DOMAINS.items() for name in names))
_TARGET = re.compile(r"\s*<[^<>]*>\s*$")


# A role a project's own Sphinx extension defines (Celery's ":setting:`beat_schedule`", Django's ":setting:",
# ":ttag:"): unknown to docutils, it stayed raw markup in the text, so no setting it names was a word of the page.
# Sphinx prints such a cross-reference as its text; it is read as one (`_register_project_roles`).
_RoleFunction = Callable[..., tuple[Sequence[Any], Sequence[Any]]]
_ROLE_USE = re.compile(r"(?<![\w`]):((?:[A-Za-z][\w+.-]*:)?[A-Za-z][\w+.-]*):`")


@functools.cache  # docutils keeps roles and directives per process: once is enough
def _register_sphinx_markup() -> _RoleFunction:
    """Register Sphinx's roles and directives with docutils; the role function that reads a cross-reference."""
    from docutils import nodes
    from docutils.parsers.rst import Directive, directives, roles
    from docutils.parsers.rst.states import Inliner

    def xref(name: str, rawtext: str, text: str, lineno: int, inliner: Inliner,
             options: Mapping[str, Any] | None = None, content: Sequence[str] = ()
             ) -> tuple[Sequence[Any], Sequence[Any]]:
        shown = _TARGET.sub("", text).lstrip("~!") or text
        return [nodes.literal(rawtext, shown)], []

    class Prose(Directive):
        optional_arguments = 1
        final_argument_whitespace = True
        has_content = True
        option_spec = None

        def run(self) -> list[Any]:
            from docutils.statemachine import StringList

            box = nodes.container()
            lines = list(self.content)
            if self.arguments:
                head = self.arguments[0]
                if self.name in _VERSION_LABELS:
                    version, _, rest = head.partition("\n")
                    head = f"{_VERSION_LABELS[self.name]} {version.strip()}." + (f" {rest}" if rest else "")
                lines = [*head.splitlines(), "", *lines]
            self.state.nested_parse(StringList(lines), self.content_offset, box)
            return [box]

    class Tab(Prose):
        def run(self) -> list[Any]:
            if self.arguments and not self.arguments[0].rstrip().endswith(":"):
                self.arguments[0] = f"{self.arguments[0].rstrip()}:"
            return super().run()

    class Code(Prose):
        """Code under a directive docutils does not know: sphinx-tabs' `.. code-tab:: bash Label` (the label
        leads it), sphinx.ext.doctest's example blocks."""

        def run(self) -> list[Any]:
            code = nodes.literal_block("\n".join(self.content), "\n".join(self.content))
            language, _, label = (self.arguments[0] if self.arguments else "").partition(" ")
            label = label.strip() or (language.capitalize() if self.name == "code-tab" else "")
            return [nodes.paragraph("", f"{label}:"), code] if label else [code]

    class Dropped(Prose):
        def run(self) -> list[Any]:
            return []

    class Described(Prose):
        """A definition-list entry, as Sphinx's HTML sets it: the signature, then its body, whose first paragraph
        is led by the signature downstream (`_definitions_as_paragraphs`). A version note opening the body goes
        after the paragraph it dates, so that it is the description that names the signature."""

        def run(self) -> list[Any]:
            from docutils.statemachine import StringList

            body = nodes.definition()
            self.state.nested_parse(StringList(list(self.content)), self.content_offset, body)
            kids = list(body.children)
            if len(kids) >= 2 and isinstance(kids[0], nodes.container) and isinstance(kids[1], nodes.paragraph):
                body.children[:2] = [kids[1], kids[0]]
            term = nodes.term("", " ".join(" ".join(self.arguments).split()))
            return [nodes.definition_list("", nodes.definition_list_item("", term, body))]

    for name in _SPHINX_ROLES:
        roles.register_local_role(name, xref)
    for name in _PROSE_DIRECTIVES:
        directives.register_directive(name, Prose)
    for name in _TAB_DIRECTIVES:
        directives.register_directive(name, Tab)
    for name in _CODE_DIRECTIVES:
        directives.register_directive(name, Code)
    for name in _DESCRIPTIONS:
        directives.register_directive(name, Described)
    for name in ("toctree", "autofunction", "autoclass", "automodule", "automethod", "autodata", "index",
                 "literalinclude", "include", "image", "figure", "currentmodule", "module", "highlight",
                 "code-include", "graphviz", "raw", "program"):
        directives.register_directive(name, Dropped)
    return xref


def _register_project_roles(source: str) -> None:
    """Every role `source` uses that neither docutils nor `_SPHINX_ROLES` names, read as Sphinx prints a
    cross-reference."""
    from docutils.parsers.rst import languages, roles

    standard = languages.get_language("en").roles
    known = {*standard, *standard.values(), *_SPHINX_ROLES}
    for name in {m.group(1) for m in _ROLE_USE.finditer(source)} - known:
        roles.register_local_role(name, _register_sphinx_markup())


def rst_to_html(source: str) -> str:
    """The body of the HTML docutils writes for `source`. File inclusion and raw passthrough are off: a
    corpus file may not pull in other files of the machine. Markup errors are not fatal — a document with
    one broken table still has the rest of its text."""
    from docutils.core import publish_parts

    _register_sphinx_markup()
    _register_project_roles(source)
    parts = publish_parts(source, writer="html5", settings_overrides={
        "report_level": 5, "halt_level": 5, "file_insertion_enabled": False, "raw_enabled": False,
        "syntax_highlight": "none", "input_encoding": "unicode", "_disable_config": True})
    return str(parts["html_body"])


# Markers of what html_source rewrites; a page with none of them goes to the parser as it is.
_REWRITTEN = ("<ol", "<dl", "<li><p", "<li>\n<p", "admonition", "<main", 'role="main"', "<nav", 'role="navigation"',
              "headerlink", 'rel="next"', 'rel="prev"', "<table", 'href="#', '.html#', "<button", "<input", "<p><code",
              "<details")


# lxml refuses a str that declares its own encoding, as XHTML pages do (gtk-doc, DocBook, libxslt's manual:
# '<?xml version="1.0" encoding="ISO-8859-1"?>'), and such a page skipped every rewrite below. The text is
# decoded already, so the declaration can go.
_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>")


def html_source(html: str) -> str:
    """The HTML as the parser should see it, parsed and written back once: the page's chrome left out,
    ordered-list items numbered, definition-list entries and admonitions as paragraphs led by their term or
    title."""
    low = html.lower()
    if not any(marker in low for marker in _REWRITTEN):
        return html
    import lxml.html

    try:
        root = lxml.html.document_fromstring(_XML_DECLARATION.sub("", html, count=1))
    except Exception:
        return html
    trimmed = copy.deepcopy(root)
    _without_chrome(trimmed)
    if trimmed.text_content().strip():  # a page that is all navigation (a site map) keeps it: it is the page
        root = trimmed
    _without_contents(root)
    _without_menus(root)
    _disclosures_as_blocks(root)
    _code_flavours_on_their_own_lines(root)
    _code_paragraphs_as_listings(root)
    _layout_tables_as_text(root)
    _line_breaks_in_cells_as_spaces(root)
    _spacers_dropped_and_term_tables_as_lists(root)
    _row_header_tables_as_lists(root)
    _definitions_as_paragraphs(root)
    _term_items_as_definitions(root)
    _item_paragraphs_joined(root)
    _number_ordered_lists(root)
    return str(lxml.html.tostring(root, encoding="unicode"))


def _has_class(name: str) -> str:
    return f'contains(concat(" ", @class, " "), " {name} ")'


# A heading's permalink is an in-page link whose text is only a mark ("#" after every Node.js API heading,
# "¶" or "§" elsewhere, or an icon with no text), whatever class the generator gives it.
_PERMALINK_MARKS = ("", "#", "¶", "§", "🔗")
_PERMALINK = ("//*[self::h1 or self::h2 or self::h3 or self::h4 or self::h5 or self::h6]"
              '//a[starts-with(@href, "#") and (' + " or ".join(f'normalize-space(.)="{m}"' for m in _PERMALINK_MARKS)
              + ")]")
_CHROME = ('//nav | //*[@role="navigation" or @role="search" or @role="banner" or @role="contentinfo"]'
           f' | //a[{_has_class("headerlink")} or {_has_class("copiable-link")}] | {_PERMALINK}'
           # Controls are the page's interface, not its text: a "copy" button's label ran into the code block it
           # sits in, and a <pre> holding a toggle was no longer read as code.
           " | //button | //input | //select | //textarea"
           f' | //*[{_has_class("header")} or {_has_class("nav-panel")}]'
           '[.//a[@rel="next" or @rel="prev" or @rel="up"]]')


def _without_chrome(root: Any) -> None:
    """Leave out what a documentation generator puts around every page: navigation bars and sidebars, search
    boxes, the "Next: / Previous: / Up:" line of Texinfo pages, the "¶" or "#" permalink after each heading
    and the buttons and toggles of code blocks. It repeats on every page, answers nothing, and the parser runs
    it into the page's last section (a sidebar's table of contents names every heading a question may use).
    When the page marks its main content (<main>, role="main"), only that is kept."""
    mains = root.xpath('//main | //*[@role="main"]')
    body = root.find("body")
    if len(mains) == 1 and body is not None and mains[0] is not body:
        main = mains[0]
        main.tail = None
        for child in list(body):
            body.remove(child)
        body.text = None
        body.append(main)
    for el in root.xpath(_CHROME):
        if el.getparent() is not None:
            el.drop_tree()


def _disclosures_as_blocks(root: Any) -> None:
    """A collapsed section ("<details><summary>History</summary>...") is read as the block it opens into, its
    summary a paragraph: the partitioner drops a <details> element with all it holds (a FAQ's answers, Node.js's
    version history tables). A table of contents set as one is navigation, and is gone already."""
    for el in list(root.iter("details", "summary")):
        el.tag = "div" if el.tag == "details" else "p"


def _code_flavours_on_their_own_lines(root: Any) -> None:
    """One <pre> holding several <code> elements shows the same example in flavours a reader switches between
    (Node.js's CommonJS and ES-module versions): each starts on a line of its own, not run into the last
    line of the one before."""
    for pre in root.iter("pre"):
        codes = [c for c in pre if c.tag == "code"]
        for code in codes[:-1]:
            code.tail = "\n" + (code.tail or "").lstrip(" ")


_CODE_TAGS = frozenset({"code", "kbd", "samp", "tt"})
_BREAK = "\ue000"  # a private-use character: lxml refuses control characters in text


def _code_paragraphs_as_listings(root: Any) -> None:
    """A paragraph that holds nothing but one code element is a displayed example, its lines set apart by <br>
    (Apache httpd's manual: '<div class="example"><p><code>htpasswd -c /usr/local/apache/passwd/passwords
    rbowen</code></p></div>'). It becomes a listing: read as prose, the command ran into the lines around it
    and was no code block an answer could quote with its introduction."""
    import lxml.html

    for para in list(root.iter("p")):
        kids = list(para)
        if (len(kids) != 1 or kids[0].tag not in _CODE_TAGS or (para.text or "").strip()
                or (kids[0].tail or "").strip() or para.xpath("ancestor::pre | ancestor::table | ancestor::li")):
            continue
        code = copy.deepcopy(kids[0])
        for br in code.iter("br"):
            br.tail = _BREAK + (br.tail or "")
        lines = [" ".join(line.split()) for line in code.text_content().split(_BREAK)]
        text = "\n".join(lines).strip("\n")
        if not text:
            continue
        pre = lxml.html.Element("pre")
        pre.text = text
        pre.tail = para.tail
        para.getparent().replace(para, pre)


_LINE_BREAK = re.compile(r"[ \t]*\n\s*")


def _line_breaks_in_cells_as_spaces(root: Any) -> None:
    """A line break in a table cell's source is a space, as a browser shows it. The parser joined the lines of
    a cell without one ("Value of the Expires header configured\nby MIME type" read "configuredby")."""
    for cell in root.xpath("//td | //th"):
        for el in cell.iter():
            if el.tag == "pre" or el.xpath("ancestor::pre"):
                continue
            if el.text:
                el.text = _LINE_BREAK.sub(" ", el.text)
            if el is not cell and el.tail:
                el.tail = _LINE_BREAK.sub(" ", el.tail)


_NUMBERING = re.compile(r"\b\d+(?:\.\d+)*\.?")


def _visible(text: str) -> int:
    return len("".join(_NUMBERING.sub("", text).split()))


def _without_contents(root: Any) -> None:
    """Leave out a page's own table of contents: a block that is nothing but links to anchors of one page
    ("1.1. How do you pronounce Valgrind?", "4.1 Overview"). Each entry repeats a heading or a question of the
    page, so search and the answer found the list instead of the section that answers. Links into many pages
    make an index (libxslt's alphabetic API index), which is the page's content and stays."""
    found = [el for el in root.xpath("//div | //dl | //ul | //ol | //tr | //p | //td")
             if len(links := el.xpath('.//a[contains(@href, "#")]')) >= 2 and not el.xpath(".//pre")
             and len({str(a.get("href")).partition("#")[0] for a in links}) == 1
             and sum(_visible(a.text_content()) for a in links) >= 0.8 * max(_visible(el.text_content()), 1)]
    chosen = set(found)
    for el in found:
        if not any(a in chosen for a in el.iterancestors()) and el.getparent() is not None:
            el.drop_tree()


# A cell is a menu when it holds this many links, and they are this share of its text (the rest its labels:
# "Main Menu", "Related links").
_MENU_LINKS = 5
_MENU_SHARE = 0.6


def _without_menus(root: Any) -> None:
    """Leave out a site's menu laid out as a table column beside the content (libxslt's manual: "Main Menu Home
    Introduction Documentation …" on every page): a cell that is nothing but links to other pages, next to a
    cell with more text. Every page's first chunk was its menu, and every page matched the menu's words. An
    index page keeps its column of links: it is the cell with the most text in its row."""
    for cell in list(root.iter("td")):
        if not any(a is root for a in cell.iterancestors()):
            continue  # inside a menu already left out
        links = cell.xpath(".//a[@href]")
        own = _visible(cell.text_content())
        if len(links) < _MENU_LINKS or sum(_visible(a.text_content()) for a in links) < _MENU_SHARE * own:
            continue
        row = cell.getparent()
        if row is not None and any(_visible(c.text_content()) > own for c in row if c is not cell
                                   and c.tag in ("td", "th")):
            cell.drop_tree()


_CELL_BLOCKS = frozenset({"p", "div", "ul", "ol", "pre", "table", "dl", "blockquote", "h1", "h2", "h3", "h4", "h5",
                          "h6"})


def _is_layout(cell: Any, boxes: set[Any]) -> bool:
    """A cell laying out a page: several blocks, or one that no data cell holds (code, a list, a heading, a
    table, or the text of a layout table already read, `boxes`)."""
    blocks = [c for c in cell if c.tag in _CELL_BLOCKS]
    return len(blocks) >= 2 or any(c.tag in ("pre", "table", "ul", "ol", "dl") or c.tag[:1] == "h" or c in boxes
                                   for c in blocks)


def _layout_tables_as_text(root: Any) -> None:
    """A table whose cells hold paragraphs, code or headings lays a page out; it holds no data. Its rows are
    read as the text they are, in order: a question row of a DocBook FAQ ("1.2. Where does the name come
    from?") becomes the heading of its answer. Read as a data table, every row was flattened into "header:
    cell" lines and the answers were lost among them. Pages laid out in tables nested in tables (libxslt's
    manual: a menu beside the content, each in a table of its own) are read as text at every level."""
    import lxml.html

    boxes: set[Any] = set()
    for table in reversed(list(root.iter("table"))):  # inner tables first
        rows = table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")
        if not any(_is_layout(cell, boxes) for tr in rows for cell in tr.xpath("./td | ./th")):
            continue
        box = lxml.html.Element("div")
        boxes.add(box)
        for tr in rows:
            if "question" in (tr.get("class") or "").split():
                heading = lxml.html.Element("h6")
                heading.text = " ".join(" ".join(tr.itertext()).split())  # cells run together otherwise ("1.2.Where")
                box.append(heading)
                continue
            cells = tr.xpath("./td | ./th")  # not the comments between cells
            if len(cells) == 2 and (term := _term_cell(cells[0])) and _visible(cells[1].text_content()):
                _lead(cells[1], term)
                cells = cells[1:]
            for cell in cells:
                if any(c.tag in _CELL_BLOCKS for c in cell):
                    if (cell.text or "").strip():
                        para = lxml.html.Element("p")
                        para.text = cell.text.strip()
                        box.append(para)
                    box.extend([c for c in cell if c.tag in _CELL_BLOCKS or (c.text or "").strip()])
                elif text := _words(cell):
                    para = lxml.html.Element("p")
                    para.text = text
                    box.append(para)
        box.tail = table.tail
        table.getparent().replace(table, box)


def _spacers_dropped_and_term_tables_as_lists(root: Any) -> None:
    """Hand-written HTML pads its tables with spacer cells and rows (an empty column 10 pixels wide, an empty
    first row), as SQLite's pages do. They are dropped: read as data, an empty first row made the first row of
    data the header ("%d: %w | | day of month: 00: day of week 0-6"), and an empty column put " |  | " in every
    row. A table left with two columns, no header row (no th, no bold first row above a plain one) and a short
    term in every first cell is a list of terms ("%w", "-t graph") and is read as one ("%w: day of week 0-6")."""

    for table in list(root.iter("table")):
        if table.xpath(".//table | .//th | ./thead | .//td[@colspan > 1 or @rowspan > 1]"):
            continue
        rows = table.xpath("./tr | ./tbody/tr")
        grid = [tr.xpath("./td") for tr in rows]
        if len({len(r) for r in grid}) != 1:
            continue
        filled = [(tr, r) for tr, r in zip(rows, grid, strict=True) if any(_words(c) for c in r)]
        keep = [j for j in range(len(grid[0])) if any(_words(r[j]) for _, r in filled)]
        if len(keep) < 2:  # a list of terms nothing describes yet (gtk-doc's "sec :" rows): a table still
            continue
        terms = [_term_cell(r[keep[0]]) for _, r in filled] if len(keep) == 2 else []
        # Terms that end in ":" ("style :", gtk-doc's parameters) are read as terms by `html_table` already.
        if (len(filled) >= 2 and all(terms) and not all(t.endswith(":") for t in terms)
                and all(_words(r[keep[1]]) for _, r in filled) and not _header_row([r for _, r in filled])):
            _as_terms(table, [(r[keep[0]], r[keep[1]]) for _, r in filled])
            continue
        used = {id(tr) for tr, _ in filled}
        for tr, r in zip(rows, grid, strict=True):
            if id(tr) not in used:
                tr.getparent().remove(tr)
                continue
            for j, cell in enumerate(r):
                if j not in keep:
                    tr.remove(cell)


def _row_header_tables_as_lists(root: Any) -> None:
    """A table whose every row is a header cell and one data cell is a list of terms, read down, not across
    (Apache httpd's directive boxes: "Syntax: | ExpiresActive On|Off", "Default: | ExpiresActive Off"). Read
    as a table, its first row became every row's header ("Description:: Default: | Enables generation of
    Expires headers: ExpiresActive Off")."""
    for table in list(root.iter("table")):
        if table.xpath(".//table | ./thead | ./tfoot | .//*[@colspan > 1 or @rowspan > 1]"):
            continue
        rows = table.xpath("./tr | ./tbody/tr")
        cells = [[c for c in tr if c.tag in ("th", "td")] for tr in rows]
        if len(rows) < 2 or not all(len(r) == 2 and r[0].tag == "th" and r[1].tag == "td" for r in cells):
            continue
        _as_terms(table, [(head, data) for head, data in cells])


def _as_terms(table: Any, rows: list[tuple[Any, Any]]) -> None:
    """Put a definition list in the table's place: each (term cell, description cell) an entry, the term as its
    words, the description as it is, which `_definitions_as_paragraphs` then reads as a paragraph led by its term."""
    import lxml.html

    dl = lxml.html.Element("dl")
    for head, data in rows:
        term, what = lxml.html.Element("dt"), lxml.html.Element("dd")
        term.text = _words(head)
        what.text = data.text
        what.extend(list(data))
        dl.extend([term, what])
    dl.tail = table.tail
    table.getparent().replace(table, dl)


def _words(element: Any) -> str:
    """An element's text, its white space collapsed."""
    return " ".join(element.text_content().split())


def _header_row(rows: list[list[Any]]) -> bool:
    """Is the first row set apart as a header: all bold, above a row that is not?"""
    def bold(row: list[Any]) -> bool:
        text = "".join(_words(c) for c in row)
        return bool(text) and text == "".join(_words(b) for c in row
                                               for b in c.xpath(".//b | .//strong"))
    return bold(rows[0]) and not (len(rows) > 1 and bold(rows[1]))


# A labelled list set as a two-column table (AsciiDoc's "horizontal" lists, DocBook's variable lists as
# tables): each row's first cell is a term this short ("cleandead", "-t graph"), its second what the term does.
_TERM_CHARS = 60


def _term_cell(cell: Any) -> str:
    """The term a row's first cell names, or "": one short line at most one paragraph deep, not a sentence.
    Read apart from its description, "cleandead" was a paragraph of its own and "remove files produced by
    previous builds ..." never said which tool it described."""
    blocks = [c for c in cell if c.tag in _CELL_BLOCKS]
    if len(blocks) > 1 or any(c.tag != "p" for c in blocks):
        return ""
    text = _words(cell)
    return text if names_term(text) else ""


def names_term(text: str) -> bool:
    """Is this text a term a description can follow: one short line, not a sentence? A stop ends a sentence only
    after words: restic's diff legend names its marks "+", "-" and "?"."""
    sentence = text.endswith((".", "?", "!")) and any(c.isalnum() for c in text)
    return 0 < len(text) <= _TERM_CHARS and not sentence


def _number_ordered_lists(root: Any) -> None:
    """Each item of an ordered list starts with its number ("2. Run the installer"): the parser reads list
    items without their markers, and a numbered step should keep its number."""
    for ol in root.iter("ol"):
        try:
            n = int(ol.get("start", "1"))
        except ValueError:
            n = 1
        for li in ol.findall("li"):
            first = li[0] if len(li) and li[0].tag == "p" and not (li.text or "").strip() else li
            first.text = f"{n}. {first.text or ''}"
            n += 1


def _definitions_as_paragraphs(root: Any) -> None:
    """Each definition-list entry becomes a paragraph that starts with its term ("timeout: The default timeout
    in seconds."), and each admonition's first paragraph is led by its title ("Note: Close the client.").
    Reference pages (docutils and Sphinx output, field lists, option lists) answer with these; the parser
    reads a term, and an admonition's title, as a fragment apart from what it names."""
    import lxml.html

    for dl in list(root.iter("dl")):
        box = lxml.html.Element("div")
        terms: list[str] = []
        for child in dl:
            if child.tag == "dt":
                terms.append(_words(child).rstrip(":").strip())
            elif child.tag == "dd":
                _lead(child, ", ".join(t for t in terms if t))
                box.extend(list(child))
                terms = []
        for term in terms:  # a term nothing defines is still text of the page
            para = lxml.html.Element("p")
            para.text = term
            box.append(para)
        box.tail = dl.tail
        dl.getparent().replace(dl, box)
    for title in list(root.xpath('//*[contains(concat(" ", @class, " "), " admonition-title ")]')):
        box = title.getparent()
        name = _words(title)
        box.text = (box.text or "") + (title.tail or "")
        box.remove(title)
        _lead(box, name)


# Inline elements that set a term apart: code, a literal, a citation (reST's default role), bold.
_TERM_TAGS = frozenset({"code", "tt", "kbd", "samp", "var", "cite", "strong", "b"})


def _term_items_as_definitions(root: Any) -> None:
    """A list item that is a term alone, with what it means set under it, is read as a definition ("CELERYD_LOG_LEVEL:
    Worker log level. Default is INFO."), as `_definitions_as_paragraphs` reads a definition list. Celery's
    "Available options" and "Available fields" are such lists (``CELERYD_LOG_LEVEL`` / an indented paragraph): the
    term was left a fragment apart from its meaning, and "Default is INFO." named nothing it was the default of."""
    for li in list(root.iter("li")):
        kids = [k for k in li if isinstance(k.tag, str)]
        if len(kids) < 2 or (li.text or "").strip() or kids[0].tag != "p" or kids[1].tag not in ("p", "blockquote"):
            continue
        term, body = kids[0], kids[1]
        inline = list(term)
        if (len(inline) != 1 or (term.text or "").strip() or (inline[0].tail or "").strip(" :\n")
                or not _is_term(inline[0])):
            continue
        name = _words(term).rstrip(":").strip()
        if name.endswith((".", "!", "?")):
            continue  # a sentence set in bold, not a term: "colorama — Cross-platform support for ANSI colors."
        # The indentation that set the meaning under its term, not a quotation: a quote of paragraphs is unwrapped.
        quoted = body.tag == "blockquote"
        if not name or (quoted and ((body.text or "").strip() or not len(body) or body[0].tag != "p")):
            continue
        li.remove(term)
        if quoted:
            at = li.index(body)
            li.remove(body)
            for j, child in enumerate(list(body)):
                li.insert(at + j, child)
            body = li[at]
        body.text = f"{name}: {body.text or ''}"


def _item_paragraphs_joined(root: Any) -> None:
    """A list item of paragraphs and nothing else reads as one paragraph: the parser gave each paragraph apart, and
    the item lost its marker, as `item_paragraphs_joined` finds for Markdown."""
    for li in list(root.iter("li")):
        kids = [k for k in li if isinstance(k.tag, str)]
        if len(kids) < 2 or (li.text or "").strip() or any(k.tag != "p" or (k.tail or "").strip() for k in kids):
            continue
        first = kids[0]
        for p in kids[1:]:
            last = first[-1] if len(first) else None
            joined = f" {p.text or ''}"
            if last is None:
                first.text = f"{(first.text or '').rstrip()}{joined}"
            else:
                last.tail = f"{(last.tail or '').rstrip()}{joined}"
            for child in list(p):
                first.append(child)
            li.remove(p)


def _is_term(element: Any) -> bool:
    classes = str(element.get("class", "")).split()
    return bool(element.tag in _TERM_TAGS or (element.tag == "span" and {"literal", "pre"} & set(classes)))


_BLOCK_TAGS = frozenset({"p", "div", "ul", "ol", "pre", "table", "dl", "blockquote", "section", "aside", "figure"})


def _lead(box: Any, lead: str) -> None:
    """Make `box` start with a paragraph, then start that paragraph with "lead: "."""
    import lxml.html

    if not any(c.tag in _BLOCK_TAGS for c in box):  # inline content only: it is one paragraph
        para = lxml.html.Element("p")
        para.text, box.text = box.text, None
        para.extend(list(box))
        box.append(para)
    elif box[0].tag != "p" or (box.text or "").strip():  # text or a block (a list, code) before any paragraph
        para = lxml.html.Element("p")
        para.text, box.text = (box.text or "").strip(), None
        box.insert(0, para)
    if lead:
        box[0].text = f"{lead}: {box[0].text or ''}"


def notebook_to_markdown(source: str) -> str:
    """A notebook's Markdown cells as written and its code cells fenced, in order. Outputs are left out:
    they are results of one run (tracebacks, object reprs, images), not what the author wrote."""
    try:
        nb = json.loads(source)
    except json.JSONDecodeError as exc:
        raise ParseFailedError(f"the notebook is not valid JSON (line {exc.lineno})") from exc
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        raise ParseFailedError("the notebook has no cells (not an nbformat 4 notebook)")
    language = str(nb.get("metadata", {}).get("kernelspec", {}).get("language", "") or "")
    out: list[str] = []
    for cell in cells:
        if not isinstance(cell, dict):
            continue
        text = cell.get("source", "")
        text = "".join(text) if isinstance(text, list) else str(text)
        if not text.strip():
            continue
        if cell.get("cell_type") == "code":
            out.append(f"```{language}\n{text.rstrip()}\n```")
        elif cell.get("cell_type") == "markdown":
            out.append(text.strip())
    return "\n\n".join(out)


def _clean(cells: Sequence[Any]) -> tuple[str, ...]:
    return tuple(" ".join(str(c).split()) if c is not None else "" for c in cells)


def _table(name: str, rows: list[tuple[str, ...]]) -> Table | None:
    rows = [r for r in rows if any(r)]
    if not rows:
        return None
    width = max(len(r) for r in rows)
    header = rows[0] + ("",) * (width - len(rows[0]))
    return Table(name, header, tuple(rows[1:]))


def csv_table(source: str) -> Table:
    """The rows of a CSV (or TSV, by sniffing the delimiter) file; the first row is the header."""
    sample = source[:8192]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    table = _table("", [_clean(r) for r in csv.reader(io.StringIO(source), dialect)])
    if table is None:
        raise ParseFailedError("the CSV file has no rows")
    return table


def xlsx_tables(path: Path) -> list[Table]:
    """Every sheet's used cells, values as last computed (not formulas); empty sheets are skipped."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise ParseFailedError(f"the workbook cannot be read ({type(exc).__name__})") from exc
    try:
        tables = [t for sheet in book.worksheets
                  if (t := _table(sheet.title, [_clean(r) for r in sheet.iter_rows(values_only=True)]))]
    finally:
        book.close()
    if not tables:
        raise ParseFailedError("the workbook has no filled cells")
    return tables


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)---[ \t]*(?:\n|\Z)", re.DOTALL)


def front_matter(source: str) -> tuple[str, str]:
    """A Markdown file's YAML front matter (Jekyll, Hugo, MkDocs) is metadata, not text: without this the
    document opened with "title: ... keywords: ... redirect_from: ..." and took its first heading as title.
    Returns the front matter's title ("" without one) and the body."""
    m = _FRONT_MATTER.match(source)
    if not m:
        return "", source
    import yaml

    try:
        meta = yaml.safe_load(m.group(1))
    except yaml.YAMLError:
        return "", source  # not front matter after all (a thematic break opening the file)
    if not isinstance(meta, dict):
        return "", source
    title = meta.get("title")
    return (str(title).strip() if isinstance(title, str | int | float) else ""), source[m.end():]


# A pipe table right under a line of text ("For example:\n|Day|Hours|\n|---|---|") is a table to GitHub and
# MkDocs but a paragraph to the Markdown parser, which wants a blank line first.
_TABLE_AFTER_TEXT = re.compile(r"^([^\n|][^\n]*\S[ \t]*\n)(\|[^\n]*\|[ \t]*\n\|[ \t:|-]*-[ \t:|-]*\n)", re.MULTILINE)


# An MkDocs / Python-Markdown admonition ("!!! tip \"Gotcha\"", collapsible "??? note") or content tab
# ('=== "pip"', pymdownx.tabbed) and its body, indented four spaces under it. To a plain Markdown parser the body's
# second paragraph is an indented code block, and a tab's fenced command was read as one: Uvicorn's install page
# quoted "```bash pip install uvicorn ```" as code and '=== "pip" bash pip install ...' as a sentence (check AB).
_ADMONITION = re.compile(r'^([ \t]*)(?:(?:!!!|\?\?\?\+?)[ \t]+([\w-]+)(?:[ \t]+"([^"]*)")?'
                         r'|===[+!]?[ \t]+"([^"]*)")\s*$')
_FENCE_LINE = re.compile(r"^[ \t]*(?:```|~~~)")


def admonitions_as_text(body: str) -> str:
    """Admonitions and tabs written out as the paragraphs they hold, the first one led by the admonition's title
    ("Gotcha: In most cases, ...") or kind ("Warning: ...") or the tab's label ("pip: ..."); an empty title ("")
    leads with nothing. A body opening with a code block or a list has its lead as a line of its own above it."""
    lines = body.split("\n")
    out: list[str] = []
    fenced = False
    i = 0
    while i < len(lines):
        line = lines[i]
        m = None if fenced else _ADMONITION.match(line)
        if _FENCE_LINE.match(line):
            fenced = not fenced
        if m is None:
            out.append(line)
            i += 1
            continue
        indent, kind, title = m.group(1), m.group(2), m.group(3) if m.group(4) is None else m.group(4)
        inner = indent + "    "
        lead = "" if title == "" else f"{title or kind.capitalize()}: "
        i += 1
        first = True
        while i < len(lines) and (lines[i].startswith(inner) or not lines[i].strip()):
            if not lines[i].strip() and not (i + 1 < len(lines) and lines[i + 1].startswith(inner)):
                break  # a blank line, then text back at the outer indentation: the admonition has ended
            text = indent + lines[i][len(inner):] if lines[i].strip() else ""
            if first and text.strip():
                first = False
                if _FENCE_LINE.match(text) or MD_LIST_MARKER.match(text):
                    out.extend([indent + lead.rstrip(), ""] if lead else [])
                else:
                    text = indent + lead + text.lstrip()
            out.append(text)
            i += 1
    return "\n".join(out)


# A fence's info string past its language: MkDocs' `title="main.py"` and `hl_lines="3-11"` (pymdownx), which the
# Markdown parser does not take. It read Uvicorn's titled blocks as paragraphs, the Dockerfile's comments as
# headings (check AB). The title names the file the block holds, so it stays, as a line above the block, unless a
# line ending in a colon already leads into the block ("For example:"): the title would come between the two.
_FENCE_OPENING = re.compile(r"^([ \t]*)(`{3,}|~{3,})[ \t]*(?:([\w+#.-]+)[ \t]+([^\s{`][^`\n]*))?")
_TITLE_ATTRIBUTE = re.compile(r'\btitle="([^"]+)"')


def fence_attributes_as_titles(body: str) -> str:
    """Each fence's info string cut to its language, a block's title written as a line of its own above it."""
    out: list[str] = []
    closing: re.Pattern[str] | None = None
    for line in body.split("\n"):
        if closing is not None:
            closing = None if closing.match(line) else closing
        elif (m := _FENCE_OPENING.match(line)) is not None:
            indent, fence, language, attributes = m.groups()
            closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
            if attributes is not None and line[m.end():].strip() == "":
                title = _TITLE_ATTRIBUTE.search(attributes)
                led_in = next((o.rstrip().endswith(":") for o in reversed(out) if o.strip()), False)
                if title and title.group(1).strip() and not led_in:
                    out.extend([indent + title.group(1).strip(), ""])
                line = f"{indent}{fence}{language}"
        out.append(line)
    return "\n".join(out)


# A fence opens with three or more backticks or tildes and closes with at least as many of the same (CommonMark):
# MyST writes a directive holding a code block as ````{tab} Linux / ``` / ~/.cache/pip / ``` / ````.
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*([^\n]*)$")
_DIRECTIVE = re.compile(r"^\{([\w:.-]+)\}[ \t]*(.*)$")
# Directives whose body is text (admonitions, version notes, tabs, dropdowns); any other directive (code-block,
# a project's own "{pip-cli}") holds code.
_TEXT_DIRECTIVES = frozenset({
    "note", "warning", "tip", "caution", "important", "attention", "danger", "error", "hint", "seealso", "todo",
    "admonition", "versionadded", "versionchanged", "deprecated", "versionremoved", "tab", "tab-item", "tab-set",
    "dropdown", "card", "topic", "sidebar", "margin", "epigraph", "div", "container", "rubric"})
_VERSION_LEADS = {"versionadded": "New in version", "versionchanged": "Changed in version",
                  "deprecated": "Deprecated since version", "versionremoved": "Removed in version"}


def directives_as_text(body: str) -> str:
    """MyST directives (```{note}, ````{tab} Linux, ```{versionadded} 20.1) written out as what they hold: a
    text directive's body as paragraphs led by its title ("Note: ...", "Linux:"), any other one as a plain code
    block; mkdocstrings references ("::: httpx.ReadTimeout"), whose text the source does not hold, left out.
    Read as fenced code, a note became a "code example", and a tab's own code block, nested in it, was paired
    with the wrong fences, so "~/.cache/pip" ran into the next section."""
    return "\n".join(_directive_lines(body.split("\n")))


# mkdocstrings writes an object's reference as "::: httpx.ConnectTimeout" with indented options (":docstring:",
# "options:"); the page shows the object's docstring, which the source does not hold. Left in, each was a
# "sentence" ("::: httpx.ReadTimeout :docstring:") naming what a question asks about and answering nothing.
_AUTODOC = re.compile(r"^::: [\w.]+[ \t]*$")


def _directive_lines(lines: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if m is None and _AUTODOC.match(lines[i]):
            i += 1
            while i < len(lines) and lines[i][:1] in (" ", "\t") and lines[i].strip():
                i += 1
            continue
        if m is None:
            out.append(lines[i])
            i += 1
            continue
        fence, info = m.group(1), m.group(2).strip()
        close = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        end = next((j for j in range(i + 1, len(lines)) if close.match(lines[j])), len(lines))
        inner = lines[i + 1:end]
        d = _DIRECTIVE.match(info)
        if d is None:  # ordinary code: kept verbatim, directives inside it too
            out.extend(lines[i:end + 1])
        else:
            name, argument = d.group(1).lower(), d.group(2).strip()
            while inner and re.match(r"^\s*:[\w-]+:", inner[0]):  # the directive's options (":class: tip")
                inner = inner[1:]
            if name in _TEXT_DIRECTIVES:
                lead = (f"{_VERSION_LEADS[name]} {argument}".strip() if name in _VERSION_LEADS
                        else argument or ("" if name in ("tab-set", "div", "container") else name.capitalize()))
                text = _directive_lines(inner)
                first = next((k for k, t in enumerate(text) if t.strip()), None)
                if first is not None and lead and not _FENCE.match(text[first]):
                    text[first] = f"{lead}: {text[first].lstrip()}"
                elif lead:
                    text = [f"{lead}{'.' if name in _VERSION_LEADS else ':'}", "", *text]
                out.extend(["", *text, ""])
            else:
                out.extend(["```", *inner, "```"])
        i = end + 1
    return out


# MyST's inline markup: a role ({ref}`pip hash`, {pep}`517`, {file}`setup.py`) and a target line
# ("(wheel-caching)=") that names the heading under it. A Markdown parser reads the role's name as words
# ("see {ref}Installing from local packages") and the target as a paragraph.
_ROLE = re.compile(r"\{([\w:.+-]+)\}(`+)(.+?)\2")
_MYST_TARGET = re.compile(r"^[ \t]*\(([^()\n]+)\)=[ \t]*$")
_HEADING_LINE = re.compile(r"^ {0,3}#{1,6}[ \t]+(.+?)[ \t#]*$")
# Roles whose text Sphinx prints as code; any other role's text is printed as words.
_CODE_ROLES = frozenset({"file", "command", "program", "samp", "kbd", "envvar", "option", "code", "literal",
                         "class", "func", "meth", "mod", "attr", "obj", "data", "exc", "const", "any"})
_NUMBERED_ROLES = {"pep": "PEP {}", "rfc": "RFC {}", "issue": "#{}", "pr": "#{}", "gh": "#{}"}


def myst_markup_as_text(body: str) -> str:
    """MyST roles as the text Sphinx prints for them, and target lines dropped. A reference to a target of
    the same file ({ref}`wheel-caching`) reads as the heading the target names; a reference with its own text
    ({ref}`the cache <wheel-caching>`) as that text. Code blocks are left as they are."""
    lines = body.split("\n")
    fences = _fenced_lines(lines)
    headings: dict[str, str] = {}
    for i, line in enumerate(lines):
        if i in fences or (m := _MYST_TARGET.match(line)) is None:
            continue
        after = next((x for x in lines[i + 1:] if x.strip() and not _MYST_TARGET.match(x)), "")
        if h := _HEADING_LINE.match(after):
            headings[m.group(1).strip()] = h.group(1)

    def shown(m: re.Match[str]) -> str:
        name, text = m.group(1).lower().split(":")[-1], m.group(3).strip()
        label = _TARGET.sub("", text).strip()
        if label and label != text:
            text = label  # the reference's own text; its target is no words of the document
        elif name == "ref" and text in headings:
            text = headings[text]
        elif name == "doc":
            text = text.rstrip("/").rsplit("/", 1)[-1]
        text = text.lstrip("!")
        if text.startswith("~"):
            text = text[1:].rsplit(".", 1)[-1]
        if name in _NUMBERED_ROLES:
            return _NUMBERED_ROLES[name].format(text)
        return f"`{text}`" if name in _CODE_ROLES and "`" not in text else text

    out = []
    for i, line in enumerate(lines):
        if i in fences:
            out.append(line)
        elif not _MYST_TARGET.match(line):
            out.append(_ROLE.sub(shown, line))
    return "\n".join(out)


# GitHub's footnotes: a reference ("kernel >= 4.18[^1]") is a superscript number on the page and a definition
# ("[^1]: Older kernel versions may work.", its further lines indented under it) a note at the page's foot.
# Read as Markdown, "[^6]" stayed in every quote and table cell that had one, and a definition whose text starts
# on the line under its label became an indented code block. Only labels the file defines are references: a
# regular expression such as `[^/]+` in a developer's page is none.
_FOOTNOTE_DEF = re.compile(r"^ {0,3}\[\^([^\]\s]+)\]:[ \t]*(.*)$")


def footnotes_as_text(body: str) -> str:
    """Footnote references left out and each definition as a paragraph of its text, where it stands."""
    lines = body.split("\n")
    fences = _fenced_lines(lines)
    labels = {m.group(1) for i, line in enumerate(lines) if i not in fences and (m := _FOOTNOTE_DEF.match(line))}
    if not labels:
        return body
    reference = re.compile("|".join(rf"\[\^{re.escape(label)}\](?!:)" for label in sorted(labels)))
    out: list[str] = []
    inside = False  # among a definition's indented lines
    for i, line in enumerate(lines):
        if i in fences:
            inside = False
            out.append(line)
        elif m := _FOOTNOTE_DEF.match(line):
            inside = True
            if out and out[-1].strip():
                out.append("")  # a definition is a paragraph of its own, not the end of the one above it
            if m.group(2).strip():
                out.append(unreferenced(m.group(2), reference))
        elif inside and line.strip() and line[:1] in " \t":
            out.append(unreferenced(line.strip(), reference))
        elif inside and not line.strip():
            following = next((x for x in lines[i + 1 :] if x.strip()), "")
            inside = following[:1] in " \t"
            out.append(line)
        else:
            inside = False
            out.append(unreferenced(line, reference))
    return "\n".join(out)


# An inline code span: backticks, then anything up to the next backticks.
_INLINE_CODE = re.compile(r"(`+[^`].*?`+)")


def unreferenced(line: str, reference: re.Pattern[str]) -> str:
    """The line without footnote references, except inside inline code: `a[^1]` there is code, quoted as
    written, even when the page defines a footnote [^1]."""
    return "".join(part if n % 2 else reference.sub("", part) for n, part in enumerate(_INLINE_CODE.split(line)))


def _fenced_lines(lines: Sequence[str]) -> set[int]:
    """The indices of the lines of fenced code blocks, fences included."""
    inside: set[int] = set()
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if m is None:
            i += 1
            continue
        fence = m.group(1)
        close = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        end = next((j for j in range(i + 1, len(lines)) if close.match(lines[j])), len(lines) - 1)
        inside.update(range(i, end + 1))
        i = end + 1
    return inside


# A paragraph that is one code span and nothing else ("`git cherry-pick -x --mainline 1 ${commitSha}`").
_CODE_SPAN_LINE = re.compile(r"^([ \t]{0,3})`([^`\n]*[^`\s][^`\n]*)`[ \t]*$")


def code_paragraphs_as_blocks(body: str) -> str:
    """A paragraph holding nothing but one code span is a displayed command, written as a code block: GitHub
    handbooks set a procedure's commands so, a step and then its command as a paragraph. Read as prose, the
    command was a sentence of its own, with nothing to say what it is for; as a block it is quoted with the line
    that announces it. HTML pages get the same reading (`_code_paragraphs_as_listings`)."""
    lines = body.split("\n")
    fences = _fenced_lines(lines)
    out: list[str] = []
    for i, line in enumerate(lines):
        m = None if i in fences else _CODE_SPAN_LINE.match(line)
        alone = (i == 0 or not lines[i - 1].strip()) and (i + 1 == len(lines) or not lines[i + 1].strip())
        if m is not None and alone:
            indent = m.group(1)
            out += [f"{indent}```", f"{indent}{m.group(2).strip()}", f"{indent}```"]
        else:
            out.append(line)
    return "\n".join(out)


# A fence at any indentation, as list items nest them; the Markdown parser knows only fences at a line's start.
_ANY_FENCE = re.compile(r"^([ \t]*)(`{3,}|~{3,})([^\n]*)$")
# A Markdown list item's line: its indentation, then its marker (`ingest.parse` reads the source's own markers so).
MD_LIST_MARKER = re.compile(r"^([ \t]*)([-*+]|\d{1,3}[.)])[ \t]+\S", re.MULTILINE)


def _width(indent: str) -> int:
    return len(indent.expandtabs(4))


def _in_list_item(lines: Sequence[str], i: int, width: int) -> bool:
    """Is line `i`, indented `width`, part of a list item: is there an item's line above it, indented less,
    with only lines of that item (indented, a paragraph after a block) between?"""
    for line in reversed(lines[:i]):
        lead = _width(line[: len(line) - len(line.lstrip())])
        if not line.strip() or lead >= width:
            continue
        if MD_LIST_MARKER.match(line):
            return True
        if lead == 0:
            return False
    return False


def _dedented(line: str, width: int) -> str:
    """`line` with up to `width` columns of its indentation taken off."""
    lead = len(line) - len(line.lstrip(" \t"))
    return line[lead:] if _width(line[:lead]) <= width else line[width:]


def nested_fences_lifted(body: str) -> str:
    """Code blocks fenced inside list items ("1. Install pre-commit" / an indented ```sh block / "2. Add a
    config file"), lifted out of their items to the top level, verbatim. GitHub renders them as code in the
    step; the Markdown parser reads only fences at a line's start, so each became words of its item ("sh pip
    install pre-commit"), the step lost its number, and a block's fences paired with the next block's. Lifted,
    each is a code block after its step, which the answer units quote with the step that announces it. The
    lines of the item after a lifted block go out with it, so that an indented paragraph does not read as
    indented code."""
    lines = body.split("\n")
    out: list[str] = []
    carry: int | None = None  # the indentation of the item whose block was lifted, while its lines go on
    i = 0
    while i < len(lines):
        line = lines[i]
        m = _ANY_FENCE.match(line)
        close = None
        if m is not None and not (m.group(2)[0] == "`" and "`" in m.group(3)):
            fence = m.group(2)
            closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
            close = next((j for j in range(i + 1, len(lines)) if closing.match(lines[j])), None)
        if m is None or close is None:
            if carry is not None and line.strip():
                lead = _width(line[: len(line) - len(line.lstrip())])
                if lead == 0 or (lead < carry and MD_LIST_MARKER.match(line)):
                    carry = None  # the item has ended: text, or the list's next item
                else:
                    line = _dedented(line, carry)
            out.append(line)
            i += 1
            continue
        width = _width(m.group(1))
        if width == 0 or not (width <= 3 or _in_list_item(lines, i, width)):
            out += lines[i : close + 1]
        else:
            if out and out[-1].strip():
                out.append("")
            out += [_dedented(x, width) for x in lines[i : close + 1]]
            if close + 1 < len(lines) and lines[close + 1].strip():
                out.append("")
            carry = width
        i = close + 1
    return "\n".join(out)


# A line holding nothing but the tags that open or close a disclosure widget ("<details>", "<summary>Steps in a
# nutshell</summary>", "</details>"), as GitHub renders Markdown.
_DISCLOSURE_LINE = re.compile(r"^[ \t]*(?:</?details\b[^>]*>|<summary\b[^>]*>.*?</summary>|[ \t])+$", re.IGNORECASE)
_SUMMARY = re.compile(r"<summary\b[^>]*>(.*?)</summary>", re.IGNORECASE)
_TAG = re.compile(r"<[^<>]+>")


def disclosures_opened(body: str) -> str:
    """Collapsed sections ("<details>" / "<summary>Detailed context</summary>" / Markdown / "</details>") read
    as their Markdown, the summary a paragraph of its own. The Markdown parser hands a "<details>" block on as raw
    HTML, and the HTML partitioner drops it: an RFC's time commitment and its exceptions, two thirds of the page,
    never reached the index."""
    lines = body.split("\n")
    fences = _fenced_lines(lines)
    out: list[str] = []
    for i, line in enumerate(lines):
        if i in fences or not line.strip() or _DISCLOSURE_LINE.match(line) is None:
            out.append(line)
            continue
        out.append("")
        for summary in _SUMMARY.findall(line):
            if text := _TAG.sub("", summary).strip():
                out += [text, ""]
    return "\n".join(out)


# A blockquote's line, its ">" markers and the one space after them; a GitHub alert's marker line ("> [!NOTE]").
_QUOTED = re.compile(r"^ {0,3}>[ \t]?")
_ALERT = re.compile(r"^\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\][ \t]*$", re.IGNORECASE)


def quotes_as_text(body: str) -> str:
    """A blockquote that is a GitHub alert ("> [!CAUTION]" / "> If you are using ...") or that holds a fenced
    code block, unquoted: its first paragraph led by the alert's kind ("Caution: If you are using ..."), as
    `admonitions_as_text` leads an MkDocs note. The Markdown parser reads no fence inside a quote, so Hokusai's
    `sudo softwareupdate --install-rosetta` became words of a sentence ("sh sudo softwareupdate ... This command
    may prompt ..."), and the alert opened with its brackets. Other quotes stay as they are."""
    lines = body.split("\n")
    fences = _fenced_lines(lines)
    out: list[str] = []
    i = 0
    while i < len(lines):
        if i in fences or _QUOTED.match(lines[i]) is None:
            out.append(lines[i])
            i += 1
            continue
        end = i
        while end < len(lines) and end not in fences and _QUOTED.match(lines[end]) is not None:
            end += 1
        inner = [_QUOTED.sub("", line, count=1) for line in lines[i:end]]
        alert = _ALERT.match(inner[0])
        if alert is None and not any(_FENCE.match(line) for line in inner):
            out += lines[i:end]
        else:
            if alert is not None:
                inner = inner[1:]
                first = next((n for n, line in enumerate(inner) if line.strip()), None)
                if first is not None:
                    inner[first] = f"{alert.group(1).capitalize()}: {inner[first].lstrip()}"
            out += inner
            if end < len(lines) and lines[end].strip():
                out.append("")  # the quote ended at text: a paragraph break keeps the two apart
        i = end
    return "\n".join(out)


# A task list's item ("- [ ] Code review is complete", "- [x] Docs updated"): GitHub draws the box, not the brackets.
_TASK_BOX = re.compile(r"^([ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+)\[[ xX]\][ \t]+(?=\S)")


def task_boxes_dropped(body: str) -> str:
    """Task-list items without their "[ ]" boxes: read as words, every item of a definition of done opened with
    "[ ]", and an item read alone ("[ ] The feature is signed off by the product owner") began with brackets."""
    lines = body.split("\n")
    fences = _fenced_lines(lines)
    return "\n".join(line if i in fences else _TASK_BOX.sub(r"\1", line) for i, line in enumerate(lines))


_HARD_BREAK = re.compile(r"(?<!\\)\\$")


def hard_breaks_joined(body: str) -> str:
    """A line ended by a backslash joined to the next, outside code blocks. CommonMark reads the backslash as a line
    break; the Markdown parser kept it as a character, and Black's list of Docker tags read "21.7b0 etc.\\ ℹ
    Recommended for ...". The last line of a paragraph keeps its backslash, as CommonMark does."""
    lines = body.split("\n")
    fences = _fenced_lines(lines)
    return "\n".join(
        _HARD_BREAK.sub("", line) if i not in fences and i + 1 < len(lines) and lines[i + 1].strip() else line
        for i, line in enumerate(lines))


# A Hugo shortcode ("{{% note %}}", "{{< tab tabID=\"fish\" >}}", "{{< /tabs >}}") or a Liquid tag as GitBook and Jekyll
# pages write them ("{% hint style=\"info\" %}", "{% tab title=\"fluent-bit.yaml\" %}", "{% endtabs %}"): the tag's
# closing mark ("/" or "end"), its name and what follows the name.
_SHORTCODE = r"\{\{[<%]\s*/?\s*[\w-]+[^\n]*?[>%]\}\}|\{%-?\s*[\w-]+[^\n]*?-?%\}"
_LEADING_SHORTCODES = re.compile(rf"^[ \t]*(?:(?:{_SHORTCODE})[ \t]*)+")
_TRAILING_SHORTCODES = re.compile(rf"(?:[ \t]*(?:{_SHORTCODE}))+[ \t]*$")
_ONE_SHORTCODE = re.compile(r"\{(?:\{[<%]|%-?)\s*(/?)\s*([\w-]+)([^\n]*?)-?[>%]\}?\}")
_NOTE_SHORTCODES = frozenset({"note", "warning", "tip", "info", "caution", "important", "hint", "danger", "alert",
                              "success", "callout"})
# Notes that name their kind in an argument: GitBook's {% hint style="warning" %}, 18F's {% alert "", "warning" %}.
_NOTE_BOXES = frozenset({"hint", "alert", "callout"})
_QUOTED_ARGUMENT = re.compile(r'"([^"]*)"')
# What Liquid leaves out of the page: comments with what they hold, and the raw tags around literal braces.
_LIQUID_COMMENT = re.compile(r"\{%-?\s*comment\s*-?%\}.*?\{%-?\s*endcomment\s*-?%\}")
_OPEN_COMMENT = re.compile(r"\{%-?\s*comment\s*-?%\}")
_END_COMMENT = re.compile(r"\{%-?\s*endcomment\s*-?%\}")
_LIQUID_RAW = re.compile(r"\{%-?\s*(?:end)?raw\s*-?%\}")
# Jekyll's highlighted code block, which a fence writes as well.
_HIGHLIGHT = re.compile(r"^([ \t]*)\{%-?\s*highlight\s+([\w+#.-]+)[^\n]*?-?%\}[ \t]*$")
_END_HIGHLIGHT = re.compile(r"^([ \t]*)\{%-?\s*endhighlight\s*-?%\}[ \t]*$")


def _tag(match: re.Match[str]) -> tuple[bool, str, str]:
    """A shortcode's or Liquid tag's (closing, name, arguments)."""
    name = match.group(2).lower()
    closing = bool(match.group(1)) or (name.startswith("end") and match.group(0).startswith("{%"))
    return closing, name, match.group(3)


def _note_kind(name: str, arguments: str) -> str | None:
    if name not in _NOTE_SHORTCODES:
        return None
    if name in _NOTE_BOXES:
        named = [a.lower() for a in _QUOTED_ARGUMENT.findall(arguments) if a.lower() in _NOTE_SHORTCODES - _NOTE_BOXES]
        return named[0] if named else name
    return name


def _inline_tag(match: re.Match[str]) -> str:
    """A tag inside a sentence as the page shows it: its first argument ("Visit the {% slack_channel "tock" %}
    channel" reads "Visit the tock channel"), or nothing."""
    quoted = _QUOTED_ARGUMENT.search(match.group(3))
    return quoted.group(1) if quoted else ""


def liquid_blocks_as_markdown(body: str) -> str:
    """Liquid's comments left out with what they hold, its raw tags dropped, and a Jekyll highlight block written
    as the fence it shows as; not inside a fenced block, where a page about templates shows its tags as code."""
    lines = body.split("\n")
    fences = _fenced_lines(lines)
    out: list[str] = []
    commented = False
    for i, line in enumerate(lines):
        if i in fences:
            out.append(line)
            continue
        if commented:
            end = _END_COMMENT.search(line)
            if end is None:
                continue
            line, commented = line[end.end():], False
        line = _LIQUID_RAW.sub("", _LIQUID_COMMENT.sub("", line))
        if (opened := _OPEN_COMMENT.search(line)) is not None:
            line, commented = line[: opened.start()], True
            if not line.strip():
                continue
        if (m := _HIGHLIGHT.match(line)) is not None:
            line = f"{m.group(1)}```{m.group(2)}"
        elif (m := _END_HIGHLIGHT.match(line)) is not None:
            line = f"{m.group(1)}```"
        out.append(line)
    return "\n".join(out)


def shortcodes_as_text(body: str) -> str:
    """Hugo's shortcodes and GitBook's and Jekyll's Liquid tags at a line's start or end left out, what a note or
    warning holds led by its kind ("Note: Since version 1.2, ..."), as for admonitions, and a tag inside a sentence
    read as its argument. Poetry's pages set every note, warning and tab so, and Fluent Bit's GitBook pages every
    hint and every pair of YAML and classic configuration tabs: read as words, "{{% note %}}" opened the note's first
    sentence, "{{< /tab >}} {{< /tabs >}}" was a paragraph of its own, quoted beside a tab's code, and
    '{% endtab %} {% tab title="fluent-bit.conf" %}' stood between an introduction and the block it introduces. A
    tab's title is left out with its tag: kept as a label over the block ("fluent-bit.conf:"), the product's name
    in every file name drew every question about the product to the blocks (measured on check AC)."""
    lines = body.split("\n")
    fences = _fenced_lines(lines)
    out: list[str] = []
    lead = ""
    for i, line in enumerate(lines):
        if i in fences:
            lead = "" if _FENCE.match(line) else lead
            out.append(line)
            continue
        m = _LEADING_SHORTCODES.match(line)
        if m is not None:
            for closing, name, arguments in (_tag(t) for t in _ONE_SHORTCODE.finditer(m.group(0))):
                kind = None if closing else _note_kind(name, arguments)
                lead = f"{kind.capitalize()}: " if kind else lead
            line = line[m.end():]
        line = _TRAILING_SHORTCODES.sub("", line)
        line = "".join(part if n % 2 else _ONE_SHORTCODE.sub(_inline_tag, part)
                       for n, part in enumerate(_INLINE_CODE.split(line)))
        if line.strip() and lead:
            indent = line[: len(line) - len(line.lstrip())]
            line, lead = f"{indent}{lead}{line.lstrip()}", ""
        out.append(line)
    return "\n".join(out)


# A line no paragraph of a list item may be joined to or from: a block's start (fence, quote, table, heading, list
# marker) or a fenced block's line.
_BLOCK_START = re.compile(r"[ \t]*(?:```|~~~|>|\||#|(?:[-*+]|\d{1,3}[.)])[ \t]+\S)")


def lists_set_apart(body: str) -> str:
    """A blank line before a list that starts right under a paragraph's line, outside code blocks. CommonMark lets a
    bulleted list, or a numbered one starting at 1, interrupt a paragraph ("**Timeline Commitments:**" then
    "- **Initial acknowledgment**: Within 24 hours"), and GitHub shows it so; the Markdown parser read the items
    into the paragraph, one line of text: "Timeline Commitments: - Initial acknowledgment: Within 24 hours -
    Detailed response: ..." (nvm's incident response plan, check AH). A line going on with a list item, and a list
    nested in one, are left as they are."""
    lines = body.split("\n")
    fences = _fenced_lines(lines)
    out: list[str] = []
    in_item = False  # the paragraph being read opened with a list marker
    for i, line in enumerate(lines):
        if not line.strip():
            in_item = False
        elif i not in fences:
            m = MD_LIST_MARKER.match(line)
            before = lines[i - 1] if i > 0 else ""
            if (m is not None and len(m.group(1).expandtabs(4)) < 4 and m.group(2)[:-1] in ("", "1") and before.strip()
                    and not in_item and not _BLOCK_START.match(before)):
                out.append("")
            in_item = in_item or m is not None
        out.append(line)
    return "\n".join(out)


def item_paragraphs_joined(body: str) -> str:
    """A list item's paragraphs after its first, indented under it, joined to the first. The parser ends the list
    at such a paragraph: the items lost their markers and numbers, and the paragraph read apart from the item it
    explains (Uvicorn's optional dependencies: "colorama — Cross-platform support for ANSI terminal colors." /
    "This is installed only on Windows, to provide colored logs."; check AB). A code block, quote, table or nested
    list under an item is left where it is."""
    lines = body.split("\n")
    out: list[str] = []
    column: int | None = None  # where the text of the list item being read starts
    fenced = False
    for i, line in enumerate(lines):
        if _FENCE_LINE.match(line):
            fenced = not fenced
            out.append(line)
            continue
        if fenced:
            out.append(line)
            continue
        indent = len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip())
        if (m := MD_LIST_MARKER.match(line)) is not None:
            column = len(line[: m.end() - 1].expandtabs(4))
        elif line.strip() and (column is None or indent < column):
            column = None
        elif (line.strip() and column is not None and indent < column + 4 and not _BLOCK_START.match(line)
              and i > 0 and not lines[i - 1].strip()):
            blanks = 0
            while blanks < len(out) and not out[-1 - blanks].strip():
                blanks += 1
            before = out[-1 - blanks] if blanks < len(out) else ""
            if before and (MD_LIST_MARKER.match(before) or not _BLOCK_START.match(before)):
                del out[len(out) - blanks :]
        out.append(line)
    return "\n".join(out)


def markdown_source(source: str) -> tuple[str, str]:
    """The front matter's title and the Markdown body as the parser should see it."""
    title, body = front_matter(source)
    body = code_paragraphs_as_blocks(footnotes_as_text(myst_markup_as_text(directives_as_text(
        task_boxes_dropped(hard_breaks_joined(shortcodes_as_text(nested_fences_lifted(
        quotes_as_text(disclosures_opened(fence_attributes_as_titles(liquid_blocks_as_markdown(body))))))))))))
    body = item_paragraphs_joined(lists_set_apart(admonitions_as_text(body)))
    return title, _TABLE_AFTER_TEXT.sub("\\1\n\\2", body)


def unescaped_pipes(table: Table) -> Table:
    """A Markdown table's cells as they read. GFM writes a pipe inside a cell as `\\|`, inside a code span too
    ("`json\\|yaml`"), and the Markdown parser unescapes it only outside code spans."""
    def cells(row: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(c.replace("\\|", "|") for c in row)

    return Table(table.name, cells(table.header), tuple(cells(r) for r in table.rows))


_WHITE = re.compile(r"\s+")


def cell_spelling(html: str) -> dict[str, str]:
    """Each table cell's text of a page as the page spells it, by its characters other than white space.
    unstructured writes a table's cells with a space at every inline element's edge: pipx's "When to fetch a standalone
    Python build: ``always``, ``missing``, or ``never``." became "always , missing , or never ." (check AK), so a
    quote of the row read unlike the page and the words "always, missing" were not in it."""
    import lxml.html

    try:
        root = lxml.html.document_fromstring(html)
    except Exception:
        return {}
    # A line break or a block inside a cell parts words, as the page shows them; text_content() runs them together
    # ("enabled<br>Database" as "enabledDatabase", check W).
    for el in root.xpath("//td//*|//th//*"):
        if isinstance(el.tag, str) and el.tag.lower() in _CELL_BREAKS:
            el.text = f" {el.text or ''}"
            el.tail = f" {el.tail or ''}"
    out: dict[str, str] = {}
    for cell in root.xpath("//td|//th"):
        text = _words(cell)
        out.setdefault(_WHITE.sub("", text), text)
    return out


_CELL_BREAKS = frozenset({"br", "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "pre", "table", "tr", "td", "th",
                          "blockquote", "hr", "h1", "h2", "h3", "h4", "h5", "h6"})


def html_table(html: str, spelling: Mapping[str, str] | None = None) -> Table | None:
    """The header and rows of an HTML table, as unstructured gives it in `text_as_html`; a cell the page's
    `spelling` (`cell_spelling`) has is written as the page spells it."""
    import lxml.html

    try:
        table = lxml.html.fromstring(html)
    except Exception:
        return None

    def cell(c: Any) -> str:
        text = _words(c)
        return (spelling or {}).get(_WHITE.sub("", text), text)

    trs = table.xpath(".//tr")
    rows = [tuple(cell(c) for c in tr.xpath("./th|./td")) for tr in trs]
    # Markdown has no table without a header row, and a page of keys and values leaves it empty (`| | |`): the
    # table has no column names, and its first row of cells is no header ("Help Command | pihole checkout --help",
    # Pi-hole's command page, check AE).
    unnamed = bool(trs) and not any(rows[0]) and bool(trs[0].xpath("./th"))
    rows = [r for r in rows if any(r)]
    if len(rows) >= 2 and not table.xpath(".//th") and all(len(r) == 2 and r[0].endswith(":") for r in rows):
        # Terms and what they are ("style: | a parsed XSLT stylesheet", gtk-doc's parameters): no row is a
        # header. Read as one, its first term was put before every other ("style :: doc : | ...").
        return Table("", ("",), tuple((f"{k[:-1].rstrip()}: {v}",) for k, v in rows))
    if unnamed and rows and all(len(r) == 2 and names_term(r[0]) and r[1] for r in rows):
        return Table("", ("",), tuple((f"{k}: {v}",) for k, v in rows))
    if unnamed and rows:
        return Table("", ("",) * len(rows[0]), tuple(rows))
    return Table("", rows[0], tuple(rows[1:])) if len(rows) >= 2 else None
