"""A two-column page read column by column.

unstructured orders a PDF page's boxes by cutting the page at its widest gaps (XY-cut). On a paper set in two
columns, paragraph gaps at the same height in both columns make a gap across the whole page, and the cut there
interleaves the columns: Bigtable's first page read its abstract, then the top of the right column ("achieved
scalability and high performance, but Bigtable provides …"), then the introduction that sentence ends. Here a page
whose text stands in two columns is read as a reader does: the boxes spanning both columns (a title, a wide
figure) cut the page into bands, and each band is read down its left column, then down its right one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Each column must hold this share of the page's characters, in this many boxes, for the page to be set in two:
# a page of one column has no text right of its middle but a header or a page number.
COLUMN_SHARE = 0.2
COLUMN_BOXES = 2


@dataclass(frozen=True)
class Box:
    left: float
    top: float  # from the top of the page, as the parser's coordinates run
    right: float
    chars: int
    width: float  # the page's


def column_order(pages: Sequence[int | None], boxes: Sequence[Box | None]) -> list[int]:
    """The order to read the boxes in, by their indexes; `pages` gives each box's page, and the parser gives a
    page's boxes one after another. A page with any box of unknown place keeps its order."""
    order: list[int] = []
    i = 0
    while i < len(boxes):
        j = i + 1
        while j < len(boxes) and pages[j] == pages[i]:
            j += 1
        order += _page_order(boxes, list(range(i, j)))
        i = j
    return order


def _page_order(boxes: Sequence[Box | None], page: list[int]) -> list[int]:
    placed = [b for i in page if (b := boxes[i]) is not None]
    if len(placed) < len(page) or not placed:
        return page
    if not two_columns(placed):
        return page
    mid = placed[0].width / 2
    left = [i for i in page if _box(boxes, i).right <= mid]
    right = [i for i in page if _box(boxes, i).left >= mid]
    spanning = sorted((i for i in page if i not in left and i not in right), key=lambda i: _box(boxes, i).top)
    out: list[int] = []
    above = float("-inf")
    for cut in [*spanning, None]:
        below = _box(boxes, cut).top if cut is not None else float("inf")
        for col in (left, right):
            out += sorted((i for i in col if above <= _box(boxes, i).top < below), key=lambda i: _box(boxes, i).top)
        if cut is not None:
            out.append(cut)
            above = below
    return out


def two_columns(page: Sequence[Box]) -> bool:
    """Is a page's text, by its boxes, set in two columns?"""
    if not page:
        return False
    mid = page[0].width / 2
    total = sum(b.chars for b in page) or 1
    return all(len(col) >= COLUMN_BOXES and sum(b.chars for b in col) >= COLUMN_SHARE * total
               for col in ([b for b in page if b.right <= mid], [b for b in page if b.left >= mid]))


def _box(boxes: Sequence[Box | None], i: int) -> Box:
    b = boxes[i]
    assert b is not None  # pages with a box of unknown place are not reordered
    return b
