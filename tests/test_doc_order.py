"""The order the searched documents answer in: the search's fused scores with the cross-encoder's reading of each
document's first passage blended in (agent/doc_order.py)."""

from __future__ import annotations

from collections.abc import Sequence

from agent.doc_order import answering_order, leading_passages
from agent.extractive import ExtractiveConfig, answer_documents
from agent.tool_results import Passage


def _p(doc: str, n: int, score: float, text: str = "") -> Passage:
    return Passage(chunk_id=f"{doc}#{n}", document_id=doc, start=0, end=1, text=text or f"{doc} passage {n}",
                   score=score)


RESULTS = [_p("a", 0, 0.9), _p("b", 0, 0.8), _p("a", 1, 0.7), _p("c", 0, 0.6), _p("d", 0, 0.5), _p("e", 0, 0.4)]


def test_the_leading_passage_of_each_of_the_first_documents() -> None:
    assert [p.chunk_id for p in leading_passages(RESULTS, 3)] == ["a#0", "b#0", "c#0"]
    assert [p.chunk_id for p in leading_passages(RESULTS, 10)] == ["a#0", "b#0", "c#0", "d#0", "e#0"]


def test_the_blend_orders_the_leading_documents_and_keeps_each_documents_passages_together() -> None:
    leading = leading_passages(RESULTS, 3)
    # The cross-encoder reads c as the answer, a as off the point.
    ce = [-5.0, 1.0, 6.0]
    assert [p.chunk_id for p in answering_order(RESULTS, leading, ce, 0.0)] == \
        ["a#0", "a#1", "b#0", "c#0", "d#0", "e#0"]
    assert [p.chunk_id for p in answering_order(RESULTS, leading, ce, 1.0)] == \
        ["c#0", "b#0", "a#0", "a#1", "d#0", "e#0"]
    # At 0.3 the search's lead holds unless the cross-encoder's is far larger: a (0.7 + 0) against c (0 + 0.3).
    assert [p.document_id for p in answering_order(RESULTS, leading, ce, 0.3)][:3] == ["a", "a", "b"]


def test_a_tie_keeps_the_searchs_order() -> None:
    leading = leading_passages(RESULTS, 2)
    same = [_p("x", 0, 0.5), _p("y", 0, 0.5)]
    assert [p.document_id for p in answering_order(same, leading_passages(same, 2), [1.0, 1.0], 0.5)] == ["x", "y"]
    assert [p.document_id for p in answering_order(RESULTS, leading, [2.0, 2.0], 0.3)][:3] == ["a", "a", "b"]


class _Reads:
    """A cross-encoder that reads one passage's text as the answer."""

    def __init__(self, answer: str) -> None:
        self.answer, self.asked = answer, 0

    def score(self, question: str, sentences: Sequence[str]) -> list[float]:
        self.asked += len(sentences)
        return [9.0 if self.answer in s else 0.0 for s in sentences]


def test_the_responder_answers_from_the_documents_in_the_blended_order() -> None:
    results = [_p("near", 0, 0.50, "Sick leave is paid."), _p("answer", 0, 0.49, "Annual leave is 25 days."),
               _p("far", 0, 0.10, "Parking is free.")]
    reads = _Reads("25 days")
    ordered = answer_documents("How many days of annual leave?", results, reads, ExtractiveConfig(rerank_docs=4))
    assert [p.document_id for p in ordered] == ["answer", "near", "far"] and reads.asked == 3
    # Off, or with one document, the cross-encoder is not asked.
    off = _Reads("25 days")
    assert list(answer_documents("q", results, off, ExtractiveConfig(rerank_docs=1))) == results and off.asked == 0
