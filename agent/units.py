"""Answer units: the spans of a passage an answer may quote. Ordinary text is cut into sentences; structure is
kept whole, because real documentation answers with it — a list of steps with the line that introduces it,
a table row (ingestion writes every row with its column names, "Level: Senior | Salary: 80,000"), a code
block with the sentence that introduces it. Every unit is a contiguous span, so it is quoted verbatim with
exact offsets like a sentence.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from agent.sentences import sentence_spans
from kernel.rows import ROW_LINE

Kind = Literal["sentence", "pair", "steps", "row", "code"]

_FENCE = re.compile(r"^```[^\n]*\n.*?\n```[ \t]*$", re.MULTILINE | re.DOTALL)
_NUMBER_MARK = r"\d{1,3}[.)]"
_MARKER = rf"[ \t]*(?:[-*•]|{_NUMBER_MARK})[ \t]+"
_LIST_LINE = re.compile(rf"^{_MARKER}\S.*$", re.MULTILINE)
# A list item that names a term and then says what it is ("- `max_age` - Sets a maximum time ... Defaults to
# 600.", "- Organization Code: T-TECH"): a parameter or field reference, a table row written as a list.
_TERM = r"([^\s:]{1,60}|[^\s:]{1,40} [^\s:]{1,40})"
_TERM_ITEM = re.compile(rf"{_MARKER}{_TERM}(?: [-–—]|:) (?=\S)")
_DASHED_TERM = re.compile(rf"{_TERM} [-–—] (?=\S)")


def dashed_term(row: str) -> str:
    """The term a row of a list of terms opens with when a dash sets it off ("S1 - Data loss or crash - Prevents app
    use"), or "": such a row has no named cells (`kernel.rows.cells`), and its term is what it is looked up by."""
    m = _DASHED_TERM.match(row)
    return m.group(1) if m else ""


@dataclass(frozen=True)
class Unit:
    start: int
    end: int
    kind: Kind


def _blocks(text: str) -> list[Unit]:
    found: list[Unit] = [Unit(m.start(), m.end(), "code") for m in _FENCE.finditer(text)]
    covered = [(u.start, u.end) for u in found]

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in covered)

    run: list[re.Match[str]] = []
    for m in [*_LIST_LINE.finditer(text), None]:
        if m is not None and free(m.start(), m.end()) and (not run or _adjacent(text, run[-1].end(), m.start())
                                                            or _example_between(text, run[-1], m)):
            run.append(m)
            continue
        if run:
            found.append(Unit(run[0].start(), run[-1].end(), "steps"))
            covered.append((run[0].start(), run[-1].end()))
        run = [m] if m is not None and free(m.start(), m.end()) else []
    for m in ROW_LINE.finditer(text):
        if free(m.start(), m.end()):
            found.append(Unit(m.start(), m.end(), "row"))
    return sorted(found, key=lambda u: u.start)


_NUMBERED = re.compile(rf"[ \t]*({_NUMBER_MARK})[ \t]")


def _number(item: re.Match[str]) -> int | None:
    m = _NUMBERED.match(item.group(0))
    return None if m is None else int(m.group(1)[:-1])


def _example_between(text: str, last: re.Match[str], item: re.Match[str]) -> bool:
    """Does one paragraph stand between two numbered steps, part of the first, set apart (a block quote, an
    indented note or command)? It is when the first step announces it ("2. Provide rationale for request.
    Example:" / the example / "3. Include the contact and shipping information."), or when it is no sentence
    and the numbers run on ("5. Cherry-pick the commit" / "git cherry-pick -x --mainline 1 ${commitSha}" / "6.
    Push the branch"): a command set as a plain paragraph, without code markup. Either way the procedure was cut
    in two at it, and the second half took it for its introduction."""
    between = text[last.end() : item.start()].strip()
    if not between or "\n" in between or (n := _number(last)) is None or (m := _number(item)) is None:
        return False
    return _ANNOUNCES.search(last.group(0)) is not None or (between[-1] not in ".!?" and m == n + 1)


def _term_rows(text: str, steps: Unit) -> list[Unit]:
    """Each item of a list of terms, as a row: a question about one parameter is answered by its item, and the
    whole list reads as off-topic to every scorer (and its siblings are kept out the way a table's are)."""
    lines = list(_LIST_LINE.finditer(text, steps.start, steps.end))
    terms = [(m.start(1), line.end()) for line in lines
             if (m := _TERM_ITEM.match(text, line.start(), line.end())) is not None]
    if len(terms) < 2 or 3 * len(terms) < 2 * len(lines):
        return []
    return [Unit(a, b, "row") for a, b in terms]


