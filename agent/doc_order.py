"""Which searched documents the extractive responder answers from, and in what order.

Search ranks chunks by fused BM25 and bi-encoder scores; answers come from the first documents of that order
(`SentenceModel.max_docs`). The cross-encoder reads a question and a passage together, which the fusion never
does, so the first passage of each of the first few documents is scored by it and its score blended into the
search's. Measured on the first documents of 160 SciFact claims, 300 SQuAD questions and the 106 answerable docs
questions (`bench/answer_documents.py`), the document that answers came first more often on SciFact and SQuAD and
as often on the docs at the weight best on average over the three; a weight chosen on two of them gains on the third
but the docs, which prefer the search's order (the README's session 59).
"""

from __future__ import annotations

from collections.abc import Sequence

from agent.tool_results import Passage
from retrieval.fusion import interpolate


def leading_passages(results: Sequence[Passage], n: int) -> list[Passage]:
    """The first passage of each of the first `n` documents, in the search's order."""
    seen: dict[str, Passage] = {}
    for r in results:
        if len(seen) >= n:
            break
        seen.setdefault(r.document_id, r)
    return list(seen.values())


def answering_order(results: Sequence[Passage], leading: Sequence[Passage], scores: Sequence[float],
                    weight: float) -> list[Passage]:
    """`results` with the documents of `leading` (see `leading_passages`) ordered by
    (1 - weight) * minmax(search score) + weight * minmax(`scores`), ahead of every other document; a document's
    passages keep their order, and a tie keeps the search's."""
    blended = interpolate({p.document_id: p.score for p in leading},
                          {p.document_id: s for p, s in zip(leading, scores, strict=True)}, weight)
    first = sorted(blended, key=lambda d: -blended[d])  # stable: a tie keeps the search's order
    rank = {d: i for i, d in enumerate(first)}
    return sorted(results, key=lambda r: rank.get(r.document_id, len(rank)))
