"""Celery: thin tasks around `pipeline.process_items`, and the coordinator side that feeds them.

Workers parse, chunk and embed; the coordinator (`cairn ingest` with a broker) commits what they return,
so the embedded Qdrant shard keeps a single writer and a Qdrant server sees the same write path.
A task carries the document's bytes, never a local path, so a worker may run on any machine that reaches
the broker. Workers push their replies (started, done, failed) onto a Redis list named in the task; the
coordinator blocks on that list (BLPOP) instead of polling task states.
Delivery is at-least-once (acks_late + reject_on_worker_lost); deterministic point ids make a
re-delivered document overwrite itself, so the end state counts every document exactly once.
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import redis
from celery import Celery, Task
from celery.signals import setup_logging, worker_process_init
from kombu.exceptions import OperationalError
from opentelemetry.trace import SpanKind
from redis.exceptions import RedisError

from ingest.parse import preload_parsers
from ingest.pipeline import Prepared, ProcessFn, process_items
from ingest.sources import SourceItem
from kernel.errors import BrokerError, ConfigError, SwitchedOffError
from kernel.flags import Flags
from kernel.logs import configure_logging
from kernel.settings import Settings
from kernel.store import Store
from kernel.telemetry import (
    MULTIPROCESS_ENV,
    Metrics,
    configure_tracing,
    exposed,
    extract_context,
    inject_context,
    tracer,
)
from models.embed import Embedder, load_embedder

TASK_NAME = "cairn.ingest.prepare_document"
log = logging.getLogger("cairn.ingest")


@dataclass
class WorkerState:
    """Per-process state of a worker child, built after the fork (models must not cross a fork)."""

    settings: Settings
    embedder: Embedder | None = None
    store: Store | None = None
    replies: redis.Redis | None = None
    switches: Flags | None = None
    metrics: Metrics | None = None  # made in the child: with PROMETHEUS_MULTIPROC_DIR, written where the parent reads

    def observe(self, outcome: str, seconds: float | None = None) -> None:
        if self.metrics is None:  # set by worker_process_init: only a pool child runs tasks
            return
        self.metrics.worker_tasks.labels(outcome).inc()
        if seconds is not None:
            self.metrics.worker_task_seconds.observe(seconds)

    def flags(self) -> Flags:
        if self.switches is None:
            self.switches = Flags(self.ready()[1], self.settings.flags_ttl_s)
        return self.switches

    def ready(self) -> tuple[Embedder, Store]:
        if self.embedder is None or self.store is None:
            self.embedder = load_embedder(self.settings)
            self.store = Store(self.settings.db_url)
        return self.embedder, self.store

    def reply(self, reply_to: str, message: dict[str, Any]) -> None:
        if self.replies is None:
            self.replies = redis.Redis.from_url(str(self.settings.broker_url))
        pipe = self.replies.pipeline()
        pipe.rpush(reply_to, json.dumps(message))
        # A coordinator that died leaves its list behind: it goes with the visibility timeout.
        pipe.expire(reply_to, self.settings.visibility_timeout_s)
        pipe.execute()


def make_celery(settings: Settings) -> Celery:
    if not settings.broker_url:
        raise BrokerError("CAIRN_BROKER_URL is not set")
    app = Celery("cairn", broker=settings.broker_url)
    transport = {"visibility_timeout": settings.visibility_timeout_s}
    app.conf.update(
        task_default_queue=settings.queue,
        task_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,  # replies travel on the coordinator's own list
        worker_prefetch_multiplier=1,
        broker_transport_options=transport,  # longer than any task may run
        task_time_limit=int(settings.parse_timeout_s * 2 + 300),
        broker_connection_retry_on_startup=True,
        # A pool child loads the parsers and the embedding model before it reports up; Celery's 4 s
        # default would kill (and endlessly restart) every replacement child.
        worker_proc_alive_timeout=120,
    )
    state = WorkerState(settings)

    @setup_logging.connect(weak=False)  # type: ignore[untyped-decorator]
    def _logging(loglevel: int | str | None = None, **_: Any) -> None:
        level = logging.getLevelName(loglevel) if isinstance(loglevel, int) else str(loglevel or "INFO")
        configure_logging(level, settings.log_format)

    @worker_process_init.connect(weak=False)  # type: ignore[untyped-decorator]
    def _init(**_: Any) -> None:
        configure_tracing("cairn-worker")
        state.metrics = Metrics()
        preload_parsers()
        state.ready()

    class Replying(Task):  # type: ignore[misc]
        def on_failure(self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
            # Called once the retries are spent: the coordinator learns of it at once, not at its deadline.
            message, reply_to = args
            state.observe("failed")
            state.reply(reply_to, {"kind": "failed", "task_id": task_id, "document_id": message["document_id"],
                                   "error": f"worker_failed: {exc!r}"})

    @app.task(  # type: ignore[untyped-decorator]
        name=TASK_NAME, bind=True, base=Replying, autoretry_for=(OSError, ConnectionError), retry_backoff=True,
        retry_backoff_max=60, retry_jitter=True, max_retries=settings.max_attempts - 1,
    )
    def prepare_document(self: Any, message: dict[str, Any], reply_to: str) -> None:
        t0 = time.perf_counter()
        outcome = "error"
        try:
            outcome = _prepare(str(self.request.id), message, reply_to)
        finally:
            state.observe(outcome, time.perf_counter() - t0)

    def _prepare(task_id: str, message: dict[str, Any], reply_to: str) -> str:
        state.reply(reply_to, {"kind": "started", "task_id": task_id, "document_id": message["document_id"]})
        embedder, store = state.ready()
        try:
            state.flags().require_on("writes", f"corpus:{message['corpus']}")
        except SwitchedOffError as exc:  # not retried: it stays off until an operator turns it back on
            state.reply(reply_to, {"kind": "failed", "task_id": task_id, "document_id": message["document_id"],
                                   "error": f"{exc.code}: {exc}"})
            return "switched_off"
        # The coordinator's ingest job is this span's parent: one trace from `cairn ingest` to every worker.
        with tracer().start_as_current_span("ingest.document", context=extract_context(message.pop("trace", {})),
                                            kind=SpanKind.CONSUMER, attributes={"cairn.document":
                                                                                message["document_id"]}):
            prepared = process_items([SourceItem.from_message(message)], settings, embedder, store)[0]
        # Cached here too, so a document sent again (a lost worker, a restarted ingest) is not re-embedded.
        store.catalogue.cache_embeddings(embedder.name, {h: np.asarray(v, dtype=np.float32)
                                                         for h, v in prepared.new_vectors.items()})
        state.reply(reply_to, {"kind": "done", "task_id": task_id, "document_id": message["document_id"],
                               "prepared": prepared.to_message()})
        return "done"

    return app


@dataclass
class _Flight:
    """One document out with the workers: every copy sent, when one was seen running, how often sent."""

    item: SourceItem
    sent_at: float
    task_ids: list[str]
    started_at: float | None = None


_BROKER_DOWN = (ConnectionError, OSError, OperationalError, RedisError)


def celery_process(app: Celery, settings: Settings, wait_s: float = 1.0, batch: int = 16) -> ProcessFn:
    """Send one task per document; yield finished documents in batches as their replies arrive.

    A worker that dies with a task leaves it unacknowledged until the broker's visibility timeout, an hour
    by default. So each document has a deadline: running longer than `task_deadline_s`, or no document
    finishing for that long, sends it again (the first reply to come back wins, a late twin is dropped), up
    to `max_attempts` sends. `wait_s` bounds how long one blocking wait lasts before deadlines are checked.
    A broker that goes away is waited for with backoff.
    """
    deadline_s = settings.task_deadline_s

    def run(items: list[SourceItem]) -> Iterable[list[Prepared]]:
        replies = redis.Redis.from_url(str(settings.broker_url))
        reply_to = f"cairn:replies:{uuid.uuid4().hex}"
        flights: dict[str, _Flight] = {}
        for item in items:
            flights[item.document_id] = _Flight(item, time.monotonic(), [_send(app, item, reply_to)])
        ready: list[Prepared] = []
        last_progress = time.monotonic()
        outage = _Backoff(settings.broker_outage_s)
        try:
            while flights:
                try:
                    for reply in _replies(replies, reply_to, wait_s):
                        flight = flights.get(reply["document_id"])
                        if flight is None or reply["task_id"] not in flight.task_ids:
                            continue  # a twin already finished this document
                        if reply["kind"] == "started":
                            flight.started_at = time.monotonic()
                            continue
                        flights.pop(reply["document_id"])
                        last_progress = time.monotonic()
                        ready.append(Prepared.from_message(reply["prepared"], flight.item) if reply["kind"] == "done"
                                     else Prepared(item=flight.item, error=reply["error"]))
                    ready += _resend_overdue(app, flights, reply_to, deadline_s, last_progress,
                                             settings.max_attempts)
                    outage.ok()
                except _BROKER_DOWN as exc:
                    outage.wait(exc)
                    continue
                if ready and (len(ready) >= batch or not flights):
                    yield ready
                    ready = []
            if ready:
                yield ready
        finally:
            replies.delete(reply_to)
            replies.close()

    return run


def _replies(client: redis.Redis, key: str, wait_s: float) -> list[dict[str, Any]]:
    """Block until a reply arrives (or `wait_s` passes), then take whatever else is already there."""
    first = client.blpop([key], timeout=wait_s)
    if first is None:
        return []
    raw = [first[1], *(client.lpop(key, 256) or [])]
    return [json.loads(r) for r in raw]


def _send(app: Celery, item: SourceItem, reply_to: str) -> str:
    return str(app.send_task(TASK_NAME, args=[{**item.to_message(), "trace": inject_context()}, reply_to]).id)


def _resend_overdue(app: Celery, flights: dict[str, _Flight], reply_to: str, deadline_s: float,
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
        flight.task_ids.append(_send(app, flight.item, reply_to))
        flight.sent_at, flight.started_at = now, None
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


def run_worker(settings: Settings, concurrency: int, loglevel: str = "INFO", metrics_port: int | None = None,
               metrics_host: str = "127.0.0.1") -> None:
    """With `metrics_port`, the pool's task metrics are served there, summed over the children: the process
    must have been started with PROMETHEUS_MULTIPROC_DIR set (`cairn worker --metrics-port` sees to it)."""
    app = make_celery(settings)
    if metrics_port is not None:
        if not os.environ.get(MULTIPROCESS_ENV):
            raise ConfigError(f"worker metrics need {MULTIPROCESS_ENV} set before the process starts")
        from prometheus_client import start_http_server

        start_http_server(metrics_port, metrics_host, registry=exposed(Metrics()))
    app.worker_main([
        "worker", f"--concurrency={concurrency}", f"--loglevel={loglevel}", "--without-gossip",
        f"--hostname=cairn-{os.getpid()}@%h",
        "--without-mingle", "--without-heartbeat", "--pool=prefork",
    ])
