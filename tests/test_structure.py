"""Issue 17, structure: what ingestion keeps (steps, tables, code, email headers, pages, no heading-only
chunks) and the answer units the extractive responder chooses among."""

from __future__ import annotations

from email.message import EmailMessage
from itertools import pairwise
from pathlib import Path

import pytest

from agent.extractive import (
    ExtractiveConfig,
    bare_code_context,
    code_pointed_at,
    page_at,
    probe,
    section_heading,
)
from agent.units import answer_units, block_after, join_units, list_goes_on, whole_blocks
from eval.printing import print_to_pdf
from ingest.chunk import chunk_document
from ingest.formats import markdown_source
from ingest.manifest import load_manifest
from ingest.minimal_pdf import pdf_bytes
from ingest.parse import broke, heading_like, numbered_heading, parse_file, parse_record
from ingest.pdf_fonts import BoxFont, fixed_width, item_lines, listing_text, mend_layout, nesting, printed_order
from ingest.pdf_tables import Piece, as_terms, find_tables
from ingest.pdf_text import word_repair
from ingest.pipeline import ingest
from kernel.types import ParsedDocument, Principal
from testing.docs import manifest
from wiring.services import Services

UNIT_CHARS = ExtractiveConfig().min_chars  # the shortest unit the responder cuts

DOC = """# Reset your password

To reset your password, follow these steps:

1. Open **Settings** and choose *Security*.
2. Click "Reset password".
3. Enter the code sent to your email.

## Salary bands

| Level | Salary |
|---|---|
| Junior Programmer | 50,000 |
| Senior Programmer | 80,000 |

## Enable HTTP/2

Install the module first:

```bash
pip install h2
export ENABLE_H2=1
```

Then restart the server.
"""


def printed(tmp_path: Path, html: str) -> ParsedDocument:
    """A web page as a browser prints it to PDF, parsed."""
    page, pdf = tmp_path / "page.html", tmp_path / "page.pdf"
    page.write_text(html)
    print_to_pdf(page, pdf)
    return parse_file(pdf, "pdf")


def parsed(folder: Path, name: str, source: str) -> str:
    """The text ingestion makes of a file `name` holding `source`."""
    f = folder / name
    f.write_text(source)
    return parse_file(f, f.suffix.lstrip(".")).text


def test_markdown_structure_survives_as_text(tmp_path: Path) -> None:
    text = parsed(tmp_path, "doc.md", DOC)
    assert ("1. Open Settings and choose Security.\n2. Click \"Reset password\".\n"
            "3. Enter the code sent to your email.") in text
    assert ("Level | Salary\nLevel: Junior Programmer | Salary: 50,000\n"
            "Level: Senior Programmer | Salary: 80,000") in text
    assert "```\npip install h2\nexport ENABLE_H2=1\n```" in text


def test_answer_units_keep_blocks_whole(tmp_path: Path) -> None:
    text = parsed(tmp_path, "doc.md", DOC)
    units = {(u.kind, text[u.start : u.end]) for u in answer_units(text, UNIT_CHARS)}
    kinds = {k for k, _ in units}
    assert kinds == {"sentence", "steps", "row", "code"}
    steps = next(t for k, t in units if k == "steps")
    assert steps.startswith("To reset your password, follow these steps:") and steps.endswith("your email.")
    code = next(t for k, t in units if k == "code")
    assert code.startswith("Install the module first:") and code.endswith("```")
    rows = sorted(t for k, t in units if k == "row")
    assert rows == ["Level: Junior Programmer | Salary: 50,000", "Level: Senior Programmer | Salary: 80,000"]
    sentences = [t for k, t in units if k == "sentence"]
    assert not any("Click" in s or "pip install" in s for s in sentences)  # no unit is cut out of a block
    assert join_units(["A.", "B."]) == "A. B." and join_units(["A.", "x\ny"]) == "A.\n\nx\ny"


def test_a_cell_holding_a_pipe_leaves_its_row_a_row(tmp_path: Path) -> None:
    # An option table ("`json\\|yaml`", GFM's escape inside a code span) and a CSV cell with a shell pipeline:
    # the row format ended a value at any pipe, so these rows were no rows (one ran into the header line), and the
    # Markdown one kept the escape's backslash.
    md = parsed(tmp_path, "opts.md", "# Options\n\n| Option | Values |\n|---|---|\n"
                "| `--format` | `json\\|yaml` |\n| `--level` | 1-3 |\n")
    csv = parsed(tmp_path, "cmds.csv", 'Task,Command\nfind a process,"ps aux | grep node"\nlist files,ls -l\n')
    for text, row in ((md, "Option: --format | Values: json|yaml"),
                      (csv, "Task: find a process | Command: ps aux | grep node")):
        rows = [text[u.start : u.end] for u in answer_units(text, UNIT_CHARS) if u.kind == "row"]
        assert row in rows and len(rows) == 2
    # Read whole by the scorers too: the command, five words long, reads as what the task is (`kernel.rows.spoken`).
    assert probe("Task: find a process | Command: ps aux | grep node", "row", "") == (
        "find a process: ps aux | grep node.")


def test_email_headers_are_kept_and_the_signature_is_not_the_title(tmp_path: Path) -> None:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "Jane Doe <jane@example.com>", "team@example.com", "Office move"
    msg["Date"] = "Mon, 16 Nov 2026 09:30:00 +0000"
    msg.set_content("Hi all,\n\nThe office moves to the third floor on Friday.\n\nBest regards,\nJane Doe\n"
                    "Facilities Manager\n")
    f = tmp_path / "move.eml"
    f.write_bytes(bytes(msg))
    doc = parse_file(f, "eml")
    assert doc.title == "Office move"
    assert doc.text.startswith("Subject: Office move\nFrom: Jane Doe <jane@example.com>\nTo: team@example.com\n")
    assert all(e.kind != "Title" for e in doc.elements)


def test_front_matter_is_metadata_not_text(tmp_path: Path) -> None:
    f = tmp_path / "transit.md"
    f.write_text("---\ntitle: Transit Benefit\nkeywords: transit, subsidy\nredirect_from:\n  - /transit/\n---\n\n"
                 "This page outlines how to sign up.\n\n## Eligibility\n\nAll employees who take transit are "
                 "eligible.\n")
    doc = parse_file(f, "md")
    assert doc.title == "Transit Benefit"  # it was "Eligibility", the first heading
    assert "keywords" not in doc.text and "redirect_from" not in doc.text
    assert doc.text.startswith("This page outlines how to sign up.")
    # a file that merely opens with a thematic break keeps its text
    assert "Just a paragraph after a rule." in parsed(tmp_path, "rule.md", "---\nJust a paragraph after a rule.\n---"
                                                      "\n\nMore text here.\n")


def test_a_table_right_under_a_sentence_is_still_a_table(tmp_path: Path) -> None:
    text = parsed(tmp_path, "schedule.md", "# Variable day\n\nFor example:\n|**Day** |**Hours** |\n| --- | --- |\n"
                  "| Monday | 10 |\n")
    assert "Day: Monday | Hours: 10" in text  # was "|Day |Hours | ... | Monday | 10 |"


def test_an_announcing_sentence_travels_with_its_block_and_sentences_pair_up() -> None:
    text = ("You can do so by first installing the extra...\n\n```\npip install httpx[http2]\n```\n\n"
            "If you'd like to host a speaker, you must follow the steps below.\n\n1. Copy the checklist.\n"
            "2. Invite your speaker.\n\nBlue Line trains take about 50 minutes. The closest stop is Jackson.")
    units = [(u.kind, text[u.start : u.end]) for u in answer_units(text, UNIT_CHARS)]
    assert ("code", "You can do so by first installing the extra...\n\n```\npip install httpx[http2]\n```") in units
    steps = next(t for k, t in units if k == "steps")
    assert steps.startswith("If you'd like to host a speaker") and steps.endswith("Invite your speaker.")
    sentences = [t for k, t in units if k == "sentence"]
    assert not any(t.startswith(("You can do so", "If you'd like")) for t in sentences)  # not alone as well
    assert ("pair", "Blue Line trains take about 50 minutes. The closest stop is Jackson.") in units


def test_a_paragraph_pointing_back_at_the_sentence_before_pairs_with_it() -> None:
    # Typer's tutorial sets each sentence apart; "To do that, ..." answers how only with the sentence it points at.
    text = ("Only names for False\n\nIf you want to, you can declare only CLI option names to set the False value."
            "\n\nTo do that, use a space and a single / and pass the negative name after:\n\n"
            "{* docs_src/bool/tutorial004.py hl[9] *}\n\nThis doesn't have to mean that there's an error, just that "
            "nothing else needs to be executed.\n\n"
            "In that case, you can raise a typer.Exit() exception.\n\nExit with an error\n\nIt takes a code.\n\n"
            "Blue Line trains take about 50 minutes.\n\nThe closest stop is Jackson.\n\nIf you need to update the bar "
            "irregularly, pass just a length.\n\nAnd then call the .update() method.\n\nIf set, npm installs only "
            "older versions. If there are none, the command will error.\n\nThis flag is a complement to before.")
    pairs = [text[u.start : u.end] for u in answer_units(text, UNIT_CHARS) if u.kind == "pair"]
    pairs = [p for p in pairs if "\n\n" in p]
    # Not after a heading, an include line or the last of a paragraph's sentences, nor before one pointing nowhere.
    assert pairs == [
        "If you want to, you can declare only CLI option names to set the False value.\n\nTo do that, use a space "
        "and a single / and pass the negative name after:",
        "This doesn't have to mean that there's an error, just that nothing else needs to be executed.\n\nIn that "
        "case, you can raise a typer.Exit() exception.",
        "If you need to update the bar irregularly, pass just a length.\n\nAnd then call the .update() method."]


def test_a_nested_markdown_list_keeps_its_shape(tmp_path: Path) -> None:
    text = parsed(tmp_path, "exceptions.md", "# Exceptions\n\n* HTTPError\n    * RequestError\n"
                  "        * TimeoutException\n            * ConnectTimeout\n    * HTTPStatusError\n* InvalidURL\n\n"
                  "1. Open the form\n   1. Fill in your name\n2. Submit it\n")
    assert ("- HTTPError\n  - RequestError\n    - TimeoutException\n      - ConnectTimeout\n"
            "  - HTTPStatusError\n- InvalidURL") in text  # was one flat "- " line each: the hierarchy was lost
    assert "1. Open the form\n  1. Fill in your name\n2. Submit it" in text
    steps = [text[u.start : u.end] for u in answer_units(text, UNIT_CHARS) if u.kind == "steps"]
    assert any("      - ConnectTimeout\n  - HTTPStatusError\n- InvalidURL" in s for s in steps)
    page = parsed(tmp_path, "exceptions.html", "<h1>Exceptions</h1><ul><li>HTTPError<ul><li>RequestError<ul>"
                  "<li>TimeoutException</li></ul></li><li>HTTPStatusError</li></ul></li><li>InvalidURL</li></ul>")
    assert "- HTTPError\n  - RequestError\n    - TimeoutException\n  - HTTPStatusError\n- InvalidURL" in page


def test_an_admonition_is_text_not_a_code_block(tmp_path: Path) -> None:
    text = parsed(tmp_path, "proxies.md", '# Proxies\n\n!!! tip "Gotcha"\n    Use the `http://` scheme (not a typo!).'
                  "\n\n    This is because proxying starts with a plain connection.\n\n!!! warning\n"
                  "    Close the client.\n\nAfter the admonitions.\n\n```\n!!! note\n    in a fence\n```\n")
    assert "Gotcha: Use the http:// scheme (not a typo!)." in text
    assert "\n\nThis is because proxying starts with a plain connection." in text  # was a fenced code block
    assert "Warning: Close the client." in text and "After the admonitions." in text
    assert "```\n!!! note\n    in a fence\n```" in text  # a fence is left as written
    units = {(u.kind, text[u.start : u.end]) for u in answer_units(text, UNIT_CHARS)}
    assert not any(k == "code" and "proxying" in t for k, t in units)


def test_a_myst_directive_is_text_and_a_code_block_nested_in_it_stays_whole(tmp_path: Path) -> None:
    """MyST (Sphinx's Markdown) writes notes and tabs as fenced directives, a tab's code block nested in four
    backticks. Read as code, the note was a "code example", and "~/.cache/pip" ran into the next section."""
    text = parsed(tmp_path, "caching.md", "# Caching\n\n```{versionadded} 6.0\n\n```\n\npip caches by default.\n\n"
                  "```{caution}\n:class: dropdown\nThe layout may change.\n```\n\n## Default paths\n\n"
                  "````{tab} Linux\n```\n~/.cache/pip\n```\n\npip respects `XDG_CACHE_HOME`.\n````\n\n"
                  "````{tab} Windows\n```\n%LocalAppData%\\pip\\Cache\n```\n````\n\n## Avoiding caching\n\n"
                  "```{pip-cli}\n$ pip install --no-cache-dir x\n```\n")
    assert "New in version 6.0." in text and "Caution: The layout may change." in text and ":class:" not in text
    units = {(u.kind, text[u.start : u.end]) for u in answer_units(text, UNIT_CHARS)}
    assert ("code", "Linux:\n\n```\n~/.cache/pip\n```") in units
    assert ("code", "```\n$ pip install --no-cache-dir x\n```") in units
    assert not any(k == "code" and ("layout" in t or "XDG" in t or "Avoiding" in t) for k, t in units)


def test_myst_roles_read_as_their_text_and_targets_as_nothing(tmp_path: Path) -> None:
    """pip's docs wrote "see {ref}Installing from local packages" and "(wheel-caching)=" into answers."""
    text = parsed(tmp_path, "secure.md", "# Secure installs\n\n(wheel-caching)=\n\n## Locally built wheels\n\n"
                  "Enable {ref}`Hash-checking mode`, by passing {any}`--require-hashes`. The {ref}`wheel-caching` "
                  "and {ref}`the wheel cache <wheel-caching>` are off, see {pep}`517` and {file}`setup.py`.\n\n"
                  "```\n{ref}`verbatim`\n```\n")
    assert "(wheel-caching)=" not in text
    assert ("Enable Hash-checking mode, by passing --require-hashes. The Locally built wheels and the wheel cache "
            "are off, see PEP 517 and setup.py.") in text
    assert "```\n{ref}`verbatim`\n```" in text  # code is left as written


def test_mkdocstrings_references_are_left_out(tmp_path: Path) -> None:
    """httpx's exceptions page lists "::: httpx.ConnectTimeout" with ":docstring:" under it; the site shows
    the docstring, the source holds none. Each was a unit naming what was asked about and answering nothing."""
    text = parsed(tmp_path, "exceptions.md", "# Exceptions\n\nTimeouts derive from TimeoutException.\n\n"
                  "## Exception classes\n\n::: httpx.ConnectTimeout\n    :docstring:\n\n::: httpx.ReadTimeout\n"
                  "    options:\n      show_source: false\n\nSee the quickstart.\n\n```\n::: kept.in.code\n```\n")
    assert "httpx.ConnectTimeout" not in text and ":docstring:" not in text and "show_source" not in text
    assert "See the quickstart." in text and "Timeouts derive from TimeoutException." in text
    assert "::: kept.in.code" in text


def test_a_markdown_paragraph_of_one_code_span_is_a_command_quoted_with_its_step(tmp_path: Path) -> None:
    """Sourcegraph's backport page sets each step's command as a paragraph of one code span: "5. Cherry-pick
    the merged commit ...", "`git cherry-pick -x --mainline 1 ${commitSha}`", "6. Push it to GitHub". Read as
    prose, the command was a sentence alone that says nothing of what it is for. A code span inside a
    sentence, or a line of a fenced block, stays as it was."""
    text = parsed(tmp_path, "backport.md", "# Backport\n\nBy hand:\n\n1. Fetch the latest updates\n\n`git fetch`\n\n"
                  "2. Cherry-pick the merged commit\n\n`git cherry-pick -x --mainline 1 ${sha}`\n\n"
                  "3. Push it to GitHub\n\n`git push --set-upstream origin ${head}`\n\n"
                  "Run `make` when it is done.\n\n```\n`not a span to rewrite`\n```\n")
    assert "```\ngit cherry-pick -x --mainline 1 ${sha}\n```" in text
    assert "Run make when it is done." in text and "```\n`not a span to rewrite`\n```" in text
    units = {(u.kind, text[u.start : u.end]) for u in answer_units(text, UNIT_CHARS)}
    assert ("code", "2. Cherry-pick the merged commit\n\n```\ngit cherry-pick -x --mainline 1 ${sha}\n```") in units
    assert ("code", "1. Fetch the latest updates\n\n```\ngit fetch\n```") in units
    # The last step has no step after it; the one before, set apart by its own command, says it is one.
    assert ("code", "3. Push it to GitHub\n\n```\ngit push --set-upstream origin ${head}\n```") in units


