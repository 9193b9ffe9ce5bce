"""Real Celery workers on the local Redis: one is killed with SIGKILL mid-document, nothing is lost or doubled."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from ingest.manifest import load_manifest
from ingest.pipeline import IngestReport, ingest
from ingest.tasks import celery_process, make_celery
from testing.docs import manifest
from testing.live import free_port, stop_group
from testing.services import ensure_redis
from wiring.services import Services


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    cairn = str(Path(sys.executable).parent / "cairn")
    with log.open("wb") as fh:
        return subprocess.Popen([cairn, "worker", "-c", "1", "--loglevel", "INFO"], env=env, stdout=fh,
                                stderr=subprocess.STDOUT, start_new_session=True)


def test_sigkill_mid_document_loses_and_duplicates_nothing(tmp_path: Path, services: Services) -> None:
    broker = ensure_redis() + "/3"
    queue = f"cairn-test-{uuid.uuid4().hex[:8]}"
    s = services.settings.model_copy(update={"broker_url": broker, "queue": queue, "visibility_timeout_s": 30})
    root = tmp_path / "corpus"
    docs = root / "docs"
    docs.mkdir(parents=True)
    for d in range(10):
        paras = [f"## Part {p}\n\nDocument {d} part {p} discusses topic {d * 31 + p} in detail. " * 6
                 for p in range(12)]
        (docs / f"doc{d:02}.md").write_text(f"# Document {d}\n\n" + "\n\n".join(paras))
    manifest(root, "dist", {"path": "./docs"}, {"default": {"groups": ["staff"]}})

    env = {**os.environ, "CAIRN_DATA_DIR": str(s.data_dir), "CAIRN_BROKER_URL": broker, "CAIRN_QUEUE": queue,
           "CAIRN_TORCH_THREADS": "1", "CAIRN_VISIBILITY_TIMEOUT_S": "30"}
    workers = [start_worker(env, tmp_path / f"worker{i}.log") for i in range(2)]
    app = make_celery(s)
    try:
        deadline = time.monotonic() + 120
        while len(app.control.ping(timeout=1.0) or []) < 2:
            assert time.monotonic() < deadline, "workers did not start"
            assert all(w.poll() is None for w in workers), "a worker exited"
        result: dict[str, Any] = {}

        def coordinator() -> None:
            try:
                result["report"] = ingest(load_manifest(root), s, services.store, services.index,
                                          services.embedder, services.bm25, process=celery_process(app, s))
            except BaseException as exc:
                result["error"] = exc

        thread = threading.Thread(target=coordinator)
        thread.start()
        killed: int | None = None
        deadline = time.monotonic() + 120
        while killed is None and time.monotonic() < deadline:
            active = app.control.inspect(timeout=1.0).active() or {}
            busy = [t for tasks in active.values() for t in tasks]
            if busy:
                time.sleep(0.3)  # well inside the document: parsing or embedding
                killed = int(busy[0]["worker_pid"])
                os.kill(killed, signal.SIGKILL)
        assert killed is not None, "never saw a task in progress"
        thread.join(timeout=600)
        assert not thread.is_alive()
        assert "error" not in result, result.get("error")
        report: IngestReport = result["report"]
    finally:
        for w in workers:
            os.killpg(w.pid, signal.SIGTERM)
        for w in workers:
            try:
                w.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(w.pid, signal.SIGKILL)

    logs = "".join((tmp_path / f"worker{i}.log").read_text(errors="replace") for i in range(2))
    assert "WorkerLostError" in logs or "SIGKILL" in logs  # the kill really hit a running task
    assert report.failed == 0, report.failures
    assert report.added == 10
    rows = services.store.catalogue.documents("dist", ["indexed"])
    assert len(rows) == 10
    for row in rows:
        ids = services.index.point_ids(document_id=row.id)
        assert len(ids) == len(set(ids)) == row.chunk_count == services.index.count(document_id=row.id) > 0
    assert services.index.count(corpus="dist") == services.store.catalogue.count_chunks("dist") == report.chunks_written


def _corpus(root: Path, n: int, name: str) -> Path:
    docs = root / "docs"
    docs.mkdir(parents=True)
    for d in range(n):
        paras = [f"## Part {p}\n\nDocument {d} part {p} covers subject {d * 17 + p} at length. " * 5
                 for p in range(8)]
        (docs / f"doc{d:02}.md").write_text(f"# Document {d}\n\n" + "\n\n".join(paras))
    return manifest(root, name, {"path": "./docs"}, {"default": {"groups": ["staff"]}})


def _ingest_in_thread(root: Path, s: Any, services: Services, app: Any) -> tuple[threading.Thread, dict[str, Any]]:
    result: dict[str, Any] = {}

    def coordinator() -> None:
        try:
            result["report"] = ingest(load_manifest(root), s, services.store, services.index, services.embedder,
                                      services.bm25, process=celery_process(app, s, wait_s=0.2))
        except BaseException as exc:
            result["error"] = exc

    thread = threading.Thread(target=coordinator)
    thread.start()
    return thread, result


def _each_once(services: Services, corpus: str, n: int) -> None:
    rows = services.store.catalogue.documents(corpus, ["indexed"])
    assert len(rows) == n
    for row in rows:
        ids = services.index.point_ids(document_id=row.id)
        assert len(ids) == len(set(ids)) == row.chunk_count == services.index.count(document_id=row.id) > 0
    assert services.index.count(corpus=corpus) == services.store.catalogue.count_chunks(corpus)


@pytest.mark.on_demand  # 30 s; test_sigkill_mid_document… keeps a worker death in every run
def test_a_whole_worker_killed_mid_run_is_replaced_within_the_deadline(tmp_path: Path,
                                                                        services: Services) -> None:
    broker = ensure_redis() + "/4"
    queue = f"cairn-test-{uuid.uuid4().hex[:8]}"
    # The visibility timeout stays at its hour: recovery must come from the coordinator's deadline.
    s = services.settings.model_copy(update={"broker_url": broker, "queue": queue, "task_deadline_s": 15.0})
    root = _corpus(tmp_path / "corpus", 8, "lost")
    env = {**os.environ, "CAIRN_DATA_DIR": str(s.data_dir), "CAIRN_BROKER_URL": broker, "CAIRN_QUEUE": queue,
           "CAIRN_TORCH_THREADS": "1"}
    first = start_worker(env, tmp_path / "first.log")
    second: subprocess.Popen[bytes] | None = None
    app = make_celery(s)
    try:
        deadline = time.monotonic() + 120
        while len(app.control.ping(timeout=1.0) or []) < 1:
            assert time.monotonic() < deadline, "worker did not start"
        t0 = time.monotonic()
        thread, result = _ingest_in_thread(root, s, services, app)
        deadline = time.monotonic() + 120
        while not (app.control.inspect(timeout=1.0).active() or {}):
            assert time.monotonic() < deadline, "never saw a task in progress"
        os.killpg(first.pid, signal.SIGKILL)  # the whole worker, main process and pool child
        second = start_worker(env, tmp_path / "second.log")
        thread.join(timeout=300)
        took = time.monotonic() - t0
        assert not thread.is_alive(), "the run stalled on the lost task"
        assert "error" not in result, result.get("error")
    finally:
        stop_group(first)
        if second is not None:
            stop_group(second)
    report: IngestReport = result["report"]
    assert report.failed == 0 and report.added == 8, report.failures
    assert took < 180
    _each_once(services, "lost", 8)


@pytest.mark.on_demand  # 45 s, and it restarts the Redis other tests use
def test_a_redis_restart_mid_run_is_waited_out(tmp_path: Path, services: Services) -> None:
    port = free_port()
    redis_dir = tmp_path / "redis"
    redis_dir.mkdir()
    cmd = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
           "--dir", str(redis_dir), "--daemonize", "no"]
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    broker = f"redis://127.0.0.1:{port}/0"
    _wait_port(port)
    s = services.settings.model_copy(update={"broker_url": broker, "queue": "cairn-restart", "task_deadline_s": 30.0})
    root = _corpus(tmp_path / "corpus", 6, "restart")
    env = {**os.environ, "CAIRN_DATA_DIR": str(s.data_dir), "CAIRN_BROKER_URL": broker,
           "CAIRN_QUEUE": "cairn-restart", "CAIRN_TORCH_THREADS": "1"}
    worker = start_worker(env, tmp_path / "worker.log")
    app = make_celery(s)
    try:
        deadline = time.monotonic() + 120
        while len(app.control.ping(timeout=1.0) or []) < 1:
            assert time.monotonic() < deadline, "worker did not start"
        thread, result = _ingest_in_thread(root, s, services, app)
        time.sleep(1.0)
        server.terminate()  # Redis goes away (appendonly: its queue survives the restart)
        server.wait(timeout=30)
        time.sleep(2.0)
        server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        thread.join(timeout=300)
        assert not thread.is_alive()
        assert "error" not in result, result.get("error")  # the old coordinator died of ConnectionError
    finally:
        stop_group(worker)
        server.terminate()
        server.wait(timeout=30)
    report: IngestReport = result["report"]
    assert report.failed == 0 and report.added == 6, report.failures
    _each_once(services, "restart", 6)


_NO_CORPUS = """
import os, sys

