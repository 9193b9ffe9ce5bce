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

Names: "How long is paid family leave for bonding in Washington state?" asks about Washington, and a page on the
leave of the states it lists, none of them Washington, does not answer it however close its topic (`absent_name`).

What a question states, put otherwise (`other_value`): SQuAD 2.0's unanswerable questions change one detail of a
sentence that answers a neighbouring question — a number ("on 11 of what month" beside "on 12 November"), a month
or weekday ("26 December", "26 October"), a superlative ("the youngest actress", "the oldest actress") — and the
sentence still scores as the answer. Against the sentence holding the gold answer these fire on 4 of the training
subset's 4,371 answerable questions, against the plausible answer's sentence on 48 of its 348 unanswerable ones
(README, "Where issue 17 stands", session 43).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable
from functools import cached_property

_VERSIONED = re.compile(r"(?<![\w.])([a-z]+)[-/]?(\d+(?:\.\d+)*[a-z]?)(?![\w/])", re.IGNORECASE)
# Not a tagged release's number ("version 1.0.0-hotfix.1"): its document may write the tag bare, with no "version".
_SPELLED = re.compile(r"(?<![\w.])(version)\s+(\d+(?:\.\d+)*)(?![\w/]|\.\d|-\w)", re.IGNORECASE)
_SEPARATORS = re.compile(r"[-/\s]")


def versioned_names(text: str, letters: int = 2) -> set[tuple[str, str]]:
    """(name, version) pairs, lower case, of names of at least `letters` letters: "FY26" -> ("fy", "26"),
    "HTTP/1.1" -> ("http", "1.1"), "version 7" -> ("version", "7"), "P5" -> ("p", "5") with `letters=1`."""
    return {(m.group(1).lower(), m.group(2).lower()) for p in (_VERSIONED, _SPELLED) for m in p.finditer(text)
            if len(m.group(1)) >= letters}


def _number(version: str) -> str:
    # "DB10s" is the plural of "DB10" and "FoxO3a" a variant of "FoxO3": only a different number is another version.
    return re.sub(r"[a-z]", "", version)


def other_version(question: str, text: str) -> tuple[str, str] | None:
    """The first versioned name of `question` that `text` lacks while naming another version of it (one the
    question does not name too), as (asked, found); None when there is no such name."""
    asked = versioned_names(question, letters=1)
    if not asked:  # most questions: the text (a whole document, on every ask) is not read at all
        return None
    found = versioned_names(text, letters=1)
    flat = _SEPARATORS.sub("", text.lower())
    for name, version in sorted(asked):
        if _names_version(flat, name, version):
            continue
        asked_numbers = {_number(v) for n, v in asked if n == name}
        others = sorted(v for n, v in found if n == name and _number(v) not in asked_numbers)
        if others:
            return _spelled(name, version), _spelled(name, others[0])
    return None


def _names_version(flat: str, name: str, version: str) -> bool:
    """Does a text (lower case, without separators) name this version?"""
    return name + version in flat or (version.endswith("s") and name + version[:-1] in flat)


def _spelled(name: str, version: str) -> str:
    return f"{name} {version}" if name == "version" else f"{name}{version}"


# A numbered member of a series: a word, a space and a number of up to three digits ("signal 8", "step 5", "level 2").
_MEMBER = re.compile(r"(?<![\w.-])([a-z]{3,})\s+(\d{1,3})(?![\w/]|[.,:]\d)", re.IGNORECASE)
# Words a number follows as a count or a bound, not as a member's number ("at least 3", "for 30 seconds").
_NO_SERIES = frozenset({"about", "above", "after", "age", "aged", "ages", "all", "almost", "and", "another",
                        "approximately", "are", "around", "before", "below", "between", "costs", "default", "during",
                        "every", "exactly", "first", "for", "from", "had", "has", "have", "into", "just", "last",
                        "lasts", "least", "most", "nearly", "next", "only", "out", "over", "past", "per", "roughly",
                        "set", "since", "takes", "than", "the", "through", "took", "top", "under", "until", "upto",
                        "use", "uses", "version", "wait", "was", "were", "with", "within"})