# A list item that says something whole: a sentence of its own, as the items of a list of differences or
# caveats are ("- If a node_modules is already present, it will be automatically removed before npm ci begins"),
# and as numbered rules are ("1. Acknowledge pages promptly. If you do not acknowledge within 10 minutes, ...").
_ITEM_MARK = re.compile(_MARKER)
# A list item's marker ending where its text starts.
_MARK_BEFORE = re.compile(rf"(?:\A|\n){_MARKER}\Z")
_ITEM_WORDS = 6
# Six words or more say something whole, with a full stop or without: checklists and requirement lists seldom end
# their items with one ("- The feature is signed off by the product owner", "1. Avoid `git add .` commands on git").
# Not an item that breaks off on a colon, semicolon or comma: it leads into what follows it.
_BREAKS_OFF = re.compile(r"[:;,]\Z")


def _prose_items(text: str, steps: Unit) -> list[Unit]:
    """Each item of a list that reads as a sentence, as a sentence unit: a question about one of them is
    answered by it, and the whole list reads as off-topic beside other sentences. The list stays a unit too, so
    a procedure is still answered by all its steps; a list whose items are too short to say something is only
    that."""
    lines = list(_LIST_LINE.finditer(text, steps.start, steps.end))
    items = []
    for i, line in enumerate(lines):
        m = _ITEM_MARK.match(text, line.start(), line.end())
        assert m is not None  # every list line opens with a marker
        body = text[m.end() : line.end()].rstrip()
        if len(body.split()) >= _ITEM_WORDS and not _BREAKS_OFF.search(body):
            items.append(Unit(_goes_on_from(text, lines, i, m.end()), m.end() + len(body), "sentence"))
    return items if len(lines) >= 2 else []


def _goes_on_from(text: str, lines: Sequence[re.Match[str]], i: int, at: int) -> int:
    """Where the item whose text starts at `at` is read from: the text of the item right above it when it is that
    item's first nested item and opens in lower case, going on with it ("- Allspaw's article on Infinite How's" /
    "  - an alternative to Five Whys", 18F's incident reports page, check AN: quoted alone, the answer to what
    replaces Five Whys never named it); else `at`."""
    if i == 0 or not text[at].islower() or _indent(lines[i]) <= _indent(lines[i - 1]) \
            or lines[i - 1].end() + 1 != lines[i].start():
        return at
    return past_marker(text, lines[i - 1].start())


def _adjacent(text: str, end: int, start: int) -> bool:
    return not text[end:start].strip()


# A sentence announces the block after it when it ends with a colon or an ellipsis ("To reset your
# password:", "You can do so by first installing..."), says the steps follow ("follow the steps below."), or
# opens with "Here is" ("Here is a trivial example that calls puts a few times.") or "Below is" ("Below is an example
# web-config.yml configuration file.", under a heading the unit is quoted from).
_ANNOUNCES = re.compile(r"(?::|\.\.\.|…)\s*$|\b(?:below|following|as follows)\W*$|"
                        r"(?:^|\n)(?:here|below)(?:'s| is| are)\b", re.IGNORECASE)

# Nor need the sentence over a list end on its announcement: "To run locally, this tool requires the following
# dependencies in your system PATH" names the list as it goes, and the items alone ("- node", "- yarn") say nothing.
_NAMES_FOLLOWING = re.compile(r"\bthe following\b", re.IGNORECASE)

# A sentence that breaks off mid-way ("If f is such a factor object, you can use") and goes on in lower case after
# the code block ("to get the numbers back.") has the block as its next words: manuals typeset in TeX and texinfo
# display commands inside their sentences so. A line that breaks off with nothing to go on is a heading ("Avoiding
# caching") unless it ends on a comma ("For example,"). Not a list: a line without a full stop before a list is as
# often a label of it ("Variable Day", "The exception hierarchy").
_BROKEN_OFF = re.compile(r"[a-z,]\s*$")
# Nor does a line that breaks off on a word that wants its object ("…, which can be done by something like",
# "you can use", "run"): a heading ends on what it names. Texinfo's manuals set a command so and go on with a new
# sentence or item after it.
_DANGLING = re.compile(r"\b(?:like|as|by|with|using|via|to|of|for|from|into|the|a|an|use|run|type|enter|call)\s*$",
                       re.IGNORECASE)
# A numbered caption over a block ("Example 6.5. Non-interactive upgrade script", "Listing 3: Retry loop") is its
# title: DocBook and Publican set every example so, with no sentence announcing it. A caption is a short line; a
# paragraph that opens "Figure 3 shows …" is prose.
_CAPTION = re.compile(r"(?:example|listing|figure|table)\s+\d+(?:[.-]\d+)*[.:]\s+\S", re.IGNORECASE)
_CAPTION_WORDS = 12


