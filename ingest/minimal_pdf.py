"""Write a minimal valid text PDF.

The parser warms its PDF path on one (unstructured sorts PDF text with numba, which compiles on first
use), and tests build their PDFs with it instead of checking binaries in.
"""

from __future__ import annotations


def _escaped(line: str) -> str:
    """A line as a PDF string literal's content."""
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _shown(line: str, word_gap: int | None) -> str:
    """The operator that shows a line: as written, or (`word_gap`) each word set apart by that many thousandths
    of an em and no space character, as TeX sets a justified line."""
    if word_gap is None:
        return f"({_escaped(line)}) Tj"
    return "[" + f"-{word_gap}".join(f"({_escaped(w)})" for w in line.split()) + "] TJ"


def pdf_bytes(pages: list[list[str]], top: list[str] | None = None, bottom: list[str] | None = None,
              title: str | None = None, word_gap: int | None = None) -> bytes:
    """A minimal valid PDF: one text line per entry, Helvetica, real xref offsets. `top` and `bottom` put one
    line per page in the page's top or bottom margin, where running headers and footers are; `title` goes into
    the document information dictionary; `word_gap` sets the words of the page lines apart without spaces."""
    objs: list[bytes] = []
    n_pages = len(pages)
    font_id = 3 + 2 * n_pages
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(n_pages))
    objs.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objs.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    for i, lines in enumerate(pages):
        content_id = 4 + 2 * i
        objs.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {content_id} 0 R "
            f"/Resources << /Font << /F1 {font_id} 0 R >> >> >>".encode()
        )
        ops = ["BT", "/F1 12 Tf", "72 720 Td", "16 TL"]
        for line in lines:
            ops.append(f"{_shown(line, word_gap)} T*")
        ops.append("ET")
        for margin, y in ((top, 770), (bottom, 24)):
            if margin and i < len(margin) and margin[i]:
                ops += ["BT", "/F1 10 Tf", f"72 {y} Td", f"({_escaped(margin[i])}) Tj", "ET"]
        stream = "\n".join(ops).encode()
        objs.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    if title is not None:
        objs.append(f"<< /Title ({_escaped(title)}) >>".encode())
    return pdf_file(objs, info=len(objs) if title is not None else None)


def pdf_file(objs: list[bytes], info: int | None = None) -> bytes:
    """The PDF holding these objects (numbered from 1, the first the catalog) with real xref offsets; `info`:
    the number of the document information dictionary."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    named = f" /Info {info} 0 R" if info is not None else ""
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R{named} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
