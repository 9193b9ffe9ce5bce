"""How a PDF's text is set: each text box's type size and face, read from the parser's own pdfminer pass.

unstructured's fast PDF strategy tells headings from paragraphs by their words alone. On a printed API page, "Class
property: Buffer.poolSize", set in bold at 11.7 pt over 9 pt text, came out as a paragraph, so the section above
it claimed its text, while lines of a code listing ("buf.fill(0);") came out as headings. The layout pdfminer
builds knows every character's font and size; the elements unstructured returns do not. So the pages pdfminer
lays out for unstructured are read here as they pass (reading a page costs about as much as the whole partition,
and a second pass would double a PDF's parse time), and each element is found again by where its box begins.
The lines of a box set in a fixed-width face are kept as set, since the parser joins them with spaces: a printed
listing is a code block again (`listing_text`).
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from statistics import median
from typing import Any

from ingest.pdf_columns import Box, two_columns
from ingest.pdf_tables import Piece, PrintedTable, find_tables
from ingest.pdf_text import letters

# A box set this much larger than the body text is a heading, whatever the parser made of it, and so is a line
# set all in bold at the body size (a browser prints an h4 so, and papers their subsections). Headings in the
# documents seen run 1.25 (a printed page's h4) to 2 (a title) times the body size.
HEADING_SCALE = 1.15
# Smaller than this share of the body size and not bold: a caption, a footnote, a listing's line, not a heading.
SMALL_SCALE = 0.95

_LISTING_SHARE = 0.9  # of a line's characters in a fixed-width face, for the line to be code
_SAME_LINE = 2.0  # points between the tops of two pieces of one printed line

# TeX's typewriter faces are named by "tt" and their design size: CMTT10, and its slanted and italic kin CMSLTT10
# and CMITT10 that texinfo sets examples in (the R FAQ's "$ R CMD REMOVE pkg"), EC's SFTT1000, Latin Modern's LMTT10;
# or by "tt" alone: txfonts' t1xtt and bold t1xbtt, in which Sphinx's LaTeX sets its listings.
_MONO = re.compile(r"(?i)mono|courier|consol|menlo|typewriter|code|tt\d|xb?tt\b|inconsolata|nimbusmon")
_BOLD = re.compile(r"(?i)bold|black|heavy|semibold|demi|-bd\b|cmbx")


def fixed_width(fontname: str) -> bool:
    """Is a face, by its name, one whose characters are all one width: code's?"""
    return bool(_MONO.search(fontname))


@dataclass(frozen=True)
class BoxFont:
    size: float  # the size most of its characters are set in
    bold: bool  # most of its characters are in a bold face
    mono: bool  # most of its characters are in a fixed-width face: code
    lines: int
    # A fixed-width box's lines as set: where each begins on the page (left, top) and its text. The parser joins a
    # box's lines with spaces, which leaves a listing one line long.
    listing: tuple[tuple[float, float, str], ...] = ()
    char_width: float = 0.0  # a fixed-width face's advance, to read indentation from where a line begins
    # The lines of the box that a small shape just left of them leads: list items whose bullets were drawn, not set
    # as characters (a browser prints a disc), so the parser saw no marker and made them a paragraph, several
    # items one when they are set close. Lines above the first such line end the item before the box.
    items: tuple[str, ...] = ()
    bullet_left: float = 0.0  # where the first of its bullets stands: a nested list's stand further right
    # Its last line runs to the right edge of the page's text, as a line of prose does that goes on: a paragraph
    # may go on in the next box on the page, which pdfminer starts where the line spacing changes (a line with
    # inline code, set taller).
    fills: bool = False
    # Its first line when that line alone is bold: a heading set in the body's size on the line above its paragraph
    # ("4.3  Replication"), which pdfminer boxes with the paragraph, so the parser read "4.3 Replication To achieve
    # high availability ..." as one paragraph, and the section kept the heading before it.
    lead: str = ""


