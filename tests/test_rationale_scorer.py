"""The rationale scorer: its training script's dequantised starting point, its fold split, and the shipped
INT8 model (real models, no fakes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.train_rationale_scorer import dequantised_bert, read_pairs
from kernel.settings import Settings
from tests.conftest import cross_encoder, rationale_scorer

SCIFACT = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "scifact"
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


def test_fold_pairs_split_the_claims_and_label_the_gold_sentences() -> None:
    even, odd = read_pairs(SCIFACT, 0), read_pairs(SCIFACT, 1)
    assert even and odd
    assert not {p.claim_id for p in even} & {p.claim_id for p in odd}
    assert 0.05 < sum(p.label for p in even) / len(even) < 0.3
    assert all(p.in_evidence_doc for p in even if p.label == 1.0)


def test_the_shipped_scorer_prefers_the_finding_to_background_and_method() -> None:
    scores = rationale_scorer().score(CLAIM, ABSTRACT)
    assert scores is not None
    assert scores[2] > max(scores[0], scores[1]) + 2.0