def test_code_fenced_inside_list_items_stays_code_after_its_step(tmp_path: Path) -> None:
    """GitHub-style steps fence each command inside its list item, indented ("1. Install pre-commit" / "    ```sh"
    / "    pip install pre-commit" / "    ```"). The Markdown parser reads fences only at a line's start: the command
    became words of its step ("sh pip install pre-commit"), the steps lost their numbers, and a block's fences
    paired with the next block's. Each block now follows its step as a code block, verbatim, and is quoted with
    it; an item's paragraph after its block stays text, not indented code."""
    text = parsed(tmp_path, "hooks.md", "# Hooks\n\nSet them up with the pre-commit package\n\n"
                  "1. Install pre-commit\n\n    ```sh\n    pip install pre-commit\n    ```\n\n"
                  "2. Add a config file\n\n    ```yaml\n    repos:\n    -   repo: black\n        rev: stable\n"
                  "    ```\n\n"
                  "3. Track the files you wish to commit:\n\n    ```sh\n    git add --all\n    ```\n\n"
                  "   Or to track only specific files:\n\n    ```sh\n    git add README.md\n    ```\n\n"
                  "- **Installation**: Add Bandit with:\n  ```bash\n  pip install bandit\n  ```\n\n"
                  "Done.\n\n```\n    ```kept as written\n```\n")
    assert "1. Install pre-commit\n\n```\npip install pre-commit\n```\n\n2. Add a config file" in text
    assert "```\nrepos:\n-   repo: black\n    rev: stable\n```" in text
    assert "Or to track only specific files:\n\n```\ngit add README.md\n```" in text
    assert "Add Bandit with:\n\n```\npip install bandit\n```" in text
    assert "sh pip" not in text and "```\n    ```kept as written\n```" in text
    units = {(u.kind, text[u.start : u.end]) for u in answer_units(text, UNIT_CHARS)}
    assert ("code", "1. Install pre-commit\n\n```\npip install pre-commit\n```") in units


def test_markdown_footnotes_read_as_their_text(tmp_path: Path) -> None:
    """Node.js's BUILDING.md quoted "RHEL 8 with GCC 10[^6]" and "[^1]: Older kernel versions may work."; a
    definition whose text starts on the next line (the TTS handbook's) became an indented code block."""
    text = parsed(tmp_path, "building.md", "# Building\n\n| Binary | Toolchain |\n|---|---|\n"
                  "| linux-arm64 | RHEL 8 with GCC 10[^6] |\n\nMatch names with `[^/]+` as a partner[^p].\n"
                  "[^6]: Binaries are compatible with glibc >= 2.28\n    and libstdc++ >= 6.0.25.\n\n"
                  "[^p]:\n    A partner is the person you meet.\n\n    Not a report.\n\nAfter the notes.\n\n"
                  "```\n[^6]: kept in code\n```\n\nThe pattern `line[^6]` matches too.\n")
    assert "[^6]" not in text.replace("[^6]: kept in code", "").replace("line[^6]", "") and "[^p]" not in text
    assert "The pattern line[^6] matches too." in text  # inline code is quoted as written
    assert "Binary: linux-arm64 | Toolchain: RHEL 8 with GCC 10" in text
    assert "Match names with [^/]+ as a partner." in text  # no such footnote: a regular expression, kept
    assert "Binaries are compatible with glibc >= 2.28 and libstdc++ >= 6.0.25." in text
    assert "A partner is the person you meet." in text and "Not a report." in text and "After the notes." in text
    assert "[^6]: kept in code" in text
    units = {(u.kind, text[u.start : u.end]) for u in answer_units(text, UNIT_CHARS)}
    assert not any(k == "code" and "partner" in t for k, t in units)
    assert ("sentence", "A partner is the person you meet.") in units


def test_a_content_tab_and_a_titled_fence_keep_their_code_blocks(tmp_path: Path) -> None:
    """Uvicorn's install page sets each command in a tab ('=== "pip"') and its guides give fences a title
    ('```python title="main.py"'); the Markdown parser read the first as an indented code block holding the fence
    and the second as a paragraph with its comments as headings (check AB)."""
    text = parsed(tmp_path, "install.md", '# Install\n\nInstall it:\n\n=== "pip"\n\n    ```bash\n'
                  '    pip install uvicorn\n    ```\n\n=== "uv"\n    ```bash\n    uv add uvicorn\n    ```\n\n'
                  'A Dockerfile caches the dependencies.\n\n```dockerfile title="Dockerfile"\nFROM python:3.12-slim\n\n'
                  '# Install dependencies\nRUN uv sync\n```\n\n'
                  'For example:\n\n```py title="main.py" hl_lines="2"\nimport uvicorn\nuvicorn.run(app)\n```\n')
    assert "pip:\n\n```\npip install uvicorn\n```" in text and "uv:\n\n```\nuv add uvicorn\n```" in text
    assert "Dockerfile\n\n```\nFROM python:3.12-slim\n\n# Install dependencies\nRUN uv sync\n```" in text
    # No title between a lead-in and its block.
    assert "For example:\n\n```\nimport uvicorn\nuvicorn.run(app)\n```" in text
    codes = [text[u.start : u.end] for u in answer_units(text, UNIT_CHARS) if u.kind == "code"]
    assert any("pip install uvicorn" in c and "===" not in c for c in codes)
    assert any("FROM python:3.12-slim" in c and "RUN uv sync" in c for c in codes)


def test_a_label_over_a_block_is_quoted_with_the_line_leading_into_it() -> None:
    """Uvicorn's install page leads into its tabs with a sentence ("... you can use the standard extra:") and the tab
    is a label ("pip:") over its command: the command was quoted under its label alone and scored 0.07 for "How do I
    install all of uvicorn's optional dependencies at once?", the lead-in apart from it (check AB)."""
    text = ("Optional\n\nIf you just want to install all of them at once, you can use the standard extra:\n\npip:\n\n"
            "```\npip install 'uvicorn[standard]'\n```\n\nuv:\n\n```\nuv add 'uvicorn[standard]'\n```\n")
    units = [(u.kind, text[u.start : u.end]) for u in answer_units(text, UNIT_CHARS)]
    assert ("code", "If you just want to install all of them at once, you can use the standard extra:\n\npip:\n\n"
            "```\npip install 'uvicorn[standard]'\n```") in units
    assert ("code", "uv:\n\n```\nuv add 'uvicorn[standard]'\n```") in units
    assert not any(k == "sentence" and t.startswith("If you just want") for k, t in units)


def test_numbered_steps_keep_their_numbers_when_the_parser_misreads_one_item(tmp_path: Path) -> None:
    """The parser read one nested item of dxw's "Suggesting a change" as a paragraph, so its items no longer paired
    one to one with the source's markers, and every list of the page lost its numbers ("- Log in ..."). Each item
    now takes the marker whose line opens with its words: across a wrapped first line, a long link target, an
    autolink and a character reference too."""
    md = parsed(tmp_path, "change.md", (
        "# Guide\n\n1. Open the page for editing\n\n   For an existing page:\n\n"
        "   1. Navigate to the page you want to edit\n   2. Click on the Edit link\n\n"
        "   Alternatively, use the backend:\n\n   1. Choose the page you want to change\n\n"
        "      - If it is an existing page, find it under Collections.\n"
        "      - If it is a new page, find the parent section.\n\n"
        "2. Log in with your account\n3. Make your edits in the editor\n\n## Forking\n\n"
        "1. Fork\n   <https://github.com/pi-hole/pi-hole/> to a repo you control\n"
        "2. Check that the count is &lt; 5 before you push\n3. [Open a pull\n   request]"
        "(https://example.com/a/very/long/link/target/that/runs/past/the/first/hundred/characters/of/the/item) "
        "when done\n"))
    assert "1. Open the page for editing For an existing page:\n  1. Navigate to the page you want to edit\n" in md
    assert "2. Log in with your account\n3. Make your edits in the editor" in md
    assert ("1. Fork https://github.com/pi-hole/pi-hole/ to a repo you control\n2. Check that the count is < 5 before "
            "you push\n3. Open a pull request when done") in md


def test_a_list_item_of_several_paragraphs_stays_one_item(tmp_path: Path) -> None:
    """An item's paragraph indented under it ended the list: the items lost their markers and numbers, and "This is
    installed only on Windows" read apart from the package it is about (Uvicorn's optional dependencies, check AB).
    The same in HTML, where a bold sentence leading the item is no term to define."""
    md = parsed(tmp_path, "deps.md", "# Deps\n\nTo set up:\n\n1. Install the package.\n\n   This takes a minute.\n\n"
                "2. Run the server.\n\n   It listens on port 8000.\n\nThe extras:\n\n- **colorama — Cross-platform\n"
                "    colors.**\n\n    This is installed only on Windows.\n\n- tight item here\n\nAfter the lists.\n")
    assert "1. Install the package. This takes a minute.\n2. Run the server. It listens on port 8000." in md
    assert "- colorama — Cross-platform colors. This is installed only on Windows.\n- tight item here" in md
    html = parsed(tmp_path, "deps.html", "<html><body><h1>Deps</h1><p>The extras:</p><ul><li><p><strong>colorama — "
                  "Cross-platform support.</strong></p><p>This is installed <em>only</em> on Windows.</p></li>"
                  "<li><p><code>CELERYD_LOG_LEVEL</code></p><p>Worker log level.</p></li><li><p><b>Maximum Number Of "
                  "Tables In A Join</b></p><p>SQLite does not support joins of more than 64 tables.</p></li></ul>"
                  "</body></html>")
    assert "- colorama — Cross-platform support. This is installed only on Windows.\n" in html
    assert "- CELERYD_LOG_LEVEL: Worker log level." in html
    # A long term is still a term (SQLite's limits page, check H): only a sentence's stop says it is none.
    assert "- Maximum Number Of Tables In A Join: SQLite does not support joins of more than 64 tables." in html
    units = [md[u.start : u.end] for u in answer_units(md, UNIT_CHARS)]
    assert "colorama — Cross-platform colors. This is installed only on Windows." in units


def test_a_definition_keeps_its_term_and_an_admonition_its_title(tmp_path: Path) -> None:
    text = parsed(tmp_path, "settings.rst", "Settings\n========\n\ntimeout\n    The default timeout in seconds. "
                  "Defaults to 5.\n\n:param url: The URL to fetch.\n\n.. note:: Close the client when done.\n")
    assert "timeout: The default timeout in seconds. Defaults to 5." in text  # was "timeout" and "- The ..."
    assert "param url: The URL to fetch." in text and "Note: Close the client when done." in text
    text = parsed(tmp_path, "api.html", '<h1>API</h1><dl class="py function"><dt>httpx.get(url)</dt><dd><p>Sends a '
                  "GET request.</p><p>Returns a Response.</p></dd><dt>retries</dt><dd>How many times a request is "
                  '<b>retried</b>.</dd></dl><div class="admonition warning"><p class="admonition-title">Warning</p>'
                  "<pre>rm -rf /</pre></div><dl><dt>orphan term</dt></dl>")
    assert "httpx.get(url): Sends a GET request.\n\nReturns a Response." in text
    assert "retries: How many times a request is retried." in text
    assert "Warning:" in text and "Warning\n" not in text
    assert "orphan term" in text  # a term nothing defines is kept


def test_a_project_role_reads_as_its_text_and_a_term_item_as_a_definition(tmp_path: Path) -> None:
    """Celery's user guide (check AA): its own Sphinx roles stayed raw markup, and each option of its "Available
    options" list is a term alone on its line with its meaning indented under it, so "Default is INFO." named
    nothing it was the default of."""
    text = parsed(tmp_path, "beat.rst", "Beat\n====\n\nEntries come from the :setting:`beat_schedule` setting "
                  "and :ttag:`now` (see :ref:`the guide <guide-beat>`).\n\nAvailable options\n-----------------\n\n"
                  "* ``CELERYD_LOG_LEVEL``\n\n    Worker log level. Default is INFO.\n\n* `relative`\n\n"
                  "    If `relative` is true schedules are rounded.\n\n    By default it is false.\n\n"
                  "* plain item\n\n* ``CELERY_BIN``: the path to celery\n")
    assert "Entries come from the beat_schedule setting and now (see the guide)." in text
    assert ":setting:" not in text and ":ttag:" not in text
    assert "CELERYD_LOG_LEVEL: Worker log level. Default is INFO." in text
    # The meaning's second paragraph stays in the item (`_item_paragraphs_joined`).
    assert "- relative: If relative is true schedules are rounded. By default it is false.\n" in text
    assert "plain item" in text and "CELERY_BIN: the path to celery" in text  # items that were one line already
    # A quote of bare text under a term is left as it is (the first version unwrapped it and failed on the page).
    text = parsed(tmp_path, "terms.html", "<main><h1>Terms</h1><ul><li><p><code>x</code></p><blockquote>Just text."
                  "</blockquote></li><li><p><code>y</code></p><blockquote><p>Why it is.</p></blockquote></li></ul>"
                  "</main>")
    assert "Just text." in text and "y: Why it is." in text


def test_a_connector_introduction_brings_the_sentence_that_says_what_the_example_shows() -> None:
    text = ("## Authentication\n\nProxy credentials can be passed as the userinfo section of the proxy URL. "
            "For example:\n\n```\nhttpx.Client(proxy=\"http://username:password@localhost:8030\")\n```\n\n"
            "Install the module first:\n\n```\npip install h2\n```")
    units = [(u.kind, text[u.start : u.end]) for u in answer_units(text, UNIT_CHARS)]
    code = [t for k, t in units if k == "code"]
    assert code[0].startswith("Proxy credentials can be passed as the userinfo") and code[0].endswith("```")
    assert code[1].startswith("Install the module first:")  # an announcing sentence that says something
    sentences = [t for k, t in units if k == "sentence"]
    assert "Proxy credentials can be passed as the userinfo section of the proxy URL." in sentences
    assert "For example:" not in sentences


# Apache httpd's manual. "This may be implemented with the following configuration:" alone says nothing of CGI,
# and "For example, if you would rather call the file .config ..." nothing of what AccessFileName does: each
# question was answered with the sentence before the introduction, without the example.
_CGI = ("## CGI example\n\nCGI scripts are legacy. You may wish to use a .htaccess file to permit the execution of CGI "
        "programs in a particular directory. This may be implemented with the following configuration:\n\n```\n"
        "Options +ExecCGI\n```\n\nThe modules are listed below:\n\n```\nmod_cgi\n```")
_RENAME = ("Note: If you want to call your .htaccess file something else, you can change the name of the file using "
           "the AccessFileName directive. For example, if you would rather call the file .config then you can put the "
           'following in your server configuration file:\n\n```\nAccessFileName ".config"\n```')


# nvm's README (check AH): "To do that, ..." said nothing of installing.
_NVM = ("To install or update nvm, you should run the install script. To do that, you may either download and run the "
        "script manually, or use the following cURL command:\n\n```\ncurl -o- https://example.org/i.sh | bash\n```")


@pytest.mark.parametrize(("text", "openings"), [
    (_CGI, ["You may wish to use a .htaccess file", "The modules are listed below:"]),  # the second says what follows
    (_RENAME, ["Note: If you want to call your .htaccess file"]),
    (_NVM, ["To install or update nvm"]),
])
def test_an_introduction_that_points_back_or_gives_an_example_brings_the_sentence_before_it(
        text: str, openings: list[str]) -> None:
    blocks = [text[u.start : u.end] for u in answer_units(text, UNIT_CHARS) if u.kind == "code"]
    assert [b[: len(o)] for b, o in zip(blocks, openings, strict=True)] == openings
    assert all(b.endswith("```") for b in blocks)