# An announcing sentence this short says only that an example follows ("For example:", "Like this:").
_CONNECTOR_WORDS = 3
# A sentence that opens by pointing back at what comes before it: an announcing sentence so ("This may be
# implemented with the following configuration:") says what the block does only with the sentence before it ("You
# may wish to use a .htaccess file to permit the execution of CGI programs in a particular directory."), and a
# sentence so after a block says what the block did ("This will install uvicorn with minimal dependencies.").
POINTS_BACK = re.compile(r"(?:this|that|these|those|it|the above|doing so|to do (?:this|that|so)|in (?:this|that) case|"
                         r"as (?:you can see|shown|seen)(?: above)?)\b", re.IGNORECASE)
# So does an announcing sentence that gives an example of the one before it ("If you want to call your .htaccess
# file something else, you can change the name of the file using the AccessFileName directive. For example, if
# you would rather call the file .config then you can put the following in your server configuration file:").
EXEMPLIFIES = re.compile(r"(?:for example|for instance|e\.g\.)\W", re.IGNORECASE)


def _intro(text: str, block: Unit, sentences: list[tuple[int, int]]) -> tuple[int, int, list[tuple[int, int]]] | None:
    """Where the unit of a list or code block starts and ends with its introduction, and the sentences it takes
    in, when a sentence announces the block: it is quoted with the block, because neither reads as an answer
    without the other. When that sentence is only a connector ("For example:"), the sentence before it in the
    same paragraph says what the block shows ("Proxy credentials can be passed as the userinfo section of the
    proxy URL."), so the introduction starts there; so it does when the sentence opens by pointing back to the
    one before ("This may be implemented with ...") or by giving an example of it ("For example, if you would
    rather call the file .config ..."). A code block set inside a sentence takes in the rest of it."""
    before = [s for s in sentences if s[1] <= block.start and not text[s[1] : block.start].strip()]
    if not before:
        return None
    announcer = before[-1]
    a, b = announcer
    after = next((s for s in sentences if s[0] >= block.end), None)
    goes_on = after is not None and _adjacent(text, block.end, after[0]) and text[after[0]].islower()
    inside = block.kind == "code" and _BROKEN_OFF.search(text[a:b]) is not None and (
        text[b - 1] == "," or goes_on or _DANGLING.search(text[a:b]) is not None)
    line = text.rfind("\n", 0, a) + 1
    if block.kind == "code" and "\n" not in text[a:b] and _PATH_LABEL.fullmatch(text[a:b].strip()):
        return a, block.end, [announcer]  # the name of the file the block holds ("Dockerfile", "main.py")
    if _CAPTION.match(text, line) and "\n" not in text[line:b] and len(text[line:b].split()) <= _CAPTION_WORDS:
        return line, block.end, [s for s in sentences if line <= s[0] and s[1] <= block.start]
    names_list = block.kind == "steps" and _NAMES_FOLLOWING.search(text[a:b]) is not None
    if not (inside or names_list or _ANNOUNCES.search(text[a:b])):
        return None
    earlier = [s for s in sentences if s[1] <= a and "\n" not in text[s[1] : a]]
    connector = (len(text[a:b].split()) <= _CONNECTOR_WORDS or POINTS_BACK.match(text, a) is not None
                 or EXEMPLIFIES.match(text, a) is not None)
    if connector and not earlier and "\n" not in text[a:b]:
        # A label alone on its line (a tab's "pip:") under the line that leads into it ("If you just want to install
        # all of them at once, you can use the standard extra:"; Uvicorn's install page, check AB): the lead-in says
        # what the block is for, and answers nothing alone.
        lead = [s for s in sentences if s[1] <= a and not text[s[1] : a].strip() and text[s[0] : s[1]].endswith(":")]
        if lead:
            return lead[-1][0], block.end, [lead[-1], announcer]
    start = earlier[-1][0] if connector and earlier else a
    if inside and goes_on and after is not None:
        return start, after[1], [announcer, after]
    return start, block.end, [announcer]


def _announcing_step(text: str, blocks: list[Unit], i: int) -> int | None:
    """Where the last item of the list before code block `blocks[i]` starts when that item announces the block
    ("1. Open a terminal window and enter the following command:" over ```ssh-keygen -t ed25519```): how-tos set
    a step's command so, and the block read alone missed what it is for while the step was quoted without its
    command. A numbered step whose number the item after the block goes on from ("5. Cherry-pick the merged
    commit", the command, "6. Push it to GitHub") holds the block as its command too, though it says so with no
    colon; so does the last such step, whose number goes on from the step before it and its command."""
    block = blocks[i]
    steps = blocks[i - 1] if i else None
    if steps is None or steps.kind != "steps" or not _adjacent(text, steps.end, block.start):
        return None
    last = list(_LIST_LINE.finditer(text, steps.start, steps.end))[-1]
    if _ANNOUNCES.search(last.group(0)):
        return last.start()
    if (n := _number(last)) is None:
        return None
    after = blocks[i + 1] if i + 1 < len(blocks) else None
    if (after is not None and after.kind == "steps" and _adjacent(text, block.end, after.start)
            and (first := _LIST_LINE.match(text, after.start)) is not None and _number(first) == n + 1):
        return last.start()
    if i < 3:
        return None
    earlier, command = blocks[i - 3], blocks[i - 2]
    if (earlier.kind != "steps" or command.kind != "code" or not _adjacent(text, earlier.end, command.start)
            or not _adjacent(text, command.end, steps.start)):
        return None
    return last.start() if _number(list(_LIST_LINE.finditer(text, earlier.start, earlier.end))[-1]) == n - 1 else None