@dataclass
class Typesetting:
    """The text boxes of one PDF by (page, left, top) as the parser's elements give them, and its body size."""

    boxes: dict[tuple[int, float, float], BoxFont] = field(default_factory=dict)
    prose_sizes: Counter[float] = field(default_factory=Counter)
    tables: dict[int, list[PrintedTable]] = field(default_factory=dict)

    @property
    def body(self) -> float | None:
        """The size most characters of its prose are set in."""
        return self.prose_sizes.most_common(1)[0][0] if self.prose_sizes else None

    def at(self, page: int | None, points: Any) -> BoxFont | None:
        """The font of the box an element with these coordinates came from."""
        if page is None or not points:
            return None
        x, y = points[0]
        return self.boxes.get((page, round(float(x), 1), round(float(y), 1)))

    def table_at(self, page: int | None, top: float | None) -> PrintedTable | None:
        """The printed table a box that begins at this height of its page stands in."""
        if page is None or top is None:
            return None
        return next((t for t in self.tables.get(page, ()) if t.top - _SAME_LINE <= top <= t.bottom), None)

    def add_page(self, page: int, layout: Any) -> None:
        from pdfminer.layout import LTChar, LTCurve, LTTextBox

        marks = [shape.bbox for shape in layout if isinstance(shape, LTCurve) and bullet_mark(shape.bbox)]
        texts = [box for box in layout if isinstance(box, LTTextBox)]
        left, right = min((b.bbox[0] for b in texts), default=0.0), max((b.bbox[2] for b in texts), default=0.0)
        placed = [Box(float(b.bbox[0]), float(layout.height - b.bbox[3]), float(b.bbox[2]), len(b.get_text()),
                      float(layout.width)) for b in texts]
        if not two_columns(placed):
            self.tables[page] = find_tables(printed_pieces(layout), float(left), float(right))
        for box in layout:
            if not isinstance(box, LTTextBox):
                continue
            chars = [c for line in box for c in line if isinstance(c, LTChar) and not c.get_text().isspace()]
            if not chars:
                continue
            sizes = Counter(round(float(c.size), 1) for c in chars)
            mono = 2 * sum(fixed_width(c.fontname) for c in chars) > len(chars)
            items, bullet_left = _bullets(box, marks)
            font = BoxFont(size=sizes.most_common(1)[0][0],
                           bold=2 * sum(bool(_BOLD.search(c.fontname)) for c in chars) > len(chars),
                           mono=mono, lines=len(box), listing=_listing(box, layout.height) if mono else (),
                           char_width=float(median(c.width for c in chars)) if mono else 0.0,
                           items=items, bullet_left=bullet_left,
                           fills=list(box)[-1].bbox[2] >= right - _FILL_SLACK * (right - left),
                           lead=_bold_lead(box))
            # The parser's coordinates grow downwards from the page's top left; pdfminer's upwards.
            self.boxes[(page, round(float(box.bbox[0]), 1), round(float(layout.height - box.bbox[3]), 1))] = font
            if not mono:
                self.prose_sizes.update(sizes)


# Two cells of a printed row stand apart by a gap with no space between them. Where a page sets its spaces as
# characters (a browser's print), any gap wider than this share of the type size is one; where spaces are only gaps
# (TeX), and justified lines stretch them, only one this wide.
_CELL_GAP_SET = 0.2
_CELL_GAP_BARE = 1.0


def printed_pieces(layout: Any) -> list[Piece]:
    """A page's lines of horizontal text, each cut where a gap parts two cells, in the parser's coordinates."""
    from pdfminer.layout import LTChar, LTTextBoxHorizontal

    lines = [(list(line), box) for box in layout if isinstance(box, LTTextBoxHorizontal) for line in box]
    spaced = any(isinstance(c, LTChar) and c.get_text() == " " for line, _ in lines for c in line)
    share = _CELL_GAP_SET if spaced else _CELL_GAP_BARE
    pieces: list[Piece] = []
    for line, box in lines:
        reach = (float(layout.height - box.bbox[3]), float(layout.height - box.bbox[1]))
        # pdfminer's own spaces (LTAnno, no place of their own) stand where it saw a gap between words.
        run: list[Any] = []
        last: Any = None
        for c in line:
            if not isinstance(c, LTChar):
                run.append(c)
                continue
            if (last is not None and last.get_text() != " " and c.get_text() != " "
                    and c.x0 - last.x1 > share * c.size):
                pieces.append(_piece(run, layout.height, reach))
                run = []
            run.append(c)
            last = c
        pieces.append(_piece(run, layout.height, reach))
    return [p for p in pieces if p.text]


def _piece(run: list[Any], height: float, reach: tuple[float, float]) -> Piece:
    from pdfminer.layout import LTChar

    words = [c for c in run if isinstance(c, LTChar) and not c.get_text().isspace()]
    text = "".join(c.get_text() for c in run).strip()
    if not words:
        return Piece(0.0, 0.0, 0.0, 0.0, "")
    return Piece(left=float(words[0].x0), right=float(words[-1].x1), top=float(height - max(c.y1 for c in words)),
                 bottom=float(height - min(c.y0 for c in words)), text=" ".join(text.split()),
                 bold=2 * sum(bool(_BOLD.search(c.fontname)) for c in words) > len(words),
                 mono=2 * sum(fixed_width(c.fontname) for c in words) > len(words), box_top=reach[0],
                 box_bottom=reach[1])


