"""Metrics (Prometheus) and traces (OpenTelemetry), created once per process and passed in."""

from __future__ import annotations

from dataclasses import dataclass, field

from opentelemetry import trace
from opentelemetry.trace import Tracer
from prometheus_client import CollectorRegistry, Counter, Histogram


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
        self.safety_events = Counter("cairn_safety_events_total", "Injection findings and blocked calls",
                                     ["kind"], registry=r)
        self.tokens = Counter("cairn_model_tokens_total", "Model tokens", ["provider", "kind"], registry=r)
        self.cost = Counter("cairn_model_cost_total", "Model cost in the configured currency", ["provider"],
                            registry=r)
        self.answers = Counter("cairn_answers_total", "Answers by outcome", ["outcome"], registry=r)
        self.answer_latency = Histogram("cairn_answer_latency_seconds", "Answer latency", registry=r)
        self.stage_latency = Histogram("cairn_retrieval_stage_seconds", "Retrieval stage latency", ["stage"],
                                       registry=r)
        self.http_requests = Counter("cairn_http_requests_total", "HTTP requests", ["route", "status"],
                                     registry=r)
        self.http_latency = Histogram("cairn_http_request_seconds", "HTTP request latency", ["route"],
                                      registry=r)
        self.reads = Counter("cairn_content_reads_total", "Reads of indexed content for a principal",
                             ["channel"], registry=r)


def tracer() -> Tracer:
    return trace.get_tracer("cairn")
