"""Issue 17: reStructuredText, Jupyter notebooks, CSV and XLSX are read with their structure — steps keep their
numbers, code stays fenced, every table row names its columns and is a unit of its own — and answered from."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from agent.extractive import ExtractiveConfig
from agent.units import answer_units
from ingest.manifest import load_manifest
from ingest.parse import parse_file
from ingest.pipeline import ingest
from kernel.errors import ParseFailedError
from kernel.types import Principal
from testing.docs import manifest
from wiring.services import Services

UNIT_CHARS = ExtractiveConfig().min_chars  # the shortest unit the responder cuts

RST = """Installing Widgets
==================

Widgets need Python 3.9. See :ref:`the setup guide <setup>` and :func:`widgets.run`.

.. versionadded:: 2.1
   The ``--upgrade`` flag.

Steps
-----

To install widgets:

1. Download the package.
2. Run the installer::

       pip install widgets --upgrade

.. toctree::
   :maxdepth: 2

   intro

.. include:: /etc/hostname

==========  ========
Level       Pay
==========  ========
Junior      50,000
Senior      80,000
==========  ========
"""


def test_rst_keeps_steps_code_tables_and_drops_build_markup(tmp_path: Path) -> None:
    f = tmp_path / "install.rst"
    f.write_text(RST)
    doc = parse_file(f, "rst")
    assert doc.title == "Installing Widgets"
    assert "See the setup guide and widgets.run." in doc.text  # roles read as words, not as markup
    assert "New in version 2.1. The --upgrade flag." in doc.text
    assert "1. Download the package." in doc.text and "2. Run the installer:" in doc.text
    assert "```\npip install widgets --upgrade\n```" in doc.text
    assert "Level | Pay\nLevel: Junior | Pay: 50,000\nLevel: Senior | Pay: 80,000" in doc.text
    assert "maxdepth" not in doc.text and "intro" not in doc.text.replace("Introduction", "")
    assert Path("/etc/hostname").read_text().strip() not in doc.text  # no file inclusion from a corpus file
    rows = [doc.text[u.start : u.end] for u in answer_units(doc.text, UNIT_CHARS) if u.kind == "row"]
    assert rows == ["Level: Junior | Pay: 50,000", "Level: Senior | Pay: 80,000"]


def test_rst_object_descriptions_are_terms_with_what_they_do(tmp_path: Path) -> None:
    """Sphinx's `.. option::`, `.. function::` and their kin are unknown to docutils, which dropped each with its
    body: cmake(1) lost its 197 options ("How do I reconfigure from scratch?" found no --fresh)."""
    f = tmp_path / "cmake.1.rst"
    f.write_text("cmake(1)\n********\n\nOptions\n=======\n\n.. program:: cmake\n\n.. option:: --fresh\n\n"
                 " .. versionadded:: 3.24\n\n Perform a fresh configuration of the build tree.\n\n"
                 ".. option:: -j [<jobs>], --parallel [<jobs>]\n\n  The maximum number of concurrent processes.\n\n"
                 "  The :envvar:`CMAKE_BUILD_PARALLEL_LEVEL` variable sets a default, see :manual:`cmake-env(7)`.\n\n"
                 ".. py:function:: connect(url, timeout=10)\n\n   Open a connection.\n")
    assert parse_file(f, "rst").text.split("\n\n")[1:] == [
        "Options", "--fresh: Perform a fresh configuration of the build tree.", "New in version 3.24.",
        "-j [<jobs>], --parallel [<jobs>]: The maximum number of concurrent processes.",
        "The CMAKE_BUILD_PARALLEL_LEVEL variable sets a default, see cmake-env(7).",
        "connect(url, timeout=10): Open a connection."]


def test_rst_tabs_keep_their_bodies_led_by_their_labels(tmp_path: Path) -> None:
    """sphinx-tabs' group tabs are unknown to docutils, which dropped each with its body: Flask's CLI page lost
    every shell's command for setting an option from the environment."""
    f = tmp_path / "cli.rst"
    f.write_text("CLI\n===\n\nTo set the port:\n\n.. tabs::\n\n   .. group-tab:: Bash\n\n"
                 "      .. code-block:: text\n\n         $ export FLASK_RUN_PORT=8000\n\n"
                 "   .. group-tab:: Fish\n\n      Fish, in activate.fish::\n\n          $ set -x FLASK_APP hello\n\n"
                 "   .. code-tab:: ps1 Powershell\n\n      > $env:FLASK_RUN_PORT = 8000\n\n"
                 ".. testcode::\n\n   app.run(port=8000)\n\n"
                 ".. tab-set::\n\n   .. tab-item:: pip\n\n      Install it with pip.\n\n"
                 ".. versionremoved:: 3.0\n   The --legacy flag.\n")
    assert parse_file(f, "rst").text.split("\n\n")[1:] == [
        "To set the port:", "Bash:", "```\n$ export FLASK_RUN_PORT=8000\n```", "Fish:", "Fish, in activate.fish:",
        "```\n$ set -x FLASK_APP hello\n```", "Powershell:", "```\n> $env:FLASK_RUN_PORT = 8000\n```",
        "```\napp.run(port=8000)\n```", "pip:", "Install it with pip.", "Removed in version 3.0. The --legacy flag."]


