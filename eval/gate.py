"""The fast quality gate: small, fixed samples of every suite, checked against eval/gates.yaml."""

from __future__ import annotations

import random
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from eval.answers import pick_restricted, read_claims, score_answers
from eval.beir import BeirDataset
from eval.datasets import EvalDoc, read_docs
from eval.domains import DomainData, run_domain
from eval.golden import run_golden
from eval.redteam import run_redteam
from eval.retrieval import evaluate
from eval.scratch import open_eval_corpus
from kernel.settings import Settings

GATES_FILE = Path(__file__).parent / "gates.yaml"
SUITES = ("retrieval", "answers", "golden", "docs", "squad", "email", "redteam")


@dataclass
class Check:
    name: str
    value: float
    bound: float
    kind: str

    @property
    def passed(self) -> bool:
        return self.value >= self.bound if self.kind == "min" else self.value <= self.bound


@dataclass
class GateResult:
    metrics: dict[str, float] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def to_json(self) -> dict[str, Any]:
        return {"passed": self.passed, "metrics": self.metrics,
                "checks": [{"name": c.name, "value": c.value, c.kind: c.bound, "passed": c.passed}
                           for c in self.checks], "details": self.details}


def load_gates(file: Path = GATES_FILE) -> dict[str, Any]:
    data = yaml.safe_load(file.read_text())
    assert isinstance(data, dict)
    return data


def scifact_sample(folder: Path, n_claims: int, n_distractors: int, seed: int = 13
                   ) -> tuple[list[EvalDoc], BeirDataset, list[Any]]:
    claims = sorted((c for c in read_claims(folder / "claims_train.jsonl") if c.gold), key=lambda c: int(c.id))
    chosen = claims[:n_claims]
    needed = {d for c in chosen for d in c.evidence_docs}
    all_docs = list(read_docs(folder / "corpus.jsonl"))
    others = [d for d in all_docs if d.id not in needed]
    random.Random(seed).shuffle(others)
    docs = [d for d in all_docs if d.id in needed] + others[:n_distractors]
    beir = BeirDataset(folder, {c.id: c.text for c in chosen},
                       {c.id: {d: 1 for d in c.evidence_docs} for c in chosen})
    return docs, beir, chosen


def run_gate(base: Settings, gates: dict[str, Any], root: Path, suites: tuple[str, ...] = SUITES) -> GateResult:
    res = GateResult()
    data = {k: (root / v).resolve() for k, v in gates["data"].items()}
    if "retrieval" in suites or "answers" in suites:
        docs, beir, claims = scifact_sample(data["scifact"], gates["sample"]["claims"],
                                            gates["sample"]["distractors"])
        restricted = pick_restricted(claims, gates["sample"]["restricted_share"])
        restricted_docs = {d for c in claims if c.id in restricted for d in c.evidence_docs}
        if "retrieval" in suites:
            svc, _ = open_eval_corpus(base, docs)
            try:
                r = evaluate(svc.searcher, beir, "hybrid", svc.searcher.config, None)
            finally:
                svc.close()
            res.metrics["retrieval.ndcg@10"] = r.ndcg10
            res.metrics["retrieval.recall@100"] = r.recall100
            res.metrics["retrieval.p95_ms"] = r.p95_ms
        if "answers" in suites:
            svc, _ = open_eval_corpus(base, docs, restricted_docs)
            try:
                # `asked` (optional) asks only the first claims of the same indexed sample.
                asked = claims[: gates["sample"].get("asked") or len(claims)]
                stats = score_answers(svc.agent(), svc.store, asked, {d.id: d for d in docs}, restricted,
                                      restricted_docs, None).to_json()
            finally:
                svc.close()
            for key in ("cited_sentence_precision", "cited_sentence_recall", "citation_validity",
                        "verbatim_sentence_share", "restricted_citations", "restricted_abstention_rate",
                        "latency_p50_ms", "latency_p95_ms"):
                res.metrics[f"answers.{key}"] = float(stats[key])
    for name in ("docs", "squad", "email"):
        if name in suites:
            g = gates["domains"]
            dd = DomainData(data["scifact"], data["squad"], data["email"], squad_answerable=g["squad_answerable"],
                            squad_unanswerable=g["squad_unanswerable"])
            for key, value in run_domain(name, base, dd, None).items():
                if isinstance(value, int | float):
                    res.metrics[f"{name}.{key}"] = float(value)
    if "golden" in suites:
        with tempfile.TemporaryDirectory() as tmp:
            cases = run_golden(base, Path(tmp))
        res.metrics["golden.pass_rate"] = sum(c.passed for c in cases) / len(cases)
        res.details["golden_failures"] = [{"id": c.id, "problems": c.problems} for c in cases if not c.passed]
    if "redteam" in suites:
        rt = run_redteam(base, data["injection"], gates["redteam"]["attacks"], gates["redteam"]["probes"])
        ext, gul = rt["indirect"]["extractive"]["total"], rt["indirect"]["gullible"]["total"]
        res.metrics["redteam.extractive_attack_success"] = ext["attack_success_rate"]
        res.metrics["redteam.gullible_attack_success"] = gul["attack_success_rate"]
        res.metrics["redteam.side_effects"] = ext["side_effects"] + gul["side_effects"] + rt["direct"]["side_effects"]
        res.metrics["redteam.acl_leaks"] = rt["acl_probes"]["leaks"]
        res.metrics["redteam.utility_extractive"] = ext["utility_under_attack"]
        res.details["redteam"] = rt
    for name, bound in gates["checks"].items():
        if name in res.metrics:
            kind, value = next(iter(bound.items()))
            res.checks.append(Check(name, round(res.metrics[name], 4), float(value), kind))
    return res


def regressions(current: dict[str, float], candidate: dict[str, float], checks: dict[str, dict[str, float]],
                tolerance: dict[str, float]) -> list[str]:
    """Where a candidate profile does worse than the current one, metric by metric, beyond the tolerance
    (`regression.tolerance` in gates.yaml: `default` and per-metric). Only the gated metrics count: their bound
    says which way is better."""
    found = []
    for name, bound in checks.items():
        if name not in current or name not in candidate:
            continue
        kind = next(iter(bound))
        worse = candidate[name] - current[name] if kind == "max" else current[name] - candidate[name]
        if worse > tolerance.get(name, tolerance.get("default", 0.0)) + 1e-9:
            found.append(f"{name}: {current[name]:.4g} -> {candidate[name]:.4g}")
    return found
