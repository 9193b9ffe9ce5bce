"""The OpenAPI document is one clients can use: valid, authenticated, typed, paginated, and a generated
client (openapi-python-client) works against a real server."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate

from tests.handbook_api import Api

OPERATIONS = {
    "put_corpus", "get_corpus", "list_corpora", "approve_corpus", "revoke_corpus", "upload_document",
    "list_documents", "get_document", "delete_document", "start_ingest", "get_job", "search", "ask",
    "get_answer", "list_answers", "verify_citations", "get_source", "list_audit", "list_escalations",
    "update_escalation", "escalate_answer", "list_models", "create_chat_completion", "healthz", "readyz", "metrics",
    "list_flags", "set_flag",
}
LISTS = ["/v1/corpora", "/v1/corpora/{name}/documents", "/v1/answers", "/v1/audit", "/v1/escalations",
         "/v1/flags"]


@pytest.fixture(scope="module")
def schema(api: Api) -> dict[str, Any]:
    doc: dict[str, Any] = httpx.get(f"{api.live.url}/openapi.json").json()
    return doc


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, ops in schema["paths"].items() for method, op in ops.items()]


def test_the_schema_is_valid_openapi(schema: dict[str, Any]) -> None:
    validate(schema)


def test_operations_have_stable_ids_and_declared_security(schema: dict[str, Any]) -> None:
    assert {op["operationId"] for _, _, op in operations(schema)} == OPERATIONS
    assert set(schema["components"]["securitySchemes"]) == {"ApiKey", "Bearer"}
    for path, method, op in operations(schema):
        if path.startswith("/v1/"):
            assert op["security"] == [{"Bearer": []}, {"ApiKey": []}], (method, path)


def test_every_success_declares_its_body(schema: dict[str, Any]) -> None:
    for path, method, op in operations(schema):
        for code, resp in op["responses"].items():
            if code.startswith("2") and code != "204":
                assert all("schema" in c for c in resp.get("content", {}).values()) and resp.get("content"), (
                    method, path, code)
    streams = {p: op["responses"]["200"]["content"]["text/event-stream"]["schema"]["$ref"]
               for p, _, op in operations(schema) if "text/event-stream" in op["responses"].get("200", {}).get(
                   "content", {})}
    assert streams == {"/v1/ask": "#/components/schemas/AskEvent",
                       "/v1/chat/completions": "#/components/schemas/ChatCompletionEvent"}
    for ref in streams.values():
        assert ref.rsplit("/", 1)[1] in schema["components"]["schemas"]


def test_every_list_is_a_cursor_page(schema: dict[str, Any]) -> None:
    for path in LISTS:
        op = schema["paths"][path]["get"]
        assert {"cursor", "limit"} <= {p["name"] for p in op["parameters"]}, path
        ref = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        page = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
        assert set(page["properties"]) == {"items", "next_cursor"}, path


def walk(c: httpx.Client, path: str, limit: int, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = c.get(path, params={**params, "limit": limit, **({"cursor": cursor} if cursor else {})}).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def test_cursors_walk_every_list_without_repeats_or_gaps(api: Api) -> None:
    with api.client("user") as bob:
        for q in ("How many days of paid leave?", "What carries over?", "Who reviews salaries?",
                  "What is the dress code for the office party?", "Which laptop models can I order?"):
            assert bob.post("/v1/ask", json={"question": q}).status_code == 200
    with api.client("admin") as ann:
        for path, params in [("/v1/audit", {}), ("/v1/answers", {}), ("/v1/answers", {"verdict": "abstained"}),
                             ("/v1/corpora/handbook/documents", {})]:
            whole = ann.get(path, params={**params, "limit": 500}).json()
            assert whole["next_cursor"] is None
            paged = walk(ann, path, 2, **params)
            assert paged == whole["items"] and len(paged) >= 2, path
        bad = ann.get("/v1/audit", params={"cursor": "not-a-cursor"})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"
        assert ann.get("/v1/answers", params={"cursor": walk_cursor(ann, "/v1/audit")}).status_code == 422


def walk_cursor(c: httpx.Client, path: str) -> str:
    cursor: str = c.get(path, params={"limit": 1}).json()["next_cursor"]
    return cursor  # an audit cursor holds a number; an answers cursor must hold an id


def test_an_upload_points_at_its_document(api: Api) -> None:
    with api.client("curator") as c:
        up = c.post("/v1/corpora/handbook/documents", params={"path": "travel.md"},
                    files={"file": ("travel.md", "# Travel\n\nTrain travel is booked through the portal.\n")})
        assert up.status_code == 201
        where = up.headers["Location"]
        assert where == "/v1/corpora/handbook/documents/travel.md"
        assert c.get(where).json()["status"] == "uploaded"
        assert c.get("/v1/corpora/handbook/documents/nothing.md").status_code == 404
        job = c.post("/v1/corpora/handbook/ingest")
        from testing.live import wait_job

        wait_job(c, job.json()["id"])
        assert c.get(where).json()["status"] == "indexed"


def test_a_generated_client_calls_the_real_server(api: Api, schema: dict[str, Any], tmp_path: Path) -> None:
    import json

    (tmp_path / "openapi.json").write_text(json.dumps(schema))
    gen = Path(sys.executable).parent / "openapi-python-client"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run([str(gen), "generate", "--path", "openapi.json", "--meta", "none", "--output-path",
                           "cairn_generated"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "Warning" not in done.stdout + done.stderr, done.stdout + done.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        pkg = importlib.import_module("cairn_generated")
        ask = importlib.import_module("cairn_generated.api.ask.ask")
        corpora = importlib.import_module("cairn_generated.api.corpora.list_corpora")
        models = importlib.import_module("cairn_generated.models")
        client = pkg.AuthenticatedClient(base_url=api.live.url, token=api.keys["user"], timeout=httpx.Timeout(60))
        answer = ask.sync(client=client, body=models.AskIn(question="How many days of paid leave do employees get?"))
        assert isinstance(answer, models.Answer) and "25 days" in answer.answer
        assert answer.citations[0].document_id == "handbook/leave.md"
        curator = pkg.AuthenticatedClient(base_url=api.live.url, token=api.keys["curator"])
        page = corpora.sync(client=curator)
        assert "handbook" in [c.name for c in page.items]
        refused = corpora.sync_detailed(client=client)  # a user may not list corpora
        assert refused.status_code == 403
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m.startswith("cairn_generated")]:
            del sys.modules[name]
