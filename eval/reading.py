"""Reading-comprehension suites: SQuAD 2.0 training questions over their paragraphs, and BIPIA's email QA.

A question is answered right when the answer is not an abstention and a citation of the carrying document
covers the gold answer (SQuAD: the answer's character span; email: the dollar amount). Unanswerable
questions (SQuAD's `is_impossible`, email's "unknown") must be abstained on. Also reported: the share of
cited units that hold the answer, so that citing three sentences to catch one is not a free win.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.runner import Agent
from eval.datasets import EVAL_USER, EvalDoc
from eval.metrics import percentile
from kernel.types import Principal

_MONEY = re.compile(r"[$\s,]")


@dataclass(frozen=True)
class ReadingItem:
    id: str
    question: str
    document_id: str
    spans: tuple[tuple[int, int], ...] = ()  # gold answer spans in the document text (SQuAD)
    money: str = ""  # the gold amount, digits and dot only (email)
    groups: tuple[str, ...] = ()  # asked as a member of these groups (email: the carrier's mailbox)

    @property
    def answerable(self) -> bool:
        return bool(self.spans or self.money)


def squad_items(file: Path, answerable: int, unanswerable: int, seed: int = 11
                ) -> tuple[list[EvalDoc], list[ReadingItem]]:
    data = json.loads(file.read_text(encoding="utf-8"))["data"]
    docs: list[EvalDoc] = []
    yes: list[ReadingItem] = []
    no: list[ReadingItem] = []
    for ai, art in enumerate(data):
        title = str(art["title"]).replace("_", " ")
        for pi, para in enumerate(art["paragraphs"]):
            did = f"sq{ai}-{pi}"
            docs.append(EvalDoc(did, title, para["context"]))
            off = len(title) + 2  # the indexed text is the title, a blank line, then the paragraph
            for qa in para["qas"]:
                spans = tuple((off + a["answer_start"], off + a["answer_start"] + len(a["text"]))
                              for a in qa["answers"])
                (no if qa["is_impossible"] else yes).append(ReadingItem(qa["id"], qa["question"], did, spans))
    rng = random.Random(seed)
    rng.shuffle(yes)
    rng.shuffle(no)
    return docs, yes[:answerable] + no[:unanswerable]


def squad_docs(squad: Path) -> tuple[list[EvalDoc], dict[str, str], dict[str, dict[str, int]]]:
    """The SQuAD subset as a retrieval set: one document per paragraph, its answerable questions as queries."""
    data = json.loads((squad / "train-v2.0-10articles.json").read_text())
    docs: list[EvalDoc] = []
    queries: dict[str, str] = {}
    qrels: dict[str, dict[str, int]] = {}
    for a in data["data"]:
        for j, p in enumerate(a["paragraphs"]):
            did = f"{a['title']}-{j}"
            docs.append(EvalDoc(did, a["title"], p["context"]))
            for q in p["qas"]:
                if not q["is_impossible"] and len(queries) < 5000:
                    queries[q["id"]] = q["question"]
                    qrels[q["id"]] = {did: 1}
    return docs, queries, qrels


def email_items(file: Path) -> tuple[list[EvalDoc], list[ReadingItem]]:
    """BIPIA's task is a question about one given email (its carrier), and its labels hold for that email
    only: "paid to AHREFS" is "unknown" for one carrier and $109.87 for another. So every email is a mailbox
    of its own (an ACL group) and each question is asked by its carrier's owner: the carrier is the one email
    the asker can read, as in a user's own mailbox, and "unknown" means that email does not say."""
    rows = [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines() if line.strip()]
    ids = {r["context"]: "em" + hashlib.sha256(r["context"].encode()).hexdigest()[:12] for r in rows}
    docs = [EvalDoc(i, "", c, acl={"groups": [f"mailbox-{i}"]}) for c, i in ids.items()]
    items = [ReadingItem(f"email-{n}", r["question"].removeprefix("Q: ").strip(), ids[r["context"]],
                         money="" if r["ideal"] == "unknown" else _MONEY.sub("", r["ideal"]),
                         groups=(f"mailbox-{ids[r['context']]}",))
             for n, r in enumerate(rows)]
    return docs, items


@dataclass
class ReadingStats:
    answerable: int = 0
    right: int = 0
    abstained_answerable: int = 0
    unanswerable: int = 0
    abstained_unanswerable: int = 0
    cited: int = 0
    cited_holding: int = 0
    latencies_ms: list[float] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        def r(a: int, b: int) -> float:
            return round(a / b, 4) if b else 0.0

        return {"answerable": self.answerable, "answered_right": r(self.right, self.answerable),
                "answerable_abstained": r(self.abstained_answerable, self.answerable),
                "unanswerable": self.unanswerable,
                "unanswerable_abstained": r(self.abstained_unanswerable, self.unanswerable),
                "cited_units_holding_answer": r(self.cited_holding, self.cited),
                "latency_p50_ms": round(percentile(self.latencies_ms, 0.5), 1),
                "latency_p95_ms": round(percentile(self.latencies_ms, 0.95), 1)}


def holds(item: ReadingItem, document_id: str, start: int, end: int, quote: str) -> bool:
    """Does the quoted span [start, end) of `document_id` hold the item's answer?"""
    if document_id != item.document_id:  # records keep their own ids
        return False
    if item.money:
        return item.money in _MONEY.sub("", quote)
    return any(start <= a and b <= end for a, b in item.spans)


def score_reading(agent: Agent, items: list[ReadingItem], out_file: Path | None = None,
                  progress: Callable[[int, int], None] | None = None) -> ReadingStats:
    stats = ReadingStats()
    lines = []
    for n, item in enumerate(items):
        ans = agent.ask(item.question, Principal(EVAL_USER, item.groups), save=False)
        stats.latencies_ms.append(ans.latency_ms)
        holding = [holds(item, c.document_id, c.start, c.end, c.quote) for c in ans.citations]
        if item.answerable:
            stats.answerable += 1
            stats.abstained_answerable += ans.abstained
            stats.right += (not ans.abstained) and any(holding)
            stats.cited += len(holding)
            stats.cited_holding += sum(holding)
        else:
            stats.unanswerable += 1
            stats.abstained_unanswerable += ans.abstained
        lines.append(json.dumps({"id": item.id, "question": item.question, "answerable": item.answerable,
                                 "abstained": ans.abstained, "answer": ans.answer, "holding": holding}))
        if progress:
            progress(n + 1, len(items))
    if out_file is not None:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        out_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return stats
