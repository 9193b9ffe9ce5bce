"""Issue 15: dashboards and alerts as code. promtool checks and unit-tests the rules; a real Prometheus scrapes
a real `cairn serve`, evaluates every rule without error and answers every dashboard query."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from testing.live import free_port, stop_group

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "deploy" / "prometheus" / "rules.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "cairn.json"
CAIRN = str(Path(sys.executable).parent / "cairn")


def _tool(name: str) -> str:
    found = shutil.which(name)
    # Debian's `prometheus` package: scripts/setup.sh installs it with the browser.
    assert found, f"{name} is not installed (apt-get install prometheus)"
    return found


def test_rules_are_valid_and_their_unit_tests_pass() -> None:
    promtool = _tool("promtool")
    check = subprocess.run([promtool, "check", "rules", str(RULES)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    tests = subprocess.run([promtool, "test", "rules", "rules_test.yml"], cwd=RULES.parent, capture_output=True,
                           text=True)
    assert tests.returncode == 0 and "SUCCESS" in tests.stdout, tests.stdout + tests.stderr


def test_every_alert_has_a_runbook_that_exists() -> None:
    import yaml

    rules = [r for g in yaml.safe_load(RULES.read_text())["groups"] for r in g["rules"] if "alert" in r]
    assert len(rules) >= 9
    for r in rules:
        assert (ROOT / r["annotations"]["runbook"]).is_file(), r["alert"]


def _wait(check: str, probe: Callable[[], object], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if probe():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {check}")


def test_a_real_prometheus_scrapes_cairn_and_runs_every_rule_and_panel(tmp_path: Path) -> None:
    prometheus = _tool("prometheus")
    port, prom_port = free_port(), free_port()
    env = {**os.environ, "CAIRN_DATA_DIR": str(tmp_path / ".cairn"), "CAIRN_TORCH_THREADS": "1"}
    server_log = tmp_path / "serve.log"
    with server_log.open("wb") as fh:
        server = subprocess.Popen([CAIRN, "serve", "--port", str(port)], env=env, stdout=fh,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    config = tmp_path / "prometheus.yml"
    shutil.copy(RULES, tmp_path / "rules.yml")
    config.write_text(json.dumps({  # YAML is a superset of JSON
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": ["rules.yml"],
        "scrape_configs": [{"job_name": "cairn", "static_configs": [{"targets": [f"127.0.0.1:{port}"]}]}],
    }))
    with (tmp_path / "prometheus.log").open("wb") as fh:
        prom = subprocess.Popen([prometheus, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                                 f"--web.listen-address=127.0.0.1:{prom_port}"], stdout=fh, stderr=subprocess.STDOUT,
                                start_new_session=True)
    api = httpx.Client(base_url=f"http://127.0.0.1:{prom_port}/api/v1", timeout=10)

    def query(expr: str) -> list[dict[str, Any]]:
        body = api.get("/query", params={"query": expr}).json()
        assert body["status"] == "success", (expr, body)
        result: list[dict[str, Any]] = body["data"]["result"]
        return result

    try:
        _wait("cairn serve", lambda: server.poll() is None and httpx.get(
            f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200, 180)
        httpx.get(f"http://127.0.0.1:{port}/v1/corpora", timeout=5)  # a 401: counted like any other response
        _wait("a scrape of cairn", lambda: any(r["value"][1] == "1" for r in query('up{job="cairn"}')))
        _wait("the request's counter", lambda: query('cairn_http_requests_total{status="401"}'))
        assert query("cairn_build_info")
        _wait("every rule evaluated", lambda: all(
            r.get("lastEvaluation", "").startswith("20")
            for g in api.get("/rules").json()["data"]["groups"] for r in g["rules"]))
        groups = api.get("/rules").json()["data"]["groups"]
        rules = [r for g in groups for r in g["rules"]]
        assert len(rules) >= 18
        assert all(r["health"] == "ok" for r in rules), [(r["name"], r.get("lastError")) for r in rules]
        panels = json.loads(DASHBOARD.read_text())["panels"]
        exprs = [t["expr"] for p in panels for t in p["targets"]]
        assert len(exprs) >= 15
        for expr in exprs:
            query(expr)  # parses and evaluates on live data
        assert query('cairn:http_5xx_ratio:rate5m') is not None
    finally:
        stop_group(prom)
        stop_group(server)
