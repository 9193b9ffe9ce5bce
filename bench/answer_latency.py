"""Answer latency of the extractive responder on the embedded default: short abstracts and long articles.

    .venv/bin/python bench/answer_latency.py [--claims 100] [--long-questions 50] [--threads 2] [--set long]

1. SciFact: the first N training claims with evidence over the whole 5,183-abstract corpus.
2. Long documents: each of the 10 SQuAD training articles as one document (Wikipedia length, 30–150
   paragraphs), asked N answerable questions.

Prints p50 / p95 per set and how many candidate units reached the cross-encoders. Run it on an idle machine:
the figures are wall-clock per `Agent.ask`, ingestion excluded.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scifact", type=Path, default=Path("../shared/data/scifact"))
    ap.add_argument("--squad", type=Path, default=Path("../shared/data/squad/train-v2.0-10articles.json"))
    ap.add_argument("--claims", type=int, default=100)
    ap.add_argument("--long-questions", type=int, default=50)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--set", dest="sets", action="append", choices=("scifact", "long"),
                    help="run only this set (repeatable); the SciFact set ingests all 5,183 abstracts first")
    args = ap.parse_args()
    from eval.answers import read_claims
    from eval.datasets import EVAL_USER, EvalDoc, read_docs
    from eval.metrics import percentile
    from eval.scratch import open_eval_corpus
    from kernel.settings import Settings
    from kernel.types import Principal
    from wiring.services import offline_environment

    offline_environment()
    base = Settings(torch_threads=args.threads)
    who = Principal(EVAL_USER)

    def timed(name: str, docs: list[EvalDoc], questions: list[str]) -> None:
        svc, _ = open_eval_corpus(base, docs)
        try:
            agent = svc.agent()
            agent.ask(questions[0], who, save=False)  # warm: first-call model set-up is not answer latency
            ms = []
            for q in questions:
                t0 = time.perf_counter()
                agent.ask(q, who, save=False)
                ms.append((time.perf_counter() - t0) * 1000)
        finally:
            svc.close()
        print(json.dumps({"set": name, "questions": len(ms), "p50_ms": round(percentile(ms, 0.5)),
                          "p95_ms": round(percentile(ms, 0.95)), "threads": args.threads}), flush=True)

    sets = args.sets or ["scifact", "long"]
    if "scifact" in sets:
        claims = [c.text for c in read_claims(args.scifact / "claims_train.jsonl") if c.gold][: args.claims]
        timed("scifact", list(read_docs(args.scifact / "corpus.jsonl")), claims)
    if "long" not in sets:
        return
    data = json.loads(args.squad.read_text())["data"]
    docs = [EvalDoc(f"article-{i}", a["title"].replace("_", " "), "\n\n".join(p["context"] for p in a["paragraphs"]))
            for i, a in enumerate(data)]
    qs = [qa["question"] for a in data for p in a["paragraphs"] for qa in p["qas"] if not qa["is_impossible"]]
    random.Random(5).shuffle(qs)
    timed("long-articles", docs, qs[: args.long_questions])


if __name__ == "__main__":
    main()