def _bold_lead(box: Any) -> str:
    """The first line of a box of two lines or more when it is all bold and the rest is not, else ""."""
    from pdfminer.layout import LTChar

    lines = list(box)
    if len(lines) < 2:
        return ""
    bold = [[bool(_BOLD.search(c.fontname)) for c in line if isinstance(c, LTChar) and not c.get_text().isspace()]
            for line in lines]
    rest = [b for line in bold[1:] for b in line]
    if not bold[0] or not all(bold[0]) or not rest or 2 * sum(rest) > len(rest):
        return ""
    return " ".join(str(lines[0].get_text()).split())


# How far short of the right edge of a page's text a line may end and still fill its line (a share of the text's
# width): a filled line of prose ends where a word no longer fits.
_FILL_SLACK = 0.12

# A bullet drawn as a shape: a disc, circle or square of a few points (a browser prints a 3-point disc).
_MARK_SIZE = (1.5, 7.0)
# How far left of a list item's text its bullet may stand.
_MARK_GAP = 16.0


def bullet_mark(bbox: tuple[float, float, float, float]) -> bool:
    """Is a shape with this box (x0, y0, x1, y1) sized and shaped like a list bullet?"""
    w, h = bbox[2] - bbox[0], bbox[3] - bbox[1]
    lo, hi = _MARK_SIZE
    return lo <= w <= hi and lo <= h <= hi and 0.6 <= w / h <= 1.6


def marks_line(mark: tuple[float, float, float, float], line: tuple[float, float, float, float]) -> bool:
    """Does this bullet mark stand just left of a line of text, level with it?"""
    middle = (mark[1] + mark[3]) / 2
    return line[1] <= middle <= line[3] and 0 < line[0] - mark[2] <= _MARK_GAP


def _bullets(box: Any, marks: list[tuple[float, float, float, float]]) -> tuple[tuple[str, ...], float]:
    """The box's lines that a bullet mark leads, and where the first of those marks stands."""
    led = [(line, mark) for line in box if (mark := next((m for m in marks if marks_line(m, line.bbox)), None))]
    return tuple(line.get_text().strip() for line, _ in led), min((mark[0] for _, mark in led), default=0.0)


def nesting(levels: list[float], left: float) -> int:
    """The depth of a list item whose bullet stands at `left`, given where the bullets of the open levels stand
    (`levels`, outermost first; updated): a bullet further right opens a level, one further left closes those
    right of it."""
    while levels and left < levels[-1] - _LEVEL_SLACK:
        levels.pop()
    if not levels or left > levels[-1] + _LEVEL_SLACK:
        levels.append(left)
    return len(levels) - 1


_LEVEL_SLACK = 2.0  # points: bullets of one level stand alike


def item_lines(text: str, items: Sequence[str]) -> tuple[str, str]:
    """A box's text as list items, one "- " line each, cut where each item's first line begins (`items`): the
    text before the first item (the end of an item begun in the box before), and the items. An item whose line
    is not found again (the parser's text is repaired: ligatures, hyphens) stays with the one before it."""
    cuts: list[int] = []
    for line in items:
        at = text.find(line[:_ITEM_PREFIX], cuts[-1] + 1 if cuts else 0)
        if at >= 0:
            cuts.append(at)
    cuts = cuts or [0]
    lines = ("- " + text[a:b].strip() for a, b in zip(cuts, [*cuts[1:], len(text)], strict=True))
    return text[: cuts[0]].strip(), "\n".join(lines)


_ITEM_PREFIX = 24  # characters of an item's first line to find it by


def _listing(box: Any, height: float) -> tuple[tuple[float, float, str], ...]:
    from pdfminer.layout import LTChar

    out = []
    for line in box:
        chars = [c for c in line if isinstance(c, LTChar) and not c.get_text().isspace()]
        if not chars:
            continue
        # A line of prose naming identifiers in a fixed-width face ("Returns: ASN1_SUCCESS if successful, …") is
        # mostly fixed-width too, and no listing: a box is one only if every line is all but entirely so.
        if sum(fixed_width(c.fontname) for c in chars) < _LISTING_SHARE * len(chars):
            return ()
        out.append((float(chars[0].bbox[0]), round(height - float(line.bbox[3]), 1), line.get_text().strip()))
    return tuple(out)