def test_a_here_is_sentence_introduces_the_example_after_it() -> None:
    text = "Here is a trivial example that calls puts a few times.\n\n```\nputs(s);\n```"
    assert [(u.kind, u.start) for u in answer_units(text, UNIT_CHARS)] == [("code", 0)]


def test_a_code_block_set_inside_a_sentence_is_quoted_with_that_whole_sentence() -> None:
    """Texinfo and TeX manuals display a command inside a sentence: the R FAQ's "If f is such a factor object,
    you can use / as.numeric(as.character(f)) / to get the numbers back." The words before the block were a
    sentence of their own and the block a bare command; "How do I turn a factor back into numbers?" was answered
    with the heading's opening sentence, without the command."""
    text = ("It may happen that numbers come in as factors. If f is such a factor object, you can use\n\n"
            "```\nas.numeric(as.character(f))\n```\n\nto get the numbers back. More efficient, but harder to "
            "remember, is\n\n"
            "```\nas.numeric(levels(f))[as.integer(f)]\n```\n\nIn any case, do not call as.numeric().\n\n"
            "Run this.\n\n```\nR CMD check\n```\n\nthen look at the log.")
    units = [(u.kind, text[u.start : u.end]) for u in answer_units(text, UNIT_CHARS)]
    assert ("code", "If f is such a factor object, you can use\n\n```\nas.numeric(as.character(f))\n```\n\n"
            "to get the numbers back.") in units
    assert ("code", "```\nas.numeric(levels(f))[as.integer(f)]\n```") in units  # the sentence does not go on
    assert ("code", "```\nR CMD check\n```") in units  # a whole sentence before it: the block is not inside one
    assert ("sentence", "to get the numbers back.") not in units


def test_a_sentence_that_breaks_off_on_a_word_wanting_its_object_introduces_the_block() -> None:
    """R's Data Import/Export manual (texinfo): "This is mainly an issue for reading Latin-1 files in a UTF-8 locale,
    which can be done by something like / read.table("file.dat", fileEncoding="latin1")", and the next item
    after it. The sentence does not go on after the block, so it was a unit of its own and the command a bare
    block: the question was answered without the command. A line ending on what it names stays a heading."""
    text = ("This is mainly an issue for reading Latin-1 files in a UTF-8 locale, which can be done by something "
            'like\n\n```\nread.table("file.dat", fileEncoding="latin1")\n```\n\n2. Header line\n\n'
            "Avoiding caching\n\n```\nexport NOCACHE=1\n```")
    units = [(u.kind, text[u.start : u.end]) for u in answer_units(text, UNIT_CHARS)]
    assert ("code", text[: text.index("```\n\n2.") + 3]) in units
    assert ("code", "```\nexport NOCACHE=1\n```") in units


def test_a_step_that_announces_a_code_block_is_quoted_with_it() -> None:
    """18F's git-signing page sets each step's command right under it, outside the list ("1. Open a terminal window
    and enter the following command:" / ```ssh-keygen -t ed25519```): the command was a bare block, scored below
    the step, which was quoted without it ("How do I tell git to sign my commits with SSH keys?"). A step that
    announces nothing keeps the block bare, and a longer list stays a unit of its own."""
    text = ("- Tell git to use SSH keys instead of GPG keys. In a terminal, enter this command:\n\n"
            "```\ngit config --global gpg.format ssh\n```\n\n"
            "1. Open the settings page.\n2. Copy the key and run:\n\n```\nssh-add key\n```\n\n"
            "- Save the file.\n\n```\nexport A=1\n```")
    units = [(u.kind, text[u.start : u.end]) for u in answer_units(text, UNIT_CHARS)]
    assert units[0] == ("code", text[: text.index("```\n\n1.") + 3])
    assert ("steps", "1. Open the settings page.\n2. Copy the key and run:") in units
    assert ("code", "2. Copy the key and run:\n\n```\nssh-add key\n```") in units
    assert ("code", "```\nexport A=1\n```") in units and not any(k == "steps" and "gpg" in t for k, t in units)


@pytest.mark.parametrize(("text", "first", "rest"), [
    # 18F's equipment page: "1. Provide rationale for request. Example:", the example as a block quote, then the
    # next steps. "How do I request a loaner machine?" quoted the half that names neither the request nor the
    # rationale. A step that announces nothing parts two lists at a paragraph.
    ("You can request a loaner through the IT desk.\n\n"
     "1. Open a ticket requesting GSA Hardware Request - Loaner.\n1. Provide rationale for request. Example:\n\n"
     "ProjectX.gov needs a hardened laptop for 3PAO penetration testing...\n\n"
     "1. Include the contact and shipping information.\n1. Help desk will mail out the loaner.\n\n"
     "That is all.\n\n1. Pick a name.\n\nA note in between.\n\n1. Save it.",
     ("1. Open a ticket", "mail out the loaner."), ["1. Pick a name.", "1. Save it."]),
    # A step's command set as a plain paragraph, no code markup: "5. Cherry-pick the commit onto the release
    # branch", the command, "6. Push the branch". The numbers running on say it is one list; a sentence between
    # two lists numbered so, or numbers that start over, part them.
    ("To backport by hand:\n\n4. Check out the release branch.\n"
     "5. Cherry-pick the commit onto the release branch\n\ngit cherry-pick -x --mainline 1 ${commitSha}\n\n"
     "6. Push the branch.\n7. Open a pull request.\n\n"
     "Other notes.\n\n1. Pick a name.\n\nThen wait for review\n\n1. Save it.\n\n"
     "Last.\n\n1. Write it.\n\nA sentence in between.\n\n2. Send it.",
     ("To backport by hand:", "7. Open a pull request."),
     ["1. Pick a name.", "1. Save it.", "1. Write it.", "2. Send it."]),
])
def test_a_paragraph_between_two_numbered_steps_stays_inside_the_procedure(
        text: str, first: tuple[str, str], rest: list[str]) -> None:
    """A paragraph between two numbered steps is part of the first when that step announces it or when it is no
    sentence and the numbers run on: the procedure was cut in two at it, and the second half took it for its
    introduction."""
    steps = [text[u.start : u.end] for u in answer_units(text, UNIT_CHARS) if u.kind == "steps"]
    assert steps[0].startswith(first[0]) and steps[0].endswith(first[1])
    assert steps[1:] == rest


def test_a_sentence_naming_the_following_list_introduces_it() -> None:
    """ "To run locally, this tool requires the following dependencies in your system PATH" over "- node" and
    "- yarn": the items say nothing alone, and the sentence, which does not end on a colon, was quoted without
    them."""
    text = ("To run locally, this tool requires the following dependencies in your system PATH\n\n- node\n- yarn\n\n"
            "Nothing follows here.\n\n- alpha\n- beta")
    units = [(u.kind, text[u.start : u.end]) for u in answer_units(text, UNIT_CHARS)]
    assert ("steps", text[: text.index("- yarn") + 6]) in units
    assert ("steps", "- alpha\n- beta") in units


def test_a_numbered_caption_is_the_title_of_the_example_under_it() -> None:
    """The Debian Administrator's Handbook (DocBook, Publican) titles its examples "Example 6.5. Non-interactive
    upgrade script" with no sentence announcing them: the caption was a sentence (cut in two at "6.5.") and the
    script a bare block, scored on its code alone under "What script can upgrade a Debian machine without any
    questions?"."""
    text = ("By combining the previous elements, it is possible to design a small but rather reliable script.\n\n"
            "Example 6.5. Non-interactive upgrade script\n\n```\nexport DEBIAN_FRONTEND=noninteractive\n```\n\n"
            "Example usage is rare.\n\nFigure 3 shows the flow. The handler runs last.\n\n```\nrun()\n```")
    units = [(u.kind, text[u.start : u.end]) for u in answer_units(text, UNIT_CHARS)]
    assert ("code", "Example 6.5. Non-interactive upgrade script\n\n```\nexport DEBIAN_FRONTEND=noninteractive\n```"
            ) in units
    assert not any(t.startswith("Example 6.5.") for k, t in units if k in ("sentence", "pair"))
    assert ("code", "```\nrun()\n```") in units  # a paragraph that opens on a figure's number is prose


def test_a_span_that_cuts_a_code_block_is_widened_to_the_block_and_its_introduction() -> None:
    doc = ("# Examples\n\nA trivial example that binds puts:\n\n```\nint main()\n{\n  return 0;\n}\n```\n\n"
           "Afterwards the closure is freed.")
    opening = doc.index("```")
    a, b = whole_blocks(doc, opening, doc.index("{") + 1)  # a chunk that starts at the fence and stops inside
    assert doc[a:b] == "A trivial example that binds puts:\n\n```\nint main()\n{\n  return 0;\n}\n```"
    a, b = whole_blocks(doc, doc.index("  return"), len(doc))  # one that starts inside
    assert doc[a:b].startswith("A trivial example") and doc[a:b].endswith("freed.")
    announcing = doc.index("```") - 2  # a chunk that ends with the sentence announcing the block
    assert doc[slice(*whole_blocks(doc, 0, announcing))].endswith("return 0;\n}\n```")
    assert whole_blocks(doc, 0, len(doc)) == (0, len(doc))  # nothing cut, nothing widened
    assert whole_blocks(doc, doc.index("Afterwards"), len(doc)) == (doc.index("Afterwards"), len(doc))
    # fences pair up from the top of the document, not from near the span
    many = "".join(f"Rule {i}.\n\n```\n" + f"x = {i}\n" * 12 + "```\n\n" for i in range(400)) + "Last rule."
    for i in (397, 398, 399):
        at = many.index(f"Rule {i}.")
        assert whole_blocks(many, at, len(many)) == (at, len(many))
    huge = "Intro:\n\n```\n" + "x = 1\n" * 2000 + "```"
    assert whole_blocks(huge, 20, 60) == (20, 60)  # a block too long to quote whole stays in its pieces


def test_a_widened_span_never_starts_inside_the_code_block_before() -> None:
    """Poetry's FAQ sets two TOML files in tabs, one fence right after the other once the tab shortcodes are
    left out. A chunk cutting the second was widened back to the first's last blank line, as if that were the
    paragraph introducing it: the quote began inside the first block, every fence after it paired the wrong
    way, and "[tool.poetry] requires-poetry = ..." was scored and quoted as a sentence."""
    first = "```toml\n[project]\nname = \"a\"\n\n[build-system]\nrequires = [\"poetry-core\"]\n```"
    second = "```toml\n[project]\nname = \"b\"\n\n[tool.poetry]\nrequires-poetry = \">=2.0\"\n```"
    doc = f"Before migrating:\n\n{first}\n\n{second}\n\nThat is all."
    at = doc.index(second)
    a, b = whole_blocks(doc, at, doc.index("[tool.poetry]"))
    assert doc[a:b] == second
    units = [(u.kind, doc[a:b][u.start:u.end]) for u in answer_units(doc[a:b], UNIT_CHARS)]
    assert units == [("code", second)]
    # text between the blocks still introduces the second
    doc = f"{first}\nOr with a tool.poetry section:\n\n{second}"
    a, b = whole_blocks(doc, doc.index(second), len(doc) - 3)
    assert doc[a:b] == f"Or with a tool.poetry section:\n\n{second}"


def test_a_span_that_cuts_a_list_is_widened_to_the_whole_list() -> None:
    """npm-version.md's six steps were chunked 1-3 and 4-6: "In what order does npm version run its steps?"
    was answered with half of them."""
    steps = "".join(f"{i}. Step {i} of the release, with a line of detail.\n" for i in range(1, 7))
    doc = f"# npm version\n\nThe exact order of execution is as follows:\n\n{steps}\nSee also npm publish."
    whole = doc[doc.index("The exact"): doc.index("\n\nSee also")]
    cut = doc.index("4. Step")
    assert doc[slice(*whole_blocks(doc, 0, cut))] == doc[: len(doc) - len("\n\nSee also npm publish.")]
    assert doc[slice(*whole_blocks(doc, cut, len(doc)))] == whole + "\n\nSee also npm publish."
    assert whole_blocks(doc, 0, len(doc)) == (0, len(doc))
    # a blank line parts numbered headings from the lists under them: no widening across a chapter of rules
    rules = "1. Encoding\n\n1. Use UTF-8.\n2. Declare it.\n\n2. Schemas\n\n1. Use a schema.\n2. Use RELAX NG.\n"
    a, b = whole_blocks(rules, rules.index("2. Schemas"), rules.index("2. Use RELAX"))
    assert rules[a:b] == "2. Schemas\n\n1. Use a schema.\n2. Use RELAX NG."
    long = "Steps:\n\n" + "".join(f"{i}. step {i} does one thing\n" for i in range(1, 300))
    assert whole_blocks(long, 20, 80) == (20, 80)  # a list too long to quote whole stays in its pieces
    bullets = "Caveats:\n\n" + "".join(f"- caveat {i} holds alone.\n" for i in range(6))
    assert whole_blocks(bullets, 0, 40) == (0, 40)  # a bulleted item answers alone: no rivals added


def test_a_span_that_cuts_steps_with_commands_is_widened_to_the_last_step() -> None:
    """gitcredentials(7) (check AI): "Tell Git to use it." and its command opened the chunk after the one holding
    the first two steps, so "How do I tell Git to use a credential helper?" was answered with "1. Find a helper."
    and "2. Read its description." and without the command that does it. Steps parted by blank lines and commands
    are no tight list; their numbers say the procedure goes on."""
    steps = ("Once you have selected a helper, you can tell Git to use it.\n\n1. Find a helper.\n\n"
             "```\n$ git help -a | grep credential-\n```\n\n2. Read its description.\n\n"
             "```\n$ git help credential-foo\n```\n\n3. Tell Git to use it.\n\n"
             "```\n$ git config --global credential.helper foo\n```")
    doc = f"AVOIDING REPETITION\n\n{steps}\n\nCREDENTIAL CONTEXTS\n\nGit considers each credential to have a context."
    cut = doc.index("2. Read") + len("2. Read its description.")
    a, b = whole_blocks(doc, 0, cut)
    assert doc[a:b] == f"AVOIDING REPETITION\n\n{steps}"
    # and a quoted step goes on to the last step's command, as the steps before it carried theirs
    assert list_goes_on(doc, cut) == doc.index(steps) + len(steps)
    last = doc.index("3. Tell") + len("3. Tell Git to use it.")
    assert list_goes_on(doc, last) == doc.index(steps) + len(steps)  # a quote that reached the last step already
    # a sentence carried on into the steps its paragraph leads to goes as far
    assert block_after(doc, doc.index("to use it.") + len("to use it.")) == doc.index(steps) + len(steps)
    # a numbered heading after a command is no next step
    other = "1. Install it.\n\n```\npip install foo\n```\n\n3. Configuration\n\nSet the key."
    assert "Configuration" not in other[slice(*whole_blocks(other, 0, other.index("\n\n```")))]
    assert list_goes_on(other, other.index("\n\n```")) is None  # one step and a command: no procedure of commands


