"""The docs suite: the pinned documentation dev set (eval/docs) through the real pipeline and agent.

An answerable question is answered right when the answer is not an abstention, cites the file that answers
it, and the cited text holds every expected string. An answer citing an off-topic passage is a failure, not
an answer. Unanswerable near-misses must be abstained on. Questions only the ACL-restricted folder answers
are asked twice: by an employee (must abstain, and citing the folder is a leak) and by a member (must answer).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from agent.answer import Answer
from agent.runner import Agent
from eval.metrics import percentile
from ingest.manifest import LoadedManifest, load_manifest
from ingest.pipeline import ingest
from kernel.settings import Settings
from kernel.types import Principal
from wiring.services import Services

DOCS_DIR = Path(__file__).parent / "docs"
EMPLOYEE = Principal("docs-eval-employee", ("employees",))
MEMBER = Principal("docs-eval-member", ("employees", "people-ops"))
RESTRICTED_PREFIX = "people-ops/"
KINDS = ("fact", "number", "two-sentence", "procedure", "table", "code", "unanswerable", "restricted")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    question: str
    file: str = ""
    answer: tuple[str, ...] = ()

    @property
    def fmt(self) -> str:
        return self.file.rsplit(".", 1)[-1] if self.file else "-"


def load_questions(file: Path | None = None) -> list[Question]:
    raw = yaml.safe_load((file or DOCS_DIR / "questions.yaml").read_text(encoding="utf-8"))
    out = []
    for r in raw:
        q = Question(str(r["id"]), str(r["kind"]), str(r["question"]), str(r.get("file", "")),
                     tuple(str(a) for a in r.get("answer", ())))
        if q.kind not in KINDS:
            raise ValueError(f"question {q.id}: unknown kind {q.kind!r}")
        if (q.kind == "unanswerable") == bool(q.file and q.answer):
            raise ValueError(f"question {q.id}: answerable kinds need file and answer, unanswerable ones neither")
        out.append(q)
    return out


def passages(text: str) -> list[str]:
    """`text` cut at blank lines into pieces of about a chunk's size (600–1,500 characters)."""
    out: list[str] = []
    piece = ""
    for para in text.split("\n\n"):
        piece = f"{piece}\n\n{para}" if piece else para
        if len(piece) >= 600:
            out.append(piece[:1500])
            piece = ""
    return out


def dev_passages() -> list[str]:
    """The dev corpus's Markdown and HTML sources as passages: benign documentation text for checking what an
    injection scanner flags."""
    return [p for f in sorted((DOCS_DIR / "corpus" / "docs").rglob("*")) if f.suffix in (".md", ".html")
            for p in passages(f.read_text(encoding="utf-8"))]


def normalized(text: str) -> str:
    """`text` as answers are matched against quotes: one space for any run of white space, straight apostrophes,
    lower case."""
    return _SPACE.sub(" ", text.replace("’", "'")).strip().lower()


@dataclass
class Outcome:
    id: str
    kind: str
    fmt: str
    asked_as: str
    right: bool
    abstained: bool
    cited: list[str]
    leak: bool = False
    latency_ms: float = 0.0
    why: str = ""


def judge(q: Question, ans: Answer, corpus: str, asked_as: str) -> Outcome:
    cited = [c.document_id.removeprefix(f"{corpus}/") for c in ans.citations]
    leak = asked_as == "employee" and any(c.startswith(RESTRICTED_PREFIX) for c in cited)
    base = Outcome(q.id, q.kind, q.fmt, asked_as, False, ans.abstained, cited, leak, ans.latency_ms)
    must_abstain = q.kind == "unanswerable" or (q.kind == "restricted" and asked_as == "employee")
    if must_abstain:
        base.right = ans.abstained and not leak
        base.why = "" if base.right else "answered; expected an abstention"
        return base
    if ans.abstained:
        base.why = "abstained"
        return base
    if q.file not in cited:
        base.why = f"cited {cited}, not {q.file}"
        return base
    quoted = normalized(" ".join(c.quote for c in ans.citations))
    missing = [a for a in q.answer if normalized(a) not in quoted]
    base.right = not missing
    base.why = f"citations lack {missing}" if missing else ""
    return base


