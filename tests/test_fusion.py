"""Issue 17 item 6: fusion that keeps how far a hit leads, not only its rank."""

from __future__ import annotations

from kernel.settings import Settings
from kernel.types import Chunk
from retrieval.fusion import ranked, weighted_score_fusion
from retrieval.search import SearchConfig, fuse


def chunk(cid: str) -> Chunk:
    return Chunk(chunk_id=cid, document_id=f"doc-{cid}", corpus="c", ordinal=0, text=f"text of {cid}", start=0,
                 end=10, heading_path=(), page=None, kinds=("text",), content_hash="", source="", title="",
                 source_type="md", acl=("staff",), version=1)


def test_a_clear_lexical_lead_decides_when_the_dense_leg_cannot_tell_the_top_hits_apart() -> None:
    # The dense leg rates a, b and c within 0.002 of each other; BM25 rates a clearly (not decisively) first.
    # Rank fusion turns that near-tie into a full rank step and puts b first; score fusion keeps it a tie.
    sparse = {"a": 8.0, "b": 6.0, "c": 5.0, "d": 1.0}
    dense = {"b": 0.800, "c": 0.799, "a": 0.798, "d": 0.600}
    chunks = {c: chunk(c) for c in sparse}
    default = SearchConfig.from_settings(Settings())
    assert default.fusion == "minmax" and SearchConfig().fusion == "minmax"
    assert ranked(fuse(default, sparse, dense, chunks, "plain words"))[0][0] == "a"
    assert ranked(fuse(default.with_(fusion="rrf"), sparse, dense, chunks, "plain words"))[0][0] == "b"


def test_score_fusion_is_pure_weighted_and_counts_an_absent_hit_as_the_legs_worst() -> None:
    legs = [{"a": 10.0, "b": 0.0}, {"b": 1.0, "c": 0.5}]
    fused = weighted_score_fusion(legs, (0.4, 0.6))
    assert fused == {"a": 0.4, "b": 0.6, "c": 0.0}
    assert legs == [{"a": 10.0, "b": 0.0}, {"b": 1.0, "c": 0.5}]
    # DBSF clips at mean + 3 sd, which is what flattens a decisive lead; it stays available by name.
    assert set(weighted_score_fusion(legs, (0.4, 0.6), "dbsf")) == {"a", "b", "c"}
