"""Eval corpora: normalise a records file (BEIR corpus.jsonl or SciFact's sentence layout) into a scratch
corpus named by its content, so every suite that reads the same documents reuses one index."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

EVAL_USER = "cairn-eval"
RESTRICTED_GROUP = "eval-restricted"


@dataclass(frozen=True)
class EvalDoc:
    id: str
    title: str
    text: str
    sentences: tuple[str, ...] | None = None
    acl: dict[str, object] | None = None

    def sentence_offsets(self) -> list[tuple[int, int]]:
        """Spans of each given sentence in the indexed document text (title, blank line, sentences)."""
        assert self.sentences is not None
        pos = len(self.title) + 2 if self.title else 0
        out = []
        for s in self.sentences:
            out.append((pos, pos + len(s)))
            pos += len(s) + 1
        return out


def read_docs(file: Path) -> Iterator[EvalDoc]:
    with file.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            r = json.loads(line)
            if "sentences" in r:
                sents = tuple(str(s) for s in r["sentences"])
                yield EvalDoc(str(r.get("doc_id", r.get("_id"))), str(r.get("title") or ""), " ".join(sents), sents)
            else:
                yield EvalDoc(str(r.get("_id", r.get("id"))), str(r.get("title") or ""), str(r["text"]))


def content_tag(docs: list[EvalDoc]) -> str:
    h = hashlib.sha256()
    for d in docs:
        h.update(json.dumps([d.id, d.title, d.text] + ([d.acl] if d.acl else [])).encode())
    return h.hexdigest()[:12]


def write_corpus(docs: list[EvalDoc], where: Path, restricted: set[str] = frozenset()) -> tuple[Path, str]:  # type: ignore[assignment]
    """Write records + manifest. Documents in `restricted` are readable only by a group nobody asks as."""
    name = f"eval-{content_tag(docs)}"
    where.mkdir(parents=True, exist_ok=True)
    records = where / "records.jsonl"
    tmp = records.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for d in docs:
            rec: dict[str, object] = {"_id": d.id, "title": d.title, "text": d.text}
            if d.id in restricted:
                rec["acl"] = {"groups": [RESTRICTED_GROUP]}
            elif d.acl is not None:
                rec["acl"] = d.acl
            fh.write(json.dumps(rec) + "\n")
    tmp.replace(records)
    manifest = {
        "name": name, "description": "evaluation corpus", "owner": EVAL_USER,
        "source": {"records": "./records.jsonl"},
        "acl": {"default": {"users": [EVAL_USER]}},
        "approval": {"status": "approved", "by": EVAL_USER, "at": "2026-01-01T00:00:00Z"},
    }
    (where / "corpus.yaml").write_text(yaml.safe_dump(manifest))
    return where, name