@dataclass
class DocsReport:
    outcomes: list[Outcome] = field(default_factory=list)

    def _share(self, pred: Callable[[Outcome], bool]) -> tuple[int, int]:
        chosen = [o for o in self.outcomes if pred(o)]
        return sum(o.right for o in chosen), len(chosen)

    def to_json(self) -> dict[str, Any]:
        def ratio(t: tuple[int, int]) -> float:
            return round(t[0] / t[1], 4) if t[1] else 0.0

        answerable = self._share(lambda o: o.kind not in ("unanswerable", "restricted"))
        unanswerable = self._share(lambda o: o.kind == "unanswerable")
        restricted = self._share(lambda o: o.kind == "restricted" and o.asked_as == "employee")
        member = self._share(lambda o: o.kind == "restricted" and o.asked_as == "member")
        abst = [o for o in self.outcomes if o.kind not in ("unanswerable", "restricted")]
        lat = [o.latency_ms for o in self.outcomes]
        by_kind: dict[str, str] = {}
        for k in KINDS:
            got, n = self._share(lambda o: o.kind == k and o.asked_as != "member")  # noqa: B023 (used at once)
            if n:
                by_kind[k] = f"{got}/{n}"
        by_format: dict[str, str] = {}
        for f in sorted({o.fmt for o in abst}):
            got, n = self._share(lambda o: o.fmt == f and o.kind not in ("unanswerable", "restricted"))  # noqa: B023
            by_format[f] = f"{got}/{n}"
        return {
            "questions": len({o.id for o in self.outcomes}),
            "answerable_right": ratio(answerable), "answerable": answerable[1],
            "answerable_abstained": round(sum(o.abstained for o in abst) / max(len(abst), 1), 4),
            "unanswerable_abstained": ratio(unanswerable), "unanswerable": unanswerable[1],
            "restricted_abstained": ratio(restricted), "restricted_leaks": sum(o.leak for o in self.outcomes),
            "member_right": ratio(member),
            "by_kind": by_kind, "by_format": by_format,
            "latency_p50_ms": round(percentile(lat, 0.5), 1), "latency_p95_ms": round(percentile(lat, 0.95), 1),
        }


def open_docs_corpus(base: Settings, scratch: Path, corpus_dir: Path | None = None
                     ) -> tuple[Services, LoadedManifest]:
    """The dev corpus (or `corpus_dir`) copied into a fresh `scratch` and ingested through the real pipeline on the
    embedded default; the caller closes the services."""
    if scratch.exists():
        shutil.rmtree(scratch)
    shutil.copytree(corpus_dir or DOCS_DIR / "corpus", scratch / "corpus")
    s = base.model_copy(update={"data_dir": scratch / ".cairn", "database_url": None, "qdrant_url": None,
                                "broker_url": None})
    svc = Services.open(s, rerank=False)
    try:
        loaded = load_manifest(scratch / "corpus")
        ingest(loaded, s, svc.store, svc.index, svc.embedder, svc.bm25)
    except BaseException:
        svc.close()
        raise
    return svc, loaded


def run_docs(base: Settings, scratch: Path, questions: list[Question] | None = None,
             out_file: Path | None = None, progress: Callable[[int, int], None] | None = None,
             agent_factory: Callable[[Services], Agent] | None = None, corpus_dir: Path | None = None) -> DocsReport:
    """Copy the dev corpus (or `corpus_dir`, a manifest and its files with the dev corpus's groups) into
    `scratch`, ingest it through the real pipeline and ask every question."""
    qs = questions or load_questions()
    svc, loaded = open_docs_corpus(base, scratch, corpus_dir)
    try:
        agent = agent_factory(svc) if agent_factory else svc.agent()
        corpus = loaded.manifest.name
        report = DocsReport()
        lines = []
        asks = [(q, "employee", EMPLOYEE) for q in qs] + [(q, "member", MEMBER) for q in qs
                                                           if q.kind == "restricted"]
        for i, (q, role, who) in enumerate(asks):
            ans = agent.ask(q.question, who, save=False)
            o = judge(q, ans, corpus, role)
            report.outcomes.append(o)
            lines.append(json.dumps({"id": q.id, "kind": q.kind, "asked_as": role, "right": o.right, "why": o.why,
                                     "question": q.question, "answer": ans.answer, "abstained": ans.abstained,
                                     "cited": o.cited}))
            if progress:
                progress(i + 1, len(asks))
        if out_file is not None:
            out_file.parent.mkdir(parents=True, exist_ok=True)
            out_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return report
    finally:
        svc.close()