def test_list_items_that_answer_alone_are_units_and_lists_stay_whole() -> None:
    """A parameter list is a table written as a list: a question about one parameter is answered by its item,
    which was only part of one long list unit before. So is a question about one item of a list of differences
    ("What does npm ci do if a node_modules folder is already there?"), or of a numbered list of rules
    ("What happens if I do not acknowledge a page?" over Sourcegraph's on-call rules): the whole list lost its
    place among the units scored to sentences of another page."""
    text = ("The following arguments are supported:\n\n"
            "* allow_origins - A list of origins. Use ['*'] to allow any origin.\n"
            "* max_age - Sets a maximum time in seconds for browsers to cache responses. Defaults to 600.\n\n"
            "The main differences between using npm install and npm ci are:\n\n"
            "- The project must have an existing package-lock.json or npm-shrinkwrap.json.\n"
            "- If a node_modules is already present, it will be automatically removed before npm ci begins.\n"
            "- Fast.\n\n"
            "To reset your password:\n\n1. Open the settings page of your account.\n"
            "2. Click Reset - it sends a link to the address on file.\n3. Follow the link.\n\n"
            "On call:\n\n1. Acknowledge pages promptly. If you do not acknowledge within 10 minutes, someone else "
            "will get paged.\n2. Hand over at the end of the shift.\n\nPull requests:\n\n"
            '- Suggested branch naming convention: initials/description Example: "aa/replace-button-title"\n'
            "- Defer merging a PR until at least one person has approved.\n\nDone when:\n\n"
            "- Code review is complete\n- The feature is signed off by the product owner\n"
            "- These checks pass on the build server before merging:\n")
    units = [(u.kind, text[u.start : u.end]) for u in answer_units(text, UNIT_CHARS)]
    # a checklist's item says something whole without a full stop; one that breaks off on a colon does not
    assert ("sentence", "The feature is signed off by the product owner") in units
    assert not any(k == "sentence" and t.startswith("These checks pass") for k, t in units)
    row = "max_age - Sets a maximum time in seconds for browsers to cache responses. Defaults to 600."
    assert ("row", row) in units
    assert ("row", "allow_origins - A list of origins. Use ['*'] to allow any origin.") in units
    item = "If a node_modules is already present, it will be automatically removed before npm ci begins."
    assert ("sentence", item) in units
    assert ("sentence", "Fast.") not in units  # no sentence: it says something only as part of its list
    rule = "Acknowledge pages promptly. If you do not acknowledge within 10 minutes, someone else will get paged."
    assert ("sentence", rule) in units
    # a rule that closes on its quoted example ends as no sentence does, and still says something whole
    assert ("sentence", 'Suggested branch naming convention: initials/description Example: "aa/replace-button-title"'
            ) in units
    # One dash is no term list; a procedure's steps still answer together, and a step that reads as a sentence
    # answers alone too.
    assert [k for k, t in units if "Open the settings" in t] == ["steps", "sentence"]
    assert ("sentence", "Follow the link.") not in units
    assert sum(k == "steps" for k, _ in units) == 6  # each list is also whole, for questions about all of it


def test_word_numbered_steps_keep_one_marker(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_paragraph("To host a speaker:")
    for step in ("Copy the checklist.", "Have the speaker sign the agreement."):
        d.add_paragraph(step, style="List Number")
    f = tmp_path / "steps.docx"
    d.save(str(f))
    text = parse_file(f, "docx").text
    assert "- 1." not in text and "- Copy" not in text, text
    assert "Copy the checklist." in text


def test_no_chunk_is_a_heading_alone(tmp_path: Path, services: Services) -> None:
    f = tmp_path / "doc.md"
    f.write_text("# Handbook\n\n## Chapter one\n\n### Section 1.1\n\nThe first real paragraph of the handbook, "
                 "long enough to be worth a chunk.\n\n## Figure 2\n\nA diagram.\n")
    doc = parse_file(f, "md")
    spans = chunk_document(doc, services.embedder.token_spans, services.embedder.max_tokens, 384, 48)
    bodies = [doc.text[s.start : s.end] for s in spans]
    assert all(len(b) >= 40 for b in bodies), bodies  # the old chunker made "Handbook", "Chapter one" chunks
    assert any(b.startswith("Handbook") and "first real paragraph" in b for b in bodies)


def test_a_chunk_is_under_the_headings_of_its_text(tmp_path: Path, services: Services) -> None:
    """npm's "### Configuration" stands straight over "#### `tag`": the heading opened the tag option's chunk
    and gave it its path, so every unit of the option was read as "Configuration: ...", and the option's name
    was never read with "Default: latest"."""
    from agent.builtin_tools import passage
    from agent.extractive import candidates
    from agent.governance import unit_lures
    from kernel.types import Chunk

    f = tmp_path / "npm-publish.md"
    f.write_text("---\ntitle: npm-publish\n---\n\n### Description\n\nPublishes a package to the registry so that "
                 "it can be installed by name.\n\n### Configuration\n\n#### `tag`\n\n* Default: \"latest\"\n"
                 "* Type: String\n\nIt is the tag added to the package if no explicit tag is given.\n\n"
                 "#### `access`\n\n* Default: 'public' for new packages\n* Type: null, \"restricted\" or \"public\"\n\n"
                 "It tells the registry whether this package should be published as public or restricted.\n",
                 encoding="utf-8")
    doc = parse_file(f, "md")
    e = services.embedder
    spans = chunk_document(doc, e.token_spans, e.max_tokens, 384, 48)
    tag = next(s for s in spans if "Default: \"latest\"" in doc.text[s.start : s.end])
    assert tag.heading_path == ("Configuration", "tag")  # before: ("Configuration",)
    # The chunk opens with its headings already, the outer one first: they are not written before it again.
    assert tag.embed_text == doc.text[tag.start : tag.end] and tag.embed_text.startswith("Configuration\n\ntag")
    chunk = Chunk("c1", "d1", "c", 0, doc.text[tag.start : tag.end], tag.start, tag.end, tag.heading_path, None,
                  tag.kinds, "h", "npm-publish.md", doc.title, "md", ("public",), 1)
    cands = candidates([passage(chunk)], max_docs=2, min_chars=10, flagged=set(), lures=unit_lures(None))
    row = next(c for c in cands if c.kind == "row" and "latest" in c.text)
    assert row.probe == 'tag: Default is "latest".'  # a row is read as a sentence would say it
    assert all(doc.text[c.start : c.end] == c.text for c in cands)  # verbatim at its offsets
    # The option's opening unit is quoted from its own heading, not from the one carried in above it.
    opening = next(c for c in cands if c.kind == "steps" and "latest" in c.text)
    assert opening.text.startswith('tag\n\n- Default: "latest"')


def test_a_heading_over_one_long_paragraph_opens_its_first_window(services: Services) -> None:
    """An abstract longer than a chunk used to leave its title as a chunk of its own (1,937 of SciFact's 8,846)."""
    body = " ".join(f"Sentence {i} of a long abstract reports a measured effect on the outcome." for i in range(60))
    doc = parse_record({"title": "Effects of a drug on an outcome in a cohort.", "text": body})
    e = services.embedder
    spans = chunk_document(doc, e.token_spans, e.max_tokens, 128, 16)
    bodies = [doc.text[s.start : s.end] for s in spans]
    assert len(spans) > 2
    assert bodies[0].startswith("Effects of a drug") and "Sentence 0 of" in bodies[0]  # before: the title alone
    assert all(len(e.token_spans(s.embed_text)) <= 128 for s in spans)
    covered = "".join(doc.text[s.start : s.end] for s in spans)
    assert all(f"Sentence {i} of" in covered for i in range(60))
    assert all(a.start < b.start < a.end for a, b in pairwise(spans))  # windows overlap
    # A paragraph that fits a chunk alone, but not beside its heading, is opened by the heading too.
    cut = e.token_spans(body)[123][1]  # 124 tokens: under 128 alone, over it beside the title's 12
    fits = parse_record({"title": "Effects of a drug on an outcome in a cohort.", "text": body[:cut]})
    spans = chunk_document(fits, e.token_spans, e.max_tokens, 128, 16)
    assert len(spans) == 2 and spans[0].start == 0 and spans[0].end > len(fits.title)


def test_a_line_announcing_a_code_block_goes_into_the_blocks_chunk(tmp_path: Path, services: Services) -> None:
    """ "Example: reading a file in chunks:" before a block that does not fit beside it was flushed with the text
    before it, or alone (a chunk of 40 characters taking a search slot), and the block's chunk lost what it is
    an example of. The line now opens the block's chunk, or its first window when the block is longer than one."""
    prose = " ".join(f"Step {i} of the guide explains how the stream module reads files." for i in range(8))
    short = "\n".join(f"chunk_{i} = stream.read({i})" for i in range(6))
    long = "\n".join(f"value_{i} = stream.read_block(offset={i * 64}, size=64)" for i in range(60))
    f = tmp_path / "streams.md"
    f.write_text(f"# Streams\n\n{prose}\n\nExample: reading a file in chunks:\n\n```\n{short}\n```\n\n"
                 f"Example: reading a file in blocks:\n\n```\n{long}\n```\n")
    doc = parse_file(f, "md")
    e = services.embedder
    spans = chunk_document(doc, e.token_spans, e.max_tokens, 128, 16)
    bodies = [doc.text[s.start : s.end] for s in spans]
    for intro, code in (("Example: reading a file in chunks:", "chunk_0 ="),
                        ("Example: reading a file in blocks:", "value_0 =")):
        holding = [b for b in bodies if intro in b]
        assert len(holding) == 1 and code in holding[0], bodies  # before: the line ended the chunk before it
    assert not any(b.strip().endswith(":") for b in bodies)
    assert all(len(e.token_spans(s.embed_text)) <= 128 for s in spans)


def test_a_pdf_line_that_falls_in_a_page_margin_is_kept_unless_it_repeats(tmp_path: Path) -> None:
    """The parser calls any line in a page's top or bottom 7% a header or footer, and those were left out: a
    code line that a page break put at the top of a page was lost. Only margin lines that repeat on two
    pages or more (numbers aside: "Page 2 of 3") are running headers and footers, and a running line that shares
    a line with the text is left out of it (a printed web page's fixed "Skip to content" beside a heading)."""
    f = tmp_path / "widget.pdf"
    f.write_bytes(pdf_bytes(
        [["Install the widget with the installer.", "Then reload it:"], ["The reload keeps open connections."],
         ["Logs go to the journal."]],
        top=["Widget Manual", "widget --reload --config /etc/widget.conf Widget Manual", "Widget Manual"],
        bottom=["Page 1 of 3", "Page 2 of 3", "iii"]))
    text = parse_file(f, "pdf").text
    assert "widget --reload --config /etc/widget.conf" in text  # before: dropped as a page header
    assert "Widget Manual" not in text and "Page" not in text and "iii" not in text


def test_a_margin_line_that_names_a_section_is_a_running_line(tmp_path: Path) -> None:
    """A book's footer names the section of its page ("5.11. Non-Maintainer Uploads (NMUs)" in the Debian
    Developer's Reference), which may last one page: kept, it was a heading in the middle of a paragraph."""
    f = tmp_path / "devref.pdf"
    f.write_bytes(pdf_bytes(
        [["5.11 Non-Maintainer Uploads (NMUs)", "",
          "For this, a version of the form +debXuY should be used, where X is the major release number."],
         ["Y is a counter starting at 1."]],
        bottom=["5.11. Non-Maintainer Uploads (NMUs)", "52"]))
    doc = parse_file(f, "pdf")
    assert doc.text.count("Non-Maintainer Uploads") == 1
    at = doc.text.index("Y is a counter")
    section = next(e.heading_path for e in doc.elements if e.start <= at < e.end)[-1]
    assert section == "5.11 Non-Maintainer Uploads (NMUs)"


def test_a_pdf_citation_carries_the_page_of_its_span(tmp_path: Path, services: Services) -> None:
    root = tmp_path / "c"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "report.pdf").write_bytes(pdf_bytes([
        ["Annual safety report", "Fire drills are held twice a year in every building."],
        ["Incident summary", "Three minor incidents were reported during the spring quarter."],
    ]))
    manifest(root, "pdfpages", {"path": "./docs"}, {"default": {"groups": ["staff"]}})
    ingest(load_manifest(root), services.settings, services.store, services.index, services.embedder,
           services.bm25)
    doc = services.store.catalogue.get_document("pdfpages/report.pdf")
    assert doc is not None and [p for _, p in doc.pages] == [1, 2]
    second = doc.text.index("Three minor incidents")
    assert page_at(doc.pages, second) == 2 and page_at(doc.pages, 0) == 1
    ans = services.agent().ask("How many incidents were reported during the spring quarter?",
                               Principal("emma", ("staff",)), save=False)
    cited = [c for c in ans.citations if "incidents" in c.quote]
    assert cited and cited[0].page == 2  # the chunk starts on page 1; the cited sentence is on page 2


def test_a_pdf_paragraph_cut_by_a_page_break_reads_as_one(tmp_path: Path, services: Services) -> None:
    """The parser makes a new element at every page (and column) break: a sentence running across one was two
    paragraphs, so no chunk or answer unit held it whole. Joined again, each part keeps its page."""
    f = tmp_path / "pip.pdf"
    f.write_bytes(pdf_bytes(
        [["Wheels built from source are kept, so later installs are fast; the", "cache of each user lives in"],
         ["the home directory under .cache/pip on Linux. It can be moved.", "", "Remove it with the purge",
          "command.", "", "Pass --no-cache-dir to turn it off."]],
        bottom=["Page 1", "Page 2"]))
    doc = parse_file(f, "pdf")
    assert "the cache of each user lives in the home directory under .cache/pip" in doc.text  # before: "\n\n"
    assert "It can be moved.\n\nRemove it" in doc.text  # a sentence that ended is not glued to the next
    second = doc.text.index("the home directory")
    assert [e.page for e in doc.elements if e.start <= second < e.end] == [2]
    # A heading ending in a word, then text in lower case under it on the same page: no break, not glued.
    f.write_bytes(pdf_bytes([["Some text ends here.", "", "3.1 Invoking asn1Parser", "",
                              "asn1Parser reads a single file with definitions."]]))
    assert "3.1 Invoking asn1Parser\n\nasn1Parser reads" in parse_file(f, "pdf").text
    # Lines of a printed code block break at a page end like prose does; they are not glued.
    f.write_bytes(pdf_bytes([["Run it like this:", "", "const options = { cwd: undefined,"],
                             ["env: process.env };", "", "The end."]]))
    assert "const options = { cwd: undefined,\n\nenv: process.env };" in parse_file(f, "pdf").text
    e = services.embedder
    (sentence,) = [u for u in answer_units(doc.text, UNIT_CHARS)
                   if u.kind == "sentence" and ".cache/pip" in doc.text[u.start:u.end]]
    assert doc.text[sentence.start:sentence.end].startswith("Wheels built from source")
    # A paragraph before it fills most of a chunk: the glued paragraph goes whole into the next one rather
    # than be cut where the page broke it.
    filler = "Filler sentence about nothing in particular. " * 13  # 104 tokens; the first part fits beside it
    f.write_bytes(pdf_bytes([[filler.strip(), "", "The cache of each user lives in"],
                             ["the home directory of that user, under a folder named after the tool, unless",
                              "XDG_CACHE_HOME says otherwise.", "", "The end."]]))
    doc = parse_file(f, "pdf")
    spans = chunk_document(doc, e.token_spans, e.max_tokens, 128, 16)
    holding = [doc.text[s.start:s.end] for s in spans if "lives in" in doc.text[s.start:s.end]]
    assert holding and all("lives in the home directory" in h for h in holding), holding


def test_a_pdfs_front_matter_is_no_section(tmp_path: Path) -> None:
    """The authors' line under a paper's title was taken for a heading: the one section of the whole paper,
    read with each of its sentences. Before the first paragraph, only the title and numbered headings head."""
    f = tmp_path / "paper.pdf"
    f.write_bytes(pdf_bytes([["Jane Doe and John Roe", "", "Abstract", "",
                              "The iPod is a line of portable media players designed and marketed by Apple.", "",
                              "1 History", "", "Apple did not develop the iPod software entirely in house."]],
                            title="The iPod"))
    doc = parse_file(f, "pdf")
    assert doc.title == "The iPod"

    def path(s: str) -> tuple[str, ...]:
        at = doc.text.index(s)
        return next(e.heading_path for e in doc.elements if e.start <= at < e.end)

    assert path("The iPod is a line") == ()  # before: ("Jane Doe and John Roe",) — or ("Abstract",)
    assert path("Apple did not") == ("1 History",)
    # Without a title in its information dictionary, the first heading is the title and still heads.
    f.write_bytes(pdf_bytes([["Retrieval at Scale", "", "Jane Doe and John Roe", "",
                              "Search systems combine lexical and dense signals in many ways today."]]))
    doc = parse_file(f, "pdf")
    assert doc.title == "Retrieval at Scale" and path("Search systems") == ("Retrieval at Scale",)