def test_notebook_cells_in_order_with_code_fenced(tmp_path: Path) -> None:
    nb = {"nbformat": 4, "metadata": {"kernelspec": {"language": "python"}}, "cells": [
        {"cell_type": "markdown", "source": ["# Loading data\n", "Read the file with pandas:"]},
        {"cell_type": "code", "source": ["import pandas as pd\n", "df = pd.read_csv('sales.csv')"],
         "outputs": [{"output_type": "stream", "text": ["Traceback noise\n"]}]},
        {"cell_type": "raw", "source": "ignored"},
    ]}
    f = tmp_path / "load.ipynb"
    f.write_text(json.dumps(nb))
    doc = parse_file(f, "ipynb")
    assert doc.title == "Loading data"
    assert "Read the file with pandas:\n\n```\nimport pandas as pd\ndf = pd.read_csv('sales.csv')\n```" in doc.text
    assert "Traceback" not in doc.text and "ignored" not in doc.text
    code = [u for u in answer_units(doc.text, UNIT_CHARS) if u.kind == "code"]
    assert code and doc.text[code[0].start :].startswith("Read the file with pandas:")  # intro travels along


def test_a_broken_notebook_is_a_clear_parse_error(tmp_path: Path) -> None:
    f = tmp_path / "bad.ipynb"
    f.write_text("{not json")
    with pytest.raises(ParseFailedError, match="not valid JSON"):
        parse_file(f, "ipynb")


def test_csv_rows_name_their_columns(tmp_path: Path) -> None:
    f = tmp_path / "bands.csv"
    f.write_text('Level;Salary;Bonus\nJunior;"50,000";5%\n\nSenior;"80,000";10%\n')
    doc = parse_file(f, "csv")
    assert doc.text == ("Level | Salary | Bonus\nLevel: Junior | Salary: 50,000 | Bonus: 5%\n"
                        "Level: Senior | Salary: 80,000 | Bonus: 10%")
    assert [e.kind for e in doc.elements] == ["Table", "TableRow", "TableRow"]


