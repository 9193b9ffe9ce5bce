"""How often the document that answers comes first among the documents answers are cut from, by blend weight.

    .venv/bin/python bench/answer_documents.py [--set scifact|squad|docs ...] [--docs 4]

For each question the real search runs; the leading passage of each of its first `--docs` documents is scored by
the ms-marco cross-encoder and blended into the search's scores at each weight (agent/doc_order.py; 0 is the
search's own order, 1 the cross-encoder's alone). Printed per domain: the share of questions whose answering
document (SciFact: any evidence abstract; SQuAD: the question's paragraph; docs dev set: the expected file) comes
first, and within the first two. Training data only: 160 SciFact training claims with evidence over 300
distractors, 300 answerable SQuAD 2.0 training questions, the docs dev set's answerable questions.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from kernel.settings import Settings
from kernel.types import Principal
from wiring.services import Services, offline_environment

WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0)


def measure(svc: Services, cases: Sequence[tuple[str, Principal, set[str]]], docs: int) -> dict[str, dict[str, float]]:
    from agent.builtin_tools import passage
    from agent.doc_order import answering_order, leading_passages
    from agent.extractive import CrossEncoderScorer
    from retrieval.search import SearchRequest

    if svc.reranker is None:
        raise SystemExit("no cross-encoder loaded")
    cross = CrossEncoderScorer(svc.reranker)
    first = dict.fromkeys(WEIGHTS, 0)
    two = dict.fromkeys(WEIGHTS, 0)
    for question, who, gold in cases:
        res = svc.searcher.search(SearchRequest(question, who, k=svc.settings.answer_k)).results
        results = [passage(r.chunk, r.score) for r in res]
        leading = leading_passages(results, docs)
        scores = cross.score(question, [p.text for p in leading])
        for w in WEIGHTS:
            order = list(dict.fromkeys(p.document_id for p in answering_order(results, leading, scores, w)))
            first[w] += bool(order[:1]) and order[0] in gold
            two[w] += bool(set(order[:2]) & gold)
    n = max(len(cases), 1)
    return {"first": {str(w): round(v / n, 3) for w, v in first.items()},
            "first_two": {str(w): round(v / n, 3) for w, v in two.items()}}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scifact", type=Path, default=Path("../shared/data/scifact"))
    ap.add_argument("--squad", type=Path, default=Path("../shared/data/squad/train-v2.0-10articles.json"))
    ap.add_argument("--set", dest="sets", action="append", choices=("scifact", "squad", "docs"))
    ap.add_argument("--docs", type=int, default=4, help="documents whose leading passage is read")
    args = ap.parse_args()
    from eval.datasets import EVAL_USER
    from eval.docs_suite import EMPLOYEE, load_questions, open_docs_corpus
    from eval.gate import scifact_sample
    from eval.reading import squad_items
    from eval.scratch import open_eval_corpus

    offline_environment()
    who = Principal(EVAL_USER)
    for which in args.sets or ["scifact", "squad", "docs"]:
        if which == "scifact":
            docs, _, claims = scifact_sample(args.scifact, 160, 300)
            svc, _ = open_eval_corpus(Settings(), docs)
            cases = [(c.text, who, set(c.evidence_docs)) for c in claims if c.evidence_docs]
        elif which == "squad":
            docs, items = squad_items(args.squad, 300, 0, seed=7)
            svc, _ = open_eval_corpus(Settings(), docs)
            cases = [(it.question, who, {it.document_id}) for it in items]
        else:
            svc, loaded = open_docs_corpus(Settings(), Path(".cairn/answer-documents"))
            cases = [(q.question, EMPLOYEE, {f"{loaded.manifest.name}/{q.file}"}) for q in load_questions()
                     if q.kind not in ("unanswerable", "restricted")]
        print(json.dumps({"set": which, "questions": len(cases), **measure(svc, cases, args.docs)}), flush=True)
        svc.close()


if __name__ == "__main__":
    main()
