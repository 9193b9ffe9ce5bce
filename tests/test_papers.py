"""Text PDFs of papers: a compact font's own encoding, two columns read in order, a word hyphenated across a
column break. Each PDF is laid out as papers are (testing/pdfs.py) and read by the real parser."""

from __future__ import annotations

from pathlib import Path

from ingest.minimal_pdf import pdf_bytes
from ingest.parse import cut_heading, heading_like, parse_file
from ingest.pdf_columns import Box, column_order
from ingest.pdf_encoding import cff_encoding
from testing.pdfs import Placed, bold, cff_program, placed_pdf

LETTERS = {c: ord(c) for c in "abcdefghijklmnopqrstuvwxyz"}


def test_a_compact_font_without_an_encoding_is_read_through_its_own(tmp_path: Path) -> None:
    """ps2pdf embeds a TeX paper's fonts as CFF programs and names no /Encoding: the ligatures sit at codes the
    standard encoding leaves empty. Bigtable's paper read "a exible ... congurations" (the "fl" and "fi"
    glyphs unmapped, then dropped)."""
    codes = {32: "space", ord("T"): "T", ord("."): "period", **{v: k for k, v in LETTERS.items()}, 1: "fi",
             2: "fl"}
    program = cff_program(codes)
    assert cff_encoding(program) == codes
    f = tmp_path / "paper.pdf"
    f.write_bytes(placed_pdf([[(72, 700, b"The con\x01guration is \x02exible.")]], cff=program))
    assert parse_file(f, "pdf").text == "The configuration is flexible."  # before: "The conguration is exible."
    assert cff_encoding(b"\x01\x00\x04") == {}  # a program cut short keeps the standard encoding


def _para(x: float, y: float, lines: list[str]) -> list[Placed]:
    return [(x, y - 12 * i, line.encode()) for i, line in enumerate(lines)]


def test_a_two_column_page_is_read_down_one_column_then_the_other(tmp_path: Path) -> None:
    """Paragraph gaps at one height in both columns, and a footer across the page, made the parser's XY-cut
    read across the columns: the abstract, then the top of the right column, then the introduction whose last
    sentence the right column finishes. A word hyphenated at the column's end is mended too."""
    left, right = 72, 320
    page = [(150, 750, b"Stores of Structured Data at Scale"),
            *_para(left, 700, ["Abstract A store keeps structured data for", "many projects across thousands of",
                               "servers and petabytes of data."]),
            *_para(left, 600, ["1 Introduction"]),
            *_para(left, 570, ["We built a store for structured data over", "two years. Parallel databases and main",
                               "memory databases have achieved scal-"]),
            *_para(right, 700, ["ability and high performance, but the store", "gives a different interface than",
                                "such systems do."]),
            *_para(right, 590, ["Section 2 describes the data model and", "Section 3 the client interface of the",
                                "store in more detail."]),
            (72, 80, b"Published in the proceedings of a conference on storage systems, held in a city in 2006.")]
    f = tmp_path / "paper.pdf"
    f.write_bytes(placed_pdf([page]))
    text = parse_file(f, "pdf").text
    # before: "…petabytes of data.\n\nability and high performance, …\n\n1 Introduction\n\n…have achieved scal-"
    assert text.index("1 Introduction") < text.index("main memory databases have achieved scalability and high "
                                                     "performance, but the store") < text.index("Section 2")
    assert text.endswith("held in a city in 2006.")


def test_only_a_page_of_two_filled_columns_is_reordered() -> None:
    width = 612.0

    def box(x0: float, top: float, x1: float, chars: int = 200) -> Box:
        return Box(x0, top, x1, chars, width)

    title, a, b, c, d = box(150, 40, 460), box(72, 100, 290), box(320, 100, 540), box(72, 300, 290), box(320, 300, 540)
    figure, e, f = box(72, 400, 540), box(72, 500, 290), box(320, 500, 540)
    boxes = [title, a, b, c, d, figure, e, f]
    # Read down each column of the band above the wide figure, then of the band under it.
    assert column_order([1] * 8, boxes) == [0, 1, 3, 2, 4, 5, 6, 7]
    # One column with a page number off to the right: as the parser gave it.
    single = [box(72, 100, 540), box(72, 300, 290), box(500, 760, 520, 2), box(72, 400, 540)]
    assert column_order([1] * 4, single) == [0, 1, 2, 3]
    # A page with a box of unknown place keeps its order; other pages are still read by column.
    assert column_order([1, 1, 1, 1, 2, 2, 2, 2], [a, b, None, d, a, b, c, d]) == [0, 1, 2, 3, 4, 6, 5, 7]


def test_a_paper_with_a_dense_plot_keeps_its_text_layer(tmp_path: Path) -> None:
    """unstructured takes a page of over 10,000 graphics operators for a CAD drawing and skips the whole file's
    text: the Live Migration paper (NSDI 2005) came out of the fallback reader a line per paragraph."""
    f = tmp_path / "paper.pdf"
    lines = _para(72, 700, ["By carrying out most of the migration while the", "machine runs, downtimes are short."])
    f.write_bytes(placed_pdf([lines], strokes=12_000))
    doc = parse_file(f, "pdf")
    # before: "…while the\n\nmachine runs, …", with no place on the page
    assert "while the machine runs, downtimes are short." in doc.text


