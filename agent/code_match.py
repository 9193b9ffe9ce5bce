"""Which code block or list of steps a question asking how to do something asks for by its action: "How do I install
unbound?" is answered by "The first thing you need to do is to install the recursive DNS resolver:" and `sudo apt
install unbound`, "How do I fix the so-rcvbuf warning in unbound?" by "To fix it:" and the steps under it. The scorers
read a command or a step as a poor sentence (0.19 for the first, under a sentence saying what installing from a
package manager also installs), and the answer said everything about the action but how to do it (check AE). A block
or list whose announcing sentence names the asked action, and which with that sentence and its section's heading
holds every word of the question, is the answer: it is scored just above its document's best unit
(`answered_as_asked`, in the responder). So is a block whose command runs the asked action by name (`pipx list
--pinned` bare under "Verify it", check AK), where its page has no more than two such blocks
(`agent/extractive.py::running_blocks`).
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Sequence
from collections.abc import Set as AbstractSet

from agent.sentence_model import content_words
from agent.sentences import sentence_spans
from agent.units import POINTS_BACK, list_lines
from agent.vetoes import says_how

# "How do I install", "How can we disable", "How to enable": the action asked for.
_ASKS_HOW = re.compile(r"^\W*how\s+(?:(?:do|can|could|should|would|must)\s+(?:i|we|you|one)\s+|to\s+)([a-z]+)\b",
                       re.IGNORECASE)
# Verbs that name no action of their own ("How do I make pihole-FTL dump its cache?", "How do I use the API?"): the
# action is further on, or is the whole page.
_LIGHT = frozenset({"be", "do", "get", "have", "make", "use", "go", "let", "find", "know", "see", "tell"})
_FENCE = "```"


def asked_action(question: str) -> str | None:
    """The verb a how-to question asks to be done ("install", "disable"), or None."""
    m = _ASKS_HOW.match(question)
    verb = m.group(1).lower() if m else None
    return None if verb is None or verb in _LIGHT else verb


def does_asked_action(question: str, unit: str, kind: str, heading: str = "", opens: bool = False,
                      title: str = "") -> bool:
    """Is `unit` (a code block or a list of steps, with the lines before it) what the question asks how to do: the
    sentence announcing the block or the items names the asked action (with the sentence before it, when it points
    back: "To install or update nvm, you should run the install script. To do that, ... use the following cURL or
    Wget command:"), and the unit with its section's `heading` holds every word of the question? Or is it the first
    thing its section says to do (`opens`), in a section named for what the question asks about, holding with its
    heading and page `title` every word of the question but the action: a setup page's sections, one per shell,
    each open with the line to add ("How do I enable direnv in PowerShell?": "PowerShell / Add the following line to
    your $PROFILE:", check AH), and the scorers put the page's closing advice, or another shell's line, first. Named
    for it means every word of the heading is the question's: "Fix so-rcvbuf warning in unbound" is not named for
    "How do I uninstall unbound?" (check AE)."""
    verb = asked_action(question)
    if verb is None or kind not in ("code", "steps"):
        return False
    if kind == "code":
        intro = unit.partition(_FENCE)[0] if _FENCE in unit else ""
    else:
        items = list_lines(unit)
        intro = unit[: items[0][0]] if items else ""
    paragraph = intro.rstrip().rpartition("\n\n")[2]  # not the heading above it
    if not paragraph.strip():
        return False
    spans = sentence_spans(paragraph)
    announcing = paragraph[spans[-1][0] : spans[-1][1]] if spans else paragraph
    if len(spans) > 1 and POINTS_BACK.match(announcing):
        announcing = paragraph[spans[-2][0] : spans[-1][1]]
    asked = content_words(question)
    named = content_words(heading)
    stem = verb[:-1] if verb.endswith("e") else verb
    if opens and named and named <= asked and named - content_words(title) and says_how(announcing):
        action = {w for w in asked if w.startswith(stem)}
        if asked - action <= content_words(f"{title}\n{heading}\n{unit}"):
            return True
    forms = {verb, f"{verb}s", f"{verb}es", f"{stem}ing"}
    said = {w.lower() for w in re.findall(r"[A-Za-z]+", announcing)}
    return bool(forms & said) and asked <= content_words(f"{heading}\n{unit}")


def runs_asked_action(question: str, unit: str, kind: str, title: str = "", headings: Sequence[str] = (),
                      common: AbstractSet[str] = frozenset()) -> bool:
    """Is `unit` a code block whose command is the action a how-to question asks for, by name: a command line with
    the asked verb among its first words (`pipx list --pinned`, `pdm publish --repository testpypi`, `eval (pdm venv
    activate for-test)`; where some lines are prompted with "$", only those, the rest being output)? That command,
    with the lines before the block and its `headings`, must say a word of the question besides the verb and the
    page's `title`, as the question writes it ("config" is not "configuration"); the block with them and the title,
    every word of the question but those `common` on its page, a word matching another by its first letters
    ("packages", "package"). "How do I publish my package to TestPyPI?" names the package, which the page's every
    section is about, and its block only the repository. Such blocks stand bare under a heading ("Verify it",
    "Fish:") or after a sentence that only names an option, and the scorers read them as poor sentences (0.12 for
    `pipx list --pinned`, under a list of `pipx pin` commands, check AK)."""
    verb = asked_action(question)
    if verb is None or kind != "code" or _FENCE not in unit:
        return False
    intro, _, block = unit.partition(_FENCE)
    # A comment is no command: "# load shared development variables" beside a dict of `dotenv_values` (check G).
    lines = [_COMMENT.sub("", line) for line in block.partition("\n")[2].splitlines()]
    prompted = [line.lstrip()[2:] for line in lines if line.lstrip().startswith("$ ")]
    running = [line for line in prompted or lines if _runs(verb, line.lstrip("> -"))]
    if not running:
        return False
    # Said of the command itself: not of other lines of its block, which a synopsis fills with every subcommand
    # ("git stash apply …" / "git stash branch <branchname> …" ran "How do I apply a stash on a new branch?").
    said = content_words("\n".join([*headings, intro, *running]))
    if not content_words(question) & said - {verb} - content_words(title):
        return False
    own = content_words("\n".join([*headings, unit]))
    held = {w[:_SAME_START] for w in own | content_words(title)} | common
    return all(w[:_SAME_START] in held for w in content_words(question))


def _runs(verb: str, line: str) -> bool:
    """Is `verb` among the first COMMAND_WORDS words of a command `line`, and not a setting's key (Compose's
    "build: .", under "How do I build the Docker image and run it?", check AB)?"""
    return any(m.group() == verb and not _KEY.match(line, m.end())
               for m in itertools.islice(_COMMAND_WORD.finditer(line), COMMAND_WORDS))


_KEY = re.compile(r"\s*[:=]")
_COMMENT = re.compile(r"(?:^\s*|\s)(?:#|//).*")


def common_words(page: str) -> frozenset[str]:
    """The words (by their first letters) said in COMMON_PARAGRAPHS or more of a `page`'s paragraphs: what the page is
    about, which tells none of its sections from another."""
    counts = Counter(w for p in page.split("\n\n") for w in {w[:_SAME_START] for w in content_words(p)})
    return frozenset(w for w, n in counts.items() if n >= COMMON_PARAGRAPHS)


COMMON_PARAGRAPHS = 3


# A command's words: the program, its subcommands and arguments, not its options ("--pinned") nor punctuation.
_COMMAND_WORD = re.compile(r"(?<![-\w])[a-z][\w-]*")
# How far into a command line its verb may stand: "pdm venv activate" puts it third.
COMMAND_WORDS = 4
# Two words are the same word when they start alike this far ("package", "packages"; "build", "building" are not).
_SAME_START = 6
