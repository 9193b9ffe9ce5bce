"""Make sure the local services a test needs are up; start them if they are stopped."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

START = {
    6379: ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379", "--save", "",
           "--appendonly", "no", "--dir", "/var/lib/redis", "--logfile", "/var/log/redis/ci.log"],
}


def _open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def ensure_redis() -> str:
    if not _open(6379):
        subprocess.run(START[6379], check=False)
        _wait(6379)
    return "redis://127.0.0.1:6379"


def ensure_postgres() -> str:
    if not _open(5432):
        versions = [p.name for p in Path("/etc/postgresql").glob("*")]
        if versions:
            subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", versions[0], "main", "start"],
                           check=False)
        _wait(5432)
    return "postgresql+psycopg://postgres@127.0.0.1:5432"


def _wait(port: int, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if _open(port):
            return
        time.sleep(0.2)
    raise RuntimeError(f"service on port {port} did not come up")