def test_xlsx_sheets_are_sections_of_rows(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    rates = book.active
    assert rates is not None
    rates.title = "Rates"
    rates.append(["Region", "VAT"])
    rates.append(["EU", 0.2])
    book.create_sheet("Empty")
    staff = book.create_sheet("Staff")
    staff.append(["Name", "Team"])
    staff.append(["Ada", "Core"])
    f = tmp_path / "book.xlsx"
    book.save(f)
    doc = parse_file(f, "xlsx")
    assert doc.text == "Rates\n\nRegion | VAT\nRegion: EU | VAT: 0.2\n\nStaff\n\nName | Team\nName: Ada | Team: Core"
    assert doc.elements[-1].heading_path == ("Staff",)
    f.write_bytes(b"PK\x03\x04 not a workbook")
    with pytest.raises(ParseFailedError, match="workbook cannot be read"):
        parse_file(f, "xlsx")


def test_a_long_table_is_chunked_between_rows(tmp_path: Path, services: Services) -> None:
    from ingest.chunk import chunk_document

    f = tmp_path / "prices.csv"
    f.write_text("Product,Price,Description\n" + "".join(
        f"Item {i},{i}.99,A widget of the {i}th series with a long description of its parts\n" for i in range(200)))
    doc = parse_file(f, "csv")
    spans = chunk_document(doc, services.embedder.token_spans, services.embedder.max_tokens, 384, 48)
    assert len(spans) > 5
    for s in spans:  # every chunk starts and ends at a row boundary
        assert doc.text[s.start : s.end].startswith(("Product", "Product: Item"))
        assert doc.text[s.end - 1] != "," and (s.end == len(doc.text) or doc.text[s.end] == "\n")


def test_new_formats_are_ingested_and_answered(tmp_path: Path, services: Services) -> None:
    root = tmp_path / "c"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "install.rst").write_text(RST)
    (root / "docs" / "bands.csv").write_text(
        "Level,Salary\nJunior Programmer,\"50,000\"\nSenior Programmer,\"95,000\"\n")
    manifest(root, "formats", {"path": "./docs"}, {"default": {"groups": ["staff"]}})
    report = ingest(load_manifest(root), services.settings, services.store, services.index, services.embedder,
                    services.bm25)
    assert report.failed == 0, report
    ans = services.agent().ask("What is the salary of a Senior Programmer?", Principal("emma", ("staff",)),
                               save=False)
    assert not ans.abstained and ans.citations[0].document_id == "formats/bands.csv"
    assert "95,000" in ans.citations[0].quote and "50,000" not in ans.citations[0].quote


SPHINX_PAGE = """<!DOCTYPE html><html><head><title>Timeouts - Requests</title></head><body>
<div class="document"><div class="body" role="main">
<section id="timeouts"><h1>Timeouts<a class="headerlink" href="#timeouts" title="Link to this heading">¶</a></h1>
<p>Requests do not time out unless a timeout value is set explicitly.</p></section>
</div></div>
<div class="sphinxsidebar" role="navigation"><h3>Table of Contents</h3><ul><li>Timeouts</li><li>Retries</li></ul>
<div role="search"><h3>Quick search</h3></div></div>
<div class="footer">&copy; The authors.</div></body></html>"""

TEXINFO_PAGE = """<html><body><div class="section" id="Thread-Safety">
<div class="header"><p>Previous: <a href="a.html" rel="prev">Closure Example</a>, Up: <a href="u.html" rel="up">
Using libffi</a></p></div>
<h3 class="section">2.7 Thread Safety<a class="copiable-link" href="#Thread-Safety"> ¶</a></h3>
<p>libffi is not completely thread-safe.</p></div></body></html>"""


def test_a_generated_pages_chrome_is_left_out(tmp_path: Path) -> None:
    """Sidebars, search boxes, "Next/Previous" bars and "¶" permalinks repeat on every generated page and ran
    into the page's last section; a page that marks its main content is read for that content alone."""
    (tmp_path / "timeouts.html").write_text(SPHINX_PAGE)
    (tmp_path / "thread-safety.html").write_text(TEXINFO_PAGE)
    sphinx = parse_file(tmp_path / "timeouts.html", "html")
    assert sphinx.text == "Timeouts\n\nRequests do not time out unless a timeout value is set explicitly."
    assert sphinx.title == "Timeouts"
    texinfo = parse_file(tmp_path / "thread-safety.html", "html")
    assert texinfo.text == "2.7 Thread Safety\n\nlibffi is not completely thread-safe."
    # An XHTML page that declares its encoding was left as it was: lxml refused to parse it from text.
    (tmp_path / "xhtml.html").write_text('<?xml version="1.0" encoding="ISO-8859-1"?>\n' + SPHINX_PAGE)
    assert parse_file(tmp_path / "xhtml.html", "html").text == sphinx.text
    site_map = '<html><body><div role="navigation"><ul><li>Timeouts</li><li>Retries</li></ul></div></body></html>'
    (tmp_path / "site-map.html").write_text(site_map)
    assert "Timeouts" in parse_file(tmp_path / "site-map.html", "html").text  # all navigation: that is the page


