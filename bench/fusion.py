"""Fusion of the BM25 and dense legs, on demand: nDCG@10 of rank fusion and of score fusion over a grid of
weights, on two domains, each weight checked against the other domain.

SciFact's 809 training claims against its 5,183 abstracts, and 800 answerable SQuAD 2.0 training questions
against the subset's paragraphs. Score fusion (`minmax`) is run at sparse weight w and dense weight 1 - w for
each w; rank fusion (`rrf`, k=10) at the pre-session-14 weights, and DBSF at the default's. The exact-match
rules stay on throughout.
The last line is the cross-domain check: the weight that is best on one domain and its figure on the other.

    .venv/bin/python bench/fusion.py [--weights 0.3,0.35,0.4,0.45,0.5]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from eval.beir import load_beir
from eval.datasets import read_docs
from eval.reading import squad_docs
from eval.retrieval import evaluate, mean_ndcg10
from eval.scratch import open_eval_corpus
from kernel.settings import Settings
from wiring.services import offline_environment


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scifact", type=Path, default=Path("../shared/data/scifact/beir"))
    ap.add_argument("--squad", type=Path, default=Path("../shared/data/squad"))
    ap.add_argument("--weights", default="0.3,0.35,0.4,0.45,0.5", help="sparse weights for score fusion")
    ap.add_argument("--squad-queries", type=int, default=800)
    args = ap.parse_args()
    offline_environment()
    base = Settings(torch_threads=2)
    configs = {"rrf 0.7/1.0": {"fusion": "rrf", "weights": (0.7, 1.0)},
               "dbsf 0.4/0.6": {"fusion": "dbsf", "weights": (0.4, 0.6)}} | {
        f"minmax {w}/{1 - w:g}": {"fusion": "minmax", "weights": (w, round(1 - w, 4))}
        for w in (float(x) for x in args.weights.split(","))}
    figures: dict[str, dict[str, float]] = {name: {} for name in configs}

    data = load_beir(args.scifact, "train")
    svc, _ = open_eval_corpus(base, list(read_docs(data.corpus_file)))
    try:
        for name, change in configs.items():
            cfg = svc.searcher.config.with_(**change)
            figures[name]["scifact"] = round(evaluate(svc.searcher, data, name, cfg, None).ndcg10, 4)
            print(json.dumps({"domain": "scifact", "config": name, "ndcg@10": figures[name]["scifact"]}), flush=True)
    finally:
        svc.close()
    docs, queries, qrels = squad_docs(args.squad)
    asked = {q: queries[q] for q in sorted(queries)[: args.squad_queries]}
    svc, _ = open_eval_corpus(base, docs)
    try:
        for name, change in configs.items():
            figures[name]["squad"] = round(mean_ndcg10(svc.searcher, asked, qrels, svc.searcher.config.with_(**change)),
                                           4)
            print(json.dumps({"domain": "squad", "config": name, "ndcg@10": figures[name]["squad"]}), flush=True)
    finally:
        svc.close()
    grid = [n for n in configs if n.startswith("minmax")]
    check = {}
    for chosen_on, judged_on in (("scifact", "squad"), ("squad", "scifact")):
        best = max(grid, key=lambda n: figures[n][chosen_on])
        check[f"best on {chosen_on}"] = {"config": best, f"{judged_on} ndcg@10": figures[best][judged_on]}
    print(json.dumps({"cross_domain": check}), flush=True)


if __name__ == "__main__":
    main()
