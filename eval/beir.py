"""Read any BEIR-format dataset: corpus.jsonl, queries.jsonl, qrels/<split>.tsv."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from kernel.errors import ConfigError


@dataclass(frozen=True)
class BeirDataset:
    root: Path
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]

    @property
    def corpus_file(self) -> Path:
        return self.root / "corpus.jsonl"


def load_beir(root: Path, split: str) -> BeirDataset:
    corpus, queries_file, qrels_file = root / "corpus.jsonl", root / "queries.jsonl", root / "qrels" / f"{split}.tsv"
    missing = [str(p) for p in (corpus, queries_file, qrels_file) if not p.is_file()]
    if missing:
        raise ConfigError(f"not a BEIR dataset with split {split!r}: missing {', '.join(missing)}")
    qrels: dict[str, dict[str, int]] = {}
    with qrels_file.open(encoding="utf-8") as fh:
        for row in csv.reader(fh, delimiter="\t"):
            if len(row) < 3 or row[0] in ("query-id", "query_id"):
                continue
            qrels.setdefault(row[0], {})[row[1]] = int(row[2])
    queries: dict[str, str] = {}
    with queries_file.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                q = json.loads(line)
                if str(q["_id"]) in qrels:
                    queries[str(q["_id"])] = str(q["text"])
    return BeirDataset(root, queries, {q: r for q, r in qrels.items() if q in queries})