API_PAGE = """<html><head><title>Path | Runtime Documentation</title></head><body><div id="apicontent">
<h2>Path<span><a class="mark" href="#path" id="path">#</a></span><a aria-hidden="true" id="path_path"></a></h2>
<p>The path module works with file and directory paths.</p>
<pre><input class="flavor-toggle" type="checkbox" aria-label="Show ES modules"><code class="cjs">const path = \
require('node:path');</code><code class="mjs">import path from 'node:path';</code> <button>copy</button></pre>
<h3>path.sep <a href="#path_sep">\u00b6</a></h3>
<p>Provides the platform-specific path segment separator.</p>
<pre><code>'foo/bar'.split(path.sep);</code> <button class="copy-button">copy</button></pre>
<h3><a href="#top">Back to the top</a></h3>
</div></body></html>"""


def test_an_api_pages_permalinks_buttons_and_code_flavours_are_read_as_a_reader_sees_them(tmp_path: Path) -> None:
    """A generated API reference (Node.js's) ends every heading with a "#" permalink, puts a "copy" button in
    every code block and shows some examples in two flavours behind a toggle. The "#" stayed in every heading
    and title ("Path#"), the button's label ran into the code, and a block holding the toggle lost its fences,
    its two flavours run together on one line."""
    (tmp_path / "path.html").write_text(API_PAGE)
    doc = parse_file(tmp_path / "path.html", "html")
    assert doc.title == "Path"
    assert doc.text.split("\n\n") == [
        "Path", "The path module works with file and directory paths.",
        "```\nconst path = require('node:path');\nimport path from 'node:path';\n```",
        "path.sep", "Provides the platform-specific path segment separator.",
        "```\n'foo/bar'.split(path.sep);\n```", "Back to the top"]


DOCBOOK_FAQ = """<html><head><title>Widget FAQ</title></head><body>
<div class="qandaset"><dl><dt>1. <a href="faq.html#build">Building</a></dt>
<dd>1.1. <a href="faq.html#lc">Linking fails with this:</a></dd>
<dd>1.2. <a href="faq.html#name">Where does the name come from?</a></dd></dl>
<table summary="Q and A Div" border="0">
<tr class="qandadiv"><td colspan="2"><h3 class="title">1. Building</h3></td></tr>
<tr class="toc"><td colspan="2">1.1. <a href="faq.html#lc">Linking fails with this:</a><br>
1.2. <a href="faq.html#name">Where does the name come from?</a></td></tr>
<tr class="question"><td><b>1.1.</b></td><td><p>Linking fails with this:</p><pre>cannot find -lc</pre></td></tr>
<tr class="answer"><td></td><!-- generated --><td><p>Install the static C library.</p><p>Then build again.</p></td></tr>
<tr class="question"><td><b>1.2.</b></td><td><b>Where does the name come from?</b></td></tr>
<tr class="answer"><td></td><td><p>From a myth.</p><p>It is not short for anything.</p></td></tr>
</table></div>
<table><tr><th>Option</th><th>Default</th></tr><tr><td><p>jobs</p></td><td><p>2</p></td></tr></table>
</body></html>"""


