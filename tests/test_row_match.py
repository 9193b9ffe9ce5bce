"""The row a question describes by its cells (agent/row_match.py)."""

from __future__ import annotations

import pytest

from agent.extractive import candidates, restate_rows, without_words
from agent.governance import unit_lures
from agent.row_match import looked_up, prefer_stated_rows, stated
from agent.tool_results import Passage
from agent.units import answer_units
from kernel.rows import cells, spoken

SLO = [  # the GDS Way's table of what to do by SLO, toil and customer satisfaction
    "SLOs: Met | Toil: Low | Customer satisfaction: High | Action: Choose to relax release processes",
    "SLOs: Met | Toil: Low | Customer satisfaction: Low | Action: Tighten SLO",
    "SLOs: Missed | Toil: Low | Customer satisfaction: Low | Action: Increase alerting sensitivity",
    "SLOs: Met | Toil: High | Customer satisfaction: Low | Action: Tighten SLO",
]
ASKED = "What should we do if SLOs are met, toil is low and customer satisfaction is low?"


def test_cells_are_a_rows_headers_and_values() -> None:
    assert cells("Level: Senior | Salary: 80,000") == [("Level", "Senior"), ("Salary", "80,000")]
    assert cells("KeePassXC - An offline password store") == []  # a list of terms: no headers
    # a table whose top-left header cell is empty: its first column labels the rows
    assert cells("Deployment | Level 1: Zero-downtime | Level 3: ditto and... Kubernetes") == [
        ("", "Deployment"), ("Level 1", "Zero-downtime"), ("Level 3", "ditto and... Kubernetes")]
    # a value may hold a pipe of its own, as the parser writes rows (`kernel.rows`)
    assert cells("Command: ps | grep node | Note: lists node") == [("Command", "ps | grep node"),
                                                                    ("Note", "lists node")]


@pytest.mark.parametrize(("row", "expected"), [
    (SLO[1], 3),  # met, low, low: every condition stated
    (SLO[0], 1),  # "customer satisfaction is low" against High
    (SLO[2], 1),  # "SLOs are met" against Missed
    # the first cell is the key a row is looked up by: named anywhere, it is stated
    ("Classification: #P1 | Type: Critical | Response time: 20 minutes", 1),
])
def test_stated_cells(row: str, expected: int) -> None:
    column: dict[str, set[tuple[str, ...]]] = {"SLOs": {("met",), ("missed",)}, "Toil": {("low",), ("high",)},
              "Customer satisfaction": {("low",), ("high",)}, "Response time": {("20", "minutes"), ("60", "minutes")}}
    assert stated(ASKED if row in SLO else "What is the response time for a P1 incident?", row, column) == expected


def test_the_described_row_takes_its_tables_best_score() -> None:
    scores = [0.65, 0.39, 0.54, 0.30]  # as the answer model scored them: the Met/Low/High row first
    out = prefer_stated_rows(ASKED, [("slo", row, s) for row, s in zip(SLO, scores, strict=True)], beside=0.9)
    assert out[1] == 0.65  # the table's best: abstention is decided as before
    assert all(s < 0.9 * 0.65 for i, s in enumerate(out) if i != 1)  # its siblings are not quoted beside it


def test_rows_are_left_as_scored_when_none_is_described() -> None:
    rows = [("t", "Tag name: Owner | Description: Email address", 0.3), ("t", "Tag name: Name | Description: Id", 0.2)]
    assert prefer_stated_rows("How many tags can a resource have?", rows, 0.9) == [0.3, 0.2]
    # two rows described alike: no row is preferred
    tie = [("t", "SLOs: Met | Toil: Low", 0.2), ("t", "SLOs: Met | Toil: High", 0.5)]
    assert prefer_stated_rows("What if SLOs are met?", tie, 0.9) == [0.2, 0.5]
    # tables are apart: a row of one does not take another's score
    apart = [("a", "Tag name: Owner | Description: Email address", 0.1), ("b", "Key: Name | Value: Id", 0.6)]
    assert prefer_stated_rows("What is the Owner tag?", apart, 0.9) == [0.1, 0.6]


def test_a_row_is_looked_up_by_the_key_the_question_names() -> None:
    tags = [("t", "Tag name: Name | Description: Identifies a resource"),
            ("t", "Tag name: Owner | Description: Email address of the team"),
            ("u", "Key: Owner | Value: Alice")]
    # one row per table: the Owner row of each table
    assert looked_up("What value should the Owner tag hold?", tags) == {1, 2}
    assert looked_up("How many tags can a resource have?", tags) == set()
    # two keys of one table named: no row is looked up in it
    assert looked_up("Which of the Name and Owner tags is required?", tags) == {2}


def test_a_row_labelled_in_a_column_without_a_header_is_a_row_looked_up_by_its_label() -> None:
    """Artsy's system criticality table leaves its top-left header cell empty; its rows were no rows, read as
    sentences cut at "ditto and...", and the quote stopped before the Level 3 cell ("Kubernetes")."""
    text = ("Intro.\n\n | Level 1 | Level 2 | Level 3\n"
            "Testing | Level 1: Automated tests | Level 2: ←ditto | Level 3: ←ditto and... Test coverage tooling\n"
            "Deployment | Level 1: Zero-downtime deployment | Level 2: ←ditto and... High-fidelity staging "
            "environment | Level 3: ←ditto and... Deployment and orchestration by Kubernetes\n")
    rows = [u for u in answer_units(text, 25) if u.kind == "row"]
    assert [text[u.start:u.end].split(" | ")[0] for u in rows] == ["Testing", "Deployment"]
    table = ("", "Level 1", "Level 2", "Level 3")
    asked = "What deployment expectation do Level 3 systems have?"
    assert looked_up(asked, [(table, text[u.start:u.end]) for u in rows]) == {1}


