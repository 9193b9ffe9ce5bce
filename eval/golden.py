"""The golden set: hand-written cases over the fictional Larchmont handbook, through the real agent."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ingest.manifest import load_manifest
from ingest.pipeline import ingest
from kernel.settings import Settings
from kernel.types import Principal
from wiring.services import Services

GOLDEN_DIR = Path(__file__).parent / "golden"


@dataclass
class CaseResult:
    id: str
    task: str
    passed: bool
    problems: list[str] = field(default_factory=list)
    answer: str = ""
    cited: list[str] = field(default_factory=list)
    latency_ms: float = 0.0


def load_cases(file: Path | None = None) -> list[dict[str, Any]]:
    data = yaml.safe_load((file or GOLDEN_DIR / "cases.yaml").read_text())
    assert isinstance(data, list)
    return data


def run_golden(base: Settings, scratch: Path, cases: list[dict[str, Any]] | None = None) -> list[CaseResult]:
    """Copy the golden corpus into `scratch`, ingest it, and run every case in order."""
    if scratch.exists():
        shutil.rmtree(scratch)
    shutil.copytree(GOLDEN_DIR / "corpus", scratch / "corpus")
    s = base.model_copy(update={"data_dir": scratch / ".cairn", "database_url": None, "qdrant_url": None,
                                "broker_url": None})
    svc = Services.open(s, rerank=False)
    try:
        loaded = load_manifest(scratch / "corpus")
        ingest(loaded, s, svc.store, svc.index, svc.embedder, svc.bm25)
        agent = svc.agent()
        results = []
        for case in cases or load_cases():
            if "edit" in case:
                f = loaded.source_root() / case["edit"]["file"]
                old, new = case["edit"]["replace"]
                f.write_text(f.read_text().replace(old, new))
                ingest(loaded, s, svc.store, svc.index, svc.embedder, svc.bm25)
            user = Principal(case["user"]["id"], tuple(case["user"].get("groups", [])))
            conv = f"golden-{case['id']}" if case.get("conversation") else None
            for earlier in case.get("conversation", []):
                agent.ask(earlier, user, conv, save=False)
            ans = agent.ask(case["question"], user, conv, save=False)
            results.append(judge(case, ans.answer, ans.abstained, [c.document_id for c in ans.citations],
                                 ans.latency_ms))
        return results
    finally:
        svc.close()


def judge(case: dict[str, Any], answer: str, abstained: bool, cited: list[str], latency_ms: float) -> CaseResult:
    exp = case["expect"]
    problems = []
    if abstained != bool(exp.get("abstain", False)):
        problems.append(f"expected abstain={exp.get('abstain', False)}, got {abstained}")
    for doc in exp.get("cite", []):
        if doc not in cited:
            problems.append(f"missing citation of {doc}")
    for doc in exp.get("never_cite", []):
        if doc in cited:
            problems.append(f"cited forbidden {doc}")
    for text in exp.get("contains", []):
        if text not in answer:
            problems.append(f"answer lacks {text!r}")
    for text in exp.get("not_contains", []):
        if text in answer:
            problems.append(f"answer still says {text!r}")
    return CaseResult(case["id"], case.get("task", ""), not problems, problems, answer, cited, latency_ms)
