"""Sentence spans: the units the extractive responder scores and cites, so their edges decide citation precision."""

from __future__ import annotations

from pathlib import Path

from agent.sentences import sentence_spans
from eval.answers import read_claims
from eval.datasets import read_docs

SCIFACT = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "scifact"


def texts(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


def test_abbreviations_and_decimals_do_not_end_a_sentence() -> None:
    text = "Dr. Smith et al. measured 3.5 mg, e.g. in mice. Doses rose 2.5-fold. Then it ended."
    assert texts(text) == ["Dr. Smith et al. measured 3.5 mg, e.g. in mice.", "Doses rose 2.5-fold.",
                           "Then it ended."]
    # Written without their inner stop too: "(eg. 20 to 30 times)" cut a sentence in two in Valgrind's guide.
    assert texts("It runs slower (eg. 20 times) than normal. Memory grows.") == [
        "It runs slower (eg. 20 times) than normal.", "Memory grows."]


def test_blank_lines_and_bullets_end_a_sentence_and_spans_are_trimmed() -> None:
    text = "  Heading without a stop\n\nFirst point follows\n- a bullet item\n- another one  "
    assert texts(text) == ["Heading without a stop", "First point follows", "- a bullet item", "- another one"]
    for a, b in sentence_spans(text):
        assert text[a:b] == text[a:b].strip()
    # A printed list run into its paragraph (Lampson's hints as a PDF): before, the item was part of the sentence.
    assert texts("It follows the other path. • When in doubt, use brute force. • Keep secrets.") == [
        "It follows the other path.", "• When in doubt, use brute force.", "• Keep secrets."]
    assert texts("Menus: File • Edit • View.") == ["Menus: File • Edit • View."]  # not after a stop: no item


def test_an_escaped_newline_after_a_stop_ends_a_sentence() -> None:
    text = "Risk was unclear.   \\n RESULTS Mortality fell by 20%.   \\n\\n CONCLUSIONS It works (n = 3)."
    assert texts(text) == ["Risk was unclear.", "RESULTS Mortality fell by 20%.", "CONCLUSIONS It works (n = 3)."]


def test_spans_respect_the_window() -> None:
    text = "Outside. Inside one. Inside two. Outside again."
    start, end = text.index("Inside one"), text.index(" Outside again")
    assert texts(text[:end])[1:] == [text[a:b] for a, b in sentence_spans(text, start, end)]


def test_spans_rarely_join_two_scifact_sentences() -> None:
    """SciFact's own sentence split is the reference: a span that covers two of its sentences can be cited
    only for both, so if one is not evidence, precision halves."""
    evidence_docs = {d for c in read_claims(SCIFACT / "claims_train.jsonl") for d in c.evidence_docs}
    spans = joined = 0
    for doc in read_docs(SCIFACT / "corpus.jsonl"):
        if doc.id not in evidence_docs:
            continue
        offsets = doc.sentence_offsets()
        indexed = f"{doc.title}\n\n{doc.text}" if doc.title else doc.text
        for a, b in sentence_spans(indexed, offsets[0][0]):
            spans += 1
            joined += sum(x < b and a < y for x, y in offsets) > 1
    assert spans > 3000
    assert joined / spans < 0.02, f"{joined} of {spans} spans join two or more SciFact sentences"
