"""Celery: thin tasks around `pipeline.process_items`, and the coordinator side that feeds them.

Workers parse, chunk and embed; the coordinator (`cairn ingest` with a broker) commits what they return,
so the embedded Qdrant shard keeps a single writer and a Qdrant server sees the same write path.
Delivery is at-least-once (acks_late + reject_on_worker_lost); deterministic point ids make a
re-delivered document overwrite itself, so the end state counts every document exactly once.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from celery import Celery
from celery.result import AsyncResult
from celery.signals import worker_process_init

from ingest.embed import Embedder, load_embedder
from ingest.parse import preload_parsers
from ingest.pipeline import Prepared, ProcessFn, process_items
from ingest.sources import SourceItem
from kernel.errors import BrokerError
from kernel.settings import Settings
from kernel.store import Store

TASK_NAME = "cairn.ingest.prepare_document"


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
        result_expires=7 * 24 * 3600,
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
        return process_items([item], settings, embedder, store)[0].to_message()

    return app


def celery_process(app: Celery, poll_s: float = 0.05, batch: int = 16) -> ProcessFn:
    """Send one task per document; yield finished documents in batches as their results arrive."""

    def run(items: list[SourceItem]) -> Iterable[list[Prepared]]:
        pending: dict[str, SourceItem] = {}
        for item in items:
            res = app.send_task(TASK_NAME, args=[item.to_message()])
            pending[res.id] = item
        ready: list[Prepared] = []
        while pending:
            for task_id in list(pending):
                res = AsyncResult(task_id, app=app)
                if not res.ready():
                    continue
                item = pending.pop(task_id)
                if res.successful():
                    ready.append(Prepared.from_message(res.get()))
                else:
                    ready.append(Prepared(item=item, error=f"worker_failed: {res.result!r}"))
                res.forget()
            if ready and (len(ready) >= batch or not pending):
                yield ready
                ready = []
            elif pending:
                time.sleep(poll_s)
        if ready:
            yield ready

    return run


def run_worker(settings: Settings, concurrency: int, loglevel: str = "INFO") -> None:
    app = make_celery(settings)
    app.worker_main([
        "worker", f"--concurrency={concurrency}", f"--loglevel={loglevel}", "--without-gossip",
        f"--hostname=cairn-{os.getpid()}@%h",
        "--without-mingle", "--without-heartbeat", "--pool=prefork",
    ])
