"""Retrieval latency on an embedded index of >= 100,000 chunks with random ACLs.

    .venv/bin/python bench/bench_search.py --scifact ../shared/data/scifact [--queries 200] [--threads 1]

Chunks are SciFact sentence windows (1, 2 and 3 sentences). Every sentence is embedded with the real
bge-small model once; a window's vector is the normalised mean of its sentences' vectors (so the index
holds realistic vectors without embedding 135k windows), and its BM25 vector is encoded from its text.
Queries are the training claims, each run as a random principal. Prints p50/p95 per stage and end to end
at 1 and 4 concurrent clients, and the reranker's cost on the top 20 separately.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

import numpy as np

from eval.metrics import percentile


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scifact", type=Path, default=Path("../shared/data/scifact"))
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--groups", type=int, default=10)
    args = ap.parse_args()
    from wiring.services import offline_environment

    offline_environment()
    from index.edge import EdgeIndex
    from index.protocol import IndexPoint
    from index.sparse import Bm25Encoder
    from kernel.settings import Settings
    from kernel.types import Chunk, Principal
    from models.cross_encoder import OnnxCrossEncoder
    from models.embed import load_embedder
    from retrieval.search import HybridSearcher, SearchConfig, SearchRequest

    settings = Settings(torch_threads=args.threads)
    embedder = load_embedder(settings)
    rng = random.Random(5)
    docs = [json.loads(line) for line in (args.scifact / "corpus.jsonl").read_text().splitlines() if line.strip()]
    sentences = [(d["doc_id"], i, s) for d in docs for i, s in enumerate(d["sentences"])]
    t0 = time.perf_counter()
    vecs = embedder.embed_documents([s for _, _, s in sentences])
    embed_s = time.perf_counter() - t0
    by_doc: dict[str, list[int]] = {}
    for k, (doc, _, _) in enumerate(sentences):
        by_doc.setdefault(str(doc), []).append(k)
    bm25 = Bm25Encoder()
    points = []
    groups = [f"g{i}" for i in range(args.groups)]
    for doc, ids in by_doc.items():
        for width in (1, 2, 3):
            for a in range(0, max(len(ids) - width + 1, 1)):
                window = ids[a : a + width]
                text = " ".join(sentences[k][2] for k in window)
                v = np.mean(vecs[window], axis=0)
                v = v / np.linalg.norm(v)
                acl = tuple(sorted({f"group:{rng.choice(groups)}" for _ in range(rng.randint(1, 2))}))
                cid = str(uuid.uuid4())
                chunk = Chunk(cid, doc, "bench", a, text, 0, len(text), (), None, (), "", "", "", "record", acl, 1)
                sv = bm25.document(text)
                points.append(IndexPoint(cid, v.tolist(), sv.indices, sv.values, chunk.payload()))
    with tempfile.TemporaryDirectory() as tmp:
        index = EdgeIndex(Path(tmp) / "shard", embedder.dim)
        t0 = time.perf_counter()
        for i in range(0, len(points), 2000):
            index.upsert(points[i : i + 2000])
        index.flush()
        write_s = time.perf_counter() - t0
        reranker = OnnxCrossEncoder(settings.model_root / "reranker_en", args.threads)
        searcher = HybridSearcher(index, embedder, bm25, reranker, SearchConfig.from_settings(settings))
        claims = [json.loads(line)["claim"] for line in (args.scifact / "claims_train.jsonl").read_text().splitlines()]
        queries = claims[: args.queries]
        for q in queries[:5]:
            searcher.search(SearchRequest(q, Principal("warm", ("g0",))))
        report: dict[str, object] = {"chunks": len(points), "sentences_embedded": len(sentences),
                                     "sentence_embedding_s": round(embed_s, 1), "index_write_s": round(write_s, 1),
                                     "threads_per_model": args.threads, "acl_groups": args.groups}
        for clients in (1, 4):
            stages: dict[str, list[float]] = {}
            lock = threading.Lock()

            def worker(qs: list[str], seed: int, stages: dict[str, list[float]] = stages,
                       lock: threading.Lock = lock) -> None:
                r = random.Random(seed)
                for q in qs:
                    who = Principal(f"u{r.randint(0, 99)}", tuple(r.sample(groups, r.randint(1, 3))))
                    t = time.perf_counter()
                    res = searcher.search(SearchRequest(q, who, k=10))
                    total = (time.perf_counter() - t) * 1000
                    assert all(who.may_read(list(h.chunk.acl)) for h in res.results)
                    with lock:
                        for k, v in res.timings_ms.items():
                            if k != "total":
                                stages.setdefault(k, []).append(v)
                        stages.setdefault("end_to_end", []).append(total)

            share = [queries[i::clients] for i in range(clients)]
            threads = [threading.Thread(target=worker, args=(share[i], i)) for i in range(clients)]
            t = time.perf_counter()
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            wall = time.perf_counter() - t
            report[f"clients_{clients}"] = {
                "queries_per_s": round(len(queries) / wall, 1),
                **{k: {"p50_ms": round(percentile(v, 0.5), 2), "p95_ms": round(percentile(v, 0.95), 2)}
                   for k, v in stages.items()},
            }
        rr = []
        for q in queries[:30]:
            res = searcher.search(SearchRequest(q, Principal("u", tuple(groups)), k=20))
            t = time.perf_counter()
            reranker.score(q, [r.chunk.text for r in res.results[:20]])
            rr.append((time.perf_counter() - t) * 1000)
        report["rerank_top20_ms"] = {"p50": round(statistics.median(rr), 1), "p95": round(percentile(rr, 0.95), 1)}
        index.close()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
