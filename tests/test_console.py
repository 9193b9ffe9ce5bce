"""The support console in real headless Chromium against a real server and a really ingested corpus."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from agent.context import ToolCall
from api.app import create_app
from api.auth import create_key
from ingest.manifest import load_manifest
from ingest.pipeline import ingest
from kernel.settings import Settings
from kernel.types import Principal
from models.embed import Embedder
from testing.docs import manifest
from testing.live import LiveServer, serve_app
from tests.conftest import make_services
from wiring.services import Services

SHOTS = Path(os.environ.get("CAIRN_SCREENSHOTS", "reports/screenshots")).resolve()
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


@dataclass
class Env:
    live: LiveServer
    svc: Services
    root: Path
    keys: dict[str, str]
    answers: dict[str, dict[str, Any]]


def reingest(env: Env) -> None:
    ingest(load_manifest(env.root), env.svc.settings, env.svc.store, env.svc.index, env.svc.embedder, env.svc.bm25)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[Env]:
    root = tmp_path_factory.mktemp("console")
    docs = root / "docs"
    docs.mkdir()
    (docs / "leave.md").write_text("# Leave policy\n\nEmployees get 25 days of paid leave per year. Leave requests "
                                   "go through the HR portal.\n\n## Carry over\n\nUp to five unused days carry over "
                                   "into the next year.\n")
    # Plain text keeps markup characters as they are (Markdown parsing would drop the tags).
    (docs / "widget.txt").write_text("The widget is calibrated every 90 days by a technician. "
                                     "<script>window.__pwned = 1</script> <img src=x onerror=\"window.__pwned=2\">\n")
    (docs / "canteen.md").write_text("# Canteen\n\nThe canteen opens at 11:30 on weekdays.\n")
    manifest(root, "kb", {"path": "./docs"}, {"default": {"groups": ["employees"]}})
    settings = Settings(data_dir=root / ".cairn", torch_threads=1, rate_per_s=1000, rate_burst=1000)
    svc = make_services(settings, embedder)
    ingest(load_manifest(root), settings, svc.store, svc.index, svc.embedder, svc.bm25)
    keys = {"support": create_key(svc.store, "sam", ["employees"], "support").token,
            "user": create_key(svc.store, "bob", ["employees"], "user").token}
    with serve_app(create_app(settings, svc)) as live:
        answers = {}
        with httpx.Client(base_url=live.url, headers={"X-API-Key": keys["user"]}, timeout=60) as c:
            for name, q in [("leave", "How many days of paid leave do employees get, and how many carry over?"),
                            ("widget", "How often is the widget calibrated?"),
                            ("canteen", "When does the canteen open?")]:
                answers[name] = c.post("/v1/ask", json={"question": q}).json()
                assert not answers[name]["abstained"], answers[name]
        agent = live.app.state.cairn.agent
        ctx = agent.context(Principal("bob", ("employees",)))
        out = agent.handle(ToolCall("escalate_to_human", {"question": "Is the leave answer right?", "answer":
                                                          answers["leave"]["answer"], "reason": "user disputes it",
                                                          "idempotency_key": "console-1"}, origin="user",
                                    confirmed=True), ctx)
        assert out.ok
        yield Env(live, svc, root, keys, answers)
    svc.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


def sign_in(browser: Browser, env: Env, role: str) -> Page:
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(f"{env.live.url}/console/login")
    page.fill("#api_key", env.keys[role])
    page.click("button[type=submit]")
    return page


def test_support_agent_checks_every_citation(browser: Browser, env: Env) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    print(f"screenshots in {SHOTS}")
    page = sign_in(browser, env, "support")
    assert page.url.endswith("/console/answers")
    ans = env.answers["leave"]
    page.fill("#open-id", ans["id"])
    page.click("form[action='/console/answers/open'] button")
    page.wait_for_selector("#answer-id")
    assert page.inner_text("#answer-id") == ans["id"]
    assert len(ans["citations"]) >= 1
    for c in ans["citations"]:
        page.click(f"#c-{c['n']} button.cite")
        # The previous citation's highlight stays until this one's source arrives: wait for this one's.
        page.wait_for_selector(f"#highlight[data-n='{c['n']}']")
        assert page.eval_on_selector("#highlight", "e => e.textContent") == c["quote"]
        full = page.eval_on_selector("#doc-text", "e => e.textContent")
        assert full[c["start"] : c["end"]] == c["quote"]
    page.screenshot(path=str(SHOTS / "answer-view.png"), full_page=True)
    csp = httpx.get(f"{env.live.url}/console/login").headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    page.close()


def test_keyboard_and_zoom(browser: Browser, env: Env) -> None:
    page = sign_in(browser, env, "support")
    page.goto(f"{env.live.url}/console/answers/{env.answers['canteen']['id']}")
    page.focus("#c-1 button.cite")
    page.keyboard.press("Enter")
    page.wait_for_selector("#highlight[data-n='1']")
    page.set_viewport_size({"width": 600, "height": 900})  # what 200 % zoom gives a 1200 px window
    page.evaluate("document.body.style.zoom = '2'")
    width = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 2")
    assert width, "the layout needs horizontal scrolling at 200 % zoom"
    page.close()


def test_user_role_gets_the_not_allowed_page(browser: Browser, env: Env) -> None:
    page = sign_in(browser, env, "user")
    assert "Not allowed" in page.inner_text("h1")
    assert env.answers["leave"]["id"] not in page.content()
    page.goto(f"{env.live.url}/console/answers")
    assert "/console/login" in page.url or "Not allowed" in page.inner_text("h1")
    page.close()


def test_hostile_html_in_a_document_renders_inert(browser: Browser, env: Env) -> None:
    page = sign_in(browser, env, "support")
    page.goto(f"{env.live.url}/console/answers/{env.answers['widget']['id']}")
    page.click("#c-1 button.cite")
    page.wait_for_selector("#doc-text")
    text = page.eval_on_selector("#doc-text", "e => e.textContent")
    assert "<script>window.__pwned = 1</script>" in text and "onerror=" in text
    assert page.evaluate("window.__pwned === undefined")
    assert page.eval_on_selector_all("#doc script, #doc img", "els => els.length") == 0
    page.close()


def test_escalation_is_resolved_and_audited(browser: Browser, env: Env) -> None:
    page = sign_in(browser, env, "support")
    page.goto(f"{env.live.url}/console/escalations")
    ticket = page.locator("article.ticket").first
    ticket.locator("input[name=comment]").fill("Checked the sources: the answer is right.")
    ticket.locator("button.resolve").click()
    page.wait_for_selector("article.ticket .status:text('resolved')")
    page.screenshot(path=str(SHOTS / "escalations.png"), full_page=True)
    rows = env.svc.store.records.audit(tool="update_escalation")
    assert rows and rows[-1].decision == "allowed" and rows[-1].user_id == "sam" and rows[-1].origin == "api"
    assert env.svc.store.records.tickets()[0].status == "resolved"
    page.close()


def test_sign_out_ends_the_session(browser: Browser, env: Env) -> None:
    page = sign_in(browser, env, "support")
    page.click("#signout")
    assert page.url.endswith("/console/login")
    page.goto(f"{env.live.url}/console/answers")
    assert page.url.endswith("/console/login")
    page.close()


def test_changed_sources_flag_citations_as_stale(browser: Browser, env: Env) -> None:
    f = env.root / "docs" / "canteen.md"
    f.write_text("# Canteen\n\nThe canteen now opens at 12:00 on weekdays and at 13:00 on Fridays.\n")
    reingest(env)
    page = sign_in(browser, env, "support")
    page.goto(f"{env.live.url}/console/answers/{env.answers['canteen']['id']}")
    assert page.locator("#c-1 .badge.stale").count() == 1
    page.close()


def test_an_unreadable_date_filter_is_reported_not_silently_dropped(browser: Browser, env: Env) -> None:
    page = sign_in(browser, env, "support")
    page.goto(f"{env.live.url}/console/answers?since=last-tuesday")
    assert "must be a date" in page.inner_text("[role=alert]")
    assert page.locator("table.list tbody tr").count() >= 3  # unfiltered, not emptied
    page.goto(f"{env.live.url}/console/answers?since=2000-01-01")
    assert page.locator("[role=alert]").count() == 0
    page.close()
