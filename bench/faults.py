"""Fault injection for ingestion, on demand: each fault hits a real run, then the store and index are checked.

Faults: a whole Celery worker SIGKILLed mid-run (a replacement starts), Redis restarted mid-run, the
coordinator (`cairn ingest`) SIGKILLed mid-run and started again, a nearly full disk (a small tmpfs, root
only), and a folder of hostile files. For each it prints: documents expected, lost, duplicated (a document
whose chunks are in the index twice), orphan points (in the index, unknown to the store), and the time from
the fault to a finished run.

    .venv/bin/python bench/faults.py [--docs 12] [--only worker,redis,coordinator,disk,hostile]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from ingest.manifest import load_manifest
from ingest.pipeline import ingest
from ingest.tasks import celery_process, make_celery
from kernel.errors import CairnError
from kernel.settings import Settings
from kernel.store import Store
from wiring.services import Services, offline_environment

CAIRN = str(Path(sys.executable).parent / "cairn")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def corpus(root: Path, name: str, n: int) -> Path:
    docs = root / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    for d in range(n):
        body = "\n\n".join(f"## Part {p}\n\n" + f"Document {d} part {p} covers subject {d * 17 + p}. " * 6
                           for p in range(8))
        (docs / f"doc{d:02}.md").write_text(f"# Document {d}\n\n{body}")
    data = {"name": name, "owner": "faults@example.com", "source": {"path": "./docs"},
            "acl": {"default": {"groups": ["staff"]}},
            "approval": {"status": "approved", "by": "bench", "at": "2026-11-29T00:00:00Z"}}
    (root / "corpus.yaml").write_text(yaml.safe_dump(data))
    return root


def check(svc: Services, name: str, expected: int) -> dict[str, int]:
    rows = svc.store.catalogue.documents(name, ["indexed"])
    known = {c.chunk_id for r in rows for c in svc.store.catalogue.chunk_rows(r.id)}
    points = [i for d in svc.store.catalogue.documents(name) for i in svc.index.point_ids(document_id=d.id)]
    dup = sum(1 for r in rows if len(svc.index.point_ids(document_id=r.id)) != r.chunk_count)
    return {"expected": expected, "lost": expected - len(rows), "duplicated": dup,
            "orphan_points": len(set(points) - known)}


class Redis:
    def __init__(self, where: Path) -> None:
        self.port = free_port()
        where.mkdir(parents=True, exist_ok=True)
        self.cmd = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                    "--appendonly", "yes", "--dir", str(where)]
        self.proc = self._start()

    def _start(self) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(self.cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return proc
            time.sleep(0.1)
        raise RuntimeError("redis did not start")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def restart(self, pause_s: float = 2.0) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)
        time.sleep(pause_s)
        self.proc = self._start()

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as fh:
        return subprocess.Popen([CAIRN, "worker", "-c", "1", "--loglevel", "WARNING"], env=env, stdout=fh,
                                stderr=subprocess.STDOUT, start_new_session=True)


def stop(p: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(p.pid, signal.SIGTERM)
        p.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(p.pid, signal.SIGKILL)


def distributed(tmp: Path, n: int, fault: str) -> dict[str, Any]:
    """Worker or Redis fault during a Celery run coordinated in this process."""
    redis = Redis(tmp / "redis")
    s = Settings(data_dir=tmp / ".cairn", torch_threads=1, broker_url=redis.url, queue="faults",
                 task_deadline_s=20.0)
    env = {**os.environ, "CAIRN_DATA_DIR": str(s.data_dir), "CAIRN_BROKER_URL": redis.url, "CAIRN_QUEUE": "faults",
           "CAIRN_TORCH_THREADS": "1"}
    root = corpus(tmp / "corpus", fault, n)
    svc = Services.open(s, rerank=False)
    workers = [worker(env, tmp / "w1.log")]
    app = make_celery(s)
    out: dict[str, Any] = {"fault": fault}
    try:
        while len(app.control.ping(timeout=1.0) or []) < 1:
            time.sleep(0.5)
        result: dict[str, Any] = {}

        def run() -> None:
            try:
                result["report"] = ingest(load_manifest(root), s, svc.store, svc.index, svc.embedder, svc.bm25,
                                          process=celery_process(app, s, wait_s=0.2))
            except BaseException as exc:
                result["error"] = f"{type(exc).__name__}: {exc}"

        thread = threading.Thread(target=run)
        thread.start()
        while not (app.control.inspect(timeout=1.0).active() or {}):
            time.sleep(0.2)
        t_fault = time.monotonic()
        if fault == "worker-sigkill":
            os.killpg(workers[0].pid, signal.SIGKILL)
            workers.append(worker(env, tmp / "w2.log"))
        else:
            redis.restart()
        thread.join(timeout=900)
        out["recovery_s"] = round(time.monotonic() - t_fault, 1)
        out["error"] = result.get("error")
        out |= check(svc, fault, n)
    finally:
        for w in workers:
            stop(w)
        svc.close()
        redis.stop()
    return out


def coordinator_kill(tmp: Path, n: int) -> dict[str, Any]:
    redis = Redis(tmp / "redis")
    env = {**os.environ, "CAIRN_DATA_DIR": str(tmp / ".cairn"), "CAIRN_BROKER_URL": redis.url,
           "CAIRN_QUEUE": "faults-c", "CAIRN_TORCH_THREADS": "1", "CAIRN_TASK_DEADLINE_S": "30"}
    root = corpus(tmp / "corpus", "coordinator", n)
    w = worker(env, tmp / "w.log")
    out: dict[str, Any] = {"fault": "coordinator-sigkill"}
    try:
        first = subprocess.Popen([CAIRN, "ingest", str(root), "--json"], env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, start_new_session=True)
        store = Store(Settings(data_dir=tmp / ".cairn").db_url)
        while first.poll() is None:  # kill once some documents are committed and some are not
            jobs = [j for j in store.catalogue.running_jobs() if 0 < j.done < j.total]
            if jobs:
                out["killed_at"] = f"{jobs[0].done}/{jobs[0].total} documents committed"
                break
            time.sleep(0.2)
        if first.poll() is not None:
            return out | {"error": "the first run finished before it could be killed: use more --docs"}
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
        t_fault = time.monotonic()
        again = subprocess.run([CAIRN, "ingest", str(root), "--json"], env=env, capture_output=True, text=True,
                               timeout=900)
        out["recovery_s"] = round(time.monotonic() - t_fault, 1)
        report = json.loads(again.stdout or "{}")
        out["rerun_documents"] = report.get("documents")
        out["rerun_chunks_embedded"] = report.get("chunks_embedded")
        out["rerun_chunks_written"] = report.get("chunks_written")
        out["error"] = None if again.returncode == 0 else again.stderr[-300:]
    finally:
        stop(w)
        redis.stop()
    svc = Services.open(Settings(data_dir=tmp / ".cairn", torch_threads=1), rerank=False)
    try:
        out |= check(svc, "coordinator", n)
    finally:
        svc.close()
    return out


def full_disk(tmp: Path, n: int) -> dict[str, Any]:
    mnt = tmp / "small"
    mnt.mkdir()
    out: dict[str, Any] = {"fault": "disk-nearly-full"}
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400m", "tmpfs", str(mnt)],
                      capture_output=True).returncode != 0:
        return out | {"error": "skipped: mounting a tmpfs needs root"}
    try:
        s = Settings(data_dir=mnt / ".cairn", torch_threads=1)
        root = corpus(tmp / "corpus", "disk", n)
        svc = Services.open(s, rerank=False)
        try:
            ingest(load_manifest(root), s, svc.store, svc.index, svc.embedder, svc.bm25)
            with (mnt / "filler").open("wb") as fh:  # leave less than the 256 MB the check asks for
                fh.write(b"\0" * (shutil.disk_usage(mnt).free - (64 << 20)))
            (root / "docs" / "new.md").write_text("# New\n\nA page added while the disk is full.\n")
            t0 = time.monotonic()
            try:
                ingest(load_manifest(root), s, svc.store, svc.index, svc.embedder, svc.bm25)
                out["error"] = "ingest ran on a full disk"
            except CairnError as exc:
                out["refused_with"] = str(exc)[:120]
            out["recovery_s"] = round(time.monotonic() - t0, 1)
            out |= check(svc, "disk", n)
        finally:
            svc.close()
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)
    return out


def hostile(tmp: Path) -> dict[str, Any]:
    root = tmp / "corpus"
    docs = root / "docs"
    docs.mkdir(parents=True)
    (docs / "ok.md").write_text("# Fine\n\nA normal page.\n")
    (docs / "passwd.md").symlink_to("/etc/passwd")
    (docs / os.fsdecode(b"bad\xffname.md")).write_bytes(b"# Bad name\n")
    with (docs / "huge.txt").open("wb") as fh:
        fh.truncate(3 << 30)
    (docs / "deep.html").write_text("<div>" * 100_000 + "deep" + "</div>" * 100_000)
    (docs / "line.txt").write_text("word " * 1_000_000)
    (docs / "corrupt.pdf").write_bytes(b"%PDF-1.4\n garbage \x00\x01")
    (docs / "latin1.txt").write_bytes("crème brûlée".encode("latin-1"))
    data = {"name": "hostile", "owner": "faults@example.com", "source": {"path": "./docs"},
            "acl": {"default": {"groups": ["staff"]}},
            "approval": {"status": "approved", "by": "bench", "at": "2026-11-29T00:00:00Z"}}
    (root / "corpus.yaml").write_text(yaml.safe_dump(data))
    s = Settings(data_dir=tmp / ".cairn", torch_threads=1)
    svc = Services.open(s, rerank=False)
    t0 = time.monotonic()
    try:
        report = ingest(load_manifest(root), s, svc.store, svc.index, svc.embedder, svc.bm25)
        texts = " ".join((d.text or "") for d in svc.store.catalogue.documents("hostile", ["indexed"]))
        # ok.md, latin1.txt and the 5 MB single line should be in; the other six refused with their reason.
        return {"fault": "hostile-files", "recovery_s": round(time.monotonic() - t0, 1), "expected": 3,
                "indexed": report.added, "failed": report.failed,
                "reasons": {f["source"]: f["reason"][:70] for f in report.failures},
                "passwd_indexed": "root:x:0:0" in texts, "latin1_ok": "crème brûlée" in texts}
    finally:
        svc.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=12)
    ap.add_argument("--only", default="worker,redis,coordinator,disk,hostile")
    args = ap.parse_args()
    offline_environment()
    runs: dict[str, Callable[[Path], dict[str, Any]]] = {
        "worker": lambda t: distributed(t, args.docs, "worker-sigkill"),
        "redis": lambda t: distributed(t, args.docs, "redis-restart"),
        "coordinator": lambda t: coordinator_kill(t, args.docs),
        "disk": lambda t: full_disk(t, args.docs),
        "hostile": hostile,
    }
    results = []
    for name in args.only.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            res = runs[name](Path(tmp))
            results.append(res)
            print(json.dumps(res), flush=True)
    keys = ("lost", "duplicated", "orphan_points")
    print(json.dumps({"faults_injected": len(results),
                      **{k: sum(int(r.get(k, 0) or 0) for r in results) for k in keys},
                      "errors": [r["error"] for r in results if r.get("error")]}))


if __name__ == "__main__":
    main()