NESTED_LAYOUT = """<?xml version="1.0" encoding="ISO-8859-1"?>
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>FAQ</title></head><body>
<table><tr><td><table><tr><td><b>Main Menu</b></td></tr>
<tr><td><ul><li><a href="index.html">Home</a></li><li><a href="faq.html">FAQ</a></li></ul></td></tr></table></td>
<td><table><tr><td><table><tr><td><ol><li><em>Troubles linking programs</em>
<p>Use the config script to get the flags.</p><p>Then link again.</p></li></ol></td></tr></table></td></tr></table>
</td></tr></table></body></html>"""


def test_a_page_laid_out_in_nested_tables_keeps_its_paragraphs(tmp_path: Path) -> None:
    """libxslt's manual lays its menu and its content out in tables nested in tables, one list per cell. Only
    the outermost table was read as layout (its cells hold tables; the inner ones, once read as text, no longer
    counted), so the page came out as one table: menu and answers run together into one paragraph."""
    (tmp_path / "faq.html").write_text(NESTED_LAYOUT)
    paragraphs = parse_file(tmp_path / "faq.html", "html").text.split("\n\n")
    assert "Use the config script to get the flags." in paragraphs and "Then link again." in paragraphs
    assert not any("Home" in p and "flags" in p for p in paragraphs)


def test_a_table_of_terms_without_a_header_is_read_as_terms(tmp_path: Path) -> None:
    """gtk-doc lists a function's parameters as a table with no header cells, each row a term and what it is.
    Its first row was taken for a header and put before every other ("style: :: doc: | a parsed XSLT
    stylesheet: a parsed XML document"). A table with header cells keeps its header."""
    (tmp_path / "transform.html").write_text(
        "<html><body><h2>xsltApplyStylesheet ()</h2><p>Apply the stylesheet to the document.</p>"
        '<table><tr><td><span class="term"><code>style</code>:</span></td><td>a parsed XSLT stylesheet</td></tr>'
        "<tr><td><code>doc</code>:</td><td>a parsed XML document</td></tr>"
        "<tr><td>Returns:</td><td>the result document</td></tr></table>"
        "<table><tr><th>Option:</th><th>Default</th></tr><tr><td>jobs:</td><td>2</td></tr></table></body></html>")
    blocks = parse_file(tmp_path / "transform.html", "html").text.split("\n\n")
    assert blocks[2:] == ["style: a parsed XSLT stylesheet\ndoc: a parsed XML document\nReturns: the result document",
                          "Option: | Default\nOption:: jobs: | Default: 2"]


def _site_page(content: str) -> str:
    menu = "".join(f'<li><a href="{n}.html">{n.title()}</a></li>' for n in ("home", "intro", "faq", "news", "api"))
    return (f"<html><body><table><tr><td><b>Main Menu</b><ul>{menu}</ul></td>"
            f"<td><h2>{content}</td></tr></table></body></html>")


def test_a_sites_menu_beside_the_content_is_left_out_and_an_index_stays(tmp_path: Path) -> None:
    """A site laid out in tables puts its menu in a column beside the content: every page's first chunk was
    "Main Menu Home Intro Faq News Api", and every page matched those words. A column of links into many
    pages' anchors is an index, though, and was taken for the page's own table of contents and dropped: the
    alphabetic API index came out empty."""
    (tmp_path / "faq.html").write_text(_site_page("FAQ</h2><p>Use xslt-config to get the compiler flags.</p>"))
    index = "".join(f'<a href="{m}.html#{f}">{f}</a> ' for m, f in (("transform", "xsltApply"),
                    ("keys", "xsltAddKey"), ("imports", "xsltFindTemplate")))
    (tmp_path / "index.html").write_text(_site_page(f"API index</h2><p>Apply: {index}</p>"))
    assert parse_file(tmp_path / "faq.html", "html").text.split("\n\n") == [
        "FAQ", "Use xslt-config to get the compiler flags."]
    text = parse_file(tmp_path / "index.html", "html").text
    assert "xsltApply" in text and "xsltFindTemplate" in text and "Main Menu" not in text


