"""The characters of a compact embedded font's glyphs when the PDF names no encoding for it.

A Type 1 font shown without an /Encoding entry is read through the encoding built into its font program (PDF
1.7, 9.6.6.1). pdfminer reads that encoding from a Type 1 program (/FontFile) but not from a compact one
(/FontFile3, Type1C), which ghostscript's ps2pdf writes: it falls back to the standard encoding, which leaves
empty the codes where a TeX paper's ligatures sit. Bigtable's paper (OSDI 2006) then read "a (cid:3)exible ...
con(cid:2)gurations", and the text repair, which drops unmapped glyphs, left "a exible", "congurations": words
that no search finds and no reader knows.

The encoding is read here from the font program (Adobe's Compact Font Format, TN 5176): its charset names each
glyph, its encoding gives each glyph's code. pdfminer's own CFF reader takes an encoding's codes for glyph
numbers and a charset range's first name for a glyph number, so it is not used.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from itertools import pairwise
from typing import Any

_CHARSET, _ENCODING, _CHARSTRINGS = 15, 16, 17
# An encoding or charset offset this small names a predefined one (standard, expert), not a table in the font.
_PREDEFINED = 1


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def card(self, size: int) -> int:
        value = int.from_bytes(self.data[self.at:self.at + size], "big")
        if self.at + size > len(self.data):
            raise ValueError("CFF data ends early")
        self.at += size
        return value

    def index(self) -> list[bytes]:
        count = self.card(2)
        if count == 0:
            return []
        size = self.card(1)
        offsets = [self.card(size) for _ in range(count + 1)]
        base = self.at - 1  # offsets count from the byte before the data
        self.at = base + offsets[-1]
        return [self.data[base + a:base + b] for a, b in pairwise(offsets)]


def _top_dict(data: bytes) -> dict[int, list[float]]:
    """A Top DICT's operators and their operands (escaped operators as 1200 + the second byte)."""
    out: dict[int, list[float]] = {}
    stack: list[float] = []
    i = 0
    while i < len(data):
        b0 = data[i]
        if b0 == 12:
            out[1200 + data[i + 1]] = stack
            stack, i = [], i + 2
        elif b0 <= 21:
            out[b0] = stack
            stack, i = [], i + 1
        elif b0 == 28:
            stack.append(struct.unpack(">h", data[i + 1:i + 3])[0])
            i += 3
        elif b0 == 29:
            stack.append(struct.unpack(">i", data[i + 1:i + 5])[0])
            i += 5
        elif b0 == 30:  # a real number, in nibbles, to the nibble 15; only integers are looked up here
            i += 1
            while data[i] & 0x0F != 0x0F and data[i] >> 4 != 0x0F:
                i += 1
            stack.append(0.0)
            i += 1
        elif b0 <= 246:
            stack.append(b0 - 139)
            i += 1
        elif b0 <= 250:
            stack.append((b0 - 247) * 256 + data[i + 1] + 108)
            i += 2
        elif b0 <= 254:
            stack.append(-(b0 - 251) * 256 - data[i + 1] - 108)
            i += 2
        else:
            raise ValueError(f"reserved byte {b0} in a CFF DICT")
    return out


def cff_encoding(data: bytes) -> dict[int, str]:
    """The built-in encoding of a CFF font program: code -> glyph name. Empty when the font uses a predefined
    encoding (which pdfminer applies itself) or cannot be read."""
    from pdfminer.pdffont import CFFFont

    standard = CFFFont.STANDARD_STRINGS
    try:
        r = _Reader(data)
        r.at = data[2]  # the header's size
        r.index()  # names
        tops = r.index()
        strings = r.index()
        top = _top_dict(tops[0])
        at = int(top.get(_ENCODING, [0])[0])
        if at <= _PREDEFINED:
            return {}
        r.at = int(top[_CHARSTRINGS][0])
        glyphs = len(r.index())

        def name(sid: int) -> str:
            return standard[sid] if sid < len(standard) else strings[sid - len(standard)].decode("latin-1")

        names = [".notdef"]
        charset = int(top.get(_CHARSET, [0])[0])
        if charset == 0:  # ISOAdobe: a glyph's number is its string id
            names += [name(g) for g in range(1, glyphs)]
        elif charset <= 2:  # the expert charsets, which only expert fonts (small capitals, figures) use
            return {}
        else:
            r.at = charset
            kind = r.card(1)
            while len(names) < glyphs:
                if kind == 0:
                    names.append(name(r.card(2)))
                    continue
                first, left = r.card(2), r.card(1 if kind == 1 else 2)
                names += [name(first + k) for k in range(left + 1)]
        r.at = at
        kind = r.card(1)
        codes: dict[int, str] = {}
        if kind & 0x7F == 0:
            for gid in range(1, r.card(1) + 1):
                codes[r.card(1)] = names[gid]
        else:
            gid = 1
            for _ in range(r.card(1)):
                first, left = r.card(1), r.card(1)
                for code in range(first, first + left + 1):
                    codes[code] = names[gid]
                    gid += 1
        if kind & 0x80:  # supplements: more codes for glyphs already encoded
            for _ in range(r.card(1)):
                code = r.card(1)
                codes[code] = name(r.card(2))
        return codes
    except (ValueError, IndexError, struct.error):
        return {}


def builtin_characters(descriptor: Mapping[str, Any]) -> dict[int, str]:
    """code -> character for a font whose program (a compact one, /FontFile3 of subtype Type1C) encodes its
    glyphs itself. Glyph names no list knows are left out: their codes stay unmapped, as before."""
    from pdfminer.encodingdb import name2unicode
    from pdfminer.pdfexceptions import PDFException
    from pdfminer.pdftypes import resolve1, stream_value
    from pdfminer.psparser import literal_name

    program = resolve1(descriptor.get("FontFile3"))
    if program is None:
        return {}
    stream = stream_value(program)
    if literal_name(stream.get("Subtype")) != "Type1C":
        return {}
    out = {}
    for code, glyph in cff_encoding(stream.get_data()).items():
        try:
            out[code] = name2unicode(glyph)
        except (KeyError, PDFException):
            continue
    return out


def read_builtin_encodings() -> None:
    """Make pdfminer read a compact Type 1 font's built-in encoding when the PDF names none. Idempotent; it
    holds for every PDF read in this process after, as the PDF standard wants."""
    import pdfminer.pdfinterp as interp
    from pdfminer.pdffont import PDFType1Font
    from pdfminer.pdftypes import dict_value

    # Not exported by pdfminer.pdfinterp, but the name its resource manager makes Type 1 fonts by.
    if getattr(getattr(interp, "PDFType1Font"), "cairn_builtin_encoding", False):  # noqa: B009
        return

    class BuiltinEncodedType1Font(PDFType1Font):
        cairn_builtin_encoding = True

        def __init__(self, rsrcmgr: Any, spec: Mapping[str, Any]) -> None:
            super().__init__(rsrcmgr, spec)
            if "Encoding" not in spec:
                found = builtin_characters(dict_value(spec.get("FontDescriptor", {})))
                if found:
                    self.cid2unicode = {**self.cid2unicode, **found}

    setattr(interp, "PDFType1Font", BuiltinEncodedType1Font)  # noqa: B010