def _with_fragments(text: str, sentences: list[tuple[int, int]], min_chars: int) -> list[tuple[int, int]]:
    """The sentences with each one shorter than `min_chars` joined to the one before it in its paragraph. Too
    short to be a unit, such a fragment was quoted by nobody: an API reference's "Default: 16384 (16 KiB)."
    after the sentence that names the option (a printed parameter list is a paragraph per item), or the rest of
    a sentence cut at an abbreviation the splitter does not know ("... Op. | 21 on 17 March 1830."). A fragment
    announcing a block ("For example:") stays apart: it is the block's introduction (`_intro`). A short reply
    opening its paragraph ("Not yet.", "Yes.") is part of the sentence after it: a FAQ answers so, and alone the
    reply was too short to quote ("Does Black have an API?" / "Not yet. Black is fundamentally a command line
    tool.")."""
    out: list[tuple[int, int]] = []
    for a, b in sentences:
        same_paragraph = bool(out) and "\n" not in text[out[-1][1] : a]
        fragment = b - a < min_chars and not _ANNOUNCES.search(text[a:b])
        reply = bool(out) and _REPLY.fullmatch(text, *out[-1]) is not None and (
            len(out) == 1 or "\n" in text[out[-2][1] : out[-1][0]])
        if same_paragraph and (fragment or reply):
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


# A reply of up to three words that ends with a full stop or an exclamation mark: "Not yet.", "Yes.", "Stable."
_REPLY = re.compile(r"[^\s.!?:]+(?: [^\s.!?:]+){0,2}[.!]")


def answer_units(text: str, min_chars: int) -> list[Unit]:
    """Every unit of `text`, in order. Sentences inside a block are not units of their own; the items of a
    list of terms are (`_term_rows`), and so are the items of a bulleted list that read as sentences
    (`_prose_items`). A sentence shorter than `min_chars` is part of the one before it (`_with_fragments`)."""
    blocks = _blocks(text)
    units: list[Unit] = []
    cursor = 0
    sentences: list[tuple[int, int]] = []
    for b in blocks:
        sentences += _with_fragments(text, sentence_spans(text, cursor, b.start), min_chars)
        cursor = b.end
    sentences += _with_fragments(text, sentence_spans(text, cursor, len(text)), min_chars)
    intros: set[tuple[int, int]] = set()
    for i, b in enumerate(blocks):
        intro = _intro(text, b, sentences) if b.kind in ("steps", "code") else None
        if intro:
            intros.update(intro[2])
        elif b.kind == "code" and (step := _announcing_step(text, blocks, i)) is not None:
            before = blocks[i - 1]
            if step == before.start and units[-1] == before:
                units.pop()  # a step that only announces the block answers nothing alone, as a sentence would not
            units.append(Unit(step, b.end, "code"))
            continue
        units.append(Unit(intro[0], intro[1], b.kind) if intro else b)
    # An introducing sentence alone ("Install the module first:") answers nothing; it lives in its block.
    alone = [s for s in sentences if s not in intros]
    units += [Unit(a, b, "sentence") for a, b in alone]
    # Two sentences of one paragraph: answers often take both ("Blue Line trains run ... The closest stop is").
    units += [Unit(a[0], b[1], "pair") for a, b in itertools.pairwise(alone)
              if "\n" not in text[a[1] : b[0]] or _leans_across(text, a, b)]
    for b in blocks:
        if b.kind == "steps":
            units += _term_rows(text, b) or _prose_items(text, b)
    return sorted(units, key=lambda u: (u.start, u.end))


def _leans_across(text: str, first: tuple[int, int], second: tuple[int, int]) -> bool:
    """Does the paragraph at `second` open by pointing back at the sentence that ends the paragraph right before it?
    Tutorials set each sentence apart: "If you want to (...), you can declare only CLI option names to set the False
    value." / "To do that, use a space and a single / and pass the negative name after:" answers how only as a pair
    (Typer's docs, check AP). So does one going on from it ("And then calling the .update() method ..."). Only when
    the sentence before is its paragraph: after a longer one, "This flag ..." points at what the whole paragraph
    describes, not at its last sentence (npm's min-release-age, check C). Not after a heading or a line that breaks
    off: the first must end a sentence."""
    return (text[first[1] : second[0]] == "\n\n" and text[first[1] - 1] in ".!?:"
            and (first[0] == 0 or text.endswith("\n\n", 0, first[0]))
            and (POINTS_BACK.match(text, second[0]) is not None or _CARRIES_ON.match(text, second[0]) is not None))


