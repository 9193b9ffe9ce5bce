"""A printed table read back as rows and columns from where its words stand.

A PDF keeps no tables, only words at places. pdfminer boxes a printed table's cells by nearness: a row's cells
joined into one line ("scheduler.cap Set a maximum retry time in seconds. … 2000"), a column's cells stacked into
one box ("1 2 3 4", then "(3, 6) (3, 12) …"), so the parser read a table as runs of cell text in which no row
could be found, and answers quoted a column's worth of numbers. Here the page's lines are cut where a gap parts
two cells, the pieces grouped into printed rows by height and into columns by the gutters no piece crosses, and
a run of rows that splits into the same columns, at least one of them narrow (keys, values, numbers), and that no
paragraph runs on beside, is a table. A page set in two columns is left alone: its columns' lines stand side by
side like a table's, and a paper's figures hold labels set in rows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.formats import names_term

# A printed row's pieces overlap in height; lines of one cell or paragraph touch. Each piece's height is trimmed by
# this share at both ends before they are compared, so touching lines are two rows.
_TRIM = 0.1
# A row of cells goes on after the row above it across at most this many line heights (a table's padding), a line
# of one cell (a wrapped cell's next line) across at most this share of one.
_ROW_GAP = 2.0
_WRAP_GAP = 0.6
# How much wider than the narrowest gap between a table's lines a gap may be and still part a cell's wrapped lines (a
# share of a line's height): a browser pads each row by a few points more than that.
_CLOSE = 0.15
# A column no piece of which is wider than this share of the page's text: a table has one (keys, values,
# numbers); a page's lines set side by side in two wide columns are no table.
NARROW = 0.35
# A contents entry's or an index entry's dots leading to its page.
_LEADERS = re.compile(r"\.{4,}|(?:\. ){3,}")
# How a comment opens, set beside its line of code.
_COMMENTS = ("#", "//", "/*", "--", ";")
# A list's marker stands apart from its item's text like a cell from the next one.
_MARKER = re.compile(r"(?:[•◦▪‣∙\-–*]|\(?(?:\d{1,3}|[a-z]|[ivx]{1,4})[.)])\Z")


@dataclass(frozen=True)
class Piece:
    """A run of words on one printed line with no cell gap inside, in the parser's page coordinates (from the top
    of the page down)."""

    left: float
    right: float
    top: float
    bottom: float
    text: str
    bold: bool = False
    mono: bool = False
    # How far the box pdfminer set it in reaches up and down the page: a line of a paragraph that runs on above or
    # below a run of rows is that paragraph's, beside them (a page in two columns), not a cell.
    box_top: float = 0.0
    box_bottom: float = 0.0


@dataclass(frozen=True)
class PrintedTable:
    top: float
    bottom: float
    header: tuple[str, ...]  # all "" when no row is set apart as one
    rows: tuple[tuple[str, ...], ...]


def find_tables(pieces: Sequence[Piece], text_left: float, text_right: float) -> list[PrintedTable]:
    """The tables among a page's pieces, top to bottom."""
    bands = _bands(pieces)
    tables: list[PrintedTable] = []
    i = 0
    while i < len(bands):
        end = _run_end(bands, i)
        table = _table(bands[i:end], text_right - text_left) if end > i + 1 else None
        if table is not None:
            tables.append(table)
            i = end
        else:
            i += 1
    return tables


def _bands(pieces: Sequence[Piece]) -> list[list[Piece]]:
    """Pieces grouped into printed rows: those whose trimmed heights overlap, each row left to right."""
    bands: list[list[Piece]] = []
    bottom = float("-inf")
    for piece in sorted(pieces, key=lambda p: (p.top, p.left)):
        trim = _TRIM * (piece.bottom - piece.top)
        if bands and piece.top + trim < bottom:
            bands[-1].append(piece)
            bottom = max(bottom, piece.bottom - trim)
        else:
            bands.append([piece])
            bottom = piece.bottom - trim
    return [sorted(band, key=lambda p: p.left) for band in bands]


def _leaders(band: list[Piece]) -> bool:
    """Is this a line of contents or an index, its entry led by dots to its page?"""
    return any(_LEADERS.search(p.text) or not p.text.strip(". ") for p in band)