def other_member(question: str, document: str) -> tuple[str, str] | None:
    """A numbered member of a series that `question` asks about and `document` never names, not even by its number
    alone, while it names two others of the series or more, as (asked, found): "What does real-time signal 8 do in
    FTL?" of a page on real-time signals 0 to 7 was answered by its sentence introducing them (check AE). For whole
    documents only."""
    asked = {(n.lower(), v) for n, v in _MEMBER.findall(question) if n.lower() not in _NO_SERIES}
    if not asked:
        return None
    found = {(n.lower(), v) for n, v in _MEMBER.findall(document)}
    for name, number in sorted(asked):
        others = sorted({v for n, v in found if n == name and v != number}, key=int)
        if len(others) >= 2 and not re.search(rf"(?<![\w.,]){number}(?![\w]|[.,]\d)", document):
            return f"{name} {number}", f"{name} {others[0]}"
    return None


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


# Numbers as words, for the numbers a question states ("kills four men", "the thirty-fourth film"). "One" and
# "first" are left out: mostly a pronoun and an adverb ("the one that", "who first described").
_UNITS = {w: i for i, w in enumerate(("zero", "", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                                      "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
                                      "seventeen", "eighteen", "nineteen")) if w}
_TENS = {w: 10 * i for i, w in enumerate(("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy",
                                          "eighty", "ninety")) if w}
_ORDINAL = {"third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10,
            "eleventh": 11, "twelfth": 12, "twentieth": 20, "thirtieth": 30, "hundredth": 100}
_NUMERAL = re.compile(r"\d+(?:[.,]\d+)*|[a-z]+(?:-[a-z]+)*", re.IGNORECASE)


def _value(token: str) -> str | None:
    """A token's number, as digits ("1,200" -> "1200", "thirty-four" -> "34"), or None."""
    t = token.lower()
    if t[0].isdigit():  # "60.0" is 60, as a timeout's "connect=60.0" is the question's "60 second"
        t = t.replace(",", "")
        return t.rstrip("0").removesuffix(".") if re.fullmatch(r"\d+\.\d+", t) else t
    parts = t.split("-")
    if len(parts) == 1:
        v = _UNITS.get(t, _TENS.get(t, _ORDINAL.get(t)))
        return None if v is None else str(v)
    tens, unit = _TENS.get(parts[0]), _UNITS.get(parts[-1], _ORDINAL.get(parts[-1]))
    return str(tens + unit) if len(parts) == 2 and tens is not None and unit is not None and unit < 10 else None


def _numbers(text: str) -> list[tuple[str, str, str]]:
    """Each number of `text` with the word on either side, one or two words away (numbers between do not count),
    that is not a function word: (value, word before, word after), "" where there is none."""
    text = re.sub(r"(\d)(?:st|nd|rd|th)\b", r"\1", text)
    matches = list(_NUMERAL.finditer(text))
    values = [_value(m.group(0)) for m in matches]
    words = ["" if v is not None or m.group(0)[0].isdigit() or m.group(0).lower() in _FUNCTION_WORDS
             else m.group(0).lower() for m, v in zip(matches, values, strict=True)]

    def near(i: int, step: int) -> str:  # numbers are stepped over: "3 and 15 years" is both 3 and 15 years
        others = itertools.islice((j for j in range(i + step, len(words) if step > 0 else -1, step)
                                   if values[j] is None), 2)
        return next((words[j] for j in others if words[j]), "")

    # A decade ("the 1890s", "'60s"), a number in a date or fraction ("2/21/2016", "9/11") or one glued to letters
    # ("1Q08", "\\u03bcs") is not one quantity.
    return [(v, near(i, -1), near(i, 1)) for i, (m, v) in enumerate(zip(matches, values, strict=True))
            if v is not None and not re.match(r"s\b|/|[a-z]", text[m.end():], re.IGNORECASE)
            and not re.search(r"[/'\\\w]\Z", text[:m.start()])]


_WH_ANY = re.compile(r"\b(?:what|which|when|where|who|whom|whose|how|why)\b", re.IGNORECASE)


