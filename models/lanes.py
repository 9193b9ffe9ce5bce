"""One ONNX model as lanes: sessions that each take part of a call's feeds (one text each), side by side.

An answer's model calls are small (eight answer units, forty sentences), and one session gets little from its
second thread on them: on this project's 2-core machine (session 21) ms-marco scored eight pairs in 320 ms on
one thread, 205 ms on one session with two, and 165 ms as two single-thread lanes. Two sessions of two threads
each, run side by side, were slower than one after the other (578 against 538 ms for both cross-encoders):
each lane gets its share of the threads, never more.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

Feed = dict[str, np.ndarray]


def one_text(ids: Sequence[int], type_ids: Sequence[int] | None = None) -> Feed:
    """A BERT model's feed for one tokenized text (or pair), unpadded."""
    row = np.array([ids], dtype=np.int64)
    types = np.zeros_like(row) if type_ids is None else np.array([type_ids], dtype=np.int64)
    return {"input_ids": row, "attention_mask": np.ones_like(row), "token_type_ids": types}


def lane_count(threads: int) -> int:
    return 2 if threads >= 2 else 1


class OnnxLanes:
    def __init__(self, model_file: Path, threads: int) -> None:
        import onnxruntime as ort

        lanes = lane_count(threads)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = max(1, threads // lanes)
        opts.inter_op_num_threads = 1
        self._sessions = [ort.InferenceSession(str(model_file), opts, providers=["CPUExecutionProvider"])
                          for _ in range(lanes)]
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        # A forked child (a Celery pool process) starts with the parent's pool, whose threads it does not have:
        # work sent there would wait forever. It also inherits the lock as it was at the fork, possibly held
        # by a parent thread that does not exist in the child. So the child starts both afresh.
        ref = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: _forked(ref))

    def run(self, feeds: Sequence[Feed]) -> list[np.ndarray]:
        """Each feed's first output, in order."""
        out = self._run(feeds, None)
        if out is None:  # only a deadline stops a run early; says so if that ever changes
            raise RuntimeError("an ONNX lane stopped without a deadline")
        return out

    def run_before(self, feeds: Sequence[Feed], deadline: float) -> list[np.ndarray] | None:
        """As `run`; None when `deadline` (monotonic s) passed first."""
        return self._run(feeds, deadline)

    def _run(self, feeds: Sequence[Feed], deadline: float | None) -> list[np.ndarray] | None:
        """Feeds go to the lane with the least work so far (work: a feed's tokens), largest first, and the
        calling thread runs the first lane itself."""
        load = [0] * len(self._sessions)
        plan: list[list[int]] = [[] for _ in self._sessions]
        for j in sorted(range(len(feeds)), key=lambda j: -feeds[j]["input_ids"].size):
            lane = load.index(min(load))
            plan[lane].append(j)
            load[lane] += feeds[j]["input_ids"].size
        out: list[np.ndarray | None] = [None] * len(feeds)

        def work(lane: int) -> None:
            for j in plan[lane]:
                if deadline is not None and time.monotonic() > deadline:
                    return
                out[j] = np.asarray(self._sessions[lane].run(None, feeds[j])[0])

        pool = self._lane_pool()
        others = [pool.submit(work, lane) for lane in range(1, len(plan)) if plan[lane]] if pool else []
        work(0)
        for f in others:
            f.result()
        done = [o for o in out if o is not None]
        return done if len(done) == len(feeds) else None

    def _lane_pool(self) -> ThreadPoolExecutor | None:
        """The threads of the other lanes, made on first use. Under a lock: two threads making their first call
        at once would each make a pool, and one pool's thread would idle for the life of the process."""
        if len(self._sessions) < 2:
            return None
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(len(self._sessions) - 1, thread_name_prefix="onnx-lane")
            return self._pool

    def _after_fork(self) -> None:
        self._pool, self._pool_lock = None, threading.Lock()


def _forked(ref: weakref.ref[OnnxLanes]) -> None:
    lanes = ref()
    if lanes is not None:
        lanes._after_fork()
