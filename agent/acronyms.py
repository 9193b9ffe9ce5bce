"""Acronyms a question asks to have spelled out, and the text that spells them out (pure functions).

"What is NHCB?" is answered where the page first writes the long form with the acronym after it ("... called
Native Histograms with Custom Bucket boundaries (NHCB).") or the acronym with the long form after it. The
scorers read such a sentence as one about something else (its topic is the long form's words, not the question's
one word), and the sentences that use the acronym afterwards outscored it.
"""

from __future__ import annotations

import re

_ASKED = re.compile(r"^\W*(?i:what(?:'s|\s+is|\s+are|\s+does|\s+do)\s+(?:an?\s+|the\s+)?)([A-Z][A-Z0-9&]{1,7})s?"
                    r"(?i:\s+(?:stand\s+for|mean|refer\s+to))?\W*$")
# Words a long form may hold that its acronym leaves out ("Native Histograms with Custom Bucket boundaries").
_SKIPPED = frozenset({"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to", "with"})
_WORD = re.compile(r"[A-Za-z0-9][\w'-]*")


def asked_acronym(question: str) -> str | None:
    """The acronym `question` asks about, when all it asks is what that acronym is or stands for."""
    m = _ASKED.match(question.strip())
    return m.group(1) if m else None


def spells_out(acronym: str, text: str) -> bool:
    """Does `text` give the long form of `acronym`, before it in parentheses ("Service Level Objective (SLO)") or
    after it ("SLO (Service Level Objective)")?"""
    letters = _letters(acronym)
    for m in re.finditer(rf"\(\s*{re.escape(acronym)}s?\s*\)", text):
        if _spelled(letters, _WORD.findall(text[max(0, m.start() - 200) : m.start()]), last=True):
            return True
    for m in re.finditer(rf"\b{re.escape(acronym)}s?\s*\(([^()]{{3,200}})\)", text):
        if _spelled(letters, _WORD.findall(m.group(1)), last=False):
            return True
    return False


def _letters(acronym: str) -> str:
    return "".join(ch for ch in acronym.lower() if ch.isalnum())


def _spelled(letters: str, words: list[str], last: bool) -> bool:
    """Do the last few of `words` (a long form before the acronym) or the first few (after it) spell the acronym?"""
    longest = min(len(words), len(letters) + _LOOSE)
    return any(_spell(letters, words[-n:] if last else words[:n]) for n in range(len(letters), longest + 1))


# How many more words than letters a long form may have: function words, and a word or two the acronym leaves
# out ("Native Histograms with Custom Bucket boundaries (NHCB)").
_LOOSE = 4
_EXTRA_CONTENT_WORDS = 2


def _spell(letters: str, words: list[str]) -> bool:
    """Do `words` open with the acronym's first letter and give all its letters in order as their initials
    ("Software Bill of Materials"), with function words free to give none and at most `_EXTRA_CONTENT_WORDS` other
    words giving none?"""
    if not words or words[0][0].lower() != letters[0]:
        return False
    i = extra = 0
    for w in words:
        if i < len(letters) and w[0].lower() == letters[i]:
            i += 1
        elif w.lower() not in _SKIPPED:
            extra += 1
    return i == len(letters) and extra <= _EXTRA_CONTENT_WORDS

