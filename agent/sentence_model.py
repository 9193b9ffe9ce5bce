"""Which retrieved answer units answer the question: a small logistic model over three scorers' outputs.

Features come from a bi-encoder (bge cosine), the general-purpose ms-marco cross-encoder, and the
rationale scorer (that cross-encoder fine-tuned on the SciFact training rationales by
bench/train_rationale_scorer.py, stored in rationale_model/ beside this file), plus position, overlap, the
unit's kind and an answer-type signal (a question asking for a number, a unit holding one). The weights and
both thresholds are fitted by bench/calibrate_answers.py on four domains weighted equally — SciFact claims,
SQuAD 2.0 questions, BIPIA's email questions, the docs dev set — and stored in sentence_model.json.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kernel.errors import ConfigError

MODEL_FILE = Path(__file__).parent / "sentence_model.json"
RATIONALE_MODEL_DIR = Path(__file__).parent / "rationale_model"
FEATURES = ("ce", "emb", "ce_gap", "emb_gap", "ce_rank", "emb_rank", "doc_rank", "position", "overlap",
            "length", "rt", "rt_gap", "rt_rank", "is_block", "is_pair", "number_match",
            "number_missing")
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset({
    "the", "a", "an", "of", "and", "or", "in", "on", "to", "for", "with", "by", "is", "are", "was", "were",
    "be", "been", "that", "this", "these", "those", "it", "its", "as", "at", "from", "not", "no", "than",
    "which", "who", "what", "when", "how", "does", "do",
})


@dataclass(frozen=True)
class SentenceModel:
    weights: tuple[float, ...]
    bias: float
    select_threshold: float
    abstain_threshold: float
    max_sentences: int
    max_docs: int

    @classmethod
    def load(cls, file: Path = MODEL_FILE) -> SentenceModel:
        d = json.loads(file.read_text())
        if tuple(d.get("features", ())) != FEATURES or len(d["weights"]) != len(FEATURES):
            raise ConfigError(f"{file} was fitted on features {d.get('features')}, this code computes "
                              f"{list(FEATURES)}; re-run bench/calibrate_answers.py --write")
        return cls(tuple(float(w) for w in d["weights"]), float(d["bias"]), float(d["select_threshold"]),
                   float(d["abstain_threshold"]), int(d["max_sentences"]), int(d["max_docs"]))

    def probability(self, x: Sequence[float]) -> float:
        z = self.bias + sum(w * v for w, v in zip(self.weights, x, strict=True))
        return 1 / (1 + math.exp(-max(min(z, 40.0), -40.0)))


# Questions that ask for a quantity, a date or an amount are answered by a unit holding a number: an answer-type
# signal every domain has (how many days, what year, which $ value, what is the default timeout).
_WANTS_NUMBER = re.compile(
    r"\b(?:how (?:many|much|long|often|old|far|large|big|fast)|what (?:year|date|time|percentage|number|amount)"
    r"|when|which year|\$ ?value|cost|price|amount|percent|rate|age)\b|\$", re.IGNORECASE)
_HAS_NUMBER = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty"
    r"|hundred|thousand|million|billion|dozen|half|once|twice)\b", re.IGNORECASE)


def wants_number(question: str) -> bool:
    return bool(_WANTS_NUMBER.search(question))


def content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if len(w) > 2 and w not in _STOP}


def _ranks(scores: Sequence[float]) -> dict[int, int]:
    return {i: r for r, i in enumerate(sorted(range(len(scores)), key=lambda i: -scores[i]))}


def features(question: str, texts: Sequence[str], ce: Sequence[float], emb: Sequence[float],
             rt: Sequence[float], doc_ranks: Sequence[int], positions: Sequence[float],
             kinds: Sequence[str]) -> list[list[float]]:
    """One feature row per candidate sentence; gaps and ranks are taken within the candidate set."""
    q = content_words(question)
    numeric = wants_number(question)
    best_ce, best_emb, best_rt = max(ce, default=0.0), max(emb, default=0.0), max(rt, default=0.0)
    ce_order, emb_order, rt_order = _ranks(ce), _ranks(emb), _ranks(rt)
    rows = []
    for i, text in enumerate(texts):
        words = content_words(text)
        rows.append([
            ce[i] / 10, emb[i], (ce[i] - best_ce) / 10, emb[i] - best_emb, min(ce_order[i], 10) / 10,
            min(emb_order[i], 10) / 10, float(doc_ranks[i]), positions[i],
            len(q & words) / max(len(q), 1), min(len(text), 400) / 400,
            rt[i] / 10, (rt[i] - best_rt) / 10, min(rt_order[i], 10) / 10,
            float(kinds[i] in ("steps", "row", "code")), float(kinds[i] == "pair"),
            float(numeric and bool(_HAS_NUMBER.search(text))), float(numeric and not _HAS_NUMBER.search(text)),
        ])
    return rows
