"""Which definition a question looks up by the term it defines (pure functions).

Reference pages define options, settings and fields one paragraph each, the term first: ingestion sets a
definition list's entries so ("-p <interpreter>, --python=<interpreter>: Add a #! line to the archive ...",
"relative: If relative is true ... scheduled by the clock"). Asked "What does the -p option of zipapp do?", the
scorers read the definition as a poor sentence (0.02 for that one) beside prose that names the option in passing;
a reader looks the option up by its name. A definition whose term the question names answers, as a row looked up
by its key does (agent/row_match.py), when the question names no other definition's term.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from agent.list_match import asked_thing
from kernel.rows import cells

# A term, then ": " and what it means: at most a few words, no sentence of its own before the colon.
_DEFINED = re.compile(r"([^\s:.!?](?:[^:.!?\n]|\.(?=\S)){0,78}?):\s+\S")
_TERM_WORDS = 6
_MEANING_WORDS = 3
# Nor a clause before a colon ("The default is 5: ...", "If you need it: ...").
_CLAUSE_WORDS = frozenset({"is", "are", "was", "were", "be", "will", "can", "should", "must", "may", "do", "does",
                           "if", "when", "this", "that", "these", "those", "we", "you", "it", "i", "there", "here"})
_OPENERS = frozenset({"the", "a", "an", "for", "in", "on", "to", "by", "with", "and", "or", "but", "so"})
# Leads that are no term of the page: admonition titles and labels ("Note: Close the client.", "Example: ...", a
# GitBook hint's or an MkDocs "!!! info" box's "Info: ..."), and an email's header lines ("From: ...", "Date: ..."),
# which say who sent it and when, not what a word means; nor a phrase ordering what is said ("First of all: relax,
# it's probably not a bug", Valgrind's FAQ).
_LABELS = frozenset({"note", "notes", "warning", "tip", "hint", "info", "important", "caution", "danger", "attention",
                     "error", "example", "examples", "see also", "todo", "deprecated", "usage", "default", "output",
                     "for example", "result", "results", "answer", "question", "summary", "update", "edit",
                     "first of all", "first", "finally",
                     "from", "to", "cc", "bcc", "date", "sent", "subject", "reply-to", "re", "fw", "fwd"})
# A term's names: an option ("-p", "--python"), an identifier ("CELERYD_LOG_LEVEL", "httpx.get") or a word.
_NAME = re.compile(r"--?[A-Za-z][\w-]*|\w[\w.]*\w|\w")
# A term's placeholder or argument list ("<interpreter>", "=<output>", "(url)") names nothing.
_PLACEHOLDER = re.compile(r"=?<[^<>]*>|\([^()]*\)|=\S*|\[[^\[\]]*\]")
# Forms of one term: "-c, --compress", "-q or --quiet", "Unix / macOS"; not a path's or "TCP/IP"'s slash.
_FORMS = re.compile(r",\s+|\s+or\s+|\s+/\s+")


def defined_term(text: str) -> str | None:
    """The term `text` opens by defining ("relative" of "relative: If relative is true ..."), or None. What follows
    the colon must say something, a few words at least: "San Francisco: 18f-sf@gsa.gov" (18F's contacts, the docs
    dev set) gives an address, and "How do I get a parking permit for the San Francisco office?" was answered by it.
    A table's row opens with its first column's name ("Return code: 0 | Meaning: success"), which it does not define:
    "How do I get Borg to log its return code?" took every row of the return codes table for a definition of "return
    code", quoted over the sentence naming --show-rc (check AG)."""
    if len(cells(text)) > 1:
        return None
    m = _DEFINED.match(text)
    if m is None or len(text[m.end() - 1 :].split()) < _MEANING_WORDS:
        return None
    term = m.group(1).strip()
    words = _PLACEHOLDER.sub(" ", term).lower().split()
    if (not words or len(words) > _TERM_WORDS or term.lower() in _LABELS or words[0] in _OPENERS
            or _CLAUSE_WORDS.intersection(words)):
        return None
    return term


def term_names(term: str) -> list[str]:
    """The names a term goes by, lower case: each of its forms ("-p <interpreter>, --python=<interpreter>" is "-p"
    and "--python"), each without its placeholder; a form of several words is named by all of them."""
    names = []
    for form in _FORMS.split(term):
        words = _NAME.findall(_PLACEHOLDER.sub(" ", form))
        if words:
            names.append(" ".join(w.lower().rstrip(".") for w in words))
    return names


def one_word_name(term: str) -> bool:
    """Is `term` named by one word: an option of one form or an identifier ("--cleanup=<mode>", "DEFAULT_RATES"),
    not a term in words ("Maximum Age")? An option of two forms ("-a, --annotate") is not, as `term_names` gives
    it two names."""
    names = term_names(term)
    return len(names) <= 1 and all(" " not in n for n in names)


def _names_in(question: str) -> str:
    return f" {' '.join(t.lower().rstrip('.') for t in _NAME.findall(question))} "


def looked_up_terms(question: str, texts: Sequence[str]) -> set[int]:
    """Indexes of the `texts` that define the one term the question names; none when it names the terms of more
    than one definition, or of none. Texts defining the same term (a sentence and the pair it opens) count once. A
    question asking which thing (`asked_thing`) looks up only a definition naming that thing: "Which port does
    PostgreSQL use to reach an LDAP server?" names "ldap", and "ldap: Authenticate using an LDAP server." was quoted
    for it (check AH)."""
    asked = _names_in(question)
    thing = asked_thing(question)
    named: dict[str, list[int]] = {}
    for i, text in enumerate(texts):
        term = defined_term(text)
        if (term is not None and any(f" {n} " in asked for n in term_names(term))
                and (thing is None or re.search(rf"\b{re.escape(thing)}", text, re.IGNORECASE))):
            named.setdefault(term, []).append(i)
    return set(next(iter(named.values()))) if len(named) == 1 else set()


_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_SENTENCE_END = re.compile(r"[.!?:;)]\s*$")
_HEADING_WORDS = 10


def continued_terms(text: str) -> list[tuple[int, int, str]]:
    """The paragraphs of `text` that go on with a term's description: (start, end, term). A definition list's entry
    may run to several paragraphs ("pop [--index] ...: Remove a single stashed state ..." then "Applying the state
    can fail with conflicts; in this case, it is not removed from the stash list.", git-stash(1), check AE), and the
    later ones never name their term: read alone, the scorers could not tell which command they describe. A
    paragraph defining no term itself, after one defining a term and before the next definition (inside the list,
    not after it), goes on with that term; a heading between them (a short line with no closing punctuation) ends
    the entry."""
    starts = [0, *(m.end() for m in _PARAGRAPH_BREAK.finditer(text))]
    spans = list(zip(starts, [*starts[1:], len(text)], strict=True))
    terms = [defined_term(text[a:b].strip()) for a, b in spans]
    out: list[tuple[int, int, str]] = []
    term: str | None = None
    run: list[tuple[int, int]] = []
    for (a, b), defined in zip(spans, terms, strict=True):
        para = text[a:b].strip()
        if defined is not None:
            if term is not None:
                out += [(x, y, term) for x, y in run]
            term, run = defined, []
        elif term is not None and ("\n" not in para and len(para.split()) < _HEADING_WORDS
                                   and not _SENTENCE_END.search(para)):
            term, run = None, []
        elif term is not None:
            run.append((a, b))
    return out