_root = os.path.realpath(os.environ["CAIRN_TEST_FORBIDDEN"])


def _guard(event, args):
    # Stands in for another machine: this process may not open or list anything under the corpus folder.
    if event in ("open", "os.listdir", "os.scandir") and args and isinstance(args[0], (str, bytes, os.PathLike)):
        path = os.path.realpath(os.fsdecode(args[0]))
        if path == _root or path.startswith(_root + os.sep):
            raise PermissionError(f"no access to the corpus folder from this worker: {path}")


sys.addaudithook(_guard)
"""


def test_a_worker_without_the_corpus_folder_ingests_from_the_bytes_it_is_sent(tmp_path: Path,
                                                                                services: Services) -> None:
    broker = ensure_redis() + "/5"
    queue = f"cairn-test-{uuid.uuid4().hex[:8]}"
    s = services.settings.model_copy(update={"broker_url": broker, "queue": queue})
    root = _corpus(tmp_path / "corpus", 4, "remote")
    (root / "docs" / "notes.txt").write_text("Remote workers parse what they are sent.\n\nNothing else.\n")
    elsewhere = tmp_path / "other-machine"
    (elsewhere / "site").mkdir(parents=True)
    (elsewhere / "site" / "sitecustomize.py").write_text(_NO_CORPUS)
    env = {**os.environ, "CAIRN_DATA_DIR": str(elsewhere / ".cairn"), "CAIRN_BROKER_URL": broker,
           "CAIRN_QUEUE": queue, "CAIRN_TORCH_THREADS": "1", "PYTHONPATH": str(elsewhere / "site"),
           "CAIRN_TEST_FORBIDDEN": str(root)}
    log = tmp_path / "remote.log"
    with log.open("wb") as fh:
        worker = subprocess.Popen([str(Path(sys.executable).parent / "cairn"), "worker", "-c", "1"], env=env,
                                  cwd=elsewhere, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
    app = make_celery(s)
    try:
        deadline = time.monotonic() + 120
        while len(app.control.ping(timeout=1.0) or []) < 1:
            assert time.monotonic() < deadline, "worker did not start"
            assert worker.poll() is None, log.read_text()
        t0 = time.monotonic()
        # Each wait may block for a minute: the run ends long before only if replies wake the coordinator.
        report = ingest(load_manifest(root), s, services.store, services.index, services.embedder, services.bm25,
                        process=celery_process(app, s, wait_s=60))
        took = time.monotonic() - t0
    finally:
        stop_group(worker)
    assert report.failed == 0 and report.added == 5, report.failures
    assert took < 45, f"{took:.0f} s: replies did not wake the coordinator"
    _each_once(services, "remote", 5)
    notes = services.store.catalogue.get_document("remote/notes.txt")
    assert notes is not None and notes.text.startswith("Remote workers parse what they are sent.")
    assert str(root) not in log.read_text()


def _wait_port(port: int) -> None:
    import socket

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError("redis did not start")
