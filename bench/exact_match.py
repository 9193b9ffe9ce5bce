"""Exact-token retrieval, on demand: does a document's unique token find it first, and what does the
decisive-match rule cost on natural-language queries?

For each of N SciFact abstracts a made-up identifier (ERR_…, cfg.…-style) is appended to the text; the query is
that identifier alone, and a hit is the document ranked first. Then the SciFact training claims (and the SQuAD
training subset's questions against its paragraphs, a second domain) are run with the rule off and at each
ratio, nDCG@10 printed for each.

    .venv/bin/python bench/exact_match.py --scifact ../shared/data/scifact/beir --squad ../shared/data/squad \
        --ratios 0,1.5,2,3
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from eval.beir import load_beir
from eval.datasets import EvalDoc, read_docs
from eval.reading import squad_docs
from eval.retrieval import doc_ranking, evaluate, mean_ndcg10
from eval.scratch import open_eval_corpus
from kernel.settings import Settings
from wiring.services import offline_environment


def token(rng: random.Random, i: int) -> str:
    shapes = [f"ERR_{rng.randrange(10**6):06d}_{i}", f"cfg.{rng.choice(['cache', 'pool', 'auth'])}.x{i}q",
              f"LarchFault{i}Z{rng.randrange(999)}", f"HTTP-{rng.randrange(900) + 100}-{i}K"]
    return shapes[i % len(shapes)]


def unique_token_docs(docs: list[EvalDoc], n: int, seed: int) -> tuple[list[EvalDoc], dict[str, str]]:
    rng = random.Random(seed)
    picked = rng.sample(docs, n)
    out, tokens = [], {}
    for i, d in enumerate(picked):
        t = token(rng, i)
        tokens[d.id] = t
        out.append(EvalDoc(d.id, d.title, f"{d.text} Reference code: {t}."))
    return out, tokens


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scifact", type=Path, default=Path("../shared/data/scifact/beir"))
    ap.add_argument("--squad", type=Path, default=Path("../shared/data/squad"))
    ap.add_argument("--tokens", type=int, default=300)
    ap.add_argument("--ratios", default="0,1.5,2,3")
    ap.add_argument("--identifiers", default="off,on", help="the identifier rule: off, on, or both")
    ap.add_argument("--squad-queries", type=int, default=800)
    args = ap.parse_args()
    offline_environment()
    ratios = [float(r) for r in args.ratios.split(",")]
    base = Settings(torch_threads=2)
    data = load_beir(args.scifact, "train")
    corpus = list(read_docs(data.corpus_file))
    tagged, tokens = unique_token_docs(corpus, args.tokens, 11)
    # One index for both figures: 300 of 5,183 abstracts carry one extra short sentence.
    by_id = {d.id: d for d in corpus} | {d.id: d for d in tagged}
    svc, _ = open_eval_corpus(base, list(by_id.values()))
    try:
        for r, ident in [(r, i) for i in args.identifiers.split(",") for r in ratios]:
            cfg = svc.searcher.config.with_(decisive_ratio=r or None, exact_identifiers=ident == "on")
            first = 0
            for d, t in tokens.items():
                ranking = doc_ranking(svc.searcher, t, cfg, 10)[0]
                first += bool(ranking) and ranking[0][0] == d
            sci = evaluate(svc.searcher, data, "hybrid", cfg, None)
            print(json.dumps({"ratio": r, "identifiers": ident, "unique_token_first": first / len(tokens),
                              "tokens": len(tokens),
                              "scifact_train_ndcg10": round(sci.ndcg10, 4)}), flush=True)
    finally:
        svc.close()
    docs, queries, qrels = squad_docs(args.squad)
    qids = sorted(queries)[: args.squad_queries]
    svc, _ = open_eval_corpus(base, docs)
    try:
        for r, ident in [(r, i) for i in args.identifiers.split(",") for r in ratios]:
            cfg = svc.searcher.config.with_(decisive_ratio=r or None, exact_identifiers=ident == "on")
            ndcg = mean_ndcg10(svc.searcher, {q: queries[q] for q in qids}, qrels, cfg)
            print(json.dumps({"ratio": r, "identifiers": ident, "squad_train_ndcg10": round(ndcg, 4),
                              "queries": len(qids)}),
                  flush=True)
    finally:
        svc.close()


if __name__ == "__main__":
    main()
