"""Load test of /v1/search and /v1/ask on loopback, at 1, 4 and 16 concurrent clients (bounded).

    .venv/bin/python bench/load_api.py [--requests 60] [--max-concurrency 8]

Starts a real `cairn` app under uvicorn on 127.0.0.1 with a small ingested corpus, then drives it with
httpx from threads. Prints throughput, p50/p95/p99 and the error count per endpoint and concurrency:
errors must be 0 below the server's concurrency limit and 503s above it.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from eval.metrics import percentile

# The benchmarks reuse the tests' document builders and loopback server: make the repo root importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=60, help="requests per endpoint and level")
    ap.add_argument("--max-concurrency", type=int, default=8)
    args = ap.parse_args()
    from wiring.services import Services, offline_environment

    offline_environment()
    import httpx

    from api.app import create_app
    from api.auth import create_key
    from eval.golden import GOLDEN_DIR
    from ingest.manifest import load_manifest
    from ingest.pipeline import ingest
    from kernel.settings import Settings
    from testing.live import serve_app

    with tempfile.TemporaryDirectory() as tmp:
        import shutil

        shutil.copytree(GOLDEN_DIR / "corpus", Path(tmp) / "corpus")
        s = Settings(data_dir=Path(tmp) / ".cairn", torch_threads=1, rate_per_s=1e6, rate_burst=1_000_000,
                     max_concurrency=args.max_concurrency)
        svc = Services.open(s)
        ingest(load_manifest(Path(tmp) / "corpus"), s, svc.store, svc.index, svc.embedder, svc.bm25)
        key = create_key(svc.store, "load", ["employees"], "user").token
        questions = ["How many days of paid annual leave do I get?", "What is the meal allowance abroad?",
                     "How do I report a security incident?", "When is the cafeteria open?",
                     "Can I work from another country?", "Who approves flights?"]
        report = {"server_max_concurrency": args.max_concurrency, "threads_per_model": 1}
        with serve_app(create_app(s, svc)) as live:
            for endpoint in ("/v1/search", "/v1/ask"):
                for clients in (1, 4, 16):
                    lat: list[float] = []
                    codes: Counter[int] = Counter()
                    lock = threading.Lock()
                    per_client = max(1, args.requests // clients)

                    def run(i: int, endpoint: str = endpoint, per_client: int = per_client,
                            lat: list[float] = lat, codes: Counter[int] = codes, lock: threading.Lock = lock) -> None:
                        with httpx.Client(base_url=live.url, headers={"X-API-Key": key}, timeout=120) as c:
                            for j in range(per_client):
                                q = questions[(i + j) % len(questions)]
                                body = {"query": q, "k": 10} if endpoint == "/v1/search" else {"question": q}
                                t = time.perf_counter()
                                r = c.post(endpoint, json=body)
                                ms = (time.perf_counter() - t) * 1000
                                with lock:
                                    codes[r.status_code] += 1
                                    if r.status_code == 200:
                                        lat.append(ms)

                    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
                    t0 = time.perf_counter()
                    for th in threads:
                        th.start()
                    for th in threads:
                        th.join()
                    wall = time.perf_counter() - t0
                    report[f"{endpoint} x{clients}"] = {
                        "requests": sum(codes.values()), "ok_per_s": round(len(lat) / wall, 1),
                        "p50_ms": round(percentile(lat, 0.5), 1), "p95_ms": round(percentile(lat, 0.95), 1),
                        "p99_ms": round(percentile(lat, 0.99), 1),
                        "errors": {str(k): v for k, v in codes.items() if k != 200},
                    }
        svc.close()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
