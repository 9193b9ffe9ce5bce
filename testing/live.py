"""A real uvicorn server on loopback around the real app, for API and browser tests."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI


@dataclass
class LiveServer:
    url: str
    app: FastAPI


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve_app(app: FastAPI) -> Iterator[LiveServer]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.1)
    try:
        yield LiveServer(url, app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def key_client(url: str, key: str | None, timeout: float = 60) -> httpx.Client:
    """A client of the live server that sends `key` as X-API-Key (none when None)."""
    return httpx.Client(base_url=url, headers={"X-API-Key": key} if key else {}, timeout=timeout)


def wait_job(c: httpx.Client, job_id: str, seconds: float = 120) -> dict[str, Any]:
    """Poll an ingestion job until it is done or failed."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job: dict[str, Any] = c.get(f"/v1/jobs/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError("job did not finish")


def stop_group(p: subprocess.Popen[bytes], grace_s: float = 30) -> None:
    """Stop a process started with `start_new_session=True` and everything it spawned: TERM, then KILL."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(p.pid, signal.SIGTERM)
    try:
        p.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(p.pid, signal.SIGKILL)
        p.wait(timeout=grace_s)