# A paragraph opening with a conjunction goes on from the one before it.
_CARRIES_ON = re.compile(r"(?:and|but|so|also|then)\b", re.IGNORECASE)


# Dot leaders run to a page number, or to the end of the line when the number was set apart: a table-of-contents
# or index line of a manual ("Invoking asn1Parser .... 5", "Header file libtasn1.h.........").
_LEADERS = re.compile(r"(?:\.[ \t]?){5,}[ \t]*\d|\.{8,}[ \t]*$", re.MULTILINE)


def contents_entry(text: str, kind: Kind) -> bool:
    """Is this unit a table-of-contents or index entry? It shares the words of the question it points to and
    answers nothing, so it must not take a scorer's slot from the section it names."""
    return kind != "code" and bool(_LEADERS.search(text))


def join_units(texts: list[str]) -> str:
    """Sentences run on as prose; once a block is among them, every unit gets its own paragraph."""
    return "\n\n".join(texts) if any("\n" in t for t in texts) else " ".join(texts)


# A code block longer than this is quoted in pieces, as chunked: whole, it would be the entire answer.
MAX_WIDENED_BLOCK = 4000
# How far back a widened block's introducing paragraph may start.
_INTRO_REACH = 400


def long_blocks(document: str) -> list[tuple[int, int]]:
    """The fenced code blocks of `document` too long to be widened to (`whole_blocks`). A chunk's piece of such a
    block has no fences, and its comment lines read as sentences: "Which port does PostgreSQL use to reach an LDAP
    server?" was answered by '# "bryanh" and he requests to connect as PostgreSQL user "guest1", the # connection is
    allowed ...' from pg_hba.conf's page of examples (check AH)."""
    return [(m.start(), m.end()) for m in _FENCE.finditer(document) if m.end() - m.start() > MAX_WIDENED_BLOCK]


def whole_blocks(document: str, start: int, end: int) -> tuple[int, int]:
    """The span [start, end) of `document` widened to every fenced code block and every numbered list it cuts or
    touches, with the paragraph that introduces the block. A block longer than a chunk is split across chunks:
    a code block's piece without its fences reads as prose cut at random lines, and a procedure cut after its
    third step answers "in what order" with half the steps. A chunk may also end with the sentence announcing
    a block ("... if you set verify to False:") while the block opens the next chunk. Widened, each is a whole
    block with its introduction again, a verbatim span all the same. Steps parted by blank lines and commands are
    no tight list, but a step cut off from the next by the span's end goes on to it (`list_goes_on`)."""
    end = list_goes_on(document, end) or end
    # Fences pair up only when read from the top: searched from inside the text, a closing fence would open.
    # No block starting past this can be widened to: it lies beyond the reach of an introduction, or is too long.
    head = document[: end + _INTRO_REACH + MAX_WIDENED_BLOCK + 1]
    fences = [(m.start(), m.end()) for m in _FENCE.finditer(head)]
    fence_ends = [b for _, b in fences]  # ascending: fences do not overlap
    for a, b in sorted([*fences, *_tight_lists(head, fences)]):
        if a > end + _INTRO_REACH:
            break
        paragraph = document.rfind("\n\n", 0, max(a - 2, 0))
        intro = paragraph + 2 if paragraph >= 0 and a - paragraph <= _INTRO_REACH else a
        # A blank line inside the code block before is no paragraph's start: a quote opening there pairs
        # every fence after it the wrong way round.
        before = bisect.bisect_right(fence_ends, a)
        if before and intro < fence_ends[before - 1]:
            intro = a - len(document[fence_ends[before - 1] : a].lstrip())
        if b - a > MAX_WIDENED_BLOCK or b <= start or intro >= end or (start <= intro and b <= end):
            continue  # too long to quote whole, apart from the span, or whole in it already
        start, end = min(start, intro), max(end, b)
    return start, end


