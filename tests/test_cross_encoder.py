"""A pair's score is its own, whatever is scored beside it (real INT8 models: their activations are quantized
per model call, so pairs batched together moved each other's scores)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import cross_encoder

QUESTION = "How do I disable certificate verification?"
UNITS = [
    "Requests can also ignore verifying the SSL certificate if you set verify to False. " * 6,
    "Set verify to False.",
    "Lunch is served at noon in the cafeteria on the second floor.",
    "Certificate verification is on by default, and a failed check raises an SSLError.",
]


def test_scores_stay_with_their_units_whatever_the_batching() -> None:
    ce = cross_encoder()
    together = ce.score(QUESTION, UNITS)
    alone = [ce.score(QUESTION, [u]) for u in UNITS]
    assert together is not None and all(a is not None for a in alone)
    assert together == pytest.approx([a[0] for a in alone if a], abs=1e-5)  # before: up to 0.37 apart


def test_a_text_has_one_vector_whatever_is_embedded_beside_it() -> None:
    from kernel.settings import Settings
    from models.embed import OnnxBgeEmbedder

    embedder = OnnxBgeEmbedder(Settings().model_root / "bge_small_en", threads=2)
    alone = embedder.embed_documents(UNITS[3:4])[0]
    beside_longer = embedder.embed_documents([UNITS[3], UNITS[3] + " Always.", UNITS[0]])[0]
    assert np.allclose(alone, beside_longer, atol=1e-6)  # before: padded to its batch mates' length, it moved