def test_a_pdfs_numbered_sections_nest_and_its_list_stays_a_list(tmp_path: Path) -> None:
    """A PDF says nothing of its headings' levels, so each heading replaced the one before it; and the parser
    took "2. Related Work" for a list item, leaving the text under it in the section before."""
    f = tmp_path / "paper.pdf"
    f.write_bytes(pdf_bytes([["Retrieval at Scale", "", "1 Introduction", "",
                              "Search systems combine lexical and dense signals in many ways today.", "",
                              "2. Related Work", "", "Earlier work fused ranks with reciprocal rank fusion.", "",
                              "2.1 Fusion methods", "", "Score fusion normalizes the scores of each leg first.", "",
                              "To try it:", "", "1. Open the settings", "", "2. Pick a fusion", "", "3. Save them"]]))
    doc = parse_file(f, "pdf")

    def path(s: str) -> tuple[str, ...]:
        at = doc.text.index(s)
        return next(e.heading_path for e in doc.elements if e.start <= at < e.end)

    assert path("Earlier work")[-1] == "2. Related Work"  # before: "1 Introduction"
    assert path("Score fusion")[-2:] == ("2. Related Work", "2.1 Fusion methods")  # before: the last one alone
    assert [e.kind for e in doc.elements if doc.text[e.start:e.end].startswith(("1. Open", "2. Pick", "3. Save"))] == [
        "ListItem", "ListItem", "ListItem"]


def test_a_line_of_a_printed_listing_is_no_heading(tmp_path: Path) -> None:
    """libtasn1's manual prints its grammar without a box: "BEGIN", "END" and "value1 INTEGER, value2 BOOLEAN"
    were sections, and "The SIZE constraints are allowed, but no check is done on them." was read under "END"."""
    f = tmp_path / "manual.pdf"
    f.write_bytes(pdf_bytes([["Libtasn1", "", "2.1 ASN.1 syntax", "", "Definitions follow the syntax below, which "
                              "the parser reads with care:", "", "DEFINITIONS <EXPLICIT or IMPLICIT> TAGS ::=", "",
                              "BEGIN", "", "<type and constants definitions>", "", "END", "",
                              "The ::= token must be separate from other elements in every definition.", "",
                              "Value ::= SEQUENCE {", "", "value1 INTEGER, value2 BOOLEAN", "", "}", "",
                              "The SIZE constraints are allowed, but no check is done on them.", "",
                              "agent.destroy()", "", "const agent = new Agent({ keepAlive: true });", "",
                              "callback <Function> Called when the agent is destroyed."]]))
    doc = parse_file(f, "pdf")
    headings = [doc.text[e.start : e.end] for e in doc.elements if e.kind == "Title"]
    assert not {"BEGIN", "END", "value1 INTEGER, value2 BOOLEAN"} & set(headings), headings
    at = doc.text.index("The SIZE constraints")
    assert next(e.heading_path for e in doc.elements if e.start <= at < e.end)[-1] == "2.1 ASN.1 syntax"
    assert "agent.destroy()" in headings  # a signature between an example and its parameters still heads


def test_a_printed_copy_button_is_left_out(tmp_path: Path) -> None:
    """Node.js's pages print each code block's copy button as "C O P Y": 627 headings of 17 printed pages, each
    naming the section of the text after its code block. A one-word "COPY" may head a section (a Dockerfile's)."""
    f = tmp_path / "buffer.pdf"
    f.write_bytes(pdf_bytes([["Buffer", "", "2.1 Buffer pools", "",
                              "Returns true if obj is a Buffer, false otherwise.", "", "console.log(isBuffer(b));", "",
                              "C O P Y", "", "The size of the pool is set when the module loads.", "", "Copy code", "",
                              "COPY", "", "The COPY instruction copies new files into the image."]]))
    doc = parse_file(f, "pdf")
    assert "C O P Y" not in doc.text and "Copy code" not in doc.text and "COPY\n" in doc.text
    at = doc.text.index("The size of the pool")
    assert next(e.heading_path for e in doc.elements if e.start <= at < e.end)[-1] == "2.1 Buffer pools"


def test_words_set_apart_by_position_alone_keep_their_spaces(tmp_path: Path) -> None:
    """TeX sets a justified line's words apart by position, with no space character: at unstructured's word
    margin, 62 runs of words of the Debian Developer's Reference read "Ifyouwanttoprintthisreference,"."""
    f = tmp_path / "devref.pdf"
    f.write_bytes(pdf_bytes([["If you want to print this reference, you should use the pdf version."]], word_gap=125))
    assert "If you want to print this reference, you should use the pdf version." in parse_file(f, "pdf").text


def test_sphinx_notes_that_a_block_goes_on_across_a_page_are_left_out(tmp_path: Path) -> None:
    """Sphinx's LaTeX writes "(continues on next page)" and "(continued from previous page)" where a code block
    breaks across pages (the Debian Developer's Reference): they were paragraphs of the example."""
    f = tmp_path / "devref.pdf"
    f.write_bytes(pdf_bytes([["Here is an example of a real NEWS.Debian file:", "",
                              "cron (3.0pl1-74) unstable; urgency=low", "", "(continues on next page)"],
                             ["(continued from previous page)", "",
                              "it now has its own package, checksecurity."]]))
    text = parse_file(f, "pdf").text
    assert "continue" not in text and "it now has its own package" in text


def test_a_pdf_line_that_ends_like_a_sentence_or_code_is_no_heading() -> None:
    assert heading_like("3.1 Invoking asn1Parser") and heading_like("References")
    assert heading_like("path.basename(path[, suffix])")  # an API reference's heading
    for line in ("tifier.", "?2, and so on.", "asn1_node definitions = NULL;", "char * error_desc)",
                 "For example:", '<mime-type type="text/x-diff">', "Appendix A Copying Information........ 24",
                 # A contact line, a grammar or formula line, a row of a data layout: no section is named so.
                 "Fabio Fiorina Simon Josefsson (help-libtasn1@gnu.org)", "X Desktop Group (http://www.freedesktop.org)",
                 "tal197 at users.sf.net", "Version ::= INTEGER", "Group ::= SEQUENCE {", "LEN = strlen(VALUE)+1",
                 "Match: 4 4 4", "GlobList: 4 CARD32 12*N_GLOBS"):
        assert not heading_like(line), line
    for line in ("0. PREAMBLE", "Since: 1.6", "SSL_CERT_FILE", "const char * asn1_strerror (int error)",
                 "A.1 GNU Free Documentation License"):
        assert heading_like(line), line
    assert numbered_heading("2.1 Fusion methods") == 2 and numbered_heading("3. Results") == 1
    assert numbered_heading("1. Open the settings.") is None and numbered_heading("2019 Annual report") is None
    # A name may be lower case under a deep number (the Debian Developer's Reference's "4.4.5 salsa.debian.org:
    # Git repositories ..." reset the section path, and the sections after it nested under it); not a quantity.
    assert numbered_heading("4.4.5 salsa.debian.org: Git repositories and collaborative development platform") == 3
    assert numbered_heading("1.5 times faster") is None and numbered_heading("3 apples") is None


def test_a_sentence_across_a_column_break_of_a_printed_paper_reads_whole(tmp_path: Path) -> None:
    """A two-column page printed by Chromium, the layout of a paper: the parser reads each column in order but
    makes a new element where a paragraph leaves the foot of one column for the top of the next."""
    words = ["fusion", "ranking", "index", "token", "passage", "cache", "shard", "vector", "sparse", "dense"]
    sentences = [f"Sentence {i} of the study reports that " + " ".join(words[(i + j) % 10] for j in range(14))
                 + f" stop{i}." for i in range(80)]
    paragraphs = "".join(f"<p>{' '.join(sentences[k:k + 7])}</p>" for k in range(0, 80, 7))
    doc = printed(tmp_path, "<html><body style='font:10pt serif'><h1>A Study</h1><div style='column-count:2;"
                    f"text-align:justify'>{paragraphs}</div></body></html>")
    assert max(e.page or 0 for e in doc.elements) >= 2
    cut = [s for s in sentences if s not in doc.text]
    assert not cut, cut  # before: the sentences at each column's foot, "… that dense\n\nfusion … stop7."


def test_a_pdf_heading_is_told_by_its_type_not_only_by_its_words(tmp_path: Path) -> None:
    """An API page printed to PDF: the parser took "Class property: Buffer.poolSize" (bold, like a browser prints an
    h4) for a paragraph and a listing for a heading, from their words alone, and "UV_THREADPOOL_SIZE=size" for
    code. How each box is set decides now."""
    doc = printed(tmp_path,
        "<html><body style='font: 12px sans-serif'><h1>Buffer</h1>"
        "<p>Buffer objects represent a fixed-length sequence of bytes. Many Node.js APIs support Buffers.</p>"
        "<h3>Static method: Buffer.allocUnsafe(size)</h3><p>Allocates a new Buffer of size bytes, not initialized.</p>"
        "<pre style='font-size: 11px'>const buf = Buffer.allocUnsafe(10);\nbuf.fill(0);\nconsole.log(buf);</pre>"
        "<p>The contents of a newly created Buffer are unknown and may contain sensitive data.</p>"
        "<h4>Class property: Buffer.poolSize</h4><p>Default: 8192. The size in bytes of the pooled Buffer.</p>"
        "<h3>UV_THREADPOOL_SIZE=size</h3><p>Set the number of threads used in libuv's threadpool to size threads.</p>"
        "</body></html>")
    headings = [doc.text[e.start : e.end] for e in doc.elements if e.kind == "Title"]
    # before: ["Static method: Buffer.allocUnsafe(size)", "const buf = Buffer.allocUnsafe(10); buf.fill(0); ..."]
    # A line set as a heading is one even when its words read as code.
    assert headings == ["Static method: Buffer.allocUnsafe(size)", "Class property: Buffer.poolSize",
                        "UV_THREADPOOL_SIZE=size"]


def test_a_printed_listing_is_one_code_block_with_its_lines(tmp_path: Path) -> None:
    """A code block printed to PDF came back as one line of text ("const buf = …; if (buf) { buf.fill(0); … }"):
    the parser joins a box's lines with spaces, and a listing printed a line per box was a paragraph per line.
    Text set in a fixed-width face is a fenced block again, its lines and their indentation as printed, and an
    answer unit with the sentence that introduces it. Prose naming an identifier in that face stays prose."""
    doc = printed(tmp_path,
        "<html><body style='font: 12px sans-serif'><h1>Buffer</h1>"
        "<p>Allocates a new Buffer of size bytes, not initialized. For example:</p>"
        "<pre style='font-size: 11px'>const buf = Buffer.allocUnsafe(10);\nif (buf) {\n  buf.fill(0);\n}</pre>"
        "<p>Returns: <code>ERR_BUFFER_OUT_OF_BOUNDS_FOR_THE_INDEX</code> if not.</p>"
        "<p>The contents of a newly created Buffer are unknown and may contain sensitive data.</p>"
        "</body></html>")
    code = "```\nconst buf = Buffer.allocUnsafe(10);\nif (buf) {\n  buf.fill(0);\n}\n```"
    assert [doc.text[e.start : e.end] for e in doc.elements if e.kind == "CodeSnippet"] == [code]
    assert "Returns: ERR_BUFFER_OUT_OF_BOUNDS_FOR_THE_INDEX if not." in doc.text
    units = [(u.kind, doc.text[u.start : u.end]) for u in answer_units(doc.text, UNIT_CHARS)]
    assert ("code", f"Allocates a new Buffer of size bytes, not initialized. For example:\n\n{code}") in units


def test_a_printed_bullet_list_is_a_list_again(tmp_path: Path) -> None:
    """A browser prints a list's bullets as small discs, drawn, not set as text: the parser saw no marker and made
    each item a paragraph (or, short, a heading), an item that is all code a code block, and the rest of an item
    cut at a line of code another; "Node.js APIs that use the threadpool are:" lost the list it introduces. An
    item led by such a mark is a list item again; a paragraph beside a larger drawing (a rule) is not."""
    doc = printed(tmp_path,
        "<html><head><style>li {margin-bottom: 6px; line-height: 1.9} code {background: #eee; padding: 3px 5px; "
        "font-size: 13px}</style></head><body style='font: 12px sans-serif'><h1>Threadpool</h1>"
        "<p>Node.js APIs that use the threadpool are:</p><ul style='width: 330px'>"
        "<li>all fs APIs, other than the file watcher APIs</li><li>asynchronous crypto APIs such as "
        "<code>crypto.pbkdf2()</code>, <code>crypto.scrypt()</code>, <code>crypto.randomBytes()</code>, "
        "<code>crypto.generateKeyPair()</code></li><li><code>dns.lookup()</code></li>"
        "<li>all zlib APIs, other than the synchronous ones</li></ul>"
        "<p style='border-left: 4px solid black; padding-left: 8px'>A slow API delays the others.</p>"
        "</body></html>")
    items = [doc.text[e.start : e.end] for e in doc.elements if e.kind == "ListItem"]
    assert [i.split(" ")[:3] for i in items] == [["-", "all", "fs"], ["-", "asynchronous", "crypto"],
                                                  ["-", "dns.lookup()"], ["-", "all", "zlib"]]
    assert items[1].endswith("crypto.generateKeyPair()")
    assert not [e for e in doc.elements if e.kind in ("CodeSnippet", "Title")]
    assert "A slow API delays the others." in [doc.text[e.start : e.end] for e in doc.elements]
    units = [(u.kind, doc.text[u.start : u.end]) for u in answer_units(doc.text, UNIT_CHARS)]
    assert ("steps", "Node.js APIs that use the threadpool are:\n\n" + "\n".join(items)) in units


def test_printed_numbered_steps_are_steps_again(tmp_path: Path) -> None:
    """A browser prints an ordered list's numbers as text, and pdfminer boxes the items together, with the line
    leading into them when it is close: "To switch, do this: 1. Open the file. 2. Set storage.type …" was one
    paragraph, and "How do I switch to the filesystem?" had no steps to quote. Each numbered item is an item of
    its own again, quoted with its lead-in."""
    doc = printed(tmp_path,
        "<html><body style='font: 14px sans-serif'><h1>Buffering</h1>"
        "<p style='margin-bottom: 0'>To switch to the filesystem, do this:</p><ol style='margin-top: 0'>"
        "<li>Open the file.</li><li>Set <code>storage.type</code> to <code>filesystem</code>.</li>"
        "<li>Restart the service.</li></ol><p>The chunks then survive a restart.</p></body></html>")
    steps = "1. Open the file.\n2. Set storage.type to filesystem.\n3. Restart the service."
    assert f"To switch to the filesystem, do this:\n\n{steps}\n\nThe chunks then survive" in doc.text
    units = [(u.kind, doc.text[u.start : u.end]) for u in answer_units(doc.text, UNIT_CHARS)]
    assert ("steps", f"To switch to the filesystem, do this:\n\n{steps}") in units


def test_a_paragraph_boxed_in_pieces_on_one_page_is_one_paragraph(tmp_path: Path) -> None:
    """pdfminer starts a new box where the line spacing changes, as at a line holding inline code set taller: a
    printed API page's "... other (seemingly" / "unrelated) APIs that run in libuv's threadpool ..." was two
    paragraphs, cut mid-sentence. A box whose last line fills the line goes on in the next; a short line (a
    heading, a parameter's "root: pointer to a structure") does not."""
    doc = printed(tmp_path,
        "<html><head><style>code {background: #eee; padding: 3px 5px; font-size: 13px; line-height: 2.2}</style>"
        "</head><body style='font: 12px sans-serif; width: 420px'><h1>Threadpool</h1>"
        "<p>Because the threadpool has a fixed size, a slow call delays every other call that runs in the pool, "
        "however unrelated it seems to be, so you may want to raise its size with <code>UV_THREADPOOL_SIZE</code> "
        "in the environment of the process.</p><p>Short line</p><p>another paragraph in lower case follows.</p>"
        "</body></html>")
    paragraph = ("Because the threadpool has a fixed size, a slow call delays every other call that runs in the pool, "
                 "however unrelated it seems to be, so you may want to raise its size with UV_THREADPOOL_SIZE in the "
                 "environment of the process.")
    assert doc.text.split("\n\n")[1:] == [paragraph, "Short line", "another paragraph in lower case follows."]


