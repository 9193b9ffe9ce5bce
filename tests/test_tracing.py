"""Issue 15: traces that reach a collector. A real `cairn serve` and a real Celery worker export over OTLP/HTTP
to a receiver in the test (the collector's place); the spans of one request share the trace id that the
answer and its audit rows record, and a worker's spans continue the trace of the ingest that sent the task."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from api.auth import create_key
from ingest.manifest import load_manifest
from ingest.pipeline import ingest
from ingest.tasks import celery_process, make_celery
from kernel.settings import Settings
from models.embed import Embedder
from testing.docs import manifest
from testing.live import free_port, stop_group
from testing.otlp import ReceivedSpan, Receiver, otlp_receiver
from testing.services import ensure_redis
from tests.conftest import make_services
from wiring.services import Services

CAIRN = str(Path(sys.executable).parent / "cairn")


def otel_env(receiver: Receiver) -> dict[str, str]:
    return {"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": receiver.endpoint,
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf", "OTEL_BSP_SCHEDULE_DELAY": "100"}


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with otlp_receiver(free_port()) as r:
        yield r


def test_a_served_answer_is_one_trace_from_request_to_search(tmp_path: Path, embedder: Embedder,
                                                              receiver: Receiver) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "docs").mkdir(parents=True)
    (corpus / "docs" / "leave.md").write_text("# Leave\n\nEmployees get 25 days of paid leave per year.\n")
    manifest(corpus, "handbook", {"path": "./docs"}, {"default": {"groups": ["staff"]}})
    settings = Settings(data_dir=tmp_path / ".cairn", torch_threads=1)
    svc = make_services(settings, embedder)
    ingest(load_manifest(corpus), settings, svc.store, svc.index, svc.embedder, svc.bm25)
    user = create_key(svc.store, "bob", ["staff"], "user").token
    admin = create_key(svc.store, "ada", [], "admin").token
    svc.close()
    port = free_port()
    env = {**os.environ, **otel_env(receiver), "CAIRN_DATA_DIR": str(settings.data_dir), "CAIRN_TORCH_THREADS": "1",
           "OTEL_SERVICE_NAME": "cairn-api-test"}
    log = tmp_path / "serve.log"
    with log.open("wb") as fh:
        server = subprocess.Popen([CAIRN, "serve", "--port", str(port)], env=env, stdout=fh, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, log.read_text()
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.5)
        ans = httpx.post(f"{base}/v1/ask", json={"question": "How many days of paid leave do employees get?"},
                         headers={"X-API-Key": user}, timeout=60).json()
        tid = ans["trace_id"]

        def turn_done(spans: list[ReceivedSpan]) -> bool:
            return any(s.name == "POST /v1/ask" and s.trace_id == tid for s in spans)

        spans = [s for s in receiver.wait_for(turn_done) if s.trace_id == tid]
        names = {s.name for s in spans}
        assert {"POST /v1/ask", "agent.turn", "tool.search_knowledge", "search.sparse", "search.dense",
                "search.fusion"} <= names, names
        assert {s.service for s in spans} == {"cairn-api-test"}
        by_id = {s.span_id: s for s in spans}
        root = next(s for s in spans if s.name == "POST /v1/ask")
        assert root.parent_span_id == "" and root.attributes["http.response.status_code"] == "200"
        turn = next(s for s in spans if s.name == "agent.turn")
        chain, at = [], turn
        while at.parent_span_id:  # the turn hangs under the request (FastAPI's own spans may sit between)
            at = by_id[at.parent_span_id]
            chain.append(at.name)
        assert chain[-1] == "POST /v1/ask", chain
        search = next(s for s in spans if s.name == "search.dense")
        assert by_id[search.parent_span_id].name == "tool.search_knowledge"
        # The audit rows of this answer carry the same id: support finds the trace from the answer.
        audit = httpx.get(f"{base}/v1/audit", params={"trace_id": tid}, headers={"X-API-Key": admin}).json()
        assert audit["items"] and {r["trace_id"] for r in audit["items"]} == {tid}
        # A caller's traceparent makes the request a child of the caller's trace.
        caller = uuid.uuid4().hex
        ans2 = httpx.post(f"{base}/v1/ask", json={"question": "How many days of paid leave?"},
                          headers={"X-API-Key": user, "traceparent": f"00-{caller}-{'ab' * 8}-01"}, timeout=60).json()
        assert ans2["trace_id"] == caller
    finally:
        stop_group(server)
    # Log lines are JSON objects; the request's line carries its trace and request ids.
    lines = [json.loads(x) for x in log.read_text().splitlines() if x.startswith("{")]
    asks = [x for x in lines if x.get("route") == "/v1/ask" and x["trace_id"] == tid]
    assert len(asks) == 1 and asks[0]["status"] == 200 and asks[0]["request_id"]
    assert "25 days" not in log.read_text()  # no document text in the logs


def test_a_worker_continues_the_ingest_trace_and_counts_its_tasks(tmp_path: Path, services: Services,
                                                                  receiver: Receiver) -> None:
    broker = ensure_redis() + "/6"
    queue = f"cairn-test-{uuid.uuid4().hex[:8]}"
    s = services.settings.model_copy(update={"broker_url": broker, "queue": queue})
    root = tmp_path / "corpus"
    (root / "docs").mkdir(parents=True)
    for i in range(3):
        (root / "docs" / f"note{i}.md").write_text(f"# Note {i}\n\nTraced note number {i} says hello at length.\n")
    manifest(root, "traced", {"path": "./docs"}, {"default": {"groups": ["staff"]}})
    env = {**os.environ, **otel_env(receiver), "CAIRN_DATA_DIR": str(tmp_path / "w" / ".cairn"),
           "CAIRN_BROKER_URL": broker, "CAIRN_QUEUE": queue, "CAIRN_TORCH_THREADS": "1"}
    log = tmp_path / "worker.log"
    with log.open("wb") as fh:
        # Two pool processes: the metrics endpoint (the parent's) must sum what each child counted.
        port = free_port()
        metric_dirs = set(Path(tempfile.gettempdir()).glob("cairn-worker-metrics-*"))
        worker = subprocess.Popen([CAIRN, "worker", "-c", "2", "--metrics-port", str(port)], env=env, stdout=fh,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    app = make_celery(s)
    # The coordinator's own job span: a fixed context stands in for it, so the test knows the ids to expect.
    job = SpanContext(trace_id=int(uuid.uuid4().hex, 16), span_id=int(uuid.uuid4().hex[:16], 16), is_remote=False,
                      trace_flags=TraceFlags(TraceFlags.SAMPLED))
    tid, parent = format(job.trace_id, "032x"), format(job.span_id, "016x")
    try:
        deadline = time.monotonic() + 120
        while len(app.control.ping(timeout=1.0) or []) < 1:
            assert time.monotonic() < deadline and worker.poll() is None, log.read_text()
        with trace.use_span(NonRecordingSpan(job)):
            report = ingest(load_manifest(root), s, services.store, services.index, services.embedder,
                            services.bm25, process=celery_process(app, s, wait_s=0.2))
        assert report.failed == 0 and report.added == 3, report.failures
        spans = receiver.wait_for(lambda sp: sum(x.name == "ingest.document" and x.trace_id == tid
                                                 for x in sp) >= 3)
        scraped = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    finally:
        stop_group(worker)
    assert not set(Path(tempfile.gettempdir()).glob("cairn-worker-metrics-*")) - metric_dirs  # removed at exit
    assert 'cairn_worker_tasks_total{outcome="done"} 3.0' in scraped, scraped
    assert "cairn_worker_task_seconds_count 3.0" in scraped and "cairn_build_info{" in scraped
    mine = [x for x in spans if x.trace_id == tid]
    docs = [x for x in mine if x.name == "ingest.document"]
    # Each document hangs under the coordinator's job: our span, or the `ingest.job` span that `ingest` opens
    # beneath it when this process records spans.
    assert len(docs) == 3 and len({d.parent_span_id for d in docs}) == 1
    assert docs[0].parent_span_id == parent or docs[0].parent_span_id not in {x.span_id for x in mine}
    assert {d.attributes["cairn.document"] for d in docs} == {f"traced/note{i}.md" for i in range(3)}
    assert {x.service for x in mine} == {"cairn-worker"}
    doc_ids = {d.span_id for d in docs}
    assert {x.name for x in mine if x.parent_span_id in doc_ids} >= {"ingest.parse", "ingest.chunk", "ingest.embed"}