def _split(band: list[Piece]) -> bool:
    """Does a printed row stand in two or more cells side by side (not a list's marker beside its item's text)?"""
    if len(band) < 2 or all(p.mono for p in band) or _leaders(band):
        return False
    if len(band) == 2 and _MARKER.match(band[0].text.strip()):
        return False
    if band[0].mono and all(p.text.startswith(_COMMENTS) for p in band[1:]):
        return False  # a line of code and its comment, set in another face
    return bool(_gutters(band))


def _height(band: list[Piece]) -> float:
    return min(p.bottom - p.top for p in band)


def _run_end(bands: list[list[Piece]], start: int) -> int:
    """Where a run of rows that may be a table ends: it opens with a split row and goes on through split rows
    that cross none of its gutters, and through lines that stand inside one of its columns."""
    if not _split(bands[start]):
        return start
    end = start + 1
    while end < len(bands):
        band, above = bands[end], bands[end - 1]
        gap = _gap(above, band)
        gutters = _columns(bands[start:end])
        if _leaders(band) or any(_crosses(p, gutters) for p in band):
            break
        limit = _ROW_GAP if _split(band) else _WRAP_GAP
        if gap > limit * _height(above):
            break
        end += 1
    return end


def _columns(bands: list[list[Piece]]) -> list[tuple[float, float]]:
    """The gutters between a run's columns: those of its rows after the first when the first row's cells each stand
    inside one of them, else those of all its rows. A browser centres a header's cells over their columns: "Feature"
    stood over the middle of a column of names, and the gap left of it, which the next long name crossed, ended the
    run at its first row, leaving a table led by its first row of cells (Pi-hole's command page printed, check AE)."""
    if len(bands) > 1 and (body := _gutters([p for b in bands[1:] for p in b])) and not any(
            _crosses(p, body) for p in bands[0]):
        return body
    return _gutters([p for b in bands for p in b])


def _gutters(pieces: list[Piece]) -> list[tuple[float, float]]:
    """The gaps between the columns that pieces fill: spans no piece covers, between the leftmost and rightmost."""
    spans = sorted((p.left, p.right) for p in pieces)
    gutters: list[tuple[float, float]] = []
    reach = spans[0][1]
    for left, right in spans[1:]:
        if left > reach:
            gutters.append((reach, left))
        reach = max(reach, right)
    return gutters


def _crosses(piece: Piece, gutters: list[tuple[float, float]]) -> bool:
    return any(piece.left < g_left and piece.right > g_right for g_left, g_right in gutters)


def _table(bands: list[list[Piece]], text_width: float) -> PrintedTable | None:
    pieces = [p for band in bands for p in band]
    if sum(_split(b) for b in bands) < 2 or all(p.mono for p in pieces):
        return None
    gutters = _columns(bands)
    bounds = [g_left for g_left, _ in gutters]
    columns = len(gutters) + 1
    widths = [0.0] * columns
    for p in pieces:
        col = _column(p, bounds)
        widths[col] = max(widths[col], p.right - p.left)
    if columns < 2 or min(widths) > NARROW * text_width:
        return None
    rows: list[list[list[str]]] = []
    bold: list[bool] = []
    groups = _rows(bands, bounds)
    for group in groups:
        row: list[list[str]] = [[] for _ in range(columns)]
        for p in sorted(group, key=lambda p: (p.top, p.left)):
            row[_column(p, bounds)].append(p.text)
        rows.append(row)
        bold.append(all(p.bold for p in group))
    cells = [tuple(" ".join(parts) for parts in row) for row in rows]
    if len(cells) < 3:
        return None  # a header and one row are two lines side by side as often as a table
    top, bottom = min(p.top for p in pieces), max(p.bottom for p in pieces)
    line = min(_height(b) for b in bands)
    if any(p.box_top < top - line or p.box_bottom > bottom + line for p in pieces):
        return None
    if (bold[0] and not all(bold[1:])) or _centred(bands[0], pieces, bounds) or (
            _named(cells) and not any(p.mono for p in groups[0])):
        return PrintedTable(top, bottom, cells[0], tuple(cells[1:]))
    return PrintedTable(top, bottom, ("",) * columns, tuple(cells))


# A column's name: a few words, nothing else.
_NAME = re.compile(r"[A-Za-z][A-Za-z -]{0,40}")


