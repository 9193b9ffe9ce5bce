"""`cairn mcp` as a real process, driven by the `mcp` SDK's client over stdio and over streamable HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from api.auth import create_key
from ingest.manifest import load_manifest
from ingest.pipeline import ingest
from kernel.settings import Settings
from models.embed import Embedder
from testing.docs import manifest
from testing.live import free_port
from tests.conftest import make_services

CAIRN = str(Path(sys.executable).parent / "cairn")
LEAVE = "# Leave policy\n\nEmployees get 25 days of paid leave per year.\n\nUp to five days carry over.\n"
SALARY = "# Salaries\n\nSalaries are reviewed every April by the compensation board.\n"


@dataclass
class Env:
    env: dict[str, str]
    keys: dict[str, str]


@pytest.fixture(scope="module")
def mcp_env(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[Env]:
    root = tmp_path_factory.mktemp("mcp")
    corpus = root / "corpus"
    (corpus / "docs" / "hr").mkdir(parents=True)
    (corpus / "docs" / "leave.md").write_text(LEAVE)
    (corpus / "docs" / "hr" / "salaries.md").write_text(SALARY)
    manifest(corpus, "handbook", {"path": "./docs"},
             {"default": {"groups": ["employees"]}, "rules": [{"match": "hr/**", "groups": ["hr"]}]})
    settings = Settings(data_dir=root / ".cairn", torch_threads=1)
    svc = make_services(settings, embedder)
    ingest(load_manifest(corpus), settings, svc.store, svc.index, svc.embedder, svc.bm25)
    keys = {"bob": create_key(svc.store, "bob", ["employees"], "user").token,
            "carol": create_key(svc.store, "carol", ["employees", "hr"], "user").token}
    svc.close()  # the MCP process is the index's one writer from here on
    yield Env({**os.environ, "CAIRN_DATA_DIR": str(settings.data_dir), "CAIRN_TORCH_THREADS": "1"}, keys)


def structured(result: Any) -> dict[str, Any]:
    assert not result.is_error, result.content
    data: dict[str, Any] = result.structured_content
    return data


async def exercise(client: Client, hr: bool) -> None:
    names = {t.name for t in (await client.list_tools()).tools}
    assert names == {"search", "ask", "read_source", "verify_citation"}
    hits = structured(await client.call_tool("search", {"query": "When are salaries reviewed?"}))["results"]
    assert ("handbook/hr/salaries.md" in {h["document_id"] for h in hits}) is hr
    ans = structured(await client.call_tool("ask", {"question": "How many days of paid leave do employees get?"}))
    assert "25 days" in ans["answer"] and not ans["abstained"]
    c = ans["citations"][0]
    src = structured(await client.call_tool("read_source", {"document_id": c["document_id"],
                                                            "start": c["start"], "end": c["end"]}))
    assert src["document_id"] == "handbook/leave.md" and c["quote"] in (src["text"] or "")
    ok = structured(await client.call_tool("verify_citation", {"document_id": c["document_id"], "start": c["start"],
                                                               "end": c["end"], "quote": c["quote"]}))
    bad = structured(await client.call_tool("verify_citation", {"document_id": c["document_id"], "start": 0,
                                                                "end": 5, "quote": c["quote"]}))
    assert ok["status"] == "valid" and bad["status"] == "stale"
    hidden = await client.call_tool("read_source", {"document_id": "handbook/hr/salaries.md"})
    assert hidden.is_error is (not hr)


def test_stdio_runs_every_tool_as_the_started_key(mcp_env: Env) -> None:
    async def main() -> None:
        params = StdioServerParameters(command=CAIRN, args=["mcp"],
                                       env={**mcp_env.env, "CAIRN_API_KEY": mcp_env.keys["bob"]})
        async with Client(params, read_timeout_seconds=120) as client:
            await exercise(client, hr=False)

    anyio.run(main)


@pytest.fixture
def http_mcp(mcp_env: Env, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    log = (tmp_path / "mcp.log").open("wb")
    proc = subprocess.Popen([CAIRN, "mcp", "--transport", "http", "--port", str(port)], env=mcp_env.env,
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/mcp"
    deadline = time.monotonic() + 90
    while True:
        try:
            httpx.get(url, timeout=1)
            break
        except httpx.HTTPError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError((tmp_path / "mcp.log").read_text()) from None
            time.sleep(0.3)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_streamable_http_runs_each_request_as_its_own_key(mcp_env: Env, http_mcp: str) -> None:
    async def as_user(who: str, hr: bool) -> None:
        headers = {"Authorization": f"Bearer {mcp_env.keys[who]}"}
        async with httpx2.AsyncClient(headers=headers, timeout=120) as http, \
                Client(streamable_http_client(http_mcp, http_client=http), read_timeout_seconds=120) as client:
            await exercise(client, hr=hr)

    anyio.run(as_user, "bob", False)
    anyio.run(as_user, "carol", True)
    refused = httpx.post(http_mcp, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                         headers={"Authorization": "Bearer cairn_nope_nope"})
    assert refused.status_code == 401 and json.loads(refused.text)["title"] == "Unauthorized"