def listing_text(boxes: Sequence[BoxFont]) -> str:
    """The lines of consecutive fixed-width boxes of a page as one listing, in the order they are set (top to
    bottom; pieces of one line side by side, as the parser may box them apart) and each line indented by where
    it begins: a printed code block keeps its line breaks and its nesting, as the source wrote it."""
    # A glyph its font maps to no character reads "(cid:104)": texinfo's angle brackets round a tuple, and a
    # figure's labels in such a font are "(cid:31)(cid:30)…" line after line (TAO's graphs), no code and no text.
    read = ((x, top, text) for box in boxes for x, top, piece in box.listing if (text := letters(piece).strip()))
    pieces = sorted(read, key=lambda p: (p[1], p[0]))
    if not pieces:
        return ""
    width = max(b.char_width for b in boxes) or 1.0
    left = min(x for x, _, _ in pieces)
    lines: list[tuple[float, float, str]] = []  # each line's top, its end and text
    for x, top, text in pieces:
        if lines and abs(top - lines[-1][0]) < _SAME_LINE:
            _, end, before = lines[-1]
            lines[-1] = (top, x + width * len(text), before + " " * max(1, round((x - end) / width)) + text)
        else:
            lines.append((top, x + width * len(text), " " * round((x - left) / width) + text))
    return "\n".join(text for _, _, text in lines)


def set_as_heading(font: BoxFont, body: float) -> bool:
    """Is a box set as headings are: well above the body size, on a line or two, not in a fixed-width face?"""
    return font.size >= HEADING_SCALE * body and font.lines <= 2 and not font.mono


def typeset_category(category: str, font: BoxFont, body: float) -> str:
    """The parser's category for a PDF element, corrected by how the element is set: a short box set well above
    the body size (or all bold on one line) is a heading, and a "heading" in a fixed-width face or in small regular
    type is not. The parser still asks whether the words can be a heading (`parse.heading_like`) of a line that is
    not `set_as_heading`: a bold line may be a sentence."""
    if category == "Title" and (font.mono or (font.size < SMALL_SCALE * body and not font.bold)):
        return "UncategorizedText"
    if category in ("NarrativeText", "UncategorizedText") and (set_as_heading(font, body) or (
            font.bold and not font.mono and font.size >= SMALL_SCALE * body and font.lines == 1)):
        return "Title"
    return category


_PAGES = "open_pdfminer_pages_generator"  # what unstructured's fast strategy reads pages with
_recording: ContextVar[Typesetting | None] = ContextVar("pdf_typesetting", default=None)


def printed_order(tops: Sequence[float], lefts: Sequence[float]) -> list[int]:
    """The order of a text box's lines as printed, given each line's top and left edge in pdfminer's order. pdfminer
    cuts a justified line at a wide word gap into two lines and sorts a box's lines by their tops, so a piece set a
    fraction of a point higher than the rest of its line came first: "… to meet the stor- It age requirements of
    today's interactive online services. is novel …" (Megastore's abstract), "(If it had failed at the primary, it
    would not cas. have been assigned …" (GFS). Pieces whose tops are within `_SAME_LINE` of each other are one
    printed line, read left to right; the printed lines keep pdfminer's order."""
    rows: list[list[int]] = []
    for i, top in enumerate(tops):
        row = next((r for r in rows if abs(tops[r[0]] - top) < _SAME_LINE), None)
        if row is None:
            rows.append([i])
        else:
            row.append(i)
    return [i for row in rows for i in sorted(row, key=lambda i: lefts[i])]


def mend_layout(layout: Any) -> None:
    """A pdfminer page layout mended where pdfminer misread a page's text, before the parser reads it: each line's
    pieces in print order, and each bulleted item in a box of its own."""
    _lines_in_printed_order(layout)
    _split_at_bullets(layout)


