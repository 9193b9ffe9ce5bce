"""Issue 15: retention. `cairn purge` deletes what is older than its retention and nothing else: open tickets
stay whatever their age, recent rows stay, expired sessions and idempotency keys go; the purge is audited."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app
from kernel.store import Store
from kernel.store.base import utcnow
from kernel.store.records import AnswerRow, AuditRow, ConversationRow, TicketRow


def test_purge_keeps_what_is_within_retention(tmp_path: Path) -> None:
    data = tmp_path / ".cairn"
    env = {"CAIRN_DATA_DIR": str(data), "CAIRN_RETAIN_ANSWERS_DAYS": "30", "CAIRN_RETAIN_AUDIT_DAYS": "90",
           "CAIRN_RETAIN_CONVERSATIONS_DAYS": "7", "CAIRN_RETAIN_TICKETS_DAYS": "0"}
    store = Store(f"sqlite:///{data / 'cairn.db'}")
    now = utcnow()
    old, recent = now - timedelta(days=100), now - timedelta(days=1)
    try:
        with store.db.session() as s:
            for i, at in enumerate((old, recent)):
                s.add(AnswerRow(id=f"a{i}", at=at, user_id="emma", question="q", trace_id="t"))
                s.add(AuditRow(at=at, trace_id="t", user_id="emma", role="user", tool="search_knowledge",
                               origin="api", decision="allowed"))
                s.add(ConversationRow(id=f"c{i}", user_id="emma", turns=[], updated_at=at))
            s.add(TicketRow(id="t-open", idempotency_key="k1", at=old, user_id="emma", question="q", trace_id="t"))
            s.add(TicketRow(id="t-done", idempotency_key="k2", at=old, user_id="emma", question="q", trace_id="t",
                            status="resolved"))
        store.access.add_console_session("expired", user_id="sam", groups=[], role="support", csrf="x",
                                         expires_at=now - timedelta(minutes=1), key_id="")
        store.access.add_console_session("live", user_id="sam", groups=[], role="support", csrf="x",
                                         expires_at=now + timedelta(hours=1), key_id="")
    finally:
        store.close()

    res = CliRunner().invoke(app, ["purge", "--json"], env=env)
    assert res.exit_code == 0, res.output
    gone = json.loads(res.stdout)["deleted"]
    assert gone == {"answers": 1, "audit": 1, "safety_events": 0, "conversations": 1, "console_sessions": 1,
                    "idempotency_keys": 0}  # tickets kept forever (0 days): not even looked at

    store = Store(f"sqlite:///{data / 'cairn.db'}")
    try:
        assert [a.id for a in store.records.answers()] == ["a1"]
        assert {t.id for t in store.records.tickets()} == {"t-open", "t-done"}
        assert store.records.conversation("c0", "emma") == [] and store.access.console_session("live") is not None
        assert [r.tool for r in store.records.audit(tool="data.purge")] == ["data.purge"]
    finally:
        store.close()
    # With a ticket retention, only the resolved old ticket goes; the open one waits for a person.
    res = CliRunner().invoke(app, ["purge", "--json"], env={**env, "CAIRN_RETAIN_TICKETS_DAYS": "30"})
    assert json.loads(res.stdout)["deleted"]["tickets"] == 1
    store = Store(f"sqlite:///{data / 'cairn.db'}")
    try:
        assert [t.id for t in store.records.tickets()] == ["t-open"]
    finally:
        store.close()
