"""What the API process holds: services, the agent, auth, limits and the ingestion job runner."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from agent.runner import Agent
from api.auth import JwtVerifier
from api.limits import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from ingest.pipeline import IngestReport
from kernel.flags import Flags
from kernel.settings import Settings
from kernel.store.catalogue import Catalogue
from kernel.telemetry import Metrics
from wiring.agents import Agents
from wiring.services import Services


def observe_ingest(metrics: Metrics, report: IngestReport) -> None:
    metrics.ingest_jobs.labels("done").inc()
    for outcome, n in report.to_json()["documents"].items():
        metrics.ingest_documents.labels(outcome).inc(n)
    metrics.ingest_chunks.inc(report.chunks_written)
    metrics.ingest_seconds.observe(report.seconds)


class BacklogCollector(Collector):
    """Documents that running ingestion jobs have not processed yet, read from the catalogue at each scrape
    (so every API process reports the same, and a stalled worker pool shows as a backlog that stays)."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue

    def collect(self) -> Iterator[Metric]:
        g = GaugeMetricFamily("cairn_ingest_backlog_documents", "Documents of running ingestion jobs not yet "
                              "processed")
        g.add_metric([], sum(max(j.total - j.done, 0) for j in self.catalogue.running_jobs()))
        yield g


@dataclass
class AppState:
    settings: Settings
    services: Services
    agents: Agents  # the agent per answer profile; `agent` (version 0's) serves direct tool calls
    verifier: JwtVerifier
    limiter: RateLimiter
    auth_failures: RateLimiter
    jobs: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="ingest"))
    ingest_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def build(cls, settings: Settings, services: Services | None = None) -> AppState:
        svc = services or Services.open(settings)
        from ingest.recovery import recover

        recover(svc.store, svc.index)  # a crashed ingest's leftovers, before anything is served
        svc.metrics.registry.register(BacklogCollector(svc.store.catalogue))
        return cls(settings, svc, Agents(svc), JwtVerifier(settings),
                   _limiter(settings, settings.rate_per_s, settings.rate_burst),
                   _limiter(settings, settings.auth_fail_per_min / 60, settings.auth_fail_burst))

    @property
    def agent(self) -> Agent:
        return self.agents.base

    @property
    def flags(self) -> Flags:
        return self.services.flags

    def corpus_dir(self, name: str) -> Path:
        return self.settings.data_dir / "corpora" / name

    def submit_ingest(self, manifest_dir: Path) -> str:
        """Run ingestion as a job (one at a time per process, so the embedded shard has one writer)."""
        from ingest.manifest import load_manifest
        from ingest.pipeline import ingest

        job_id = uuid.uuid4().hex
        loaded = load_manifest(manifest_dir)
        loaded.require_approved()
        svc = self.services
        svc.store.catalogue.create_job(job_id, loaded.name)

        def run() -> None:
            process = None
            if self.settings.broker_url:
                from ingest.tasks import celery_process, make_celery

                process = celery_process(make_celery(self.settings), self.settings)
            with self.ingest_lock:
                try:
                    svc.store.catalogue.update_job(job_id, status="running")
                    report = ingest(loaded, self.settings, svc.store, svc.index, svc.embedder, svc.bm25,
                                    process=process, job_id=job_id, flags=svc.flags,
                                    progress=lambda d, t: svc.store.catalogue.update_job(job_id, done=d, total=t))
                except Exception as exc:
                    svc.store.catalogue.update_job(job_id, status="failed", error=f"{type(exc).__name__}: {exc}")
                    svc.metrics.ingest_jobs.labels("failed").inc()
                else:
                    observe_ingest(svc.metrics, report)

        self.jobs.submit(run)
        return job_id

    def close(self) -> None:
        self.jobs.shutdown(wait=True)
        self.services.close()


def _limiter(settings: Settings, rate: float, burst: int) -> RateLimiter:
    if settings.rate_redis_url:
        return RedisRateLimiter(settings.rate_redis_url, rate, burst)
    return MemoryRateLimiter(rate, burst)
