"""Which list a question asks for by name: "Which path convertors does Starlette's router provide?" is answered by
"The available convertors are:" and the items under it, "In what order does Starlette read configuration values?"
by "The order in which configuration values are read is:" and its items. The scorers read a list as a poor
sentence (0.13 for the second, under a sentence that only says configuration is kept apart from code), and the
prefilter left the first out of the eight units they score (check Z). A question that asks which or what things
(a plural noun, or an order) is answered by the list whose lead-in names them: the list is scored as its
document's best unit, and at least at the abstention threshold (`answered_as_asked`, in the responder).
"""

from __future__ import annotations

import re

from agent.units import list_lines

# "which path convertors does", "what formal roles do", "in what order does": the wh-word, up to three words naming
# what is asked for, and the verb of the question.
_VERB = r"(?:do|does|did|are|is|were|was|can|could|should|will|would|must|have|has)\b"
_ASKS_FOR = re.compile(rf"^\W*(?:in\s+)?(?:what|which)\s+((?:(?!{_VERB})[a-z][\w-]*\s+){{1,3}}?){_VERB}",
                       re.IGNORECASE)
# Units of time and measure ask for a value, not a list: "What hours is the Cloud Platform on call at weekends?" is
# answered by "7AM-10PM weekends", not by the list under "During support hours (10AM - 5PM) At least one engineer to:"
# (check X).
_MEASURES = frozenset({"second", "minute", "hour", "day", "week", "month", "year", "decade", "time", "date", "byte",
                       "percent", "dollar", "euro", "pound", "mile", "meter", "metre", "unit"})


def asked_thing(question: str) -> str | None:
    """The noun a which or what question asks for, lower case ("port" of "Which port does PostgreSQL use ...?"), or
    None."""
    m = _ASKS_FOR.match(question)
    return m.group(1).split()[-1].lower() if m else None


def asked_for(question: str) -> str | None:
    """What a question asks to be listed, as a word's stem ("convertor", "role", "order"), or None: the last word
    before its verb, when that is a plural (not of a unit of time or measure) or "order"."""
    head = asked_thing(question)
    if head is None:
        return None
    if head == "order":
        return head
    stem = head[:-1] if len(head) > 3 and head.endswith("s") and not head.endswith(("ss", "us", "is")) else None
    return None if stem in _MEASURES else stem


def names_what_is_listed(stem: str, text: str) -> bool:
    """Does the list `text` (a list unit: its lead-in, then two items or more) open with a line that ends in a
    colon and names `stem`?"""
    items = list_lines(text)
    if len(items) < 2:
        return False
    lead = text[: items[0][0]].strip()
    line = lead.rsplit("\n\n", 1)[-1]
    return line.endswith(":") and re.search(rf"\b{re.escape(stem)}", line, re.IGNORECASE) is not None
