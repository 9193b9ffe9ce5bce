"""ACL leak probe, on demand: random principals x random queries against a randomly ACL-tagged index.

Every hit of both legs (dense HNSW, BM25) is checked against the principal's rights; a leak is any hit the
principal may not read or any hit of a revoked corpus. Prints probes, leaks and speed per backend.

    .venv/bin/python bench/acl_probe.py --probes 100000 --backend edge
    .venv/bin/python bench/acl_probe.py --probes 5000 --backend qdrant-client   # local mode: ~30 ms a query
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

from index.access import access_filter
from index.edge import EdgeIndex
from index.protocol import IndexPoint, VectorIndex
from index.server import ServerIndex
from index.sparse import Bm25Encoder
from kernel.types import Acl, Chunk, Principal

DIM = 32
WORDS = [f"w{i}" for i in range(200)]


def build(kind: str, where: Path, n: int, rng: np.random.Generator) -> tuple[VectorIndex, list[IndexPoint]]:
    idx: VectorIndex = EdgeIndex(where / "shard", DIM) if kind == "edge" else ServerIndex(
        ":memory:", f"probe{uuid.uuid4().hex[:8]}", DIM)
    bm25 = Bm25Encoder()
    points = []
    for i in range(n):
        groups = tuple(f"g{g}" for g in rng.choice(12, size=int(rng.integers(0, 3)), replace=False))
        users = tuple(f"u{u}" for u in rng.choice(40, size=int(rng.integers(0, 2)), replace=False))
        acl = Acl(groups=groups, users=users, public=not (groups or users) or bool(rng.random() < 0.05))
        text = " ".join(rng.choice(WORDS, size=12))
        v = rng.normal(size=DIM)
        cid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"probe{i}"))
        corpus = f"c{i % 4}"
        chunk = Chunk(cid, f"d{i}", corpus, 0, text, 0, len(text), (), None, ("NarrativeText",), "h", "s", "t",
                      "md", tuple(acl.tokens()), 1)
        sv = bm25.document(text)
        points.append(IndexPoint(cid, [float(x) for x in v / np.linalg.norm(v)], sv.indices, sv.values,
                                 chunk.payload() | {"indexed_at": 0.0}))
    for i in range(0, n, 500):
        idx.upsert(points[i : i + 500])
    idx.delete_where(corpus="c3")  # a revoked corpus: nothing of it may come back
    idx.flush()
    return idx, points


def probe(kind: str, probes: int, n: int, seed: int) -> dict[str, object]:
    rng = np.random.default_rng(seed)
    bm25 = Bm25Encoder()
    with tempfile.TemporaryDirectory() as tmp:
        idx, _ = build(kind, Path(tmp), n, rng)
        leaks = hits_checked = 0
        t0 = time.perf_counter()
        try:
            for _ in range(probes):
                groups = tuple(f"g{g}" for g in rng.choice(14, size=int(rng.integers(0, 4)), replace=False))
                who = Principal(f"u{int(rng.integers(0, 45))}", groups)
                access = access_filter(who)
                q = rng.normal(size=DIM)
                k = int(rng.integers(1, 30))
                found = idx.search_dense([float(x) for x in q / np.linalg.norm(q)], access, k)
                sq = bm25.query(" ".join(rng.choice(WORDS, size=3)))
                found += idx.search_sparse(sq.indices, sq.values, access, k)
                for h in found:
                    hits_checked += 1
                    if not who.may_read(list(h.chunk.acl)) or h.chunk.corpus == "c3":
                        leaks += 1
        finally:
            idx.close()
        seconds = time.perf_counter() - t0
    return {"backend": kind, "points": n, "probes": probes, "queries": probes * 2, "hits_checked": hits_checked,
            "leaks": leaks, "seconds": round(seconds, 1), "probes_per_s": round(probes / seconds, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--probes", type=int, default=100_000)
    ap.add_argument("--points", type=int, default=5_000)
    ap.add_argument("--backend", choices=["edge", "qdrant-client"], default="edge")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    result = probe(args.backend, args.probes, args.points, args.seed)
    print(json.dumps(result))
    if result["leaks"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
