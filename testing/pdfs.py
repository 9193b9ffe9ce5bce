"""PDFs laid out the way papers are, for parser tests: text placed anywhere on the page, and a font program
embedded in the compact format (CFF) that carries its own encoding, as ghostscript writes them."""

from __future__ import annotations

import struct

from ingest.minimal_pdf import pdf_file

# A line of text: where it starts on the page (points from the left, from the bottom) and its bytes in the font's
# encoding. Text in `bold(...)` is set in Helvetica-Bold.
Placed = tuple[float, float, bytes]
_BOLD = b"\x00bold\x00"


def bold(text: bytes) -> bytes:
    return _BOLD + text


def _escaped(text: bytes) -> str:
    return "".join(chr(b) if 32 <= b < 127 and chr(b) not in "()\\" else f"\\{b:03o}" for b in text)


def _index(items: list[bytes]) -> bytes:
    if not items:
        return b"\x00\x00"
    offsets = [1]
    for item in items:
        offsets.append(offsets[-1] + len(item))
    return struct.pack(">HB", len(items), 4) + b"".join(struct.pack(">I", o) for o in offsets) + b"".join(items)


def _number(value: int) -> bytes:
    return b"\x1d" + struct.pack(">i", value)  # operand 29: a 32-bit integer, so every offset takes 5 bytes


def cff_program(codes: dict[int, str]) -> bytes:
    """A CFF font program whose built-in encoding gives each code its glyph (names of the CFF standard strings);
    its glyphs draw nothing, which text extraction never asks."""
    from pdfminer.pdffont import CFFFont

    names = list(codes.values())
    sids = [CFFFont.STANDARD_STRINGS.index(n) for n in names]
    header = b"\x01\x00\x04\x04"
    name_index = _index([b"CAIRN+Test"])
    empty = _index([])
    top_size = len(_index([b"\x00" * 18]))  # three offsets of 5 bytes and their operators
    base = len(header) + len(name_index) + top_size + 2 * len(empty)
    charset = b"\x00" + b"".join(struct.pack(">H", s) for s in sids)
    encoding = bytes([0, len(names), *codes])
    charstrings = _index([b"\x0e"] * (len(names) + 1))  # .notdef, then one per code; each only ends
    top = (_number(base) + b"\x0f" + _number(base + len(charset)) + b"\x10"
           + _number(base + len(charset) + len(encoding)) + b"\x11")
    return header + name_index + _index([top]) + empty + empty + charset + encoding + charstrings


def placed_pdf(pages: list[list[Placed]], cff: bytes | None = None, size: float = 10, strokes: int = 0) -> bytes:
    """A PDF whose lines stand where they are placed: in Helvetica, or in the given CFF program (a Type 1 font
    with no /Encoding, which the reader must take from the program). `strokes` short lines are drawn on each
    page too, as a plot of many points is."""
    objs: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    font_id = 3 + 2 * len(pages)
    bold_id = font_id + (1 if cff is None else 3)  # after the regular font (and its descriptor and program)
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(len(pages)))
    objs.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    for i, lines in enumerate(pages):
        objs.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * i} 0 R "
                    f"/Resources << /Font << /F1 {font_id} 0 R /F2 {bold_id} 0 R >> >> >>".encode())
        shown = [f"BT /{'F2' if text.startswith(_BOLD) else 'F1'} {size} Tf {x} {y} Td "
                 f"({_escaped(text.removeprefix(_BOLD))}) Tj ET" for x, y, text in lines]
        drawn = [f"{100 + k % 400} {100 + k % 97} m {101 + k % 400} {101 + k % 97} l S" for k in range(strokes)]
        ops = "\n".join(shown + drawn).encode()
        objs.append(b"<< /Length %d >>\nstream\n" % len(ops) + ops + b"\nendstream")
    if cff is None:
        objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    else:
        widths = " ".join(["500"] * 256)
        objs.append(f"<< /Type /Font /Subtype /Type1 /BaseFont /CAIRN+Test /FirstChar 0 /LastChar 255 "
                    f"/Widths [{widths}] /FontDescriptor {font_id + 1} 0 R >>".encode())
        objs.append(f"<< /Type /FontDescriptor /FontName /CAIRN+Test /Flags 4 /FontBBox [0 -200 1000 800] "
                    f"/ItalicAngle 0 /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 "
                    f"/FontFile3 {font_id + 2} 0 R >>".encode())
        objs.append(b"<< /Subtype /Type1C /Length %d >>\nstream\n" % len(cff) + cff + b"\nendstream")
    objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold >>")
    return pdf_file(objs)
