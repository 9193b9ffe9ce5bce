"""Units that cannot answer a question, however well they score: the scorers read topic, and these shapes are
on topic without holding an answer.

A unit that only restates a wh-question ("Nested loops can be difficult to optimize." for "Why are nested loops
difficult to optimize?") adds no word the question lacks, so whatever the question asks for is not in it; and a
sentence that is a question itself (a FAQ's "I tried running a Java program under Valgrind but something went
wrong. Does Valgrind handle such programs?") asks what the user asks and answers nothing.

Versioned names: a passage about FY25, SOCKS5 or HTTP/2 does not answer a question about FY26, SOCKS4a or HTTP/3;
nor does a document about 1997 and 1999 answer a question about 1998.
Near-miss questions ask about a version the sources never describe, next to a passage about another version of
the same thing; the scorers read the two as the same topic and answer confidently. A versioned name is letters
fused to a number (`FY26`, `SOCKS4a`, `HTTP/3`, `MI6`); a separating space (`Python 3`, `in 2010`) makes it
ordinary words, which this rule leaves alone, except after the word "version" itself ("a version 7 UUID" beside a
passage on "a version 4 UUID").
"""

from __future__ import annotations

import re

_VERSIONED = re.compile(r"(?<![\w.])([a-z]{2,})[-/]?(\d+(?:\.\d+)*[a-z]?)(?![\w/])", re.IGNORECASE)
_SPELLED = re.compile(r"(?<![\w.])(version)\s+(\d+(?:\.\d+)*)(?![\w/])", re.IGNORECASE)
_SEPARATORS = re.compile(r"[-/\s]")


def versioned_names(text: str) -> set[tuple[str, str]]:
    """(name, version) pairs, lower case: "FY26" -> ("fy", "26"), "HTTP/1.1" -> ("http", "1.1"), "version 7" ->
    ("version", "7")."""
    return {(m.group(1).lower(), m.group(2).lower()) for p in (_VERSIONED, _SPELLED) for m in p.finditer(text)}


def _number(version: str) -> str:
    # "DB10s" is the plural of "DB10" and "FoxO3a" a variant of "FoxO3": only a different number is another version.
    return re.sub(r"[a-z]", "", version)


def other_version(question: str, text: str) -> tuple[str, str] | None:
    """The first versioned name of `question` that `text` lacks while naming another version of it (one the
    question does not name too), as (asked, found); None when there is no such name."""
    asked = versioned_names(question)
    if not asked:  # most questions: the text (a whole document, on every ask) is not read at all
        return None
    found = versioned_names(text)
    flat = _SEPARATORS.sub("", text.lower())
    for name, version in sorted(asked):
        if name + version in flat or (version.endswith("s") and name + version[:-1] in flat):
            continue
        asked_numbers = {_number(v) for n, v in asked if n == name}
        others = sorted(v for n, v in found if n == name and _number(v) not in asked_numbers)
        if others:
            return _spelled(name, version), _spelled(name, others[0])
    return None


def _spelled(name: str, version: str) -> str:
    return f"{name} {version}" if name == "version" else f"{name}{version}"


_YEAR = re.compile(r"(?<![\d,.])(1[5-9]\d\d|20\d\d)(?![\d,]|s\b)")


def other_year(question: str, document: str) -> tuple[str, str] | None:
    """A year of `question` that `document` never names while it names other years (ones the question does not
    name), as (asked, found); a decade ("the 1970s") is no year. For whole documents only: a sentence often
    leaves the year to the one before it."""
    asked = set(_YEAR.findall(question))
    if not asked:
        return None
    others = sorted(set(_YEAR.findall(document)) - asked)
    for year in sorted(asked):
        if others and year not in document:
            return year, others[0]
    return None


_WH = re.compile(r"^\s*(?:why|how|what|which|when|where|who|whom|whose)\b", re.IGNORECASE)
_TOKEN = re.compile(r"[a-z0-9]+")
_FUNCTION_WORDS = frozenset({
    "a", "an", "the", "of", "and", "or", "nor", "but", "if", "so", "as", "at", "by", "for", "from", "in", "into",
    "on", "onto", "to", "with", "without", "about", "over", "under", "after", "before", "between", "through",
    "during", "than", "then", "there", "here", "this", "that", "these", "those", "it", "its", "they", "them",
    "their", "we", "our", "us", "you", "your", "he", "she", "his", "her", "i", "my", "me", "is", "are", "was",
    "were", "be", "been", "being", "am", "do", "does", "did", "done", "have", "has", "had", "can", "could", "may",
    "might", "will", "would", "shall", "should", "must", "also", "such", "very", "more", "most", "other", "some",
    "any", "all", "each", "both", "only", "just", "not", "no", "what", "which", "who", "whom", "whose", "when",
    "where", "why", "how",
})


def restates(question: str, text: str) -> bool:
    """Does `text` add no word to a wh-question (a word counts as the question's when it shares its first five
    letters with one of the question's words: "optimize", "optimizing")? Numbers are words, which is why this
    does not use `sentence_model.content_words`: it drops words under three letters ("25") and keeps "can"."""
    if not _WH.match(question):
        return False
    known = {w[:5] for w in _TOKEN.findall(question.lower()) if w not in _FUNCTION_WORDS}
    return all(w[:5] in known for w in _TOKEN.findall(text.lower()) if w not in _FUNCTION_WORDS)


_QUESTION_END = re.compile(r"\?[\"'”’]*\Z")


def poses_question(text: str) -> bool:
    """Is this sentence a question? It reads like the question asked to every scorer, since it is one: a FAQ's
    question was quoted as the answer to it. Of the training sets' gold answers none is a question (0 of 4,371
    SQuAD answers lie in one, 0 of 1,025 SciFact rationale sentences end with one)."""
    return bool(_QUESTION_END.search(text.rstrip()))