def test_a_list_of_terms_set_as_a_table_reads_as_terms_with_their_descriptions(tmp_path: Path) -> None:
    """AsciiDoc sets a "horizontal" labelled list as a two-column table, as Ninja's manual lists its tools: each
    term was a paragraph of its own, and "remove files produced by previous builds ..." never said it was
    cleandead. A row whose first cell is more than a term (a sentence, a block) is read as before."""
    (tmp_path / "manual.html").write_text(
        '<html><body><p>The current tools are:</p><div class="horizontal"><table class="horizontal" border="0">'
        '<tr><td valign="top"><p><code class="literal">clean</code></p></td>'
        '<td valign="top"><p>remove built files.</p><p>Files not in the graph are kept.</p></td></tr>'
        '<tr><td valign="top"><p><code class="literal">cleandead</code></p></td>'
        '<td valign="top"><p>remove files produced by previous builds that are no longer in the build file.</p>'
        '</td></tr>'
        '<tr><td><p>Run it twice.</p></td><td><p>Once is enough.</p><pre>ninja</pre></td></tr>'
        '</table></div></body></html>')
    assert parse_file(tmp_path / "manual.html", "html").text.split("\n\n") == [
        "The current tools are:", "clean: remove built files.", "Files not in the graph are kept.",
        "cleandead: remove files produced by previous builds that are no longer in the build file.",
        "Run it twice.", "Once is enough.", "```\nninja\n```"]



def test_spacer_cells_are_dropped_and_a_headerless_table_of_terms_reads_as_terms(tmp_path: Path) -> None:
    """SQLite's pages pad tables with an empty first row and an empty column: the first row of data became the
    header of every other ("%d: %w |  | day of month: 00: day of week 0-6") and the empty column put " |  | " in
    every row. A table with a bold first row keeps it as its header."""
    (tmp_path / "dates.html").write_text(
        '<html><body><p>The substitutions are:</p><table border="0">'
        '<tr><td></td><td width="10"></td><td></td></tr>'
        '<tr><td> %d </td><td></td><td> day of month: 00</td></tr>'
        '<tr><td> %w </td><td></td><td> day of week 0-6 with Sunday==0</td></tr></table>'
        '<p>Each function is a strftime call:</p><table>'
        '<tr><td><b>Function</b></td><td width="30"></td><td><b>Equivalent strftime()</b></td></tr>'
        "<tr><td> date(...) </td><td></td><td> strftime('%Y-%m-%d', ...)</td></tr>"
        "<tr><td> time(...) </td><td></td><td> strftime('%H:%M:%S', ...)</td></tr></table></body></html>")
    assert parse_file(tmp_path / "dates.html", "html").text.split("\n\n") == [
        "The substitutions are:", "%d: day of month: 00", "%w: day of week 0-6 with Sunday==0",
        "Each function is a strftime call:",
        "Function | Equivalent strftime()\nFunction: date(...) | Equivalent strftime(): strftime('%Y-%m-%d', ...)\n"
        "Function: time(...) | Equivalent strftime(): strftime('%H:%M:%S', ...)"]

def test_a_legend_of_marks_set_as_a_headerless_table_reads_as_terms(tmp_path: Path) -> None:
    """restic's manual sets the marks of its diff output as a reST grid table with no header: "?" (bitrot detected)
    ended like a question, so the table was no list of terms, its first row became every row's header ("+: ? |
    added: bitrot detected") and "What does U mean?" found no row of its own. A mark is a term; a sentence in the
    first cell still is not."""
    (tmp_path / "backup.rst").write_text(
        "Comparing\n=========\n\nThe characters left of the file path show what has changed:\n\n"
        "+-------+------------------+\n| ``+`` | added            |\n+-------+------------------+\n"
        "| ``U`` | metadata changed |\n+-------+------------------+\n| ``?`` | bitrot detected  |\n"
        "+-------+------------------+\n")
    assert parse_file(tmp_path / "backup.rst", "rst").text.split("\n\n")[2:] == [
        "+: added", "U: metadata changed", "?: bitrot detected"]


