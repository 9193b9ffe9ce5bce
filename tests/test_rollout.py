"""Issue 15, item 5: versioned answer profiles and safe rollout. A canary over 200 asks on a running server lands
on its share (sticky per user), promotion is refused without a passing gate, rollback is one command, and every
answer records its profile version."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from api.app import create_app
from eval.gate import regressions
from ingest.manifest import load_manifest
from ingest.pipeline import ingest
from kernel.errors import RolloutError
from kernel.rollout import Rollout, RolloutState, replay
from kernel.settings import LlmProvider, Settings
from kernel.store import Store
from models.embed import Embedder
from testing.docs import manifest
from testing.live import serve_app
from tests.conftest import make_services
from tests.test_flags import within
from wiring.agents import builtin_profile, known_tools

CAIRN = str(Path(sys.executable).parent / "cairn")
SECRET = "rollout-test-shared-secret-0123456789-abcdef"


def _rollout(tmp_path: Path) -> Rollout:
    return Rollout(Store(f"sqlite:///{tmp_path / 'cairn.db'}"), 0.0)


def _admin(**kw: Any) -> dict[str, Any]:
    return {"by": "ada", "role": "admin", "origin": "cli", **kw}


def test_a_profile_holds_every_value_and_refuses_what_the_deployment_cannot_run(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, llm_providers=[LlmProvider(name="a", base_url="http://x", model="m")])
    base = builtin_profile(settings)
    assert base.providers == ("a",) and base.tuning["answer_k"] == settings.answer_k
    assert "search_knowledge" in base.tools
    derived = base.derive({"tuning": {"answer_k": 4}, "providers": []}, settings, known_tools())
    assert derived.tuning["answer_k"] == 4 and derived.tuning["rrf_k"] == settings.rrf_k and derived.providers == ()
    applied = derived.apply(settings)
    assert applied.answer_k == 4 and applied.llm_providers == [] and applied.data_dir == settings.data_dir
    cases: list[tuple[dict[str, Any], str]] = [
        ({"tuning": {"chunk_tokens": 100}}, "not tunable"), ({"tuning": {"answer_k": 0}}, "answer_k"),
        ({"providers": ["nope"]}, "no provider named nope"), ({"tools": ["rm_rf"]}, "unknown tool"),
        ({"model": "x"}, "has no model")]
    for bad, words in cases:
        with pytest.raises(RolloutError, match=words):
            base.derive(bad, settings, known_tools())


def test_a_canary_share_holds_for_any_share_and_is_sticky(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    rollout = _rollout(tmp_path)
    v = rollout.create(builtin_profile(settings).derive({"tuning": {"answer_k": 4}}, settings, known_tools()),
                       **_admin()).version
    for share in (0.05, 0.1, 0.3, 0.5, 0.9):
        rollout.canary(v, share, **_admin())
        got = [rollout.version_for(f"user-{i}") for i in range(200)]
        assert abs(got.count(v) / 200 - share) <= 0.01, (share, got.count(v))
        # Sticky: the same users, asked again and seen from another process, keep their profile.
        other = _rollout(tmp_path)
        assert [other.version_for(f"user-{i}") for i in range(200)] == got
    assert rollout.assignments() == {str(v): 180, "0": 20}


def test_promotion_needs_a_complete_passing_gate_and_rollback_walks_back(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    rollout = _rollout(tmp_path)
    base = builtin_profile(settings)
    v1 = rollout.create(base.derive({"tuning": {"answer_k": 6}}, settings, known_tools()), **_admin()).version
    v2 = rollout.create(base.derive({"tuning": {"answer_k": 5}}, settings, known_tools()), **_admin()).version
    with pytest.raises(RolloutError, match="no canary"):
        rollout.promote(**_admin())
    with pytest.raises(RolloutError, match="nothing to roll back"):
        rollout.rollback(**_admin())
    rollout.canary(v1, 0.2, **_admin())
    with pytest.raises(RolloutError, match="no gate run"):
        rollout.promote(**_admin())
    rollout.record_gate(v1, 0, passed=False, complete=True, report={"regressions": ["docs.x: 0.8 -> 0.7"]}, by="ci")
    with pytest.raises(RolloutError, match=r"refused version 1: docs.x: 0.8 -> 0.7"):
        rollout.promote(**_admin())
    rollout.record_gate(v1, 0, passed=True, complete=False, report={}, by="ci")
    with pytest.raises(RolloutError, match="only some suites"):
        rollout.promote(**_admin())
    with pytest.raises(RolloutError, match="needs a reason"):
        rollout.promote(**_admin(), skip_gate=True)
    rollout.record_gate(v1, 0, passed=True, complete=True, report={}, by="ci")
    assert rollout.promote(**_admin()).current == v1
    assert rollout.version_for("anyone") == v1
    rollout.canary(v2, 0.5, **_admin())
    assert rollout.rollback(**_admin()).action == "abort"  # the canary stops; v1 stays
    assert (rollout.state().current, rollout.state().candidate) == (v1, None)
    rollout.canary(v2, 1.0, **_admin())
    rollout.promote(**_admin(), skip_gate=True, reason="hotfix, gate run after")
    assert [rollout.rollback(**_admin()).current, rollout.rollback(**_admin()).current] == [v1, 0]
    with pytest.raises(RolloutError, match="nothing to roll back"):
        rollout.rollback(**_admin())
    audit = [r.tool for r in rollout.store.records.audit(limit=100)]
    assert audit.count("rollout.promote") == 2 and audit.count("rollout.rollback") == 2 and "profile.create" in audit


def test_replay_returns_each_promotion_in_turn() -> None:
    def ev(action: str, current: int, candidate: int | None = None) -> RolloutState:
        return RolloutState(0, action, current, candidate, 0.0, "", None)

    events = [ev("canary", 0, 1), ev("promote", 1), ev("canary", 1, 2), ev("abort", 1), ev("canary", 1, 3),
              ev("promote", 3), ev("rollback", 1)]
    assert replay(events) == [0, 1]
    assert replay([*events, ev("rollback", 0)]) == [0]


def test_a_regression_is_a_gated_metric_worse_beyond_tolerance() -> None:
    checks: dict[str, dict[str, float]] = {"docs.right": {"min": 0.7}, "redteam.leaks": {"max": 0},
                                           "squad.right": {"min": 0.7}}
    current = {"docs.right": 0.80, "redteam.leaks": 0.0, "squad.right": 0.75, "latency": 100.0}
    assert regressions(current, dict(current), checks, {"default": 0.0}) == []
    worse = {"docs.right": 0.79, "redteam.leaks": 1.0, "squad.right": 0.76, "latency": 900.0}
    assert regressions(current, worse, checks, {"default": 0.0}) == ["docs.right: 0.8 -> 0.79", "redteam.leaks: 0 -> 1"]
    assert regressions(current, worse, checks, {"default": 0.0, "docs.right": 0.02}) == ["redteam.leaks: 0 -> 1"]


def test_a_canary_on_a_running_server_over_200_asks(tmp_path: Path, embedder: Embedder) -> None:
    root = tmp_path / "corpus"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "leave.md").write_text("# Leave\n\nEmployees get 25 days of paid leave per year. Leave is "
                                            "booked in the HR portal at least two weeks ahead.\n")
    manifest(root, "handbook", {"path": "./docs"}, {"default": {"groups": ["staff"]}})
    settings = Settings(data_dir=tmp_path / ".cairn", torch_threads=1, rate_per_s=1000, rate_burst=1000,
                        jwt_secret=SECRET, max_concurrency=16)
    svc = make_services(settings, embedder)
    ingest(load_manifest(root), settings, svc.store, svc.index, svc.embedder, svc.bm25)
    env = {**os.environ, "CAIRN_DATA_DIR": str(settings.data_dir)}

    def cli(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        out = subprocess.run([CAIRN, *args], env=env, capture_output=True, text=True, timeout=300)
        assert (out.returncode == 0) is ok, out.stdout + out.stderr
        return out

    changes = tmp_path / "v1.yaml"
    changes.write_text("tuning:\n  answer_k: 4\n")
    v1 = json.loads(cli("profiles", "create", str(changes), "--note", "fewer units", "--json").stdout)["version"]
    # A profile that cannot search: the gate must refuse it (golden questions go unanswered).
    blind = tmp_path / "v2.yaml"
    blind.write_text("tools: [list_corpora]\n")
    v2 = json.loads(cli("profiles", "create", str(blind), "--json").stdout)["version"]

    def token(user: str) -> str:
        return jwt.encode({"sub": user, "groups": ["staff"], "role": "user", "exp": time.time() + 600}, SECRET,
                          algorithm="HS256")

    question = {"question": "How many days of paid leave do employees get?"}
    with serve_app(create_app(settings, svc)) as live, httpx.Client(base_url=live.url, timeout=60) as c:
        def ask(user: str) -> dict[str, Any]:
            r = c.post("/v1/ask", json=question, headers={"Authorization": f"Bearer {token(user)}"})
            assert r.status_code == 200, r.text
            body: dict[str, Any] = r.json()
            return body

        assert ask("first")["profile"] == 0
        cli("rollout", "canary", str(v1), "--share", "0.25", "--reason", "try fewer units")
        probes = iter(range(1000))
        within(5, lambda: ask(f"probe-{next(probes)}")["profile"] == v1)  # new users, until one is a canary's
        got = {f"u{i}": ask(f"u{i}") for i in range(200)}
        on_candidate = [u for u, a in got.items() if a["profile"] == v1]
        share = len(on_candidate) / 200
        print(f"canary share over 200 asks: {share:.3f} (configured 0.25)")
        assert abs(share - 0.25) <= 0.05
        assert all("25 days" in a["answer"] for a in got.values())  # both profiles answer
        assert all(ask(u)["profile"] == got[u]["profile"] for u in list(got)[:20])  # sticky
        status = json.loads(cli("rollout", "status", "--json").stdout)
        assert status["candidate"] == v1 and sum(status["assigned_users"].values()) >= 200

        cli("rollout", "promote", ok=False)  # no gate run yet
        refused = cli("eval", "gate", "--profile", str(v2), "--against", "0", "--suite", "golden", "--json",
                      ok=False)
        verdict = json.loads(refused.stdout)
        assert verdict["passed"] is False and any(r.startswith("golden.pass_rate") for r in verdict["regressions"])
        cli("rollout", "canary", str(v2), "--share", "0.5")
        assert "the gate refused version" in cli("rollout", "promote", ok=False).stderr

        cli("rollout", "rollback", "--reason", "blind profile")  # stops the v2 canary
        cli("rollout", "canary", str(v1), "--share", "0.25")
        cli("rollout", "promote", "--skip-gate", "--reason", "test: gate covered above")
        within(5, lambda: ask("late-user")["profile"] == v1)
        assert ask("u0")["profile"] == v1
        cli("rollout", "rollback", "--reason", "back to settings")
        within(5, lambda: ask("u0")["profile"] == 0)

    rows = svc.store.records.answers(limit=1000)
    assert {r.profile for r in rows} == {0, v1} and all(r.profile == r.body["profile"] for r in rows)
    actions = [e["action"] for e in json.loads(cli("rollout", "history", "--json").stdout)["items"]]
    assert actions == ["canary", "canary", "abort", "canary", "promote", "rollback"]
    svc.close()
