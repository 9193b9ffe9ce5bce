"""The typed client against a real server: every method, typed results, problems as CairnApiError."""

from __future__ import annotations

import time

import httpx
import pytest

from agent.answer import Answer
from api.schemas import CitationIn, CorpusIn, TicketChange
from client import CairnApiError, CairnClient, answer_of
from ingest.manifest import AclSpec
from tests.handbook_api import Api


def cairn(api: Api, who: str) -> CairnClient:
    return CairnClient(api.live.url, api.keys[who], timeout=60)


def test_users_search_ask_and_stream(api: Api) -> None:
    with cairn(api, "user") as bob:
        hits = bob.search("paid leave", k=3)
        assert hits.results[0].document_id == "handbook/leave.md"
        ans = bob.ask("How many days of paid leave do employees get?")
        assert isinstance(ans, Answer) and "25 days" in ans.answer
        events = list(bob.ask_stream("How many days of paid leave do employees get?"))
        assert events[0].event == "progress" and events[-1].event == "answer"
        assert "25 days" in answer_of(events[-1]).answer
        src = bob.get_source(ans.citations[0].document_id, answer_id=ans.id)
        h = src.highlights[0]
        assert src.text is not None and src.text[h.start : h.end] == ans.citations[0].quote
        checked = bob.verify_citations(ans.answer, [CitationIn(n=c.n, document_id=c.document_id, start=c.start,
                                                               end=c.end, quote=c.quote) for c in ans.citations])
        assert checked.sentences and not checked.removed
        with pytest.raises(CairnApiError) as refused:
            bob.list_corpora()
        assert refused.value.status == 403
        ticket = bob.escalate(ans.id, "Does this include public holidays?")
        assert (ticket.user_id, ticket.question, ticket.status) == ("bob", ans.question, "open")
        assert ans.id in ticket.answer and ans.answer not in ticket.answer  # ids, never the quoted passages
        assert bob.escalate(ans.id, "asking again").id == ticket.id  # one ticket per answer unless a new key
    with cairn(api, "hr_user") as carol, pytest.raises(CairnApiError) as foreign:
        carol.escalate(ans.id, "not my answer")
    assert foreign.value.status == 404
    with cairn(api, "support") as sam:
        view = sam.get_answer(ans.id)
        assert view.user_id == "bob" and view.citation_status[0].status == "valid"
        assert any(a.id == ans.id for a in sam.list_answers(user="bob", limit=500).items)
        assert [a.tool for a in sam.list_audit(trace_id=ans.trace_id).items] == ["search_knowledge"]
        assert ticket.id in [t.id for t in sam.list_escalations(status="open", limit=500).items]
        assert sam.update_escalation(ticket.id, TicketChange(action="resolve")).status == "resolved"
        with pytest.raises(CairnApiError) as missing:
            sam.update_escalation("no-such-ticket", TicketChange(action="resolve"))
        assert missing.value.status == 404


def ingest_metrics(api: Api, seconds: float = 10) -> bool:
    """The server's ingestion metrics after a job: documents added, the backlog back to none."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        text = httpx.get(f"{api.live.url}/metrics", timeout=10).text
        added = [ln for ln in text.splitlines() if ln.startswith('cairn_ingest_documents_total{outcome="added"}')]
        if added and float(added[0].split()[-1]) >= 1 and "cairn_ingest_backlog_documents 0.0" in text:
            return "cairn_ingest_jobs_total{outcome=\"done\"}" in text
        time.sleep(0.2)
    return False


def test_curators_manage_a_corpus_end_to_end(api: Api) -> None:
    body = CorpusIn(owner="ops@example.com", acl=AclSpec.model_validate({"default": {"groups": ["employees"]}}))
    with cairn(api, "curator") as cole, cairn(api, "admin") as ann:
        made = cole.put_corpus("runbooks", body, idempotency_key="rb-1")
        assert made.approval_status == "pending"
        assert cole.put_corpus("runbooks", body, idempotency_key="rb-1") == made  # replayed
        up = cole.upload_document("runbooks", "restart.md", b"# Restart\n\nRestart the worker with systemctl.\n")
        assert up.path == "restart.md" and cole.get_document("runbooks", "restart.md").status == "uploaded"
        assert ann.approve_corpus("runbooks").approval_status == "approved"
        job = cole.wait_job(cole.start_ingest("runbooks").id, timeout_s=120)
        assert job.status == "done" and job.summary["documents"]["added"] == 1
        assert ingest_metrics(api)  # the job is counted once it has returned
        assert [d.id for d in cole.iter_documents("runbooks")] == ["runbooks/restart.md"]
        assert "runbooks" in [c.name for c in cole.iter_corpora()]
        assert cole.get_corpus("runbooks").documents == 1
        cole.delete_document("runbooks", "restart.md")
        assert cole.get_document("runbooks", "restart.md").status == "deleted"
        assert cole.revoke_corpus("runbooks").approval_status == "revoked"
        with pytest.raises(CairnApiError) as bad:
            cole.put_corpus("bad name", body)
        assert bad.value.status == 422
    sent: list[str] = []

    class Counting(httpx.HTTPTransport):  # the real transport, counting what goes out
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            sent.append(request.url.path)
            return super().handle_request(request)

    with CairnClient(api.live.url, "cairn_wrong", transport=Counting()) as nobody:
        assert nobody.health().status == "ok" and nobody.ready().status == "ready"
        with pytest.raises(CairnApiError) as unauth:
            nobody.ask("anything?")
        assert unauth.value.status == 401
        with pytest.raises(CairnApiError) as refused_stream:
            list(nobody.ask_stream("anything?"))
        assert refused_stream.value.status == 401
    assert sent.count("/v1/ask") == 2  # one for ask, one for the stream: a refused stream is not sent again
