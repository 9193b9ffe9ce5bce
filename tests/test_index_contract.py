"""One contract, two backends: Qdrant Edge in-process and qdrant-client (local mode stands in for a server)."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.access import AccessFilter, access_filter
from index.edge import EdgeIndex
from index.protocol import IndexPoint, VectorIndex
from index.server import ServerIndex
from index.sparse import Bm25Encoder
from kernel.types import Acl, Chunk, Principal

DIM = 8
BACKENDS = ["edge", "qdrant-client"]


def open_backend(kind: str, where: Path) -> VectorIndex:
    if kind == "edge":
        return EdgeIndex(where / "shard", DIM)
    return ServerIndex(":memory:", f"c{uuid.uuid4().hex[:8]}", DIM)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[VectorIndex]:
    idx = open_backend(request.param, tmp_path)
    yield idx
    idx.close()


def point(i: int, vec: list[float], acl: list[str], corpus: str = "c1", doc: str | None = None,
          text: str = "", source_type: str = "md", indexed_at: float = 0.0) -> IndexPoint:
    cid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"p{i}"))
    chunk = Chunk(cid, doc or f"doc{i}", corpus, 0, text or f"text {i}", 0, len(text or f"text {i}"), ("H",), None,
                  ("NarrativeText",), "h", "src", "T", source_type, tuple(acl), 1)
    sv = Bm25Encoder().document(text) if text else None
    return IndexPoint(cid, vec, sv.indices if sv else [], sv.values if sv else [],
                      chunk.payload() | {"indexed_at": indexed_at})


def unit(rng: np.random.Generator) -> list[float]:
    v = rng.normal(size=DIM)
    return [float(x) for x in v / np.linalg.norm(v)]


def everyone() -> AccessFilter:
    return access_filter(Principal("root", ("g1", "g2")))


def test_upsert_search_and_payload_round_trip(backend: VectorIndex) -> None:
    rng = np.random.default_rng(1)
    pts = [point(i, unit(rng), ["group:g1"]) for i in range(10)]
    backend.upsert(pts)
    hits = backend.search_dense(pts[3].dense, everyone(), 3, exact=True)
    assert hits[0].chunk.chunk_id == pts[3].id
    assert hits[0].score == pytest.approx(1.0, abs=1e-4)
    assert hits[0].chunk.heading_path == ("H",) and hits[0].chunk.acl == ("group:g1",)
    backend.upsert([point(3, pts[3].dense, ["group:g1"], text="changed")])
    assert backend.count() == 10
    assert backend.retrieve([pts[3].id], everyone())[0].chunk.text == "changed"


def test_acl_filter_applies_inside_both_legs(backend: VectorIndex) -> None:
    rng = np.random.default_rng(2)
    secret = point(1, unit(rng), ["group:hr"], text="salary bands for engineers")
    open_ = point(2, unit(rng), ["group:g1"], text="holiday calendar for engineers")
    backend.upsert([secret, open_])
    bob = access_filter(Principal("bob", ("g1",)))
    q = Bm25Encoder().query("salary engineers")
    assert [h.chunk.chunk_id for h in backend.search_sparse(q.indices, q.values, bob, 10)] == [open_.id]
    assert [h.chunk.chunk_id for h in backend.search_dense(secret.dense, bob, 10)] == [open_.id]
    assert backend.retrieve([secret.id], bob) == []
    hr = access_filter(Principal("carol", ("hr",)))
    assert backend.search_sparse(q.indices, q.values, hr, 10)[0].chunk.chunk_id == secret.id


def test_scoping_filters_and_tombstones(backend: VectorIndex) -> None:
    rng = np.random.default_rng(3)
    pts = [point(0, unit(rng), ["public"], corpus="a", doc="d0", source_type="pdf", indexed_at=100.0),
           point(1, unit(rng), ["public"], corpus="a", doc="d1", indexed_at=200.0),
           point(2, unit(rng), ["public"], corpus="b", doc="d2", indexed_at=300.0)]
    tomb = IndexPoint(str(uuid.uuid4()), pts[0].dense, [], [],
                      {"document_id": "d0", "corpus": "a", "acl": [], "tombstone": True})
    backend.upsert([*pts, tomb])
    anyone = Principal("x")
    assert backend.count() == 3 and backend.count(corpus="a") == 2
    assert len(backend.point_ids(document_id="d0")) == 2
    assert {h.chunk.document_id for h in backend.search_dense(pts[0].dense, access_filter(anyone), 10)} == {
        "d0", "d1", "d2"}
    only_b = access_filter(anyone, corpora=["b"])
    assert [h.chunk.document_id for h in backend.search_dense(pts[0].dense, only_b, 10)] == ["d2"]
    pdfs = access_filter(anyone, source_types=["pdf"])
    assert [h.chunk.document_id for h in backend.search_dense(pts[1].dense, pdfs, 10)] == ["d0"]
    from datetime import UTC, datetime

    recent = access_filter(anyone, after=datetime.fromtimestamp(150, UTC))
    assert {h.chunk.document_id for h in backend.search_dense(pts[0].dense, recent, 10)} == {"d1", "d2"}
    backend.delete_ids([tomb.id])
    backend.delete_where(document_id="d1")
    assert backend.count() == 2
    backend.delete_where(corpus="a")
    assert backend.count() == 1 and backend.count(corpus="b") == 1


def test_access_filter_cannot_be_forged() -> None:
    with pytest.raises(TypeError):
        AccessFilter(acl_tokens=("public",))


acl_strategy = st.builds(
    Acl,
    groups=st.lists(st.sampled_from(["a", "b", "c"]), max_size=2).map(tuple),
    users=st.lists(st.sampled_from(["u1", "u2"]), max_size=1).map(tuple),
    public=st.booleans(),
).filter(lambda _: True)


@st.composite
def acl_or_none(draw: st.DrawFn) -> Acl:
    groups = tuple(draw(st.lists(st.sampled_from(["a", "b", "c"]), max_size=2)))
    users = tuple(draw(st.lists(st.sampled_from(["u1", "u2"]), max_size=1)))
    public = draw(st.booleans()) if (groups or users) else True
    return Acl(groups=groups, users=users, public=public)


PRINCIPALS_PER_INDEX = 26  # x 2 legs x 40 indexes = 2,080 principal x query checks per backend


@pytest.mark.parametrize("kind", BACKENDS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    acls=st.lists(acl_or_none(), min_size=1, max_size=30),
    corpora=st.lists(st.sampled_from(["c1", "c2", "c3"]), min_size=30, max_size=30),
    revoked=st.sets(st.sampled_from(["c1", "c2", "c3"]), max_size=2),
    principals=st.lists(st.tuples(st.sampled_from(["u1", "u2", "u3"]),
                                  st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=3)),
                        min_size=PRINCIPALS_PER_INDEX, max_size=PRINCIPALS_PER_INDEX),
    seed=st.integers(0, 2**16),
    k=st.integers(1, 12),
)
def test_acl_property(kind: str, acls: list[Acl], corpora: list[str], revoked: set[str],
                      principals: list[tuple[str, list[str]]], seed: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    words = ["alpha", "beta", "gamma", "delta", "omega"]
    with tempfile.TemporaryDirectory() as tmp:
        idx = open_backend(kind, Path(tmp))
        try:
            pts = [point(i, unit(rng), acl.tokens(), corpus=corpora[i],
                         text=" ".join(rng.choice(words, size=4))) for i, acl in enumerate(acls)]
            idx.upsert(pts)
            for c in revoked:
                idx.delete_where(corpus=c)
            for user, groups in principals:
                who = Principal(user, tuple(groups))
                access = access_filter(who)
                readable = [p for p in pts if p.payload["corpus"] not in revoked and who.may_read(
                    list(p.payload["acl"]))]  # type: ignore[call-overload]
                q = unit(rng)
                hits = idx.search_dense(q, access, k, exact=True)
                sparse = Bm25Encoder().query(" ".join(rng.choice(words, size=2)))
                sparse_hits = idx.search_sparse(sparse.indices, sparse.values, access, k, exact=True)
                for h in hits + sparse_hits:  # (a) nothing outside what the principal may read
                    assert who.may_read(list(h.chunk.acl)) and h.chunk.corpus not in revoked
                # (b) exact filtered top-k == brute-force top-k over the readable chunks
                scores = sorted(((float(np.dot(q, p.dense)), p.id) for p in readable), reverse=True)[:k]
                assert [h.chunk.chunk_id for h in hits] == [pid for _, pid in scores]
        finally:
            idx.close()
