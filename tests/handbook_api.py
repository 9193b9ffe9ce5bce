"""A live Cairn server with a small handbook corpus ingested through the API, shared by the API-level tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from api.app import create_app
from api.auth import create_key
from kernel.settings import Settings
from models.embed import Embedder
from testing.live import LiveServer, key_client, serve_app, wait_job
from wiring.services import Services

ROLES = ["admin", "curator", "support", "user"]
LEAVE = ("# Leave policy\n\nEmployees get 25 days of paid leave per year.\n\n## Carry over\n\n"
         "Up to five days carry over.\n")
SALARY = "# Salaries\n\nSalaries are reviewed every April by the compensation board.\n"


@dataclass
class Api:
    live: LiveServer
    keys: dict[str, str]
    settings: Settings

    def client(self, who: str | None) -> httpx.Client:
        return key_client(self.live.url, self.keys[who] if who else None)


@contextmanager
def handbook_api(root: Path, embedder: Embedder,
                 make_services: Callable[[Settings, Embedder], Services]) -> Iterator[Api]:
    """Five keys (admin, curator, support, user bob, hr_user carol) and a handbook whose hr/ folder only
    the hr group reads, uploaded, approved by a second person and ingested through the API."""
    settings = Settings(data_dir=root / ".cairn", torch_threads=1, rate_per_s=1000, rate_burst=1000,
                        max_upload_bytes=100_000)
    svc = make_services(settings, embedder)
    keys = {
        "admin": create_key(svc.store, "ann", ["employees", "hr"], "admin").token,
        "curator": create_key(svc.store, "cole", ["content"], "curator").token,
        "support": create_key(svc.store, "sam", ["employees"], "support").token,
        "user": create_key(svc.store, "bob", ["employees"], "user").token,
        "hr_user": create_key(svc.store, "carol", ["employees", "hr"], "user").token,
    }
    with serve_app(create_app(settings, svc)) as live:
        a = Api(live, keys, settings)
        with a.client("curator") as c:
            body = {"name": "handbook", "description": "Employee handbook", "owner": "content@example.com",
                    "acl": {"default": {"groups": ["employees"]}, "rules": [{"match": "hr/**", "groups": ["hr"]}]}}
            made = c.put("/v1/corpora/handbook", json=body)
            assert made.status_code == 201 and made.headers["Location"] == "/v1/corpora/handbook"
            assert c.post("/v1/corpora/handbook/documents", files={"file": ("leave.md", LEAVE)}).status_code == 201
            up = c.post("/v1/corpora/handbook/documents", params={"path": "hr/salaries.md"},
                        files={"file": ("salaries.md", SALARY)})
            assert up.status_code == 201 and up.json()["path"] == "hr/salaries.md"
            refused = c.post("/v1/corpora/handbook/ingest")
            assert refused.status_code == 409  # pending: not approved yet
            with a.client("admin") as admin:  # four eyes: the curator who wrote it may not approve it
                assert admin.post("/v1/corpora/handbook/approve").json()["approval_status"] == "approved"
            started = c.post("/v1/corpora/handbook/ingest")
            assert started.status_code == 202 and started.headers["Location"] == f"/v1/jobs/{started.json()['id']}"
            job = wait_job(c, started.json()["id"])
            assert job["status"] == "done" and job["summary"]["documents"]["added"] == 2
        yield a
    svc.close()
