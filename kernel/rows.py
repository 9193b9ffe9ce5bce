"""A table row as text: the one format ingestion writes and the responder reads back.

A row is written as its cells led by their column names ("Role: Senior | Laptop: 14-inch | Memory: 64 GB"), so
a row quoted alone still says what its values are. The parser writes it, the answer units find it and the
scorers read it as a sentence would say it; each of them used to hold its own copy of the format.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

CELL_SEP = " | "
NAME_SEP = ": "

# A cell's value runs to the next " | " that a column name follows, so a value may hold a pipe of its own
# ("json|yaml", a shell pipeline "ps | grep node"); the first version ended a value at any pipe, and a row holding
# one was no row.
_SEP = re.escape(CELL_SEP)
_NAME = rf"[^\n|]{{1,200}}?{re.escape(NAME_SEP)}"
_VALUE = rf"(?:(?!{_SEP}{_NAME})[^\n])*"
_NEXT_CELL = re.compile(rf"{_SEP}(?={_NAME})")
# Two or more cells on one line, as `row_line` writes them (a row of one cell is a plain line), every one named but
# perhaps the first: a table whose top-left header cell is empty labels its rows in that column ("Deployment |
# Level 1: Zero-downtime deployment | Level 2: ..."), and such rows were read as sentences, cut at any full stop.
ROW_LINE = re.compile(rf"^(?:{_NAME})?{_VALUE}(?:{_SEP}{_NAME}{_VALUE})+$", re.MULTILINE)


def header_line(header: Sequence[str]) -> str:
    return CELL_SEP.join(header)


def row_line(header: Sequence[str], row: Sequence[str]) -> str:
    return CELL_SEP.join(f"{h}{NAME_SEP}{v}" if h else v for h, v in zip(header, row, strict=False))


def cells(line: str) -> list[tuple[str, str]]:
    """A row's (column name, value) cells ("Level: Senior | Salary: 80,000" → [("Level", "Senior"), ("Salary",
    "80,000")]), the first one's name "" when its column has none ("Deployment | Level 1: ..."); [] for a line of
    one cell (a list of terms read as rows) or with another cell unnamed."""
    parts = _NEXT_CELL.split(line)
    out = []
    for i, cell in enumerate(parts):
        name, sep, value = cell.partition(NAME_SEP)
        if not sep:
            if i > 0 or len(parts) == 1:
                return []
            name, value = "", cell
        out.append((name.strip(), value.strip()))
    return out


# A cell of at least this many words says what its row's key is or does: a description.
DESCRIBING_WORDS = 5


def spoken(line: str) -> str:
    """A row as a sentence would say it ("Level: Senior | Salary: 80,000" → "Level is Senior, Salary is
    80,000."): scorers trained on prose ranked rows below every sentence of their page. A row whose later cell
    describes its key reads as a definition, the key then what describes it, then the other cells ("Key:
    flush_on_startup | Description: If set to true, the first event is generated at startup. | Default: false" →
    "flush_on_startup: If set to true, the first event is generated at startup. Default is false."): read as
    "Key is flush_on_startup, Description is If set to true, …", the row lost to a sentence naming the option in
    passing."""
    parts = [cell.split(NAME_SEP, 1) for cell in _NEXT_CELL.split(line)]
    described = [i for i, p in enumerate(parts) if i and len(p[-1].split()) >= DESCRIBING_WORDS]
    if described:
        d = described[0]
        rest = [" is ".join(p) for i, p in enumerate(parts) if i not in (0, d)]
        text = f"{parts[0][-1].strip()}: {_ended(parts[d][-1].strip())}"
        return f"{text} {_ended(', '.join(rest))}" if rest else text
    return _ended(", ".join(" is ".join(p) for p in parts))


def _ended(said: str) -> str:
    return said if said.endswith((".", "!", "?")) else f"{said}."