def _centred(first: list[Piece], pieces: list[Piece], bounds: list[float]) -> bool:
    """Is the first row set apart as a header by where its cells stand: each in a column of its own, none flush with
    the left edge of its column's other cells (a browser centres a header's cells, and a PDF printed by one may keep
    no bold face by name)?"""
    columns = [_column(p, bounds) for p in first]
    if len(set(columns)) < len(first) or len(first) < 2:
        return False
    rest = [p for p in pieces if p not in first]
    for piece, col in zip(first, columns, strict=True):
        lefts = [p.left for p in rest if _column(p, bounds) == col]
        # Only over a column whose cells are set flush left: over centred cells, a narrow first cell stands apart too.
        if not lefts or 2 * sum(x < min(lefts) + 1.0 for x in lefts) < len(lefts) or (
                piece.left < min(lefts) + 0.5 * (piece.bottom - piece.top)):
            return False
    return True


def _named(cells: list[tuple[str, ...]]) -> bool:
    """Is the first row, set like the rest (TeX's tables), the names of the columns: a few words in every cell,
    above rows of which some column holds other things (numbers, code, lists)? (Not when a cell is set as code: a
    headerless table of keys and commands, "Help Command | pihole --help", has no names above it.)"""
    return all(_NAME.fullmatch(c) and len(c.split()) <= 4 for c in cells[0]) and any(
        not all(_NAME.fullmatch(row[j]) for row in cells[1:]) for j in range(len(cells[0])))


def as_terms(table: PrintedTable) -> list[str]:
    """A headerless table of two columns whose first names terms, as the parser writes terms with their
    descriptions ("double.xmax: the largest normalized floating-point number."); [] for any other table."""
    if any(table.header) or len(table.header) != 2:
        return []
    if not all(names_term(term) for term, _ in table.rows):
        return []
    return [f"{term}: {what}" if what else term for term, what in table.rows]


def _rows(bands: list[list[Piece]], bounds: list[float]) -> list[list[Piece]]:
    """The table's rows: a row opens at a line with a piece in the first column. A line with none goes with the
    row above, or with the row that opens below it when that is nearer: a browser sets a short cell in the middle
    of a taller row, so a long cell's first line stands above its row's first cell."""
    wraps = _wrapped(bands, bounds)
    opens = [i == 0 or (i not in wraps and any(_column(p, bounds) == 0 for p in band)) for i, band in enumerate(bands)]
    forward = [False] * len(bands)
    for i in range(len(bands) - 2, 0, -1):
        if not opens[i] and (opens[i + 1] or forward[i + 1]):
            forward[i] = _gap(bands[i], bands[i + 1]) < _gap(bands[i - 1], bands[i])
    rows: list[list[Piece]] = []
    waiting: list[Piece] = []
    for band, starts, ahead in zip(bands, opens, forward, strict=True):
        if ahead:
            waiting += band
        elif starts:
            rows.append(waiting + band)
            waiting = []
        else:
            rows[-1] += band
    return rows


def _wrapped(bands: list[list[Piece]], bounds: list[float]) -> set[int]:
    """The lines that go on the cells of the line above them. A browser pads a table's rows apart, so a cell's
    wrapped line follows closer than the next row does: in a table most of whose lines are that far apart, a line
    closer to a line with a cell in the first column goes on that row, even where it has a piece in the first column
    itself ("Allowlisting, Denylisting" / "and Regex" was two rows). The gap between lines tells, not their pitch: a
    row of wrapped cells is taller than the next. TeX sets rows a line apart: no gap stands out, and every line is a
    row."""
    gaps = {i: _gap(bands[i - 1], bands[i]) for i in range(1, len(bands))}
    if not gaps:
        return set()
    least = min(gaps.values())
    close = {i for i, gap in gaps.items() if gap <= least + _CLOSE * _height(bands[i])}
    if len(gaps) - len(close) < max(2, len(close)):
        return set()
    return {i for i in close if any(_column(p, bounds) == 0 for p in bands[i - 1])}


def _gap(above: list[Piece], below: list[Piece]) -> float:
    return min(p.top for p in below) - max(p.bottom for p in above)


def _column(piece: Piece, bounds: list[float]) -> int:
    return sum(piece.left >= b for b in bounds)
