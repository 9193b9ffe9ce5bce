"""The answers suite: claims with gold evidence through the real agent, scored sentence by sentence.

Claims layout (SciFact): {"id", "claim", "evidence": {doc_id: {"rationales": [[sentence_index, ...]]} |
[{"sentences": [...], "label"}]}, "cited_doc_ids"}. A share of the evidence-bearing claims gets its evidence
documents ACL-restricted: those must be abstained on, and never cited.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.answer import Answer
from agent.runner import Agent
from eval.datasets import EVAL_USER, EvalDoc
from eval.metrics import percentile
from kernel.store import Store
from kernel.types import Principal


@dataclass(frozen=True)
class Claim:
    id: str
    text: str
    gold: frozenset[tuple[str, int]]
    evidence_docs: frozenset[str]


def read_claims(file: Path) -> list[Claim]:
    out = []
    with file.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            r = json.loads(line)
            gold: set[tuple[str, int]] = set()
            for doc_id, ev in (r.get("evidence") or {}).items():
                groups = ev.get("rationales", []) if isinstance(ev, dict) else [e.get("sentences", []) for e in ev]
                for sents in groups:
                    gold |= {(str(doc_id), int(i)) for i in sents}
            out.append(Claim(str(r["id"]), str(r["claim"]), frozenset(gold),
                             frozenset(str(d) for d in (r.get("evidence") or {}))))
    return out


def pick_restricted(claims: list[Claim], share: float) -> set[str]:
    """A deterministic share of the evidence-bearing claims (by hashed id)."""
    def h(c: Claim) -> int:
        return int(hashlib.sha256(c.id.encode()).hexdigest()[:8], 16)
    with_ev = sorted((c for c in claims if c.gold), key=h)
    return {c.id for c in with_ev[: round(len(with_ev) * share)]}


@dataclass
class AnswerStats:
    claims: int = 0
    answered: int = 0
    cited_total: int = 0
    cited_gold: int = 0
    gold_total: int = 0
    precision_macro: list[float] = field(default_factory=list)
    recall_macro: list[float] = field(default_factory=list)
    citations: int = 0
    citations_valid: int = 0
    sentences: int = 0
    sentences_verbatim: int = 0
    restricted_claims: int = 0
    restricted_abstained: int = 0
    restricted_citations: int = 0
    abstained_total: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    cost: float = 0.0

    def to_json(self) -> dict[str, Any]:
        def ratio(a: float, b: float) -> float:
            return round(a / b, 4) if b else 0.0

        n = max(len(self.latencies_ms), 1)
        return {
            "claims_with_evidence": self.claims,
            "answered": self.answered,
            "cited_sentence_precision": ratio(self.cited_gold, self.cited_total),
            "cited_sentence_recall": ratio(self.cited_gold, self.gold_total),
            "cited_sentence_precision_macro": ratio(sum(self.precision_macro), len(self.precision_macro)),
            "cited_sentence_recall_macro": ratio(sum(self.recall_macro), len(self.recall_macro)),
            "citation_validity": ratio(self.citations_valid, self.citations),
            "verbatim_sentence_share": ratio(self.sentences_verbatim, self.sentences),
            "restricted_claims": self.restricted_claims,
            "restricted_abstention_rate": ratio(self.restricted_abstained, self.restricted_claims),
            "restricted_citations": self.restricted_citations,
            "abstention_precision": ratio(self.restricted_abstained, self.abstained_total),
            "abstention_recall": ratio(self.restricted_abstained, self.restricted_claims),
            "latency_p50_ms": round(percentile(self.latencies_ms, 0.5), 1),
            "latency_p95_ms": round(percentile(self.latencies_ms, 0.95), 1),
            "cost_per_answer": round(self.cost / n, 6),
        }


def score_answers(agent: Agent, store: Store, claims: list[Claim], docs: dict[str, EvalDoc], restricted: set[str],
                  restricted_docs: set[str], out_file: Path | None,
                  progress: Callable[[int, int], None] | None = None) -> AnswerStats:
    who = Principal(EVAL_USER)
    stats = AnswerStats()
    lines: list[str] = []
    offsets = {d.id: d.sentence_offsets() for d in docs.values() if d.sentences is not None}
    for i, claim in enumerate(claims):
        ans = agent.ask(claim.text, who, save=False)
        stats.latencies_ms.append(ans.latency_ms)
        stats.cost += ans.usage.cost
        lines.append(json.dumps({"id": claim.id, "question": claim.text, "answer": ans.answer,
                                 "abstained": ans.abstained, "citations": ans.cli_json()["citations"]}))
        stats.abstained_total += ans.abstained
        stats.restricted_citations += sum(c.document_id in restricted_docs for c in ans.citations)
        _validity(ans, store, stats)
        if claim.id in restricted:
            stats.restricted_claims += 1
            stats.restricted_abstained += ans.abstained
        elif claim.gold and not (claim.evidence_docs & restricted_docs):
            _precision_recall(ans, claim, offsets, stats)
        if progress:
            progress(i + 1, len(claims))
    if out_file is not None:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        out_file.write_text("\n".join(lines) + "\n")
    return stats


def _validity(ans: Answer, store: Store, stats: AnswerStats) -> None:
    texts: dict[str, str] = {}
    for c in ans.citations:
        stats.citations += 1
        if c.document_id not in texts:
            doc = store.catalogue.get_document(c.document_id)
            texts[c.document_id] = doc.text if doc else ""
        stats.citations_valid += texts[c.document_id][c.start : c.end] == c.quote
    by_n = {c.n: c for c in ans.citations}
    for s in ans.sentences:
        stats.sentences += 1
        plain = s.text
        for n in s.citations:
            plain = plain.replace(f" [{n}]", "")
        stats.sentences_verbatim += any(n in by_n and plain.strip() in by_n[n].quote for n in s.citations)


def _precision_recall(ans: Answer, claim: Claim, offsets: dict[str, list[tuple[int, int]]],
                      stats: AnswerStats) -> None:
    stats.claims += 1
    stats.answered += not ans.abstained
    cited: set[tuple[str, int]] = set()
    for c in ans.citations:
        for idx, (a, b) in enumerate(offsets.get(c.document_id, [])):
            if a < c.end and c.start < b:  # the cited span overlaps gold sentence idx
                cited.add((c.document_id, idx))
    hit = len(cited & claim.gold)
    stats.cited_total += len(cited)
    stats.cited_gold += hit
    stats.gold_total += len(claim.gold)
    stats.precision_macro.append(hit / len(cited) if cited else 0.0)
    stats.recall_macro.append(hit / len(claim.gold) if claim.gold else 0.0)
