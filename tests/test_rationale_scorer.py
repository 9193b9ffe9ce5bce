"""The rationale scorer (the answer-unit scorer): its training script's dequantised starting point, its pairs
and fold split, and the shipped INT8 model (real models, no fakes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.train_rationale_scorer import dequantised_bert, in_fold, scifact_pairs, squad_pairs
from eval.domains import fold
from kernel.settings import Settings
from tests.conftest import cross_encoder, rationale_scorer

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
SCIFACT = SHARED / "scifact"
SQUAD = SHARED / "squad" / "train-v2.0-10articles.json"
CLAIM = "Vitamin D supplementation reduces the risk of hip fractures in older women."
ABSTRACT = [
    "Hip fractures are a major cause of disability in older women.",
    "We randomly assigned 2,686 women aged 70 or older to vitamin D or placebo for three years.",
    "Vitamin D supplementation reduced hip fractures by 33% compared with placebo (P = 0.02).",
]


def test_the_dequantised_reranker_reproduces_the_packaged_onnx_logits() -> None:
    import torch
    from tokenizers import Tokenizer

    base = Settings().model_root / "reranker_en"
    model = dequantised_bert(base).eval()
    tok = Tokenizer.from_file(str(base / "tokenizer.json"))
    tok.no_padding()
    with torch.no_grad():
        ours = [float(model(**{k: torch.tensor([v]) for k, v in (
            ("input_ids", e.ids), ("attention_mask", e.attention_mask), ("token_type_ids", e.type_ids))}).logits)
            for e in tok.encode_batch([(CLAIM, s) for s in ABSTRACT])]
    packaged = cross_encoder().score(CLAIM, ABSTRACT)
    assert packaged is not None
    assert ours == pytest.approx(packaged, abs=0.5)  # INT8 activations on one side, fp32 on the other


def test_fold_pairs_split_the_sources_and_label_the_answering_units() -> None:
    pairs = scifact_pairs(SCIFACT) + squad_pairs(SQUAD, 200, seed=0)
    zero, one = in_fold(pairs, 0), in_fold(pairs, 1)
    assert zero and one and len(zero) + len(one) == len(pairs)
    assert not {p.source for p in zero} & {p.source for p in one}
    assert {fold(p.source) for p in zero} == {0}
    # SQuAD's folds are whole articles: no paragraph is seen by both fold models.
    assert {p.source for p in pairs if p.domain == "squad"} <= {f"sq{i}" for i in range(10)}
    for domain in ("scifact", "squad"):
        of = [p for p in pairs if p.domain == domain]
        assert 0.05 < sum(p.label for p in of) / len(of) < 0.35
    by_question: dict[str, list[float]] = {}
    for p in pairs:
        if p.domain == "squad":
            by_question.setdefault(p.question_id, []).append(p.label)
    # 200 answerable questions each have an answering unit; the 348 unanswerable ones have none.
    assert sum(any(v) for v in by_question.values()) == 200
    assert sum(not any(v) for v in by_question.values()) == 348


def test_the_shipped_scorer_prefers_the_finding_to_background_and_method() -> None:
    scores = rationale_scorer().score(CLAIM, ABSTRACT)
    assert scores is not None
    assert scores[2] > max(scores[0], scores[1]) + 2.0