def other_number(question: str, text: str) -> tuple[str, str] | None:
    """A number the question states (not asks for) that `text` does not hold while it holds another number in the
    same place — beside the same word — as (stated, found): "The film opened on 11 of what month in China?" of "In
    China, it opened on 12 November" is no answer, nor is "the twenty-fourth James Bond film" for "the
    thirty-fourth". Wh-questions only: a claim's numbers are its authors' own, which abstracts put otherwise, and a
    yes/no question is answered by the other number."""
    if not _WH_ANY.search(question):  # "Do up to ten days carry over?" is answered by "Up to five days carry over."
        return None
    stated = _numbers(question)
    if not stated:
        return None
    found = _numbers(text)
    held = {v for v, _, _ in found}
    asked = {v for v, _, _ in stated}  # "3 or 6 character notation?": a text holding 3 answers it
    for value, before, after in stated:
        if value in held:
            continue
        beside = [o for o, b, a in found if o not in asked and ((before and before == b) or (after and after == a))]
        if beside and not _within(value, beside):
            return value, beside[0]
    return None


def _within(value: str, others: list[str]) -> bool:
    """Does `value` lie inside the range the other numbers span ("after 5 years" of "Between 3 and 15 years")?"""
    try:
        v, nums = float(value), [float(o) for o in others]
    except ValueError:
        return False
    return min(nums) < v < max(nums)


_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_CALENDAR = re.compile(r"[a-z]+|\d+", re.IGNORECASE)


def other_day(question: str, text: str) -> tuple[str, str] | None:
    """A month or weekday a wh-question states that `text` does not hold while it holds another beside the same
    token, as (stated, found): "Spectre had its world premiere on 26 December of what year?" of "... on 26 October
    2015", "The film's Friday-Sunday gross was how much?" of "Its Friday-Saturday gross". "May" is left out: a verb."""
    if not _WH_ANY.search(question):
        return None

    def named(t: str) -> list[tuple[str, set[str]]]:
        tokens = [m.group(0).lower() for m in _CALENDAR.finditer(t)]
        return [(w, {tokens[j] for j in (i - 1, i + 1) if 0 <= j < len(tokens)}) for i, w in enumerate(tokens)
                if w != "may" and (w in _MONTHS or w in _DAYS)]

    stated = named(question)
    if not stated:
        return None
    found = named(text)
    held, asked = {w for w, _ in found}, {w for w, _ in stated}
    for word, around in stated:
        kind = _MONTHS if word in _MONTHS else _DAYS
        if word in held:
            continue
        for other, near in found:
            if other in kind and other not in asked and around & near - _FUNCTION_WORDS:
                return word, other
    return None


# Superlatives that SQuAD 2.0's unanswerable questions swap for their opposite: "Who was the youngest actress to be a
# Bond girl?" of "... becoming, at the age of fifty, the oldest actress to be cast as a Bond girl".
_OPPOSITES = (("youngest", "oldest"), ("smallest", "largest"), ("smallest", "biggest"), ("highest", "lowest"),
              ("longest", "shortest"), ("earliest", "latest"), ("best", "worst"), ("fewest", "most"))


def opposite(question: str, text: str) -> tuple[str, str] | None:
    """A superlative a wh-question uses that `text` does not, while it uses the opposite one, as (asked, found)."""
    if not _WH_ANY.search(question):
        return None
    asked, said = set(_TOKEN.findall(question.lower())), set(_TOKEN.findall(text.lower()))
    for a, b in _OPPOSITES:
        for word, other in ((a, b), (b, a)):
            if word in asked and other not in asked and word not in said and other in said:
                return word, other
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


_HOW_MANY = re.compile(r"\bhow (?:many|much)\b", re.IGNORECASE)
_QUANTIFIERS = frozenset({"all", "each", "both", "no", "some", "any", "only", "every", "none", "either", "neither"})


def restates(question: str, text: str) -> bool:
    """Does `text` add no word to a wh-question (a word counts as the question's when it shares its first five
    letters with one of the question's words: "optimize", "optimizing")? Numbers are words, which is why this
    does not use `sentence_model.content_words`: it drops words under three letters ("25") and keeps "can"."""
    if not _WH.match(question):
        return False
    asked = _TOKEN.findall(question.lower())
    known = {w[:5] for w in asked if w not in _FUNCTION_WORDS}
    # Asked how many, a quantifier the question lacks is the answer: "All conditions must be true for the rules to
    # be applied." answers "How many conditions must be true …?" (Fluent Bit's modify filter, check AC).
    counted = _QUANTIFIERS - set(asked) if _HOW_MANY.search(question) else frozenset()
    return all(w[:5] in known for w in _TOKEN.findall(text.lower()) if w not in _FUNCTION_WORDS or w in counted)