def test_a_printed_table_reads_as_its_header_and_rows(tmp_path: Path) -> None:
    """pdfminer boxes a printed table's cells by nearness: a row's cells joined into one line ("scheduler.cap Set a
    maximum retry time … 2000 scheduler.base …"), a column's cells stacked in one box ("1 2 3 4" then "(3, 6) (3,
    12) …"), so no row could be found and a question on a value was answered with a column. Read from where its
    words stand, each row is a row again, led by its column names, with a cell's wrapped lines and a cell set in
    the middle of a taller row in their row."""
    doc = printed(tmp_path,
        "<html><head><style>td, th {padding: 1px 4px}</style></head><body style='font: 12px serif'>"
        "<h1>Retries</h1><p>The scheduler provides two options, which can be set in the Service section.</p>"
        "<table><tr><th>Key</th><th>Description</th><th>Default</th></tr>"
        "<tr><td><code>scheduler.cap</code></td><td>Set a maximum retry time in seconds.</td><td>2000</td></tr>"
        "<tr><td><code>scheduler.base</code></td><td style='width: 260px'>Set a base of exponential backoff, "
        "the lower bound of the time to wait before the next retry.</td><td>5</td></tr>"
        "<tr><td><code>Retry_Limit</code></td><td>When set, retries are disabled.</td>"
        "<td><code>no_limits</code> or<br><code>False</code></td></tr></table>"
        "<p>The base determines the lower bound of time and the cap the upper bound for each retry.</p>"
        "<table><tr><th>Nth retry</th><th>Waiting time (seconds)</th></tr><tr><td>1</td><td>(3, 6)</td></tr>"
        "<tr><td>2</td><td>(3, 12)</td></tr></table></body></html>")
    rows = [doc.text[e.start : e.end] for e in doc.elements if e.kind in ("Table", "TableRow")]
    assert rows == ["Key | Description | Default",
                    "Key: scheduler.cap | Description: Set a maximum retry time in seconds. | Default: 2000",
                    "Key: scheduler.base | Description: Set a base of exponential backoff, the lower bound of the "
                    "time to wait before the next retry. | Default: 5",
                    "Key: Retry_Limit | Description: When set, retries are disabled. | Default: no_limits or False",
                    "Nth retry | Waiting time (seconds)",
                    "Nth retry: 1 | Waiting time (seconds): (3, 6)",
                    "Nth retry: 2 | Waiting time (seconds): (3, 12)"]
    assert doc.text.split("\n\n")[:2] == [
        "Retries", "The scheduler provides two options, which can be set in the Service section."]
    assert "The base determines the lower bound of time and the cap the upper bound for each retry." in doc.text


def test_a_printed_table_keeps_its_centred_header_and_wrapped_names(tmp_path: Path) -> None:
    """A browser centres a header's cells and pads rows apart. "Feature" stood over the middle of a column of names,
    so the next long name crossed the gap left of it and the table began at its first row of cells ("Core |
    pihole" read as the column names); a name wrapped in the first column ("Allowlisting, Denylisting" / "and
    Regex") was two rows. A headerless table of keys and commands has no column names: it reads as terms."""
    doc = printed(tmp_path,
        "<html><body style='font: 12px serif; width: 560px'><h1>Commands</h1><table>"
        "<tr><th>Feature</th><th>Invocation</th></tr><tr><td>Core</td><td><code>pihole</code></td></tr>"
        "<tr><td style='width: 120px'>Allowlisting, Denylisting and Regex</td><td><code>pihole allow</code>, "
        "<code>pihole deny</code></td></tr><tr><td>Debugger</td><td><code>pihole debug</code></td></tr>"
        "<tr><td>Log Flush</td><td><code>pihole flush</code></td></tr></table><h2>Checkout</h2><table>"
        "<tr><th></th><th></th></tr><tr><td>Help Command</td><td><code>pihole checkout --help</code></td></tr>"
        "<tr><td>Script Location</td><td><code>/opt/pihole/piholeCheckout.sh</code></td></tr>"
        "<tr><td>Example Usage</td><td><code>pihole checkout dev</code></td></tr></table>"
        "<p>Switch Pi-hole subsystems to a different GitHub branch.</p></body></html>")
    rows = [doc.text[e.start : e.end] for e in doc.elements if e.kind in ("Table", "TableRow")]
    assert rows == ["Feature | Invocation", "Feature: Core | Invocation: pihole",
                    "Feature: Allowlisting, Denylisting and Regex | Invocation: pihole allow, pihole deny",
                    "Feature: Debugger | Invocation: pihole debug", "Feature: Log Flush | Invocation: pihole flush"]
    assert ("Help Command: pihole checkout --help\n\nScript Location: /opt/pihole/piholeCheckout.sh\n\n"
            "Example Usage: pihole checkout dev") in doc.text


def test_rows_after_a_tall_row_are_rows_not_wrapped_lines() -> None:
    """A row of wrapped cells is taller than the next, so lines stand at uneven pitches while the gaps between rows
    are even: read by pitch, "print_status" went on the row of "interval" (Fluent Bit's throttle filter printed by
    Chromium, check AD: its pieces as pdfminer placed them)."""
    def cell(left: float, top: float, bottom: float, text: str) -> Piece:
        return Piece(left, left + 6.0 * len(text), top, bottom, text, box_top=260, box_bottom=380)

    pieces = [cell(36, 276.1, 288.1, "Key"), cell(109.4, 269.3, 281.3, "Value"), cell(109.4, 282.8, 294.8, "Format"),
              cell(181.9, 276.1, 288.1, "Description"),
              cell(36, 301.3, 311.0, "interval"), cell(109.4, 301.3, 311.0, "String"),
              cell(181.9, 299.3, 311.3, "Time interval, expressed in sleep format."),
              cell(181.9, 315.8, 327.8, "Whether to print status messages with"),
              cell(36, 324.5, 334.3, "print_status"), cell(109.4, 324.5, 334.3, "Bool"),
              cell(181.9, 329.3, 341.3, "logs."),
              cell(36, 347.8, 357.5, "rate"), cell(109.4, 347.8, 357.5, "Integer"),
              cell(181.9, 345.8, 357.8, "Amount of messages for the time."),
              cell(36, 364.3, 374.0, "window"), cell(109.4, 364.3, 374.0, "Integer"),
              cell(181.9, 362.3, 374.3, "Amount of intervals to average over.")]
    [table] = find_tables(pieces, 33.7, 560)
    assert [row[0] for row in table.rows] == ["interval", "print_status", "rate", "window"]


def test_a_markdown_table_with_an_empty_header_row_has_no_column_names(tmp_path: Path) -> None:
    """Markdown has no table without a header row, so pages of keys and values leave it empty: the first row of
    cells was read as the column names ("Help Command: Example Usage | pihole checkout --help: pihole checkout
    dev"). Keys and values read as terms; wider rows as rows with no names."""
    text = parsed(tmp_path, "commands.md",
                  "# Checkout\n\n| | |\n| --- | --- |\n| Help Command | `pihole checkout --help` |\n"
                  "| Script Location | `/opt/pihole/piholeCheckout.sh` |\n| Example Usage | `pihole checkout dev` |\n\n"
                  "Switch Pi-hole subsystems to a different GitHub branch.\n\n# Ports\n\n| | | |\n|---|---|---|\n"
                  "| DNS | 53 | TCP and UDP, answered by the resolver itself |\n"
                  "| NTP | 123 | UDP, only when the time server is on |\n")
    assert ("Help Command: pihole checkout --help\nScript Location: /opt/pihole/piholeCheckout.sh\n"
            "Example Usage: pihole checkout dev") in text
    assert ("DNS | 53 | TCP and UDP, answered by the resolver itself\n"
            "NTP | 123 | UDP, only when the time server is on") in text


def test_a_table_cell_reads_as_the_page_spells_it(tmp_path: Path) -> None:
    """unstructured writes a cell with a space at each inline element's edge: pipx's "``always``, ``missing``, or
    ``never``." was indexed as "always , missing , or never ." (check AK). Markdown, HTML and reST alike."""
    row = "Name: a | Meaning: One of x, y, or z. Default: x (see c)."
    assert row in parsed(tmp_path, "t.md", "# T\n\n| Name | Meaning |\n|---|---|\n"
                                           "| `a` | One of `x`, `y`, or *z*. Default: **x** (see `c`). |\n")
    assert row in parsed(tmp_path, "t.html", "<html><body><h1>T</h1><table><tr><th>Name</th><th>Meaning</th></tr>"
                                             "<tr><td><code>a</code></td><td>One of <code>x</code>, <code>y</code>, or "
                                             "<em>z</em>. Default: <b>x</b> (see <code>c</code>).</td></tr></table>"
                                             "</body></html>")
    # A line break inside a cell still parts its words (Artsy's criteria table, check W).
    assert "Area: Security | Level 1: Tracking enabled Encryption advised | Level 2: Required" in parsed(
        tmp_path, "b.html", "<html><body><h1>T</h1><table><tr><th>Area</th><th>Level 1</th><th>Level 2</th></tr>"
                            "<tr><td>Security</td><td>Tracking enabled<br>Encryption advised</td><td>Required</td></tr>"
                            "</table></body></html>")
    assert row in parsed(tmp_path, "t.rst", "T\n=\n\n.. list-table::\n    :header-rows: 1\n\n    - - Name\n"
                                            "      - Meaning\n    - - ``a``\n      - One of ``x``, ``y``, or *z*. "
                                            "Default: **x** (see ``c``).\n")


def test_printed_steps_terms_listings_and_columns_are_no_tables(tmp_path: Path) -> None:
    """What stands side by side on a printed page without being a table: a numbered step's number beside its text,
    a listing's aligned columns, a page of prose set in two columns, a term beside its description."""
    doc = printed(tmp_path,
        "<html><body style='font: 12px serif'><h1>Setup</h1><ol><li>Open the settings page.</li>"
        "<li>Choose a new password and save it.</li></ol>"
        "<pre>[SERVICE]\n  Flush            5\n  Daemon           off\n  Log_Level        debug</pre>"
        "<dl><dt>flush</dt><dd>How often to flush, in seconds.</dd><dt>daemon</dt><dd>Run in the background.</dd>"
        "</dl><div style='column-count: 2; column-gap: 30px'>" + " ".join(
            f"<p>Paragraph {i} says that the service keeps its data in chunks and flushes them to the outputs "
            f"every few seconds, retrying when an output asks for it.</p>" for i in range(6)) + "</div>"
        "</body></html>")
    assert not [e for e in doc.elements if e.kind in ("Table", "TableRow")]
    assert "Paragraph 3 says that the service keeps its data in chunks" in doc.text


def _set(rows: list[list[tuple[float, str]]], pitch: float = 14.0, mono: int | None = None) -> list[Piece]:
    """Pieces of TeX-set lines: each row's (left, text) pieces, 10 points tall, a line every `pitch` points, the
    pieces of column `mono` in a fixed-width face."""
    return [Piece(left, left + 5.0 * len(text), 100 + i * pitch, 110 + i * pitch, text, mono=j == mono,
                  box_top=100 + i * pitch, box_bottom=110 + i * pitch)
            for i, row in enumerate(rows) for j, (left, text) in enumerate(row)]


def test_a_tex_table_is_named_by_its_first_row_and_a_list_of_terms_reads_as_terms() -> None:
    """TeX sets a table's first row like the others: it names the columns when it is a few words above rows holding
    other things. A headerless table of two columns led by short terms (texinfo's tables, Rd's arguments) is a
    list of terms, read as the parser reads an HTML page's."""
    types = find_tables(_set([[(72, "no"), (120, "SEXPTYPE"), (220, "Description")],
                              [(72, "0"), (120, "NILSXP"), (220, "NULL")],
                              [(72, "1"), (120, "SYMSXP"), (220, "symbols")]]), 72, 540)
    assert [(t.header, t.rows) for t in types] == [(("no", "SEXPTYPE", "Description"),
                                                     (("0", "NILSXP", "NULL"), ("1", "SYMSXP", "symbols")))]
    args = find_tables(_set([[(72, "x"), (140, "a numeric vector which is to be")],
                             [(140, "converted to integer codes.")],
                             [(72, "breaks"), (140, "the number of intervals.")],
                             [(72, "right"), (140, "logical, closed on the right.")]]), 72, 540)
    assert [as_terms(t) for t in args] == [["x: a numeric vector which is to be converted to integer codes.",
                                            "breaks: the number of intervals.", "right: logical, closed on the right."]]


def test_code_and_its_comments_and_a_paragraph_beside_short_lines_are_no_table() -> None:
    """A listing's lines with their comments set apart, and a page's two columns where the right one holds a
    numbered list: lines stand side by side, but the left column's paragraph runs on above and below them."""
    code = _set([[(72, "x <- runif(10)"), (260, "# Shown and run.")], [(72, "y <- x + 1"), (260, "# Shown.")],
                 [(72, "z <- y"), (260, "# Run.")]], mono=0)
    assert find_tables(code, 72, 540) == []
    beside = [Piece(72, 300, 100 + i * 12, 110 + i * 12, f"line {i} of a paragraph that runs on", box_top=40,
                    box_bottom=300) for i in range(4)]
    items = [p for i in range(4) for p in (Piece(320, 330, 100 + i * 12, 110 + i * 12, f"{i + 1}."),
                                          Piece(340, 400, 100 + i * 12, 110 + i * 12, f"item {i + 1}"))]
    assert find_tables(beside + items, 72, 540) == []


def test_a_printed_nested_list_keeps_its_nesting(tmp_path: Path) -> None:
    """A printed list nests by where its bullets stand: "pathObject" and the properties under it were one flat list."""
    doc = printed(tmp_path, "<html><body style='font: 12px sans-serif'><h1>path.format(pathObject)</h1><ul>"
                  "<li>pathObject Any JavaScript object having the following properties:<ul><li>dir the directory</li>"
                  "<li>root the root</li></ul></li><li>Returns: a string</li></ul>"
                  "<p>The path.format() method returns a path string from an object.</p></body></html>")
    items = "\n".join(doc.text[e.start : e.end] for e in doc.elements if e.kind == "ListItem")
    assert items == ("- pathObject Any JavaScript object having the following properties:\n  - dir the directory\n"
                     "  - root the root\n- Returns: a string")


def test_a_bullet_further_right_opens_a_level_and_one_further_left_closes_it() -> None:
    levels: list[float] = []
    assert [nesting(levels, x) for x in (40, 40.5, 60, 60, 80, 40, 60)] == [0, 0, 1, 1, 2, 0, 1]


def test_a_nested_item_going_on_from_its_parent_is_read_from_the_parent() -> None:
    # 18F's incident reports page (check AN): "an alternative to Five Whys" was quoted without the article it is.
    text = ("Additional resources\n\n- John Allspaw's introduction to the topic\n"
            "- Allspaw's article on Infinite How's\n  - an alternative to Five Whys (that arguably works better)\n"
            "  - another point made about the same article\n"
            "- Dan Luu's collection of post-mortems\n  - Collected from many companies over the years")
    units = [(u.kind, text[u.start : u.end]) for u in answer_units(text, UNIT_CHARS)]
    assert ("sentence", "Allspaw's article on Infinite How's\n  - an alternative to Five Whys (that arguably works "
                        "better)") in units
    # Only the first nested item, and only one going on in lower case: a later one, or one opening a sentence of
    # its own, is read as it is.
    assert ("sentence", "another point made about the same article") in units
    assert ("sentence", "Collected from many companies over the years") in units


def test_items_are_cut_where_their_bulleted_lines_begin() -> None:
    """Items set close are one box: each begins at a line a bullet leads, and what comes before the first ends
    the item of the box before."""
    text = "crypto.generateKeyPair() dns.lookup() all zlib APIs, other than those that are explicitly synchronous"
    assert item_lines(text, ["dns.lookup()", "all zlib APIs, other than those that are"]) == (
        "crypto.generateKeyPair()", "- dns.lookup()\n- all zlib APIs, other than those that are explicitly synchronous")
    assert item_lines("fs APIs", ["fs APIs"]) == ("", "- fs APIs")


