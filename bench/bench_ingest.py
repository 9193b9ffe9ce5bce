"""Ingestion benchmark: documents/s, chunks/s, time share per stage and peak memory.

    .venv/bin/python bench/bench_ingest.py --corpus ../shared/data/scifact/beir/corpus.jsonl [--limit N]
        [--workers 2] [--threads 2]

Each run ingests into a fresh scratch data dir (no embedding cache), in-process or through N real
Celery workers on the local Redis.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

# The benchmarks reuse the tests' document builders and loopback server: make the repo root importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, required=True, help="a JSONL records file (BEIR corpus.jsonl)")
    ap.add_argument("--limit", type=int, default=None, help="only the first N records")
    ap.add_argument("--workers", type=int, default=0, help="0 = in-process; N = N Celery workers")
    ap.add_argument("--threads", type=int, default=2, help="intra-op threads per embedding process")
    args = ap.parse_args()

    from wiring.services import Services, offline_environment

    offline_environment()
    from ingest.manifest import load_manifest
    from ingest.pipeline import ingest
    from kernel.settings import Settings
    from testing.docs import manifest

    scratch = Path(tempfile.mkdtemp(prefix="cairn-bench-"))
    records = scratch / "records.jsonl"
    with args.corpus.open() as src, records.open("w") as dst:
        for i, line in enumerate(src):
            if args.limit is not None and i >= args.limit:
                break
            dst.write(line)
    root = manifest(scratch / "corpus", "bench", {"records": str(records)}, {"default": {"public": True}})
    settings = Settings(data_dir=scratch / ".cairn", torch_threads=args.threads)
    workers: list[subprocess.Popen[bytes]] = []
    process = None
    if args.workers:
        from ingest.tasks import celery_process, make_celery
        from testing.services import ensure_redis

        broker = ensure_redis() + "/4"
        queue = f"cairn-bench-{uuid.uuid4().hex[:6]}"
        settings = settings.model_copy(update={"broker_url": broker, "queue": queue})
        env = {**os.environ, "CAIRN_DATA_DIR": str(settings.data_dir), "CAIRN_BROKER_URL": broker,
               "CAIRN_QUEUE": queue, "CAIRN_TORCH_THREADS": str(args.threads)}
        cairn = str(Path(sys.executable).parent / "cairn")
        workers = [subprocess.Popen([cairn, "worker", "-c", "1", "--loglevel", "WARNING"], env=env,
                                    start_new_session=True) for _ in range(args.workers)]
        app = make_celery(settings)
        while len(app.control.ping(timeout=1.0) or []) < args.workers:
            time.sleep(0.5)
        process = celery_process(app, settings)
    svc = Services.open(settings, answering=False)
    try:
        t0 = time.perf_counter()
        report = ingest(load_manifest(root), settings, svc.store, svc.index, svc.embedder, svc.bm25,
                        process=process)
        wall = time.perf_counter() - t0
    finally:
        svc.close()
        for w in workers:
            os.killpg(w.pid, signal.SIGTERM)
        for w in workers:
            w.wait(timeout=60)
    docs = report.added + report.updated
    t = report.timings
    # In distributed mode parse/chunk/embed run in the workers (summed over them); write runs here.
    busy = t.parse + t.chunk + t.embed + t.write
    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result = {
        "mode": f"{args.workers} celery workers" if args.workers else "in-process",
        "threads_per_process": args.threads,
        "documents": docs,
        "chunks": report.chunks_written,
        "failed": report.failed,
        "wall_s": round(wall, 2),
        "documents_per_s": round(docs / wall, 2),
        "chunks_per_s": round(report.chunks_written / wall, 2),
        "stage_seconds": {k: round(v, 2) for k, v in t.__dict__.items()},
        "stage_share": {k: round(v / busy, 3) for k, v in t.__dict__.items()} if busy else {},
        "overhead_share_of_wall": round(1 - t.embed / wall, 3) if not args.workers else None,
        "peak_rss_mb": {"coordinator": round(peak_self), "largest_child": round(peak_children)},
    }
    print(json.dumps(result, indent=2))
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