def test_a_pdf_read_by_the_fallback_keeps_its_paragraphs(tmp_path: Path) -> None:
    """pypdf, which reads the text PDFs pdfminer cannot open (here one encrypted with no permissions), writes a
    page a line per line; each line was a paragraph of its own, so no sentence that ran over a line end was whole."""
    import io

    from pypdf import PdfReader, PdfWriter
    from pypdf.constants import UserAccessPermissions

    lines = ["Christopher Clark, Keir Fraser, Steven Hand and Jacob Gorm Hansen, of the",
             "University of Cambridge Computer Laboratory and University of Copenhagen",
             "Abstract",
             "Migrating operating system instances across distinct physical hosts is",
             "a useful tool for administrators of data centers and clusters: it allows",
             "a clean separation between hardware and software, and it facilitates",
             "fault management, load balancing and low-level system maintenance.",
             "By carrying out the majority of migration while the systems continue to",
             "run, we record service downtimes as low as sixty milliseconds.",
             "",
             "1 Introduction"]
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes([lines]))))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128",
                   permissions_flag=UserAccessPermissions(0))
    out = io.BytesIO()
    writer.write(out)
    f = tmp_path / "locked.pdf"
    f.write_bytes(out.getvalue())
    text = parse_file(f, "pdf").text
    # before: "…distinct physical hosts is\n\na useful tool…"
    assert "physical hosts is a useful tool for administrators" in text
    assert "University of Copenhagen\n\nAbstract\n\nMigrating operating system" in text
    assert "while the systems continue to run, we record service downtimes as low as sixty milliseconds." in text
    assert text.endswith("milliseconds.\n\n1 Introduction")


def _sections(f: Path) -> list[tuple[str, tuple[str, ...]]]:
    doc = parse_file(f, "pdf")
    return [(doc.text[e.start:e.end], e.heading_path) for e in doc.elements]


def test_a_bold_heading_boxed_with_its_paragraph_heads_its_section(tmp_path: Path) -> None:
    """Word sets a paper's headings in the body's size, bold, right above the paragraph: pdfminer boxes them
    together, so Dynamo's "4.3 Replication To achieve high availability ..." was one paragraph, and every section
    of the paper stayed under the last line the parser had called a heading ("Advantage", a table's column)."""
    page = [*_para(72, 700, ["4.2 Partitioning Algorithm"]),
            *_para(72, 670, ["Dynamo partitions its keys with consistent hashing over a ring of its",
                             "storage nodes, each of which takes the range of keys before it."]),
            (72, 620, bold(b"4.3 Replication")),
            *_para(72, 608, ["To achieve high availability and durability, Dynamo replicates its data",
                             "on multiple hosts, each key at the N nodes after its coordinator."])]
    f = tmp_path / "paper.pdf"
    f.write_bytes(placed_pdf([page]))
    sections = _sections(f)
    # before: ("4.3 Replication To achieve high availability …", ("4.2 Partitioning Algorithm",))
    assert ("4.3 Replication", ("4.3 Replication",)) in sections
    assert sections[-1] == ("To achieve high availability and durability, Dynamo replicates its data on multiple "
                            "hosts, each key at the N nodes after its coordinator.", ("4.3 Replication",))


def test_words_a_justified_line_lost_and_a_figures_letters_are_no_headings(tmp_path: Path) -> None:
    """pdfminer boxes a word or two of a justified line alone ("from", "the perspective of") and a figure's
    letters and sideways axis labels ("A", "d n o c e s"); the parser called each a heading, and the text after
    it was read under "the perspective of"."""
    for line in ("from", "the perspective of", "important advantage of", "into one", "A", "d n o c e s",
                 "t u p n I", "Latency-"):
        assert not heading_like(line), line
    for line in ("Worker Failure", "References", "path.basename(path[, suffix])", "curl_easy_setopt", "We",
                 "7.41 Why does summary() report strange results for"):
        assert heading_like(line), line
    page = [*_para(72, 700, ["3 Background"]),
            *_para(72, 660, ["Amazon engineers measure latency at the 99.9th percentile of the distribution,",
                             "as the customers see it."]),
            (72, 630, b"the perspective of"),
            *_para(72, 600, ["Storage systems often play an important role in a service's agreement on",
                             "its latency, since the rest of the service is light."])]
    f = tmp_path / "paper.pdf"
    f.write_bytes(placed_pdf([page]))
    assert _sections(f)[-1][1] == ("3 Background",)  # before: ("the perspective of",)


def test_a_numbered_heading_set_on_two_lines_is_one() -> None:
    """The R FAQ's "7.41 Why does summary() report strange results for" / "the R^2 estimate when I fit a linear
    model with no intercept?": the second line replaced the first as the section's name."""
    assert cut_heading("7.41 Why does summary() report strange results for", "the R^2 estimate when I fit ...?")
    assert cut_heading("5.4 Large Scale Replication of Criti-", "cal Data")
    assert cut_heading("7.32 How can I capture or ignore errors in a long", "simulation?")
    assert not cut_heading("4.1 ASN.1 schema functions", "asn1 parser2tree")  # a subheading of its own
    assert not cut_heading("Worker Failure", "the master pings every worker")