def test_a_listing_is_put_together_from_the_pieces_it_was_boxed_in() -> None:
    """A TeX manual boxes a listing a line at a time, and a line in pieces ("id" and "OBJECT IDENTIFIER,", the
    second boxed after the next line): pieces of one line are side by side again, lines top to bottom."""
    def box(*pieces: tuple[float, float, str]) -> BoxFont:
        return BoxFont(size=10, bold=False, mono=True, lines=len(pieces), listing=pieces, char_width=5.0)

    boxes = [box((100, 10, "Group ::= SEQUENCE {")), box((115, 22, "id")), box((115, 34, "value Value")),
             box((140, 22.5, "OBJECT IDENTIFIER,")), box((100, 46, "}"))]
    assert listing_text(boxes) == "Group ::= SEQUENCE {\n   id   OBJECT IDENTIFIER,\n   value Value\n}"
    # Glyphs that map to no character are left out, and a line of nothing else with them (a figure's labels).
    unmapped = [box((100, 10, "(cid:104)SetDataTXN, /foo, f2(cid:105)")), box((100, 22, "(cid:31)(cid:30)(cid:29)")),
                box((100, 34, "ﬁle = open(path)"))]
    assert listing_text(unmapped) == "SetDataTXN, /foo, f2\nfile = open(path)"


def test_a_pdf_is_titled_by_its_own_title_not_its_first_short_line(tmp_path: Path) -> None:
    f = tmp_path / "paper.pdf"
    lines = [["Jane Doe and John Roe", "", "Search systems combine lexical and dense signals in many ways today."]]
    f.write_bytes(pdf_bytes(lines, title="Retrieval at Scale"))
    assert parse_file(f, "pdf").title == "Retrieval at Scale"  # before: the author line, the first "heading"
    for name in ("Microsoft Word - draft3.docx", "untitled", "paper.pdf", "  "):
        f.write_bytes(pdf_bytes(lines, title=name))
        assert parse_file(f, "pdf").title == "Jane Doe and John Roe", name  # a file's name is no title
    f.write_bytes(pdf_bytes(lines))
    assert parse_file(f, "pdf").title == "Jane Doe and John Roe"


def test_a_break_is_a_new_page_or_the_top_of_the_next_column() -> None:
    assert broke((1, 700.0), (2, 80.0))  # the next page
    assert broke((1, 700.0), (1, 116.0))  # back up the same page: the next column
    assert not broke((1, 128.0), (1, 158.0))  # a heading and the text under it
    assert not broke(None, (1, 80.0)) and not broke((None, None), (None, None))  # no layout known


def test_a_pdfs_words_are_mended_where_a_line_end_broke_them(tmp_path: Path) -> None:
    f = tmp_path / "paper.pdf"
    f.write_bytes(pdf_bytes([["Compilers for statically typed languages rely on type informa-",
                              "tion to generate fast machine code. A mixed-mode",
                              "design runs a mixed-", "mode interpreter first."]]))
    text = parse_file(f, "pdf").text
    # the old text: "type informa- tion", "a mixed- mode interpreter"
    assert "type information to generate" in text and "runs a mixed-mode interpreter" in text


def _pieces_pdf(path: Path, shown: list[tuple[float, float, str]], vertical: bool = False) -> Path:
    """A page of Helvetica 12 pt text, each piece shown at its own (x, y): a justified line cut where TeX set it;
    `vertical` turns each piece a quarter turn, as a rotated page's text runs."""
    from ingest.minimal_pdf import pdf_file

    place = "0 -1 1 0 {x:.2f} {y} Tm" if vertical else "{x:.2f} {y} Td"
    # Helvetica without an /Encoding reads codes as Adobe's standard encoding: "\xb7" is its bullet.
    stream = "\n".join(f"BT /F1 12 Tf {place.format(x=x, y=y)} ({text}) Tj ET" for x, y, text in shown)
    path.write_bytes(pdf_file([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
                               b"/Resources << /Font << /F1 5 0 R >> >> >>",
                               b"<< /Length %d >>\nstream\n" % len(stream) + stream.encode("latin-1")
                               + b"\nendstream", b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]))
    return path


def test_the_pieces_of_a_justified_pdf_line_are_read_in_print_order(tmp_path: Path) -> None:
    """pdfminer cuts a justified line at a wide word gap and sorts a box's lines by their tops: "It", set a
    fraction of a point higher at the line's right end, was read first, and Megastore's abstract read "… to meet
    the stor- It age requirements of today's interactive online services. is novel …". A piece aligned with
    neither edge became a box of its own, read after the paragraph: Dynamo's "from" and "the perspective of"."""
    from pdfminer.fontmetrics import FONT_METRICS

    widths = FONT_METRICS["Helvetica"][1]

    def width(text: str) -> float:
        return sum(widths[c] for c in text) * 12 / 1000

    first = "Megastore is a storage system built to meet the stor-"
    right = 72 + width(first)
    cut = _pieces_pdf(tmp_path / "cut.pdf", [
        (72, 720, first), (right - width("It"), 704.4, "It"), (72, 704, "age needs of online services."),
        (72, 688, "is novel in that it blends NoSQL and RDBMS.")])
    assert "meet the storage needs of online services. It is novel in that" in parse_file(cut, "pdf").text
    first = "Amazon engineers show a relentless focus on the performance"
    right = 72 + width(first)
    stray = _pieces_pdf(tmp_path / "stray.pdf", [
        (72, 720, first), (72, 704, "as seen"), (200, 704, "from"), (right - width("the customers'"), 704.3,
                                                                     "the customers'"),
        (72, 688, "experience of all services, every single day.")])
    assert parse_file(stray, "pdf").text == (
        "Amazon engineers show a relentless focus on the performance as seen from the customers’ experience of all "
        "services, every single day.")
    # Printed lines keep pdfminer's order; pieces of one line are read left to right.
    assert printed_order([720.0, 704.4, 704.0, 688.0], [72.0, 440.0, 72.0, 72.0]) == [0, 2, 1, 3]
    assert printed_order([704.5, 704.0], [300.0, 72.0]) == [1, 0]
    assert printed_order([720.0, 710.0], [300.0, 72.0]) == [0, 1]


def test_a_rotated_pages_vertical_lines_keep_pdfminers_order(tmp_path: Path) -> None:
    """unstructured reads a rotated page with pdfminer's vertical boxes, whose lines run top to bottom and right to
    left. Read as pieces of one printed line (their tops are level), they were sorted left to right: reversed."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTTextBox

    shown = [(300.0, 700.0, "First column of text"), (284.0, 700.0, "Second column here"),
             (268.0, 700.0, "Third column ends")]
    f = _pieces_pdf(tmp_path / "rotated.pdf", shown, vertical=True)
    page = next(iter(extract_pages(f, laparams=LAParams(detect_vertical=True))))
    mend_layout(page)
    lines = [line.get_text().strip() for box in page if isinstance(box, LTTextBox) for line in box]
    assert lines == [text for _, _, text in shown]


def test_a_pdfs_bulleted_items_boxed_with_their_paragraph_are_a_list(tmp_path: Path) -> None:
    """pdfminer boxed Chubby's and Lampson's bulleted items with the line introducing them, and the parser joined
    a box's lines: "These arguments suggest two key design decisions: • We chose a lock service, …". An item cut
    by a column break is continued in the next column, as a paragraph is."""
    left = ["We made two key design decisions:", "\xb7 We chose a lock service, not a", "library for consensus.",
            "\xb7 We chose to serve small files, so", "that primaries can advertise. This"]
    right = ["suggests that an event mechanism", "would be useful to avoid polling.", "",
             "The rest of this section describes", "the design of the service in detail."]
    shown = [(72.0, 720.0 - 14 * i, t) for i, t in enumerate(left)]
    shown += [(320.0, 720.0 - 14 * i, t) for i, t in enumerate(right) if t]
    assert parse_file(_pieces_pdf(tmp_path / "paper.pdf", shown), "pdf").text == (
        "We made two key design decisions:\n\n- We chose a lock service, not a library for consensus.\n- We chose "
        "to serve small files, so that primaries can advertise. This suggests that an event mechanism would be "
        "useful to avoid polling.\n\nThe rest of this section describes the design of the service in detail.")


def test_ligatures_and_line_end_hyphens_are_undone() -> None:
    repair = word_repair(["Efﬁcient com- pilers use trace- based and mixed-mode designs; a trace is a path.",
                          "Pre- and post-processing of ﬂoat values; con- ﬁguration."])
    assert repair("Efﬁcient com- pilers") == "Efficient compilers"
    assert repair("mixed- mode") == "mixed-mode"  # written with a hyphen elsewhere in the document
    assert repair("a trace- path") == "a trace-path"  # two words of the document, and "tracepath" is none
    assert repair("Pre- and post-") == "Pre- and post-"  # a hyphen left hanging on purpose
    assert repair("con- ﬁguration of ﬂoat") == "configuration of float"
    assert repair("a na¨ıve design by Andr´e, and it´s fast") == "a naïve design by André, and it´s fast"


def test_glyphs_with_no_character_are_left_out_and_tex_typewriter_faces_are_code() -> None:
    """The R FAQ (texinfo) boxes its examples with corner glyphs pdfminer writes as "(cid:8)", paragraphs of their
    own, and sets "$ R CMD REMOVE pkg_1 ... pkg_n" in CMSLTT10, slanted typewriter, which was read as prose."""
    repair = word_repair(["Copyright c(cid:13) 1998 Kurt Hornik", "(cid:8)"])
    assert repair("Copyright c(cid:13) 1998 Kurt Hornik") == "Copyright c 1998 Kurt Hornik"
    assert repair("(cid:8)") == ""
    assert all(fixed_width(f) for f in ("LANHIM+CMTT10", "GQUPIQ+CMSLTT10", "CMITT10", "SFTT1000", "LMTT10",
                                        "DejaVuSansMono", "NimbusMonL-Regu", "Courier",
                                        "BZUJDV+t1xtt", "MPGAWB+t1xbtt"))  # Sphinx's LaTeX (txfonts)
    assert not any(fixed_width(f) for f in ("PZQDZF+CMR10", "ABITGW+CMBX12", "HBBENW+CMTI10", "Times-Roman",
                                            "DejaVuSans-Bold", "Helvetica", "XTTSDX+TeXGyreTermes-Regular",
                                            "LTEDIX+TeXGyreHeros-Bold"))

def test_a_bare_command_is_scored_with_the_sentence_after_it_that_says_what_it_did() -> None:
    """READMEs set commands bare before a sentence that says what they do: uvicorn's `pip install
    'uvicorn[standard]'` before "This will install uvicorn with Cython-based dependencies". Read alone, the command
    scored below that sentence, which was quoted without it. The quote stays the block; the sentence before it
    is not borrowed (the block then rode along with it as a second unit)."""
    text = ("Install the server with its extras.\n\n```shell\n$ pip install 'uvicorn[standard]'\n```\n\n"
            "This will install uvicorn with Cython-based dependencies. Nothing else in your code changes at all.")
    units = answer_units(text, UNIT_CHARS)
    code = next(u for u in units if u.kind == "code")
    assert text[code.start:code.end].startswith("```")  # no announcing sentence: the block alone is quoted
    around = bare_code_context(text, code, units)
    assert around == "This will install uvicorn with Cython-based dependencies."
    assert probe(text[code.start:code.end], "code", "", around) == f"{around}\n$ pip install 'uvicorn[standard]'"
    unrelated = text.replace("This will install", "Uvicorn will install")  # says nothing of the block above it
    block = next(u for u in answer_units(unrelated, UNIT_CHARS) if u.kind == "code")
    assert bare_code_context(unrelated, block, answer_units(unrelated, UNIT_CHARS)) == ""
    announced = "Install it with extras:\n\n```\npip install uvicorn[standard]\n```\n\nThis is faster than it was."
    block = next(u for u in answer_units(announced, UNIT_CHARS) if u.kind == "code")
    assert bare_code_context(announced, block, answer_units(announced, UNIT_CHARS)) == ""  # its introduction says


def test_a_sentence_pointing_back_at_a_command_is_scored_with_the_command() -> None:
    """Poetry's "Then you can package your library by running: `poetry build`" is followed by "This command will
    package your library in two different formats: sdist ... and wheel ...". Read alone, that sentence scored
    0.04 for "Which two formats does poetry build produce?", under every other sentence of its page; read after
    the command it points back at, 0.79. The quote stays the sentence."""
    text = ("Then you can package your library by running:\n\n```bash\npoetry build\n```\n\n"
            "This command will package your library in two different formats: sdist and wheel.\n\n"
            "Poetry will publish to PyPI by default, and you can change that.")
    units = answer_units(text, UNIT_CHARS)
    pointing = next(u for u in units if text[u.start:u.end].startswith("This command"))
    assert code_pointed_at(text, pointing) == "poetry build"
    assert probe(text[pointing.start:pointing.end], "sentence", "", "poetry build") == (
        "poetry build: This command will package your library in two different formats: sdist and wheel.")
    assert probe(text[pointing.start:pointing.end], "sentence", "Packaging", "poetry build").startswith(
        "Packaging: poetry build: This command")
    other = next(u for u in units if text[u.start:u.end].startswith("Poetry will publish"))
    assert code_pointed_at(text, other) == ""  # after prose, not after the block
    says_itself = text.replace("This command will", "Poetry will")  # names what it is about
    assert code_pointed_at(says_itself, next(u for u in answer_units(says_itself, UNIT_CHARS)
                                             if says_itself[u.start:u.end].startswith("Poetry will package"))) == ""
    # A fence inside a line of the code is no opening fence: the block pairs from the top.
    quoted = "Start a Markdown file:\n\n```bash\necho '```' > fence.md\n```\n\nThis command writes a fence into it."
    assert code_pointed_at(quoted, next(u for u in answer_units(quoted, UNIT_CHARS)
                                        if quoted[u.start:u.end].startswith("This command"))) == "echo '```' > fence.md"


def test_units_are_scored_by_their_introduction_and_section() -> None:
    code = ("To pass parameters, use the params keyword:\n\n```\n>>> r = httpx.get(url, params=params)\n"
            + "x\n" * 300 + "```")
    read = probe(code, "code", "Passing Parameters in URLs")
    assert read.startswith("Passing Parameters in URLs: To pass parameters, use the params keyword:")
    assert "params=params" in read and len(read) < 300  # the block's first lines, not all of it
    # The scorers read what a block says, not its fences or its language ("Linux:\n\n~/.cache/pip\n```").
    assert probe("Linux:\n\n```bash\n~/.cache/pip\n```", "code", "Default paths") == (
        "Default paths: Linux:\n~/.cache/pip")
    assert probe("If this variable is set, HTTPX loads it.", "sentence", "SSL_CERT_FILE") == (
        "SSL_CERT_FILE: If this variable is set, HTTPX loads it.")
    assert probe("A sentence.", "sentence", "") == "A sentence."
    # A table row is read as a sentence would say it: cross-encoders trained on prose scored "Benefit: … | Link: …"
    # below every sentence of its page.
    assert probe("Benefit: Thrift Savings Plan (TSP) | Link: https://www.tsp.gov", "row", "Benefits") == (
        "Benefits: Benefit is Thrift Savings Plan (TSP), Link is https://www.tsp.gov.")


def test_a_top_level_section_is_a_section_and_a_title_is_not() -> None:
    # npm's pages take their title from front matter and open with "### Description": the one heading of a
    # unit's path is its section. A record's title is the one heading of every unit and adds nothing.
    assert section_heading(["Files included in package"], "npm-publish") == "Files included in package"
    assert section_heading(["npm publish"], "npm-publish") == ""
    assert section_heading(["Abstract title"], "Abstract title") == ""
    assert section_heading(["Cache", "Default paths"], "Cache") == "Default paths"
    assert section_heading([], "Cache") == ""


