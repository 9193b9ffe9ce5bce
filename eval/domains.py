"""The answer suites by domain: one entry point for `cairn eval answers` and the gate.

scifact — training claims with gold rationale sentences (a share ACL-restricted: must be abstained on);
squad — SQuAD 2.0 training questions over their articles, answerable and not;
email — BIPIA's email QA;
docs — the pinned documentation dev set (eval/docs).
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.answers import pick_restricted, read_claims, score_answers
from eval.datasets import read_docs
from eval.docs_suite import run_docs
from eval.reading import email_items, score_reading, squad_items
from eval.scratch import open_eval_corpus
from kernel.settings import Settings

DOMAINS = ("scifact", "squad", "email", "docs")
# The headline figure of each domain, the one the README table and the charts lead with.
HEADLINE = {"scifact": "cited_sentence_precision", "squad": "answered_right", "email": "answered_right",
            "docs": "answerable_right"}

Progress = Callable[[int, int], None]


def fold(source: str) -> int:
    """The cross-validation fold (0 or 1) of a question, by the source its text comes from (a SciFact claim,
    a SQuAD article, a mailbox, a docs file): a model is never scored on text it was trained on, not even
    through a sibling question about the same paragraph."""
    return int(hashlib.sha256(source.encode()).hexdigest()[:8], 16) % 2


@dataclass(frozen=True)
class DomainData:
    scifact: Path
    squad: Path
    email: Path
    claims: int | None = None  # SciFact: the first N claims with evidence; None = all of them
    restricted_share: float = 0.2
    squad_answerable: int = 200
    squad_unanswerable: int = 100


def run_domain(name: str, base: Settings, data: DomainData, out_dir: Path | None,
               progress: Progress | None = None) -> dict[str, Any]:
    answers_file = out_dir / f"{name}-answers.jsonl" if out_dir else None
    if name == "docs":
        with tempfile.TemporaryDirectory() as tmp:
            return run_docs(base, Path(tmp), out_file=answers_file, progress=progress).to_json()
    if name == "scifact":
        claims = [c for c in read_claims(data.scifact / "claims_train.jsonl") if c.gold]
        chosen = claims[: data.claims] if data.claims else claims
        restricted = pick_restricted(chosen, data.restricted_share)
        rdocs = {d for c in chosen if c.id in restricted for d in c.evidence_docs}
        docs = list(read_docs(data.scifact / "corpus.jsonl"))
        svc, _ = open_eval_corpus(base, docs, rdocs)
        try:
            return score_answers(svc.agent(), svc.store, chosen, {d.id: d for d in docs}, restricted, rdocs,
                                 answers_file, progress=progress).to_json()
        finally:
            svc.close()
    if name in ("squad", "email"):
        docs, items = (squad_items(data.squad, data.squad_answerable, data.squad_unanswerable) if name == "squad"
                       else email_items(data.email))
        svc, _ = open_eval_corpus(base, docs)
        try:
            return score_reading(svc.agent(), items, answers_file, progress=progress).to_json()
        finally:
            svc.close()
    raise ValueError(f"unknown domain {name!r}; choose from {', '.join(DOMAINS)}")
