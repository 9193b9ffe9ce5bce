"""Celery: thin tasks around `pipeline.process_items`, and the coordinator side that feeds them.

Workers parse, chunk and embed; the coordinator (`cairn ingest` with a broker) commits what they return,
so the embedded Qdrant shard keeps a single writer and a Qdrant server sees the same write path.
Delivery is at-least-once (acks_late + reject_on_worker_lost); deterministic point ids make a
re-delivered document overwrite itself, so the end state counts every document exactly once.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from celery import Celery
from celery.result import AsyncResult
from celery.signals import worker_process_init
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

from ingest.embed import Embedder, load_embedder
from ingest.parse import preload_parsers
from ingest.pipeline import Prepared, ProcessFn, process_items
from ingest.sources import SourceItem
from kernel.errors import BrokerError
from kernel.settings import Settings
from kernel.store import Store

TASK_NAME = "cairn.ingest.prepare_document"
log = logging.getLogger("cairn.ingest")


@dataclass
class WorkerState:
    """Per-process state of a worker child, built after the fork (models must not cross a fork)."""

    settings: Settings
    embedder: Embedder | None = None
    store: Store | None = None

    def ready(self) -> tuple[Embedder, Store]:
        if self.embedder is None or self.store is None:
            self.embedder = load_embedder(self.settings)
            self.store = Store(self.settings.db_url)
        return self.embedder, self.store


def make_celery(settings: Settings) -> Celery:
    if not settings.broker_url:
        raise BrokerError("CAIRN_BROKER_URL is not set")
    app = Celery("cairn", broker=settings.broker_url, backend=settings.broker_url)
    transport = {"visibility_timeout": settings.visibility_timeout_s}
    app.conf.update(
        task_default_queue=settings.queue,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        # One visibility timeout for broker and results, longer than any task may run.
        broker_transport_options=transport,
        result_backend_transport_options=transport,
        task_time_limit=int(settings.parse_timeout_s * 2 + 300),
        task_track_started=True,  # the coordinator's per-document deadline runs from the start
        # Results nobody collects (a coordinator that died, a twin that lost) do not linger for days.
        result_expires=settings.visibility_timeout_s,
        broker_connection_retry_on_startup=True,
        # A pool child loads the parsers and the embedding model before it reports up; Celery's 4 s
        # default would kill (and endlessly restart) every replacement child.
        worker_proc_alive_timeout=120,
    )
    state = WorkerState(settings)

    @worker_process_init.connect(weak=False)  # type: ignore[untyped-decorator]
    def _init(**_: Any) -> None:
        preload_parsers()
        state.ready()

    @app.task(  # type: ignore[untyped-decorator]
        name=TASK_NAME, bind=True, autoretry_for=(OSError, ConnectionError), retry_backoff=True,
        retry_backoff_max=60, retry_jitter=True, max_retries=settings.max_attempts - 1,
    )
    def prepare_document(self: Any, message: dict[str, Any]) -> dict[str, Any]:
        embedder, store = state.ready()
        item = SourceItem.from_message(message)
        prepared = process_items([item], settings, embedder, store)[0]
        # Cached here too, so a document sent again (a lost worker, a restarted ingest) is not re-embedded.
        store.cache_embeddings(embedder.name, {h: np.asarray(v, dtype=np.float32)
                                               for h, v in prepared.new_vectors.items()})
        return prepared.to_message()

    return app


@dataclass
class _Flight:
    """One document out with the workers: every copy sent, when one was seen running, how often sent."""

    item: SourceItem
    sent_at: float
    task_ids: list[str]
    started_at: float | None = None


_BROKER_DOWN = (ConnectionError, OSError, OperationalError, RedisError)


def celery_process(app: Celery, settings: Settings, poll_s: float = 0.2, batch: int = 16) -> ProcessFn:
    """Send one task per document; yield finished documents in batches as their results arrive.

    A worker that dies with a task leaves it STARTED (or reserved) until the broker's visibility timeout,
    an hour by default. So each document has a deadline: running longer than `task_deadline_s`, or no
    document finishing for that long, sends it again (the first result to come back wins, a late twin is
    dropped), up to `max_attempts` sends. A broker that goes away is waited for with backoff.
    """
    deadline_s = settings.task_deadline_s

    def run(items: list[SourceItem]) -> Iterable[list[Prepared]]:
        flights: dict[str, _Flight] = {}
        owner: dict[str, str] = {}  # task id -> document id
        for item in items:
            task_id = _send(app, item)
            flights[item.document_id] = _Flight(item, time.monotonic(), [task_id])
            owner[task_id] = item.document_id
        ready: list[Prepared] = []
        last_progress = time.monotonic()
        outage = _Backoff(settings.broker_outage_s)
        while flights:
            try:
                for task_id, doc_id in list(owner.items()):
                    res = AsyncResult(task_id, app=app)
                    flight = flights.get(doc_id)
                    if flight is None:  # a twin already finished this document
                        if res.ready():
                            res.forget()
                            owner.pop(task_id)
                        continue
                    state = res.state
                    if state == "STARTED" and flight.started_at is None:
                        flight.started_at = time.monotonic()
                    if state not in ("SUCCESS", "FAILURE", "REVOKED"):
                        continue
                    owner.pop(task_id)
                    flights.pop(doc_id)
                    last_progress = time.monotonic()
                    ready.append(Prepared.from_message(res.get()) if state == "SUCCESS" else
                                 Prepared(item=flight.item, error=f"worker_failed: {res.result!r}"))
                    res.forget()
                ready += _resend_overdue(app, flights, owner, deadline_s, last_progress, settings.max_attempts)
                outage.ok()
            except _BROKER_DOWN as exc:
                outage.wait(exc)
                continue
            if ready and (len(ready) >= batch or not flights):
                yield ready
                ready = []
            elif flights:
                time.sleep(poll_s)
        if ready:
            yield ready

    return run


def _send(app: Celery, item: SourceItem) -> str:
    return str(app.send_task(TASK_NAME, args=[item.to_message()]).id)


def _resend_overdue(app: Celery, flights: dict[str, _Flight], owner: dict[str, str], deadline_s: float,
                    last_progress: float, max_attempts: int) -> list[Prepared]:
    now = time.monotonic()
    stalled = now - last_progress > deadline_s
    given_up: list[Prepared] = []
    for doc_id, flight in list(flights.items()):
        since = flight.started_at if flight.started_at is not None else flight.sent_at
        if not (now - since > deadline_s and (flight.started_at is not None or stalled)):
            continue
        if len(flight.task_ids) >= max_attempts:
            flights.pop(doc_id)
            given_up.append(Prepared(item=flight.item, error=f"worker_lost: no result after {max_attempts} "
                                                             f"sends of {deadline_s:g} s each"))
            continue
        log.warning("document %s overdue after %.0f s; sending it again", doc_id, now - since)
        task_id = _send(app, flight.item)
        flight.task_ids.append(task_id)
        flight.sent_at, flight.started_at = now, None
        owner[task_id] = doc_id
    return given_up


class _Backoff:
    """Wait out a broker outage (Redis restarting) with growing pauses; give up after `limit_s`."""

    def __init__(self, limit_s: float) -> None:
        self.limit_s = limit_s
        self.since: float | None = None
        self.pause = 0.5

    def ok(self) -> None:
        self.since, self.pause = None, 0.5

    def wait(self, exc: BaseException) -> None:
        now = time.monotonic()
        self.since = self.since or now
        if now - self.since > self.limit_s:
            raise BrokerError(f"the broker has been unreachable for {self.limit_s:g} s: {exc}") from exc
        log.warning("broker unreachable (%s); retrying in %.1f s", type(exc).__name__, self.pause)
        time.sleep(self.pause)
        self.pause = min(self.pause * 2, 10.0)


def run_worker(settings: Settings, concurrency: int, loglevel: str = "INFO") -> None:
    app = make_celery(settings)
    app.worker_main([
        "worker", f"--concurrency={concurrency}", f"--loglevel={loglevel}", "--without-gossip",
        f"--hostname=cairn-{os.getpid()}@%h",
        "--without-mingle", "--without-heartbeat", "--pool=prefork",
    ])
