"""The extractive responder's sentence features and its fitted model file (pure functions, no models)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.sentence_model import FEATURES, MODEL_FILE, SentenceModel, features
from kernel.errors import ConfigError


def test_features_are_relative_to_the_candidate_set() -> None:
    texts = ["Aspirin cut strokes by 20% in the trial.", "The trial enrolled adults.", "Unrelated background."]
    rows = features("Does aspirin reduce strokes?", texts, ce=[6.0, 1.0, 3.0], emb=[0.8, 0.5, 0.2],
                    rt=[-1.0, 4.0, 2.0], doc_ranks=[0, 0, 1], positions=[0.9, 0.1, 0.5],
                    kinds=["sentence", "pair", "row"])
    col = {name: [r[i] for r in rows] for i, name in enumerate(FEATURES)}
    assert all(len(r) == len(FEATURES) for r in rows)
    assert col["ce_gap"] == pytest.approx([0.0, -0.5, -0.3])
    assert col["emb_gap"] == pytest.approx([0.0, -0.3, -0.6])
    assert col["ce_rank"] == pytest.approx([0.0, 0.2, 0.1])
    assert col["rt_gap"] == pytest.approx([-0.5, 0.0, -0.2])
    assert col["rt_rank"] == pytest.approx([0.2, 0.0, 0.1])
    assert col["doc_rank"] == [0.0, 0.0, 1.0]
    assert col["overlap"][0] > col["overlap"][2] == 0.0
    assert col["is_pair"] == [0.0, 1.0, 0.0] and col["is_block"] == [0.0, 0.0, 1.0]
    assert col["number_match"] == col["number_missing"] == [0.0, 0.0, 0.0]  # not a question for a number
    rows = features("How many strokes did aspirin prevent?", texts, ce=[1.0, 1.0, 1.0], emb=[0.5, 0.5, 0.5],
                    rt=[0.0, 0.0, 0.0], doc_ranks=[0, 0, 0], positions=[0, 0, 0], kinds=["sentence"] * 3)
    at = FEATURES.index("number_match"), FEATURES.index("number_missing")
    assert [(r[at[0]], r[at[1]]) for r in rows] == [(1.0, 0.0), (0.0, 1.0), (0.0, 1.0)]
    spelled = features("How many days carry over?", ["Up to five unused days carry over."], ce=[1.0], emb=[0.5],
                       rt=[0.0], doc_ranks=[0], positions=[0.0], kinds=["sentence"])[0]
    assert (spelled[at[0]], spelled[at[1]]) == (1.0, 0.0)  # a number in words is a number


def test_the_shipped_model_matches_the_features_and_ranks_a_stronger_sentence_higher() -> None:
    model = SentenceModel.load()
    assert len(model.weights) == len(FEATURES)
    assert 0 < model.abstain_threshold < 1 and 0 < model.select_threshold < 1
    rows = features("Does aspirin reduce strokes?", ["Aspirin cut strokes by 20%.", "Participants were adults."],
                    ce=[7.0, -6.0], emb=[0.85, 0.55], rt=[3.0, -5.0], doc_ranks=[0, 0], positions=[0.5, 0.5],
                    kinds=["sentence", "sentence"])
    assert model.probability(rows[0]) > model.probability(rows[1])


def test_a_model_file_for_other_features_is_refused(tmp_path: Path) -> None:
    d = json.loads(MODEL_FILE.read_text())
    d["features"], d["weights"] = d["features"][:-1], d["weights"][:-1]
    stale = tmp_path / "model.json"
    stale.write_text(json.dumps(d))
    with pytest.raises(ConfigError, match="calibrate_answers"):
        SentenceModel.load(stale)