def test_a_paragraph_of_one_code_element_is_a_listing_with_its_line_breaks(tmp_path: Path) -> None:
    """Apache httpd's manual displays its examples as a paragraph holding one code element, lines set apart by
    <br>: the example was prose, its lines run together ("... rbowen New password: mypassword"). A list item
    that is only code stays an item, and inline code inside a sentence stays in the sentence."""
    (tmp_path / "auth.html").write_text(
        '<html><body><p>To create the file, type:</p><div class="example"><p><code>\n'
        "      htpasswd -c /usr/local/apache/passwd/passwords rbowen<br>\n"
        "      New password: mypassword\n    </code></p></div>"
        "<p>Put the file in one of:</p><ul><li><p><code>/etc/apache2</code></p></li>"
        "<li><p><code>/srv/www</code></p></li></ul>"
        "<p>Run <code>htpasswd</code> again to add a user.</p></body></html>")
    assert parse_file(tmp_path / "auth.html", "html").text.split("\n\n") == [
        "To create the file, type:",
        "```\nhtpasswd -c /usr/local/apache/passwd/passwords rbowen\nNew password: mypassword\n```",
        "Put the file in one of:", "- /etc/apache2\n- /srv/www", "Run htpasswd again to add a user."]


def test_a_table_of_row_headers_reads_down_as_terms(tmp_path: Path) -> None:
    """Apache httpd's directive boxes are tables whose every row is a header cell and a data cell. Read across,
    the first row became every row's header ("Description:: Default: | Enables generation of Expires headers:
    ExpiresActive Off"), and a line break in a cell's source joined two words ("configuredby")."""
    (tmp_path / "mod.html").write_text(
        '<html><body><h2>ExpiresActive Directive</h2><table class="directive">'
        '<tr><th><a href="d.html#Description">Description:</a></th><td>Enables generation of <code>Expires</code>\n'
        "headers, configured\nby type</td></tr>"
        '<tr><th><a href="d.html#Default">Default:</a></th><td><code>ExpiresActive Off</code></td></tr>'
        "</table><p>Data tables are read as before:</p>"
        "<table><tr><th>Type</th><th>Size</th></tr><tr><td>bigint</td><td>8\nbytes</td></tr>"
        "<tr><td>int</td><td>4 bytes</td></tr></table></body></html>")
    assert parse_file(tmp_path / "mod.html", "html").text.split("\n\n") == [
        "ExpiresActive Directive", "Description: Enables generation of Expires headers, configured by type",
        "Default: ExpiresActive Off", "Data tables are read as before:",
        "Type | Size\nType: bigint | Size: 8 bytes\nType: int | Size: 4 bytes"]


def test_a_faq_laid_out_in_tables_reads_as_questions_and_answers(tmp_path: Path) -> None:
    """A DocBook FAQ lays its questions and answers out in a table and opens with a list of links to them: both
    were read as data (rows flattened into "1. Building: 1.1." lines, answers lost among them), and the list of
    questions was what search and the responder found. Each question is now the heading of its answer; a table
    of data (one paragraph per cell, as docutils writes them) is still a table."""
    (tmp_path / "faq.html").write_text(DOCBOOK_FAQ)
    doc = parse_file(tmp_path / "faq.html", "html")
    assert doc.text.split("\n\n") == [
        "1. Building", "1.1. Linking fails with this: cannot find -lc", "Install the static C library.",
        "Then build again.", "1.2. Where does the name come from?", "From a myth.", "It is not short for anything.",
        "Option | Default\nOption: jobs | Default: 2"]
    assert doc.text.count("Where does the name come from?") == 1  # the list of links is gone
    myth = next(e for e in doc.elements if doc.text[e.start:e.end] == "From a myth.")
    assert myth.heading_path[-1] == "1.2. Where does the name come from?"