_QUESTION_END = re.compile(r"\?[\"'”’]*\Z")


def poses_question(text: str) -> bool:
    """Is this sentence a question? It reads like the question asked to every scorer, since it is one: a FAQ's
    question was quoted as the answer to it. Of the training sets' gold answers none is a question (0 of 4,371
    SQuAD answers lie in one, 0 of 1,025 SciFact rationale sentences end with one)."""
    return bool(_QUESTION_END.search(text.rstrip()))


# "How do I ...?" asks what to do: answered by a step, a command, an option or a sentence that says what to do
# ("Run ...", "you can ...", "... by setting ..."), not by one that only describes (check R's restricted question
# "How do I force pip's hash-checking mode on?" was answered from a public page with "Hash-checking mode is a
# labour-saving alternative to running a private index server ..."). "How does X work?" asks for a description.
_ASKS_HOW_TO = re.compile(r"^\W*how (?:do|can|could|should|would|must|may) (?:i|we|you|one)\b|^\W*how to\b",
                          re.IGNORECASE)
_BLOCK = re.compile(r"```|^\s*(?:\d+[.)]|[-*•])\s", re.MULTILINE)
# An option, a call, a snake_case or dotted name, a variable, a path, an assignment, a channel or tag ("#dev",
# "#migration"): what is typed, not said.
_TYPED = re.compile(r"(?<![\w-])--?[A-Za-z][\w-]*|\w+\(|\b[A-Za-z]+_\w+|\$\{?\w|[\w.~-]*/[\w.-]+|"
                    r"\b(?!e\.g\b|i\.e\b)[a-z]+\.[a-z]+\b|=|(?<![\w#&])#[a-z][\w-]*")
_DO = (r"use|set|run|pass|add|install|call|enable|disable|configure|specify|create|edit|click|select|open|enter|"
       r"type|go|navigate|contact|submit|email|ask|request|fill|sign|visit|download|choose|follow|put|place|write|"
       r"remove|delete|update|change|invoke|execute|start|stop|restart|send|tell|register|apply|provide|include|"
       r"import|define|wrap|replace|append|mark|check|verify|make|ensure|copy|move|save|log|find|look|read|see|"
       r"refer|keep|avoid|do|don't|never|always|try|reach|file|complete|book|attach|upload|print|list|press|drag|"
       r"point|connect|bind|declare|modify|override|consider|turn|switch|login|clear|reset|schedule|notify|talk")
# A sentence that opens with what to do, perhaps after "First,"; or with a goal ("To join the team, drop a
# message ..."); or a line that opens with a command, in lower case ("pip cache purge will clear ...").
_IMPERATIVE = re.compile(rf"(?:^|[.:!;]\s+|\n)(?:(?:(?:first|then|next|finally|also|instead|simply|just|now|"
                         rf"alternatively|otherwise|yes|no),?\s+)?(?:(?:if|when|once) [^,.]{{1,80}},\s*)?(?:{_DO})\b|"
                         rf"(?:in order )?to [^,.]{{1,80}},\s*\w)", re.IGNORECASE)
_COMMAND_FIRST = re.compile(r"^[a-z]", re.MULTILINE)
# What you can or should do; how a thing is done or set; the way to do it; or what "we" do, a handbook's practice
# ("We use hokusai to drive this process", "We traditionally call out PRs needing manual migrations with ...").
_SAYS_HOW = re.compile(rf"\bwe (?:\w+ly |also |always |now )?(?:{_DO})\b|"
                       r"\byou(?:'ll| will)? (?:can|could|should|must|may|need|have to|might|want)\b|"
                       r"\bby (?:\w+ing)\b|\b(?:can|could|should|must|may) be \w+ed\b|\b(?:is|are) (?:done|"
                       r"achieved|enabled|disabled|configured|set|installed|controlled|changed) (?:by|with|via|"
                       r"through|using|in|from)\b|\bset (?:to|it|the|a|an)\b|\b(?:please|recommended|should)\b|"
                       # the way to do it named: "The simplest way to work around this is to just make your entire
                       # test async and use an async client" (Starlette's test client page, check Z)
                       r"\bway\b[^.?!]{0,80}?\bis (?:to|by|with|via|using|through)\b|"
                       # what lets you learn the thing asked ("How can I tell how long items take to propagate?":
                       # "Each stage can export the most recent heartbeat timestamp it has seen, letting you know
                       # how long items are taking to propagate through the system.", Prometheus's docs, check AA)
                       r"\b(?:lets?|letting|allows?|allowing|helps?|helping) you (?:to )?(?:know|tell|see|find|check|"
                       r"determine|detect|spot|notice|track|measure|monitor)\b",
                       re.IGNORECASE)