def _lines_in_printed_order(layout: Any) -> None:
    """A page's text boxes with each line's pieces in print order. A piece pdfminer boxed on its own inside another
    box's paragraph, on the baseline of one of its lines, is moved into that line: Dynamo's "… relentless focus on
    performance from the perspective of the customers' experience." came out as "… focus the customers' on
    performance experience." with "from" and "the perspective of" as paragraphs of their own."""
    from pdfminer.layout import LTTextBoxHorizontal

    # Only horizontal text: a rotated page's vertical boxes read their lines top to bottom, right to left.
    boxes = [box for box in layout if isinstance(box, LTTextBoxHorizontal)]
    for piece in [box for box in boxes if len(box) == 1]:
        top = float(piece.bbox[3])
        host = next((box for box in boxes if len(box) > 1 and _inside(piece.bbox, box.bbox)
                     and any(abs(float(line.bbox[3]) - top) < _SAME_LINE for line in box)), None)
        if host is not None:
            # pdfminer has no setters: a container iterates over its `_objs`, which the parser reads.
            host._objs.extend(piece)
            layout._objs.remove(piece)
            boxes.remove(piece)
    for box in boxes:
        if len(box) > 1:
            lines = list(box)
            order = printed_order([float(line.bbox[3]) for line in lines], [float(line.bbox[0]) for line in lines])
            if order != list(range(len(lines))):
                box._objs = [lines[i] for i in order]


# Glyphs that open a bulleted item when they open a line.
_BULLET_GLYPHS = ("•", "◦", "▪", "‣", "∙")


def _split_at_bullets(layout: Any) -> None:
    """A text box cut before each line that opens with a bullet glyph. pdfminer boxes an item with the paragraph
    that introduces it, and the parser joins a box's lines: "These arguments suggest two key design decisions: • We
    chose a lock service, …" (Chubby), "… follows the other path. • When in doubt, use brute force." (Lampson's
    hints). Boxed apart, each item is a list item of its own."""
    from pdfminer.layout import LTTextBoxHorizontal

    objs: list[Any] = []
    for box in layout:
        lines = list(box) if isinstance(box, LTTextBoxHorizontal) else []
        cuts = [i for i, line in enumerate(lines) if i and line.get_text().lstrip().startswith(_BULLET_GLYPHS)]
        cuts = sorted({*cuts, *_numbered_items(lines)})
        if not cuts:
            objs.append(box)
            continue
        for start, end in itertools.pairwise([0, *cuts, len(lines)]):
            part = LTTextBoxHorizontal()
            for line in lines[start:end]:
                part.add(line)
            objs.append(part)
    layout._objs = objs


_NUMBERED = re.compile(r"\s*(\d{1,3})[.)]\s")


def _numbered_items(lines: list[Any]) -> list[int]:
    """Where the items of a numbered list begin in a box, after its first line: at a line opening with "1." (or the
    box's first line's number) and at each line opening with the next number ("2. Set storage.type …"). A browser
    prints an ordered list's numbers as text, pdfminer boxes the items together, with the line leading into them
    when it is close, and the parser read the steps as one paragraph."""
    numbers = [int(m.group(1)) if (m := _NUMBERED.match(line.get_text())) else None for line in lines]
    start = next((i for i, n in enumerate(numbers) if n is not None and (i == 0 or n == 1)), None)
    if start is None:
        return []
    cuts, expected = [start] if start else [], (numbers[start] or 0) + 1
    for i in range(start + 1, len(lines)):
        if numbers[i] == expected:
            cuts.append(i)
            expected += 1
    return cuts


def _inside(inner: Sequence[float], outer: Sequence[float]) -> bool:
    return (inner[0] >= outer[0] - _SAME_LINE and inner[1] >= outer[1] - _SAME_LINE
            and inner[2] <= outer[2] + _SAME_LINE and inner[3] <= outer[3] + _SAME_LINE)


def _recorded(pages: Callable[..., Iterator[tuple[Any, Any]]]) -> Callable[..., Iterator[tuple[Any, Any]]]:
    def recording(*args: Any, **kwargs: Any) -> Iterator[tuple[Any, Any]]:
        for number, (page, layout) in enumerate(pages(*args, **kwargs), start=1):
            mend_layout(layout)
            if (into := _recording.get()) is not None:
                into.add_page(number, layout)
            yield page, layout

    recording.cairn_recording = True  # type: ignore[attr-defined]
    return recording


@contextmanager
def recorded_typesetting() -> Iterator[Typesetting]:
    """Record the typesetting of the PDF partitioned inside this block (unstructured's fast strategy). A release
    of unstructured that no longer reads pages through `open_pdfminer_pages_generator` leaves it empty: the
    parser then decides by the words alone, as before (tests/test_structure.py pins that it does not)."""
    import unstructured.partition.pdf as pdf

    pages = getattr(pdf, _PAGES, None)
    if pages is not None and not getattr(pages, "cairn_recording", False):
        setattr(pdf, _PAGES, _recorded(pages))
    typesetting = Typesetting()
    token = _recording.set(typesetting)
    try:
        yield typesetting
    finally:
        _recording.reset(token)
