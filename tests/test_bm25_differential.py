"""Cairn's BM25 ranking (Qdrant BM25 sparse vectors + the IDF modifier) against rank-bm25 as the oracle."""

from __future__ import annotations

import math
import tempfile
import uuid
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rank_bm25 import BM25Okapi

from index.access import access_filter
from index.edge import EdgeIndex
from index.protocol import IndexPoint
from index.server import ServerIndex
from index.sparse import Bm25Encoder
from kernel.types import Chunk, Principal

# Words the English tokenizer keeps as they are (no stemming change, no stopwords), so both sides see
# the same terms and any difference is in the scoring.
VOCAB = ["zorb", "klim", "prax", "vint", "quol", "drem", "fusk", "blat", "wemp", "yurt", "glom", "trok"]


def build(kind: str, tmp: Path, docs: list[list[str]], enc: Bm25Encoder) -> EdgeIndex | ServerIndex:
    idx: EdgeIndex | ServerIndex = EdgeIndex(tmp / "s", 4) if kind == "edge" else ServerIndex(":memory:", "bm", 4)
    pts = []
    for i, words in enumerate(docs):
        text = " ".join(words)
        cid = str(uuid.uuid5(uuid.NAMESPACE_URL, str(i)))
        chunk = Chunk(cid, f"d{i}", "c", 0, text, 0, len(text), (), None, (), "h", "s", "", "md", ("public",), 1)
        sv = enc.document(text)
        pts.append(IndexPoint(cid, [1.0, 0.0, 0.0, 0.0], sv.indices, sv.values, chunk.payload()))
    idx.upsert(pts)
    return idx


@pytest.mark.parametrize("kind", ["edge", "qdrant-client"])
@settings(max_examples=25, deadline=None)
@given(
    docs=st.lists(st.lists(st.sampled_from(VOCAB), min_size=1, max_size=30), min_size=2, max_size=25),
    query=st.lists(st.sampled_from(VOCAB), min_size=1, max_size=4, unique=True),
)
def test_bm25_scores_match_rank_bm25(kind: str, docs: list[list[str]], query: list[str]) -> None:
    avgdl = sum(len(d) for d in docs) / len(docs)
    enc = Bm25Encoder(k1=1.2, b=0.75, avg_len=avgdl)
    oracle = BM25Okapi(docs, k1=1.2, b=0.75)
    n_docs = len(docs)
    # Qdrant's IDF is Lucene's ln(1 + (N - n + 0.5) / (n + 0.5)); give the oracle the same IDF so the
    # comparison exercises term-frequency saturation, length normalisation and query scoring.
    df = {w: sum(w in set(d) for d in docs) for w in VOCAB}
    oracle.idf = {w: math.log(1 + (n_docs - n + 0.5) / (n + 0.5)) for w, n in df.items() if n}
    expected = np.asarray(oracle.get_scores(query))
    with tempfile.TemporaryDirectory() as tmp:
        idx = build(kind, Path(tmp), docs, enc)
        try:
            q = enc.query(" ".join(query))
            hits = idx.search_sparse(q.indices, q.values, access_filter(Principal("x")), len(docs), exact=True)
        finally:
            idx.close()
    got = {int(h.chunk.document_id[1:]): h.score for h in hits}
    for i, score in enumerate(expected):
        assert got.get(i, 0.0) == pytest.approx(score, rel=1e-3, abs=1e-4), (i, docs[i], query)
    ranked_got = [i for i, _ in sorted(got.items(), key=lambda kv: (-kv[1], kv[0]))]
    ranked_oracle = [i for i in np.lexsort((np.arange(len(expected)), -expected)) if expected[i] > 0]
    assert ranked_got == ranked_oracle or np.allclose(
        sorted(got.values(), reverse=True), sorted(expected[expected > 0], reverse=True), rtol=1e-3)