def _gerund(verb: str) -> str:
    if verb.endswith("e") and not verb.endswith("ee"):
        return f"{verb[:-1]}ing"
    if re.fullmatch(r"[^aeiou]*[aeiou][bdgmnprt]|\w*mit", verb):  # run, set, stop, log, submit: the consonant doubles
        return f"{verb}{verb[-1]}ing"
    return f"{verb}ing"


# A sentence opening with the doing of it as its subject: "Running repair in the main worktree will reestablish the
# connection from linked worktrees back to the main worktree." (git-worktree(1), check AG).
_DOING_FIRST = re.compile(r"(?:^|[.:!;]\s+|\n)(?:" + "|".join(
    _gerund(v) for v in _DO.split("|") if v.isalpha() and v not in ("never", "always")) + r")\b", re.IGNORECASE)

# Words a slash joins in prose: no path. "This will cause some extra I/O" read as something typed, so restic's
# description of its file scan said what to do (check AC).
_PROSE_SLASHES = frozenset({"i/o", "and/or", "either/or", "tcp/ip", "ci/cd", "a/b", "ui/ux", "on/off", "yes/no",
                            "true/false", "read/write", "he/she", "his/her", "him/her", "s/he", "input/output",
                            "client/server", "24/7"})


def holds_typed(text: str) -> bool:
    """Does `text` hold something a reader types: an option, a call, a variable, a path, an assignment?"""
    return any(m.group(0).lower().rstrip(".") not in _PROSE_SLASHES for m in _TYPED.finditer(text))


def asks_how_to(question: str) -> bool:
    return bool(_ASKS_HOW_TO.search(question))


_ASKS_WHY = re.compile(r"\bwhy\b|\bhow come\b|\bwhat is the reason\b", re.IGNORECASE)
# A sentence giving a reason: a short clause ending in "because" or "due to" ("This is because …", "It fails
# because …", "Because …"), naming the reason, or saying what a thing is done for ("… the high-level idea is to
# "freeze" dependencies so that deployments are repeatable.", 18F's Before You Ship, check AP).
_REASON = re.compile(r"\A(?:[\w’']+(?:,? [\w’']+){0,5},? )?(?:because|due to)\b|\A(?:The|One) reason\b"
                     r"|\bso that\b|\bin order to\b", re.IGNORECASE)


def asks_why(question: str) -> bool:
    return bool(_ASKS_WHY.search(question))


def gives_reason(sentence: str) -> bool:
    return bool(_REASON.search(sentence.strip()))


def says_how(text: str) -> bool:
    """Does `text` say what to do: a step or command, something to type, a sentence opening with what to do or with
    the doing of it, or one saying what you can, should or need to do?"""
    return bool(_BLOCK.search(text) or holds_typed(text) or _IMPERATIVE.search(text) or _COMMAND_FIRST.search(text)
                or _SAYS_HOW.search(text) or _opens_with_doing(text))


def _opens_with_doing(text: str) -> bool:
    """Does a sentence of `text` open with the doing of something (`_DOING_FIRST`)? A heading is no sentence: "Using
    environment variables", quoted above pip's "New in version 10.0.", says nothing of how (check R)."""
    for m in _DOING_FIRST.finditer(text):
        end = text.find("\n", m.end())
        end = len(text) if end < 0 else end
        heading = not _CLOSES.search(text[m.end() : end]) and (end == len(text) or text.startswith("\n\n", end))
        if not heading:
            return True
    return False


_CLOSES = re.compile(r"[.!?:;]\s*$|[.!?]\s")


