"""The cross-encoders batch pairs of like length: each score must still be its own pair's (real INT8 model)."""

from __future__ import annotations

import pytest

from models.batching import length_batches
from tests.conftest import cross_encoder

QUESTION = "How do I disable certificate verification?"
UNITS = [
    "Requests can also ignore verifying the SSL certificate if you set verify to False. " * 6,
    "Set verify to False.",
    "Lunch is served at noon in the cafeteria on the second floor.",
    "Certificate verification is on by default, and a failed check raises an SSLError.",
]


def test_batches_group_like_lengths_shortest_first() -> None:
    assert length_batches([100, 10, 11, 12, 90, 40], size=2) == [[1, 2], [3], [5], [4, 0]]
    assert length_batches([], size=8) == []
    assert sorted(i for b in length_batches([5, 50, 7, 300, 6], size=3) for i in b) == [0, 1, 2, 3, 4]


def test_scores_stay_with_their_units_whatever_the_batching() -> None:
    ce = cross_encoder()
    together = ce.score(QUESTION, UNITS)
    alone = [ce.score(QUESTION, [u]) for u in UNITS]
    assert together is not None and all(a is not None for a in alone)
    assert together == pytest.approx([a[0] for a in alone if a], abs=0.5)  # INT8 activations vary with the batch
    assert together[2] < min(together[1], together[3])  # the off-topic unit is last wherever it was batched
