"""A model run as two lanes answers as one session does: every output in its own place (real INT8 models)."""

from __future__ import annotations

import multiprocessing
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from kernel.settings import Settings
from models.cross_encoder import OnnxCrossEncoder
from models.embed import OnnxBgeEmbedder
from models.lanes import OnnxLanes, lane_count

TEXTS = [
    "Set verify to False.",
    "Requests can also ignore verifying the SSL certificate if you set verify to False. " * 4,
    "Lunch is served at noon.",
    "Certificate verification is on by default, and a failed check raises an SSLError.",
    "```\npip install --require-hashes -r requirements.txt\n```",
    "The cafeteria on the second floor is open from eight to four.",
]


def test_two_lanes_embed_each_text_as_one_lane_does() -> None:
    root = Settings().model_root / "bge_small_en"
    one, two = OnnxBgeEmbedder(root, 1), OnnxBgeEmbedder(root, 2)
    a, b = one.embed_documents(TEXTS), two.embed_documents(TEXTS)
    assert a.shape == b.shape == (len(TEXTS), 384)
    assert np.allclose(a, b, atol=1e-6)  # each text is its own call, whichever lane runs it


def test_feeds_spread_over_the_lanes_come_back_in_order() -> None:
    lanes = OnnxLanes(Settings().model_root / "bge_small_en" / "model.onnx", threads=2)
    feeds = [{"input_ids": np.array([[101, *[2275 + i] * (i + 1), 102]], dtype=np.int64)} for i in range(5)]
    for f in feeds:
        f["attention_mask"], f["token_type_ids"] = np.ones_like(f["input_ids"]), np.zeros_like(f["input_ids"])
    out = lanes.run(feeds)
    assert [o.shape[1] for o in out] == [i + 3 for i in range(5)]
    assert all(np.array_equal(o, lanes.run([f])[0]) for o, f in zip(out, feeds, strict=True))


def test_cross_encoder_scores_match_across_lane_counts_and_a_passed_deadline_gives_none() -> None:
    root = Settings().model_root / "reranker_en"
    one, two = OnnxCrossEncoder(root, threads=1), OnnxCrossEncoder(root, threads=2)
    q = "How do I disable certificate verification?"
    a, b = one.score(q, TEXTS), two.score(q, TEXTS)
    assert a is not None and b is not None
    assert b == pytest.approx(a, abs=1e-5)
    assert two.score(q, TEXTS, deadline=time.monotonic() - 1) is None


def test_lanes_share_the_threads_never_more() -> None:
    assert [lane_count(t) for t in (1, 2, 4)] == [1, 2, 2]


def test_a_model_used_before_a_fork_still_runs_in_the_child() -> None:
    """A Celery pool child inherits what its parent loaded: the lanes' threads must be the child's own."""
    embedder = OnnxBgeEmbedder(Settings().model_root / "bge_small_en", 2)
    embedder.embed_documents(TEXTS)  # the parent's lane threads exist now
    child = multiprocessing.get_context("fork").Process(target=embedder.embed_documents, args=(TEXTS,))
    child.start()
    child.join(timeout=60)
    if child.is_alive():
        child.kill()
    assert child.exitcode == 0  # before: the child's work waited forever for a thread only its parent had


def test_threads_making_their_first_call_at_once_share_one_lane_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """The race is widened on purpose: making a pool takes a while here, as it may when the process is busy."""
    import models.lanes as lanes_module

    made: list[ThreadPoolExecutor] = []

    def slow_pool(max_workers: int, thread_name_prefix: str = "") -> ThreadPoolExecutor:
        time.sleep(0.2)
        made.append(ThreadPoolExecutor(max_workers, thread_name_prefix=thread_name_prefix))
        return made[-1]

    monkeypatch.setattr(lanes_module, "ThreadPoolExecutor", slow_pool)
    lanes = OnnxLanes(Settings().model_root / "bge_small_en" / "model.onnx", threads=2)
    ids = np.array([[101, 2275, 102], [101, 2276, 102]], dtype=np.int64)
    feed = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
    callers = [threading.Thread(target=lanes.run, args=([feed],)) for _ in range(3)]
    for t in callers:
        t.start()
    for t in callers:
        t.join(timeout=60)
    assert len(made) == 1  # before: each caller made its own pool


def test_a_child_forked_while_a_parent_thread_holds_the_pool_lock_still_runs() -> None:
    embedder = OnnxBgeEmbedder(Settings().model_root / "bge_small_en", 2)
    with embedder._lanes._pool_lock:  # a parent thread is making the pool at the moment of the fork
        child = multiprocessing.get_context("fork").Process(target=embedder.embed_documents, args=(TEXTS,))
        child.start()
    child.join(timeout=60)
    if child.is_alive():
        child.kill()
        child.join()
    assert child.exitcode == 0  # before: the child waited forever for a lock no thread of its own held