# Names a question asks about (a place, a product, a person, an organization): a capitalized word that does not open
# its sentence or clause. Months and weekdays are dates, not subjects; "I" and "OK" are no names ("Is it OK to tell
# the Incident Commander I don't know something?" of a page that never writes "OK", check AM).
_CLAUSE = re.compile(r"[.?!:;()\[\]\"“”]+\s*|\s+['‘]|['’](?=\s|$)")
_WORD = re.compile(r"[^\W_][\w'’&.-]*[^\W_]|[^\W_]")
_NOT_NAMES = frozenset({"i", "ok", *_MONTHS, *_DAYS})
_TITLE_CASED = frozenset({"Do", "Does", "Is", "Are", "Can", "My", "The", "To", "For", "Of", "With", "On", "In", "An",
                          "And", "Or", "At", "By", "From", "Your", "Our", "How", "What"})
_ASKS = re.compile(r"\?\W*\Z|^\W*(?:why|how|what|which|when|where|who|whom|whose|is|are|was|were|do|does|did|can|"
                   r"could|should|would|will|may|must|has|have|had)\b", re.IGNORECASE)
_DOC_WORD = re.compile(r"[a-z0-9]+")
_COMBINING = re.compile("[\u0300-\u036f]")
_ABBREVIATED = re.compile(r"\b(Mr|Mrs|Ms|Dr|Prof|St|Jr|Sr|Inc|Co|Corp|Ltd|vs|No)\.", re.IGNORECASE)
_DOTTED = re.compile(r"\b(?:[a-z]\.){2,}")


def _fold(text: str) -> str:
    # The combining marks' block by a regular expression: testing every character of a long page was most of its check.
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text)).lower()


def asked_names(question: str) -> list[list[str]]:
    """The names a question asks about, each as its words ("Washington state" -> [["Washington"]], "United States"
    -> [["United", "States"]]). Nothing for a claim (no question mark, no question word): a claim to check is in
    its author's words, which the evidence may spell out or abbreviate otherwise; nor for a question in title case."""
    if not _ASKS.search(question.strip()):
        return []
    names: list[list[str]] = []
    title_case = False  # "How Do I Reset My Password?" capitalizes every word, function words too
    for clause in _CLAUSE.split(_ABBREVIATED.sub(r"\1", question)):
        run: list[str] = []
        for i, m in enumerate(_WORD.finditer(clause)):
            word = re.sub(r"['’]s\Z", "", m.group(0)).rstrip(".")
            title_case = title_case or (i > 0 and word in _TITLE_CASED)
            if (i > 0 and word[:1].isupper() and not any(c.isdigit() for c in word)
                    and not _NOT_NAMES.issuperset(re.split(r"[-/]", word.lower()))):
                run.append(word)
                if word == m.group(0):
                    continue
            if run:  # a possessive ends a name: "Google's Python style guide" names Google, then Python
                names.append(run)
            run = []
        if run:
            names.append(run)
    return [] if title_case else names


def _alike(a: str, b: str) -> bool:
    """Two words one letter apart (added, dropped, changed or two swapped), or sharing a stem of five letters or
    more that is most of the shorter one ("grammies" and "grammys", "paris" and "parisian")."""
    common = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    if common >= 5 and common >= 0.7 * min(len(a), len(b)):
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                                  and a[diff[1]] == b[diff[0]])
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def absent_name(question: str, document: str, common: Callable[[str], bool] = lambda name: False) -> str | None:
    """The first name `question` asks about that `document` (its text, with its title and source path) never
    names, or None; a claim asks about nothing (`asked_names`). A near-miss question asks about a subject next to
    the sources' ("paid family leave in Washington state" beside a page on the states it lists; "Google's Python
    style guide" beside its shell guide), and the scorers read the two as one topic. So does a versioned name
    ("HTTP/3") the document never names, which `other_version` leaves alone unless the document names another
    version. A name `common` to the corpus is its context, not the subject asked about: "How do I put my
    WordPress site in maintenance mode?" is answered by a page of WP-CLI's handbook that never says WordPress,
    as most of its other pages do."""
    if not _ASKS.search(question.strip()):
        return None
    if versions := sorted(versioned_names(question)):  # "HTTP/3" of a page that names no HTTP version
        flat = _SEPARATORS.sub("", document.lower())
        for base, version in versions:
            if not _names_version(flat, base, version):
                return _spelled(base, version)
    text = _Text(document)
    for name in asked_names(question):
        if not text.names(name) and not common(" ".join(name)):
            return " ".join(name)
    flat = _unseparated(document)
    for identifier in asked_identifiers(question):
        if _unseparated(identifier) not in flat:
            return identifier
    return None


