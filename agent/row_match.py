"""Which row of a table a question states: its conditions, read against the cells.

Rows of one table read alike to every scorer — same headers, same words, other values — so the scorers rank
them by what they share with the question, not by the values it states. "What should we do if SLOs are met,
toil is low and customer satisfaction is low?" was answered from the row "SLOs: Met | Toil: Low | Customer
satisfaction: High", the table's best-scored row, beside the row the question describes ("Met | Low | Low").
A cell is stated when the question names its value next to its header ("toil is low"), or, for the row's first
cell — the key a reader looks a row up by ("P1", "Owner") — names its value anywhere. A short cell whose header
the question names beside another row's value of that column counts against the row ("customer satisfaction is
low" against "Customer satisfaction: High"); the column asked about ("What is the response time ...?") states
nothing either way. A row whose key the question names is looked up (`looked_up`): it answers, whatever the
scorers made of it, unless a veto says otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from agent.term_match import defined_term, term_names
from agent.units import dashed_term
from kernel.rows import cells

_WORD = re.compile(r"[a-z0-9]+")
# Words that carry no condition: a header's "the" or "of", a value's "a".
_STOP = frozenset({"the", "a", "an", "of", "and", "or", "in", "on", "to", "for", "with", "by", "is", "are", "be",
                   "it", "its", "as", "at", "if", "what", "which", "when", "how", "do", "does", "should", "we",
                   "i", "my", "our", "your"})
# A value longer than this is what a row says (an action, a description), not a condition it is looked up by.
SHORT_CELL = 4
# How near a header the question must put a value to state that cell ("toil is low": two words on).
NEAR = 4


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _at(words: list[str], phrase: list[str]) -> list[int]:
    n = len(phrase)
    return [i for i in range(len(words) - n + 1) if words[i:i + n] == phrase]


def _value(value: str) -> tuple[str, ...]:
    """A short cell's words, or () for a cell that is no condition (long, or one letter: "Y", "N")."""
    v = tuple(w for w in _words(value) if w not in _STOP)
    return () if len(v) > SHORT_CELL or all(len(w) < 2 for w in v) else v


def stated(question: str, row: str, column: Mapping[str, set[tuple[str, ...]]] | None = None) -> int:
    """How many of the row's cells the question states, less those it contradicts: a cell whose header it names
    beside another value of that `column` (header -> the values of the table's rows)."""
    q = _words(question)
    score = 0
    for i, (header, value) in enumerate(cells(row)):
        if not (v := _value(value)):
            continue
        where = _at(q, list(v))
        if i == 0 and where:
            score += 1
            continue
        h = [w for w in _words(header) if w not in _STOP]
        if not h or not all(w in q for w in h):
            continue
        near = [j for j, w in enumerate(q) if w == h[-1]]
        if _beside(near, where):
            score += 1
        elif any(_beside(near, _at(q, list(o))) for o in (column or {}).get(header, set()) - {v}):
            score -= 1
    return score


def _beside(header_at: list[int], value_at: list[int]) -> bool:
    return any(abs(j - k) <= NEAR for j in header_at for k in value_at)


def prefer_stated_rows(question: str, rows: Sequence[tuple[object, str, float]], beside: float) -> list[float]:
    """Scores for `rows` — (table, text, score) — where, in each table whose rows one states more of than any
    other, the row the question describes takes the table's best score, so whether to answer from the table is
    decided as before, and its siblings score under `beside` times that: they answer other questions, and are
    not quoted beside it."""
    out = [s for _, _, s in rows]
    tables: dict[object, list[int]] = {}
    for i, (table, _, _) in enumerate(rows):
        tables.setdefault(table, []).append(i)
    for members in tables.values():
        column: dict[str, set[tuple[str, ...]]] = {}
        for i in members:
            for header, value in cells(rows[i][1]):
                column.setdefault(header, set()).add(_value(value))
        agree = {i: stated(question, rows[i][1], column) for i in members}
        top = max(agree.values())
        if top <= 0 or sum(a == top for a in agree.values()) > 1:
            continue
        best = max(out[i] for i in members)
        for i in members:
            out[i] = best if agree[i] == top else min(out[i], best * beside * 0.99)
    return out


def looked_up(question: str, rows: Sequence[tuple[object, str]]) -> set[int]:
    """Indexes of the rows — (table, text) — whose key, the first cell or the term a list of terms sets off with a
    dash ("S1 - Data loss or crash"), the question names, when it names one row's key only in that table: "What
    value should the Owner tag hold?" looks up "Tag name: Owner | ...". The scorers read a row as a poor sentence
    (0.27 for that one, under the abstention threshold); a named key is how a reader finds a row, and the row is
    quoted whole, with the column asked about."""
    q = _words(question)
    named: dict[object, list[int]] = {}
    for i, (table, text) in enumerate(rows):
        # A term is named by its forms, without their placeholders: "--fd <int> - Bind to socket from this file
        # descriptor" is the row "What is the --fd option useful for?" looks up (Uvicorn's settings, check AB).
        found, is_term = _key(text)
        keys = [_value(name) for name in term_names(found)] if is_term else [_value(found)]
        if any(key and _at(q, list(key)) for key in keys):
            named.setdefault(table, []).append(i)
    return {found[0] for found in named.values() if len(found) == 1}


# An identifier: parts joined by a dot, underscore, slash, colon or dash, letters and digits mixed, or camel case.
_CODE = re.compile(r"\w[._/:-]\w|_|[A-Za-z]\d|\d[A-Za-z]|[a-z][A-Z]")


def _key(row: str) -> tuple[str, bool]:
    """What a row is looked up by, and whether that is a term: the term a dash sets off (the key even where the row's
    text holds a cell of its own: "... Default: 8000."); a row of one cell's term, its value being what it says
    ("User: backup", a list of terms: "Where are the clients' repositories stored on the backup server?" named the
    value "backup" of "User: backup" and of "Group: backup", and both were quoted, check AG), when the row defines
    it (`defined_term`: "San Francisco: 18f-sf@gsa.gov" gives an address, and answered "How do I get a parking
    permit for the San Francisco office?", the docs dev set); else its first cell."""
    if term := dashed_term(row):
        return term, True
    row_cells = cells(row)
    if len(row_cells) == 1:
        return defined_term(row) or "", True
    return (row_cells[0][1], False) if row_cells else ("", False)


def keyed_by_code(row: str) -> bool:
    """Is the row's key written as code ("scheduler.base")?"""
    return bool(_CODE.search(_key(row)[0]))