def _tight_lists(text: str, fences: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Numbered lists: runs of list lines with no blank line between them, outside code blocks, two or more of
    them numbered. Numbered steps are a procedure, answered together; the items of a bulleted list often answer
    alone (`_prose_items`), and widening to them only adds rivals. A blank line may part the items of one list,
    but it also parts numbered headings ("2. Schemas") from the lists under them: widened across those, a chunk
    would become a whole chapter of rules."""
    runs: list[tuple[int, int, int]] = []  # (start, end, numbered items)
    for m in _LIST_LINE.finditer(text):
        if any(a <= m.start() < b for a, b in fences):
            continue
        numbered = int(_NUMBERED.match(m.group(0)) is not None)
        if runs and text[runs[-1][1] : m.start()] == "\n":
            start, _, count = runs[-1]
            runs[-1] = (start, m.end(), count + numbered)
        else:
            runs.append((m.start(), m.end(), numbered))
    return [(a, b) for a, b, count in runs if count > 1]


# How far a unit's quote may be carried into the block its paragraph leads to: a list or a command, not a chapter.
MAX_CARRIED = 1500
# The longest line introducing a block that a quote is carried across (`block_after`): one sentence.
MAX_LEAD_IN = 200
# The longest line explaining the code block before it that a quote is carried into (`line_after`).
MAX_EXPLAINING = 400


def _paragraph_at(text: str, gap: int) -> int:
    """Where the paragraph after the blank line at `gap` starts."""
    at = gap + 2
    while text.startswith("\n", at):
        at += 1
    return at


# A file's path alone on its line names the file the code block under it holds ("/etc/tmpfiles.d/celery.conf" over
# its two lines, Celery's daemonization guide, check AA), colon or not; so does a build file's name, which has no
# extension ("Dockerfile" over Uvicorn's Dockerfile, check AB; "Makefile", "Procfile").
_PATH_LABEL = re.compile(r"[~.]?/?(?:[\w.-]+/)+[\w.-]+:?|[\w-]+\.[a-z]{1,5}:?|[A-Z][a-z]*file:?")


def _introduced_block(text: str, at: int) -> int | None:
    """Where the block starts that a one-line paragraph at `at` introduces with a colon ("Follow the below steps to
    perform the update:" / the list) or names as its file's path, or None when that paragraph is no such line."""
    if _FENCE.match(text, at) or _tabbed_fence(text, at) or _LIST_LINE.match(text, at):
        return None
    stop = text.find("\n\n", at)
    if stop < 0 or "\n" in text[at:stop] or stop - at > MAX_LEAD_IN:
        return None
    line = text[at:stop].strip()
    if _PATH_LABEL.fullmatch(line):
        return after if _FENCE.match(text, after := _paragraph_at(text, stop)) else None
    if not line.endswith(":") or len(sentence_spans(text, at, stop)) > 1:
        return None
    return _paragraph_at(text, stop)


def line_after(text: str, end: int) -> int | None:
    """Where the paragraph after the one ending at `end` ends, when it is one line of prose (no block, list, heading,
    quote or table row) of at most MAX_EXPLAINING characters; None when it is not."""
    gap = len(text) - len(text[end:].lstrip(" \t"))
    if not text.startswith("\n\n", gap):
        return None
    at = _paragraph_at(text, gap)
    line = _prose_line(text, at)
    return at + len(line) if line is not None and len(line) <= MAX_EXPLAINING else None


def _prose_line(text: str, at: int) -> str | None:
    """The paragraph at `at` when it is one line of prose: no code block, tab, list item, heading, quote or table
    row."""
    if _FENCE.match(text, at) or _tabbed_fence(text, at) or _LIST_LINE.match(text, at) \
            or text.startswith(("#", ">", "|"), at):
        return None
    stop = text.find("\n\n", at)
    line = (text[at:] if stop < 0 else text[at:stop]).rstrip("\n")
    return line if line and "\n" not in line else None


def list_lines(text: str) -> list[tuple[int, int]]:
    """Where each list item's line of `text` starts and ends."""
    return [(m.start(), m.end()) for m in _LIST_LINE.finditer(text)]


def past_marker(text: str, at: int) -> int:
    """Where the text of the line starting at `at` begins: past its list marker, when it has one."""
    m = _ITEM_MARK.match(text, at)
    return at if m is None else m.end()


def opens_item(text: str, at: int) -> bool:
    """Does a list item's text start at `at`, just after its marker ("- ", "2. ")?"""
    return _MARK_BEFORE.search(text, max(0, at - 12), at) is not None


def _indent(line: re.Match[str]) -> int:
    return len(line.group(0)) - len(line.group(0).lstrip(" \t"))


def nested_items(text: str, end: int) -> int | None:
    """Where the list nested under the list item ending at `end` ends, or None when the line ending there is no
    list item with items indented under it. The nested items tell how to do what their item asks: dxw's trusted
    device rules say "At the end of the period of use ..., you will be required to 'wipe' or 'reset' your device"
    / "  1. You will need to erase your Mac and reset it to factory settings ..."."""
    line_end = text.find("\n", end)
    if line_end < 0 or text[end:line_end].strip():
        return None
    item = _LIST_LINE.match(text, text.rfind("\n", 0, end) + 1)
    if item is None:
        return None
    close = None
    while (nxt := _LIST_LINE.match(text, line_end + 1)) is not None and _indent(nxt) > _indent(item):
        close = line_end = nxt.end()
    return close if close is not None and close - end <= MAX_CARRIED else None


def fenced_code(text: str) -> list[str]:
    """The code of each fenced block in `text`, without its fences."""
    return [m.group(0).split("\n", 1)[1].rsplit("\n", 1)[0] for m in _FENCE.finditer(text)]


def block_after(text: str, end: int) -> int | None:
    """Where the block that opens the paragraph after the one ending at or after `end` ends: a fenced code block,
    or a list — a numbered one through the commands set between its steps ("1. Install pre-commit" / its command /
    "2. Add a config file" / its block) and the last step's — or such a block after a one-line paragraph
    introducing it: MOJ's Cloud Platform guide says when a secret must be rotated, then "Follow the below steps to
    perform the update:", then the steps. After a paragraph ending in a colon, the line it displays (`_shown_line`).
    None when that paragraph is no block, or the block runs past MAX_CARRIED."""
    stop = text.find("\n\n", end)
    if stop < 0 or "\n" in text[end:stop]:
        return None
    at = _paragraph_at(text, stop)
    if (introduced := _introduced_block(text, at)) is not None:
        at = introduced
    if (fence := _tabbed_fence(text, at) or _FENCE.match(text, at)) is not None:
        close = fence.end()
        while (tab := _tabbed_fence(text, close + 2)) is not None and text[close : close + 2] == "\n\n":
            close = tab.end()
    elif (item := _LIST_LINE.match(text, at)) is not None:
        close = item.end()
        while True:
            nxt = _LIST_LINE.match(text, close + 1) if text.startswith("\n", close) else None
            if nxt is not None:
                close = nxt.end()
                continue
            step = _continued_step(text, close)
            if step is None:
                break
            close = step
        if _reached_across_command(text, close) and (command := _command_after(text, close)) is not None:
            close = command  # the last step's command, as the steps before it had theirs
    elif text[:stop].rstrip().endswith(":") and not _FIGURE.search(text, text.rfind("\n", 0, stop) + 1, stop) \
            and (shown := _shown_line(text, at)) is not None:
        close = shown
    else:
        return None
    return close if close - end <= MAX_CARRIED else None


# The longest line a colon displays on its own (`_shown_line`): a name, a format, a value.
MAX_SHOWN = 120
# A colon pointing at a picture ("… are unticked, as shown below:", Pi-hole's unbound guide, check AE) leads to what
# parsing left of the image, its alt text ("Upstream DNS Servers Configuration"), which answers nothing.
_FIGURE = re.compile(r"\b(?:shown|pictured|illustrated|screenshots?|images?|figures?|diagrams?|picture)\b",
                     re.IGNORECASE)
_SENTENCE_CLOSE = re.compile(r"[.!?:;,][\"')\]]*$")


def _shown_line(text: str, at: int) -> int | None:
    """Where the paragraph at `at` ends when it is a line displayed by the colon before it, as a format or a name
    is set apart in Markdown without a code block: Clef's handbook says an archived project folder is "labeled
    with the date when it was archived with the format:" / "**YYYY-MM Project Name**" (check AI), and the answer
    stopped at the colon. One line of at most MAX_SHOWN characters that is no sentence, list, quote or table row;
    None otherwise."""
    line = _prose_line(text, at)
    line = None if line is None else line.rstrip()
    if not line or len(line) > MAX_SHOWN or _SENTENCE_CLOSE.search(line) \
            or len(sentence_spans(text, at, at + len(line))) > 1:
        return None
    return at + len(line)


# A tab's label, as the parser leads a tab's body with it ("Unix/macOS:", "Bash:", "Windows CMD:"): up to three words
# ending in a colon, no sentence and no phrase opened by a function word ("For example:", "The output:").
_TAB_LABEL = re.compile(r"(?!(?:the|a|an|for|in|on|to|this|that|these|those|with|and|or|example|output|e\.g)\b)"
                        r"[^\s.!?:][^\s.!?:]*(?: [^\s.!?:]+){0,2}:\n\n", re.IGNORECASE)


def _tabbed_fence(text: str, at: int) -> re.Match[str] | None:
    """The code block a tab's label at `at` leads to: the packaging guide sets each command in tabs, one per
    system ("To create a virtual environment, ... run the following command:" / "Unix/macOS:" / the command /
    "Windows:" / the command), and a quote carried on into its block stopped at the first label."""
    label = _TAB_LABEL.match(text, at)
    return _FENCE.match(text, label.end()) if label is not None else None


def block_before(text: str, at: int) -> int | None:
    """Where the fenced code block that ends right before `at` (blank lines apart) starts, with the one-line
    paragraph announcing it ("Replace the current contents of that file with this:"); None when no block ends
    there, or it starts more than MAX_CARRIED before `at`."""
    fence = _fence_ending(text, at)
    if fence is None or at - fence.start() > MAX_CARRIED:
        return None
    start = fence.start()
    lead = text.rfind("\n\n", 0, max(start - 2, 0))
    lead = 0 if lead < 0 else lead + 2
    line = text[lead:start].strip()
    if line.endswith(":") and "\n" not in line and len(line) <= MAX_LEAD_IN:
        return lead
    return start


def fence_before(text: str, at: int) -> str:
    """The body of the fenced code block that ends right before `at`, blank lines apart, or "". Fences pair only
    when read from the top: searched backwards from the closing fence, a line of the code that holds "```"
    would pass for the opening one."""
    fence = _fence_ending(text, at)
    return "" if fence is None else fence.group(0).partition("\n")[2].rstrip()[:-3].rstrip("\n")


def _fence_ending(text: str, at: int) -> re.Match[str] | None:
    """The fenced code block that ends right before `at`, blank lines apart, its fences paired from the top."""
    head = text[:at].rstrip()
    return next((f for f in _FENCE.finditer(head) if f.end() == len(head)), None)


def _continued_step(text: str, end: int) -> int | None:
    """The end of the next numbered step when the list ending at `end` goes on after a blank line, with or without
    a command between: its number follows the last one's. Or the end of the command the last item announces."""
    last = list(_LIST_LINE.finditer(text, text.rfind("\n", 0, end) + 1, end))
    if not last:
        return None
    at = end
    while text.startswith("\n", at):
        at += 1
    fence = _FENCE.match(text, at)
    if (n := _number(last[-1])) is None:
        # A bulleted item announcing a command ("- Tell git to use SSH keys. In a terminal, enter this command:")
        return fence.end() if fence is not None and at > end and _ANNOUNCES.search(last[-1].group(0)) else None
    if fence is not None:
        at = fence.end()
        while text.startswith("\n", at):
            at += 1
        # A one-paragraph note on the command, before the next step: "2. Install ... using pip:" / the command /
        # "(this assumes you have your project requirements in a requirements.txt file ...)" / "3. Optionally, ..."
        # (Python's zipapp page).
        note = text.find("\n\n", at)
        if note > at and "\n" not in text[at:note] and _LIST_LINE.match(text, at) is None \
                and (after := _LIST_LINE.match(text, note + 2)) is not None and _number(after) == n + 1:
            at = note + 2
    item = _LIST_LINE.match(text, at)
    if item is not None and at > end and _number(item) == n + 1:
        return item.end()
    return fence.end() if fence is not None and at > end and _ANNOUNCES.search(last[-1].group(0)) else None


def list_goes_on(text: str, end: int) -> int | None:
    """Where the numbered list that a quoted list ending at `end` is part of ends, when it goes on past it: Sphinx
    sets a command inside its step, so the parser cuts "The steps to create a standalone archive are as follows:" /
    "1. Create your application ..." apart from "2. Install all of your application's dependencies ...:" and its
    command, and from the steps after. The steps and the commands and notes between them, up to MAX_CARRIED past
    `end`; None when no step follows. When steps were parted by commands, the last one's command goes too: each step
    of that procedure carries one ("3. Tell Git to use it." and its `git config`, gitcredentials(7), check AI)."""
    close = end
    commands = _reached_across_command(text, end)
    while (step := _continued_step(text, close)) is not None and step - end <= MAX_CARRIED:
        commands = commands or _FENCE.search(text, close, step) is not None
        close = step
    if commands and (fence := _command_after(text, close)) is not None and fence - end <= MAX_CARRIED:
        close = fence
    return close if close > end else None


def _reached_across_command(text: str, end: int) -> bool:
    """Does the numbered step ending at `end` follow the step before it across a command?"""
    last = list(_LIST_LINE.finditer(text, text.rfind("\n", 0, end) + 1, end))
    if not last or (n := _number(last[-1])) is None or n < 2:
        return False
    before = [m for m in _LIST_LINE.finditer(text, max(last[-1].start() - MAX_CARRIED, 0), last[-1].start())
              if _number(m) == n - 1]
    return bool(before) and _FENCE.search(text, before[-1].end(), last[-1].start()) is not None


def _command_after(text: str, at: int) -> int | None:
    """The end of the code block that follows `at` after blank lines, if one does."""
    start = at
    while text.startswith("\n", start):
        start += 1
    fence = _FENCE.match(text, start) if start > at else None
    return None if fence is None else fence.end()


def announces(text: str) -> bool:
    """Does any sentence of `text` announce what follows it ("... set an upstream branch as follows.")?"""
    return any(_ANNOUNCES.search(text[a:b]) for a, b in sentence_spans(text, 0, len(text)))