_IDENTIFIER = re.compile(r"(?<![\w./-])([A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+|[a-z][a-z0-9]*(?:-[a-z0-9]+){2,})"
                         r"(?![\w-])")
# Words that join an English compound ("out-of-office", "end-to-end"), which a page may write with spaces.
_COMPOUND = frozenset({"a", "an", "the", "of", "to", "in", "on", "at", "by", "for", "and", "or", "as", "per", "via",
                       "than", "with", "from", "into", "up", "out", "over"})


def _unseparated(text: str) -> str:
    """`text` in lower case without hyphens, slashes, underscores or spaces: an identifier as a line break after
    its hyphen, or a page spelling it with spaces, leaves it."""
    return _SEPARATORS.sub("", text.lower()).replace("_", "")


def asked_identifiers(question: str) -> list[str]:
    """The identifiers a question names, which are looked up as they are written: snake_case ("load_dotenv") and
    lowercase words of three parts or more joined by hyphens, none of them a word that joins an English compound
    ("cloud-platform-security-issues", not "out-of-hours"). A page that never writes one does not answer about it:
    check X's "Which GitHub teams can access the cloud-platform-security-issues repository?", answered only by a
    restricted page, was answered for an employee from a troubleshooting page on GitHub teams."""
    return [t for t in _IDENTIFIER.findall(question) if "_" in t or not _COMPOUND & set(t.split("-"))]


def mentions(document: str, name: str) -> bool:
    """Does `document` name `name` (its words separated by spaces), as `absent_name` reads it?"""
    return _Text(document).names(name.split())


class _Text:
    """A document as names are looked up in it; what only a name not found as it is needs is read on demand."""

    def __init__(self, document: str) -> None:
        self.folded = _fold(document)

    @cached_property
    def _tokens(self) -> list[str]:
        return _DOC_WORD.findall(self.folded)

    @cached_property
    def _vocabulary(self) -> set[str]:
        return set(self._tokens)

    @cached_property
    def _initials(self) -> str:
        return "".join(t[0] for t in self._tokens)

    @cached_property
    def _dotted(self) -> set[str]:
        return {m.group(0).replace(".", "") for m in _DOTTED.finditer(self.folded)}

    def names(self, name: list[str]) -> bool:
        """A name counts as named when its last word is (`_names_word`: "Craig" names "Daniel Craig"), when it is
        an abbreviation of words the text uses ("IRS"), or its words' abbreviation is ("United States", "U.S.")."""
        words = [_fold(w) for w in name]
        if self._names_word(words[-1]):
            return True
        acronym = "".join(w[0] for w in words)
        if len(words) > 1:
            return acronym in self._vocabulary or acronym in self._dotted
        return name[0].isupper() and 2 <= len(words[0]) <= 6 and words[0] in self._initials

    def _names_word(self, word: str) -> bool:
        """Is `word` (folded) in the text: as it is, without a plural ending, each part of a compound
        ("HIV-positive"), or misspelled by one letter ("Tempations") or inflected ("Parisian", "Grammies") when
        long enough to tell. A word of three letters is no plural: "TLS" without its "s" is "tl", in many a word
        (check AE's "DNS-over-TLS", asked of a page that never names it)."""
        for part in filter(None, re.split(r"[-'’.&/]", word)):
            if part in self.folded or (len(part) > 3 and part.endswith("s") and part[:-1] in self.folded):
                continue
            if len(part) >= 5 and any(_alike(part, v) for v in self._vocabulary if v[:2] == part[:2]):
                continue
            return False
        return True


def other_value(question: str, text: str) -> tuple[str, str] | None:
    """What `text` puts otherwise than the question does — another version, number, month or weekday, or the
    opposite superlative — as (asked, found); None when it puts nothing otherwise."""
    return (other_version(question, text) or other_number(question, text) or other_day(question, text)
            or opposite(question, text))