def test_a_row_of_a_list_of_terms_is_looked_up_by_its_dashed_term() -> None:
    """Mattermost's bug severities are a list of terms set off by dashes ("S1 - Data loss or crash - Prevents app
    use"): such a row has no named cells, so "What is an S1 bug?" looked up no row, and its row did not answer."""
    levels = [("t", "S1 - Data loss or crash - Prevents app use."),
              ("t", "S2 - Functionality loss - Most users' functionality affected."),
              ("t", "S3 - Minor issues - Cosmetic UI issues.")]
    assert looked_up("What is an S1 bug?", levels) == {0}
    assert looked_up("What severity is a crash?", levels) == set()


def test_an_option_row_is_looked_up_by_its_name_without_its_placeholder() -> None:
    """Uvicorn's settings are a list of options set off by dashes ("--fd <int> - Bind to socket from this file
    descriptor. ..."): the key read "fd int", which no question names, so "What is the --fd option useful for?"
    looked up no row and was abstained on (check AB)."""
    options = [("t", "--host <str> - Bind socket to this host."),
               ("t", "--fd <int> - Bind to socket from this file descriptor. Useful within a process manager."),
               ("t", "--ws-max-size <int> - Set the WebSockets max message size, in bytes."),
               ("t", "--port <int> - Bind to a socket with this port. If set to 0, an available port will be "
                     "picked. Default: 8000.")]
    assert looked_up("What is the --fd option useful for?", options) == {1}
    assert looked_up("What does --ws-max-size limit?", options) == {2}
    assert looked_up("How big can a message get?", options) == set()
    assert looked_up("What happens if I set the port to 0?", options) == {3}  # not keyed by its "Default: 8000."


def test_a_row_of_one_cell_is_looked_up_by_its_term_not_its_value() -> None:
    """Borg's central backup server lists "User: backup" and "Group: backup" (check AG): each a row of one cell, each
    its own table, and keyed by its value, so "Where are the clients' repositories stored on the backup server?"
    looked both up by "backup" and quoted them. A term is how such a row is looked up."""
    account = [(("d", ("User",)), "User: backup"), (("d", ("Group",)), "Group: backup"),
               (("d", ("Shell",)), "Shell: /bin/bash (or another shell capable of running the borg serve command)")]
    assert looked_up("Where are the clients' repositories stored on the backup server?", account) == set()
    assert looked_up("Which shell does the backup account need?", account) == {2}
    # ... when it defines the term: an address says nothing a term means (18F's contacts, the docs dev set).
    assert looked_up("How do I get a parking permit for the San Francisco office?",
                     [(("d", ("San Francisco",)), "San Francisco: 18f-sf@gsa.gov")]) == set()
    # A table's row is still looked up by its first cell's value.
    assert looked_up("What do return codes 100..127 mean?", [("t", "Return code: 3..99 | Meaning: specific error"),
                                                           ("t", "Return code: 100..127 | Meaning: specific warning")]
                     ) == {1}


def test_a_row_whose_cell_describes_its_key_is_read_as_a_definition() -> None:
    # Fluent Bit's dummy input (check AD): read as "Key is flush_on_startup, Description is If set to true, …", the
    # row lost to prose naming the plugin; as a definition it is read as a term list's entry is.
    assert spoken("Key: flush_on_startup | Description: If set to true, the first event is generated at startup. | "
                  "Default: false") == ("flush_on_startup: If set to true, the first event is generated at startup. "
                                        "Default is false.")
    assert spoken("Level: Senior | Salary: 80,000") == "Level is Senior, Salary is 80,000."  # nothing describes


def test_a_word_of_the_pages_title_states_no_row_of_its_page() -> None:
    # The Dummy input's page (check AD): "the dummy input" names the page, and its row keyed "dummy" took the
    # table's best score, holding the row the question describes ("flush_on_startup") under it.
    text = ("Configuration parameters\n\nKey | Description | Default\n"
            "Key: dummy | Description: Dummy JSON record. | Default: {}\n"
            "Key: flush_on_startup | Description: If set to true, the first dummy event is generated at startup. | "
            "Default: false\n")
    passage = Passage(chunk_id="c1", document_id="d1", title="Dummy", source="", start=0, end=len(text), text=text,
                      heading_path=["Dummy"])
    rows = [c for c in candidates([passage], max_docs=2, min_chars=25, flagged=set(), lures=unit_lures(None))
            if c.kind == "row"]
    for c in rows:
        c.score = 0.7 if "Key: dummy" in c.text else 0.6
    restate_rows("How do I make the dummy input generate its first event at startup?", rows, floor=0.4)
    assert [c.score for c in rows] == [0.7, 0.6]
    assert without_words("How do I make the dummy input work?", "Dummy") == "How do I make the  input work?"
