"""Metrics (Prometheus) and traces (OpenTelemetry), created once per process and passed in."""

from __future__ import annotations

import os
import platform
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.trace import Tracer
from prometheus_client import CollectorRegistry, Counter, Histogram, Info
from prometheus_client.core import InfoMetricFamily, Metric
from prometheus_client.registry import Collector

from kernel.errors import ConfigError
from kernel.version import cairn_version


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.tool_calls = Counter("cairn_tool_calls_total", "Tool calls by tool and outcome",
                                  ["tool", "decision"], registry=r)
        self.tool_latency = Histogram("cairn_tool_latency_seconds", "Tool call latency", ["tool"], registry=r)
        self.loop_detections = Counter("cairn_loop_detections_total", "Repeated tool calls refused",
                                       registry=r)
        self.runs_stopped = Counter("cairn_runs_stopped_total", "Agent runs stopped by the loop guard or a "
                                    "budget (loop, budget, deadline)", ["reason"], registry=r)
        self.safety_events = Counter("cairn_safety_events_total", "Injection findings and blocked calls",
                                     ["kind"], registry=r)
        self.tokens = Counter("cairn_model_tokens_total", "Model tokens", ["provider", "kind"], registry=r)
        self.cost = Counter("cairn_model_cost_total", "Model cost in the configured currency", ["provider"],
                            registry=r)
        self.answers = Counter("cairn_answers_total", "Answers by outcome and answer profile version",
                               ["outcome", "profile"], registry=r)
        self.answer_latency = Histogram("cairn_answer_latency_seconds", "Answer latency", registry=r)
        self.stage_latency = Histogram("cairn_retrieval_stage_seconds", "Retrieval stage latency", ["stage"],
                                       registry=r)
        self.http_requests = Counter("cairn_http_requests_total", "HTTP requests", ["route", "status"],
                                     registry=r)
        self.http_latency = Histogram("cairn_http_request_seconds", "HTTP request latency", ["route"],
                                      registry=r)
        self.ingest_documents = Counter("cairn_ingest_documents_total", "Documents through ingestion jobs run by "
                                        "this process, by outcome", ["outcome"], registry=r)
        self.ingest_jobs = Counter("cairn_ingest_jobs_total", "Ingestion jobs run by this process, by outcome",
                                   ["outcome"], registry=r)
        self.ingest_chunks = Counter("cairn_ingest_chunks_total", "Chunks written to the index", registry=r)
        self.ingest_seconds = Histogram("cairn_ingest_job_seconds", "Ingestion job duration", registry=r,
                                        buckets=(1, 5, 15, 60, 300, 900, 3600, 14400))
        self.worker_tasks = Counter("cairn_worker_tasks_total", "Celery ingestion task attempts by outcome (done, "
                                    "switched_off, error: retried unless spent, failed: retries spent)",
                                    ["outcome"], registry=r)
        self.worker_task_seconds = Histogram("cairn_worker_task_seconds", "Celery ingestion task duration",
                                             registry=r, buckets=(0.1, 0.5, 1, 2.5, 5, 15, 60, 300))
        self.reads = Counter("cairn_content_reads_total", "Reads of indexed content for a principal",
                             ["channel"], registry=r)
        # Which build answers: a rollout is visible on the dashboard as the version label changes.
        self.build = Info("cairn_build", "The running Cairn build", registry=r)
        self.build.info({"version": cairn_version(), "python": platform.python_version()})


MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"


class _BuildInfo(Collector):
    """`cairn_build_info` for a multi-process exposition (an Info metric lives in one process only)."""

    def collect(self) -> Iterator[Metric]:
        yield InfoMetricFamily("cairn_build", "The running Cairn build",
                               value={"version": cairn_version(), "python": platform.python_version()})


def exposed(metrics: Metrics) -> CollectorRegistry:
    """What a /metrics endpoint serves: this process's metrics, or, when the process was started with
    PROMETHEUS_MULTIPROC_DIR (a worker's pool of children), every process's values summed from the files
    they write there."""
    path = os.environ.get(MULTIPROCESS_ENV)
    if not path:
        return metrics.registry
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path)  # type: ignore[no-untyped-call]
    registry.register(_BuildInfo())
    return registry


def tracer() -> Tracer:
    return trace.get_tracer("cairn")


_EXPORTERS = ("otlp", "console", "none")


def configure_tracing(service: str, environ: Mapping[str, str] | None = None) -> None:
    """Install this process's tracer provider from the standard OpenTelemetry variables: OTEL_TRACES_EXPORTER
    (`none` by default, `otlp`, `console`, or a comma list), OTEL_EXPORTER_OTLP_PROTOCOL or
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL (`http/protobuf` by default, or `grpc`), the OTLP endpoint and header
    variables (read by the exporters), OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES. Called once at each
    process's start (server, worker, CLI). A provider is installed even with no exporter: trace ids are then
    still real, so answers, audit rows and log lines of one request share one id."""
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor

    env = os.environ if environ is None else environ
    if isinstance(trace.get_tracer_provider(), TracerProvider):
        return  # already set up in this process (a CLI command that starts a worker, a test)
    names = [n.strip().lower() for n in env.get("OTEL_TRACES_EXPORTER", "none").split(",") if n.strip()]
    unknown = [n for n in names if n not in _EXPORTERS]
    if unknown:
        raise ConfigError(f"OTEL_TRACES_EXPORTER: unknown exporter {unknown[0]!r} (use otlp, console or none)")
    resource = Resource.create({"service.name": env.get("OTEL_SERVICE_NAME") or service})
    provider = TracerProvider(resource=resource)
    if "console" in names:
        provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
    if "otlp" in names:
        protocol = env.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or env.get("OTEL_EXPORTER_OTLP_PROTOCOL") or (
            "http/protobuf")
        if protocol == "grpc":
            from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcExporter

            provider.add_span_processor(BatchSpanProcessor(GrpcExporter()))
        elif protocol == "http/protobuf":
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpExporter

            provider.add_span_processor(BatchSpanProcessor(HttpExporter()))
        else:
            raise ConfigError(f"OTEL_EXPORTER_OTLP_PROTOCOL: {protocol!r} is not supported (http/protobuf, grpc)")
    trace.set_tracer_provider(provider)


def shutdown_tracing() -> None:
    """Send what is still buffered; a short-lived CLI command would otherwise drop its spans at exit."""
    provider = trace.get_tracer_provider()
    shutdown = getattr(provider, "shutdown", None)
    if callable(shutdown):
        shutdown()


def current_trace_id() -> str:
    """The current span's trace id as 32 hex digits; a fresh random id where nothing is traced."""
    ctx = trace.get_current_span().get_span_context()
    return format(ctx.trace_id, "032x") if ctx.is_valid else uuid.uuid4().hex


def inject_context() -> dict[str, str]:
    """The current trace context as W3C headers (`traceparent`), to travel with a task message."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def extract_context(carrier: Mapping[str, str]) -> Context:
    return propagate.extract(dict(carrier))