def test_a_pair_is_quoted_only_when_clearly_better_than_its_best_sentence() -> None:
    from agent.extractive import PAIR_MARGIN, Scored, leans_back, standing_for

    def redundant_pair(pair: Scored, sentences: list[Scored], leaning: set[tuple[str, int]]) -> bool:
        return bool(standing_for(pair, sentences, leaning))

    sentences = [("d", 0, 40, 0.70, False), ("d", 41, 80, 0.20, False)]
    none: set[tuple[str, int]] = set()
    assert redundant_pair(("d", 0, 80, 0.70 + PAIR_MARGIN / 2, False), sentences, none)  # the first sentence says it
    assert not redundant_pair(("d", 0, 80, 0.70 + PAIR_MARGIN * 2, False), sentences, none)  # both halves needed
    assert not redundant_pair(("e", 0, 80, 0.75, False), sentences, none)  # another document's sentences do not count
    # Only the pair holds what the question wants (a count: "a 4-week rolling window"): its second sentence says it.
    assert not redundant_pair(("d", 0, 80, 0.70 + PAIR_MARGIN / 2, True), sentences, none)
    assert redundant_pair(("d", 0, 80, 0.70 + PAIR_MARGIN / 2, True), [("d", 0, 40, 0.70, True)], none)
    # A second sentence pointing back at the first ("This approach leverages Docker's caching mechanism ...", check
    # AB) does not stand for the pair; a first one does, as any first sentence.
    second = [("d", 0, 40, 0.20, False), ("d", 41, 80, 0.89, False)]
    assert redundant_pair(("d", 0, 80, 0.894, False), second, none)
    assert not redundant_pair(("d", 0, 80, 0.894, False), second, {("d", 41)})
    assert redundant_pair(("d", 0, 80, 0.72, False), sentences, {("d", 0)})
    assert leans_back("This approach leverages Docker's caching mechanism.") and leans_back("It listens on 8000.")
    assert not leans_back("Its port is 8000.") and not leans_back("Thus the cache is used.")


def _encrypted(data: bytes, algorithm: str, user_password: str = "") -> bytes:
    import io

    from pypdf import PdfReader, PdfWriter
    from pypdf.constants import UserAccessPermissions

    w = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    # No permissions: how a writer forbids copying and printing; the text still opens without a password.
    w.encrypt(user_password=user_password, owner_password="owner", algorithm=algorithm,
              permissions_flag=UserAccessPermissions(0))
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def test_text_pdfs_pdfminer_cannot_open_are_read_with_their_pages(tmp_path: Path) -> None:
    import re

    from kernel.errors import ParseFailedError

    plain = pdf_bytes([["Copying this handbook is not permitted."], ["Expense reports are due by the fifth."]])
    # Wrong cross-reference offsets: pdfminer found no page content, other readers rebuild the table.
    shifted = re.sub(rb"(\d{10}) 00000 n", lambda m: b"%010d 00000 n" % (int(m.group(1)) + 7), plain)
    files = {"rc4": _encrypted(plain, "RC4-128"), "aes128": _encrypted(plain, "AES-128"), "xref": shifted}
    for name, data in files.items():
        f = tmp_path / f"{name}.pdf"
        f.write_bytes(data)
        # The old parser: "the PDF is encrypted" for the first two, "no text layer" for the third.
        doc = parse_file(f, "pdf")
        at = doc.text.index("Expense reports")
        assert "Copying this handbook is not permitted." in doc.text, name
        assert [e.page for e in doc.elements if e.start <= at < e.end] == [2], name
    locked = tmp_path / "locked.pdf"
    locked.write_bytes(_encrypted(plain, "AES-128", user_password="secret"))
    with pytest.raises(ParseFailedError, match="password"):
        parse_file(locked, "pdf")


def test_block_after_finds_the_block_a_paragraph_leads_to() -> None:
    """The list or command a paragraph leads to (`agent.extractive.carried` quotes a sentence on into it): a
    numbered list through the commands between its steps, a bulleted item's announced command, nothing for a
    paragraph followed by prose or for a block too long to quote."""
    steps = "Set up hooks\n\n1. Install it\n\n```\npip install x\n```\n\n2. Run it\n\nAfter the steps."
    assert block_after(steps, steps.index(" hooks") + 6) == steps.index("2. Run it") + len("2. Run it")
    bullet = "Sign commits\n\n- Use SSH keys. Enter this command:\n\n```\ngit config gpg.format ssh\n```\n\nMore."
    assert block_after(bullet, len("Sign commits")) == bullet.index("\n\nMore.")
    assert block_after("One.\n\nTwo.", 4) is None
    # Tabs, one per system, each led by its label (check S): the command in every tab, and nothing after them.
    tabs = "Run the following command:\n\nUnix/macOS:\n\n```\npython3 -m venv .venv\n```\n\nWindows:\n\n```\n" \
           "py -m venv .venv\n```\n\nThe second argument:\n\n```\nnot a tab\n```"
    assert block_after(tabs, len("Run the following command:")) == tabs.index("\n\nThe second argument")
    assert block_after("Why:\n\nThis is a sentence. Really:\n\n```\nx\n```", 4) is None
    # One sentence introducing the block is carried across (check X: "Follow the below steps to perform the
    # update:"); not a paragraph of prose that only ends in a colon.
    assert block_after("Run it:\n\nFor example:\n\n```\nx\n```", 7) == len("Run it:\n\nFor example:\n\n```\nx\n```")
    rotate = "Rotate it when it leaks.\n\nFollow the below steps:\n\n- Log in.\n- Click Edit.\n\nDone."
    assert block_after(rotate, len("Rotate it when it leaks.")) == rotate.index("\n\nDone.")
    long = "Run this:\n\n```\n" + "x = 1\n" * 400 + "```"
    assert block_after(long, len("Run this:")) is None
    # A colon displays the line after it, set apart without a code block (check AI: Clef's archived folders); a
    # sentence, a list or a further lead-in is no such line.
    archive = "Label it with the date it was archived with the format:\n\nYYYY-MM Project Name\n\nThe current one."
    assert block_after(archive, archive.index(":") + 1) == archive.index("\n\nThe current")
    assert block_after("It says:\n\nThe folder is shared.\n\nMore.", 8) is None
    assert block_after("It says:\n\nThe folder, the files\n\nMore.", 7) == len("It says:\n\nThe folder, the files")
    assert block_after("It says\n\nYYYY-MM Project Name\n\nMore.", 7) is None  # no colon: nothing displayed
    shown = "Untick the others, as shown below:\n\nUpstream DNS Servers Configuration\n\nMore."
    assert block_after(shown, shown.index(":") + 1) is None  # a picture's alt text
    # A file's path alone on its line names the file the block under it holds (check AA: Celery's tmpfiles.d).
    tmp = "Use systemd-tmpfiles to create them.\n\n/etc/tmpfiles.d/celery.conf\n\n```\nd /run/celery 0755\n```\n\nEnd."
    assert block_after(tmp, len("Use systemd-tmpfiles to create them.")) == tmp.index("\n\nEnd.")
    assert block_after("Use it.\n\nweb.yml\n\nThat is all.", 7) is None  # a path over prose leads to no block
    # The file's name is quoted with its block, a build file's too (check AB: Uvicorn's "Dockerfile" over it).
    docker = "We'll create a cache-aware Dockerfile.\n\nDockerfile\n\n```\nFROM python:3.12-slim\n```\n\nEnd."
    assert ("code", "Dockerfile\n\n```\nFROM python:3.12-slim\n```") in [
        (u.kind, docker[u.start : u.end]) for u in answer_units(docker, UNIT_CHARS)]


def test_a_line_ended_by_a_backslash_runs_on_into_the_next(tmp_path: Path) -> None:
    """CommonMark's hard line break: Black's list of Docker tags read "21.7b0 etc.\\ Recommended for ..."."""
    text = parsed(tmp_path, "tags.md", "# Tags\n\n- release numbers, e.g. 21.5b2 etc.\\\n  Recommended for pinning.\n\n"
                  "A path ends C:\\\\\nthere.\n\nLast line\\\n\n```\nls \\\n  -l\n```\n")
    assert "- release numbers, e.g. 21.5b2 etc. Recommended for pinning." in text
    assert "C:\\ there." in text  # an escaped backslash is no break
    assert "Last line\\" in text and "ls \\\n  -l" in text  # a paragraph's last line, and code, keep theirs


def test_a_list_right_under_a_paragraphs_line_stays_a_list(tmp_path: Path) -> None:
    """nvm's incident response plan (check AH) sets "**Timeline Commitments:**" right above its items, as CommonMark
    and GitHub allow: the Markdown parser read them into one line of text."""
    text = parsed(tmp_path, "plan.md", "# Plan\n\n**Timeline Commitments:**\n- **Initial acknowledgment**: Within 24 "
                  "hours\n- **Detailed response**: Within 3 business days\n\nSteps:\n1. Acknowledge\n2. Assess\n")
    assert "Timeline Commitments:\n\n- Initial acknowledgment: Within 24 hours\n- Detailed response" in text
    assert "Steps:\n\n1. Acknowledge\n2. Assess" in text
    # A numbered line not at 1 goes on with its paragraph, as in CommonMark; an item's own lines and nested list,
    # and code, are left alone.
    kept = ("A number 2025 is\n2. not a list.\n\n- an item\n  going on\n  - nested\n\n```\nfoo\n- bar\n```\n")
    assert markdown_source(kept)[1] == kept


def test_a_task_list_reads_without_its_boxes(tmp_path: Path) -> None:
    """A definition of done is a GitHub task list: each item opened with "[ ]" as words."""
    text = parsed(tmp_path, "done.md", "# Done\n\n## Feature\n\n- [ ] Code review is complete\n- [x] The feature is "
                  "signed off by the product owner\n1. [ ] First\n\n```\n- [ ] kept in code\n```\n")
    assert "- Code review is complete\n- The feature is signed off by the product owner" in text
    assert "[ ] First" not in text and "- [ ] kept in code" in text


def test_a_collapsed_details_section_is_kept(tmp_path: Path) -> None:
    """GitHub renders "<details>" as a section that opens on a click; the Markdown parser passed it on as raw
    HTML and the partitioner dropped it, with everything inside (an RFC's time commitment and exceptions)."""
    text = parsed(tmp_path, "rfc.md", "# RFC\n\nIntro.\n\n<details>\n  <summary>Detailed context</summary>\n\n"
                  "### Time commitment\n\nExpected time commitment is up to ~1.5 hours per week.\n\n"
                  "<details><summary>Steps in a <b>nutshell</b></summary>\n\n- Check the schedule\n- Facilitate\n\n"
                  "</details>\n</details>\n\n## After\n\nText after.\n\n```html\n<details>\n```\n")
    assert "Detailed context\n\nTime commitment\n\nExpected time commitment is up to ~1.5 hours per week." in text
    assert "Steps in a nutshell\n\n- Check the schedule\n- Facilitate\n\nAfter" in text
    assert "```\n<details>\n```" in text  # code keeps its tags
    page = parsed(tmp_path, "faq.html", "<html><body><h1>FAQ</h1><p>Questions we hear.</p><details><summary>Can I "
                  "pay by card?</summary><p>Yes, every major card is taken.</p></details><p>After.</p></body></html>")
    assert "Can I pay by card?\n\nYes, every major card is taken.\n\nAfter." in page


def test_a_github_alert_and_a_quoted_code_block_read_as_text(tmp_path: Path) -> None:
    """A fence inside a quote is no fence to the Markdown parser: Hokusai's command became words of a sentence
    ("sh sudo softwareupdate ... This command may prompt"), and the alert opened with "[!CAUTION]"."""
    text = parsed(tmp_path, "setup.md", "# Setup\n\n> [!CAUTION]\n> On Apple Silicon, install Rosetta 2 first:\n"
                  ">\n> ```sh\n> sudo softwareupdate --install-rosetta\n> ```\n> This may prompt.\n\n"
                  "> A plain quote stays a quote.\n\n> Quoted code:\n>     indented code is not a fence\n")
    assert ("Caution: On Apple Silicon, install Rosetta 2 first:\n\n```\nsudo softwareupdate --install-rosetta\n```"
            "\n\nThis may prompt.") in text
    assert "[!CAUTION]" not in text and "A plain quote stays a quote." in text


def test_hugo_shortcodes_are_left_out_and_notes_keep_their_kind(tmp_path: Path) -> None:
    """Poetry's pages set notes, warnings and tabs as Hugo shortcodes: "{{% note %}}" opened a note's first
    sentence as words, and "{{< /tab >}} {{< /tabs >}}" was a paragraph quoted beside a tab's code."""
    text = parsed(tmp_path, "envs.md", "# Environments\n\n{{% note %}}\nSince version 1.2, Python 2.7 is not "
                  "managed.\n{{% /note %}}\n\n{{< tabs tabTotal=\"2\" tabName1=\"Bash\" >}}\n"
                  "{{< tab tabID=\"bash\" >}}\n"
                  "```bash\neval $(poetry env activate)\n```\n{{< /tab >}}\n{{< /tabs >}}\n\n"
                  "{{% warning %}} Groups are resolved together. {{% /warning %}}\n\n"
                  "See [the CLI]({{< relref \"cli#add\" >}}) for more.\n\n```\n{{% note %}} kept in code\n```\n")
    assert "Note: Since version 1.2, Python 2.7 is not managed." in text
    assert "Warning: Groups are resolved together." in text
    assert "{{" not in text.replace("{{% note %}} kept in code", "") and "See the CLI for more." in text
    assert "```\neval $(poetry env activate)\n```" in text


def test_a_short_reply_opening_its_paragraph_is_quoted_with_the_sentence_after_it() -> None:
    """Black's FAQ answers "Does Black have an API?" with "Not yet. Black is fundamentally a command line tool.":
    the reply alone was too short to be a unit, and the answer lost it. Mid-paragraph it still joins the sentence
    before it, and a heading-like paragraph is left alone."""
    text = ("Does Black have an API?\n\nNot yet. Black is fundamentally a command line tool.\n\n"
            "It works for everyone here. Yes. This is long enough to stand.\n\nStable.\n\nThe style is stable.")
    sentences = [text[u.start : u.end] for u in answer_units(text, UNIT_CHARS) if u.kind == "sentence"]
    assert "Not yet. Black is fundamentally a command line tool." in sentences
    assert "It works for everyone here. Yes." in sentences
    assert "Stable." in sentences and "The style is stable." in sentences


def test_gitbook_and_jekyll_liquid_tags_read_as_the_page_shows_them(tmp_path: Path) -> None:
    """Fluent Bit's GitBook pages set every hint and every pair of YAML and classic configuration tabs as Liquid
    tags (check AC): '{% hint style="info" %}' opened the hint's sentence as words, and '{% endtab %} {% tab
    title="fluent-bit.conf" %}' was a paragraph between the two code blocks. 18F's
    handbook writes alerts, comments and a Slack channel inside a sentence so; Jekyll writes code blocks as
    highlight tags."""
    text = parsed(tmp_path, "grep.md", "# Grep\n\n{% hint style=\"warning\" %}\nSome inputs lose data.\n"
                  "{% endhint %}\n\n{% tabs %}\n{% tab title=\"fluent-bit.yaml\" %}\n\n```yaml\npipeline:\n"
                  "  filters:\n    - name: grep\n```\n\n{% endtab %}\n{% tab title=\"fluent-bit.conf\" %}\n\n"
                  "```text\n[FILTER]\n  Name grep\n```\n\n{% endtab %}\n{% endtabs %}\n\n"
                  "{% alert \"\", \"warning\" %}\n  Don't work overtime unpaid.\n{% endalert %}\n\n"
                  "{% comment %}* A draft line.{% endcomment %}\n- Visit the {% slack_channel \"tock\" %} channel.\n\n"
                  "{% highlight ruby %}\nputs 1\n{% endhighlight %}\n\n"
                  "Use `{% raw %}{% include x %}{% endraw %}` to include.\n\n```\n{% tab title=\"kept\" %}\n```\n\n"
                  "{% comment %}\nA hidden\nparagraph.\n{% endcomment %}\nShown.\n\n"
                  "```\n{% comment %}in code{% endcomment %}\n```\n")
    assert "Warning: Some inputs lose data.\n\n```\npipeline:\n  filters:\n    - name: grep\n```\n\n```\n[FILTER]" \
        in text
    assert "Warning: Don't work overtime unpaid." in text
    assert "A draft line" not in text and "Visit the tock channel." in text
    assert "```\nputs 1\n```" in text and "{% include x %}" in text
    assert "```\n{% tab title=\"kept\" %}\n```" in text
    assert "{% hint" not in text and "endtab" not in text and "{% tabs" not in text
    assert "hidden" not in text and "Shown." in text and "{% comment %}in code{% endcomment %}" in text
