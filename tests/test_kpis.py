"""Issue 15: the seed's KPIs from what Cairn stored: `cairn report kpis` over a window."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app
from kernel.store import Store
from kernel.store.base import utcnow
from kernel.store.records import AnswerRow


def body(i: int, *, abstained: bool = False, removed: bool = False, cost: float = 0.0, model: str = "extractive",
         latency: float = 100.0, profile: int = 0) -> dict[str, object]:
    return {"id": f"a{i}", "question": "q", "answer": "x", "abstained": abstained, "trace_id": f"t{i}",
            "profile": profile,
            "removed": [{"text": "gone", "citations": []}] if removed else [], "model": model, "latency_ms": latency,
            "usage": {"prompt_tokens": 100 if cost else 0, "completion_tokens": 20 if cost else 0, "cost": cost}}


def test_kpis_over_a_window(tmp_path: Path) -> None:
    data = tmp_path / ".cairn"
    store = Store(f"sqlite:///{data / 'cairn.db'}")
    now = utcnow()
    bodies = [body(0, cost=0.02, model="hosted", latency=900, profile=2),
              body(1, cost=0.02, model="hosted", removed=True, profile=2),
              body(2, latency=200), body(3, abstained=True, latency=300)]
    try:
        with store.db.session() as s:
            for b in bodies:
                s.add(AnswerRow(id=b["id"], at=now, user_id="emma", question="q", abstained=b["abstained"], body=b,
                                trace_id=b["trace_id"]))
            s.add(AnswerRow(id="old", at=now - timedelta(days=30), user_id="emma", question="q", body=body(9),
                            trace_id="t9"))
        audit = [("t0", "allowed", "ok"), ("t0", "allowed", "ok"), ("t1", "error", "timeout"),
                 ("t1", "refused", "loop_detected"), ("t2", "refused", "untrusted_content")]
        for trace, decision, outcome in audit:
            store.records.add_audit(trace_id=trace, user_id="emma", role="user", tool="search_knowledge",
                                    origin="model", arguments={}, decision=decision, outcome=outcome)
        store.records.add_safety_event(trace_id="t2", user_id="emma", kind="blocked_write")
        store.records.create_ticket("k", "emma", question="q", trace_id="t3")
    finally:
        store.close()

    res = CliRunner().invoke(app, ["report", "kpis", "--days", "7", "--json"], env={"CAIRN_DATA_DIR": str(data)})
    assert res.exit_code == 0, res.output
    k = json.loads(res.stdout)
    assert (k["answers"], k["answered"], k["successful"]) == (4, 3, 2)  # the 30-day-old answer is outside
    assert k["groundedness"] == round(2 / 3, 4) and k["abstention_rate"] == 0.25
    assert k["tool_call_success"] == round(2 / 3, 4)  # refusals are the loop working, not tool failures
    assert k["loop_rate"] == 0.25 and k["injection_blocks"] == 1 and k["escalation_rate"] == 0.25
    assert k["cost"] == 0.04 and k["cost_per_answer"] == 0.01 and k["cost_per_successful_task"] == 0.02
    assert k["by_model"]["hosted"] == {"answers": 2, "abstention_rate": 0.0, "successful": 1, "cost": 0.04,
                                       "tokens": 240, "cost_per_successful_task": 0.04}
    # Per answer profile: the canary's cost per successful task beside the current profile's.
    assert k["by_profile"]["2"]["cost_per_successful_task"] == 0.04
    assert k["by_profile"]["0"] == {"answers": 2, "abstention_rate": 0.5, "successful": 1, "cost": 0.0, "tokens": 0,
                                    "cost_per_successful_task": 0.0}
    assert k["latency_p95_ms"] > k["latency_p50_ms"] > 0
