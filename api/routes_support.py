"""Support agents: stored answers, citation checks, sources with highlights, escalations, audit.

What a support agent may see: the spans that were cited in an answer (the user was shown them), and
whole documents only within the agent's own ACL. Anything else answers 404, as if it did not exist.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Response

from agent.answer import Answer, Citation
from agent.context import Refusal, ToolCall
from agent.tool_results import SourceView
from agent.verify import quote_stands, split_answer, verify
from api.auth import require
from api.deps import State, Who
from api.pages import Cursor, Limit, int_cursor, next_cursor, str_cursor
from api.problems import PROBLEM_RESPONSES, ProblemError
from api.schemas import (
    AnswerPage,
    AnswerSummary,
    AnswerView,
    AuditOut,
    AuditPage,
    CitationStatus,
    EscalateIn,
    SourceOut,
    TicketChange,
    TicketOut,
    TicketPage,
    VerifyIn,
)
from kernel.types import Principal

router = APIRouter(prefix="/v1", tags=["support"], responses=PROBLEM_RESPONSES)
SUPPORT = ("support", "admin")


def load_answer(state: State, who: Principal, answer_id: str) -> Answer:
    row = state.services.store.records.get_answer(answer_id)
    if row is None or not (who.role in SUPPORT or row.user_id == who.user_id):
        raise ProblemError(404, "Not found", "no such answer")
    return Answer.model_validate(row.body)


def answer_view(state: State, who: Principal, answer_id: str) -> AnswerView:
    ans = load_answer(state, who, answer_id)
    row = state.services.store.records.get_answer(answer_id)
    assert row is not None
    statuses = []
    for c in ans.citations:
        doc = state.services.store.catalogue.get_document(c.document_id)
        if doc is None or doc.status != "indexed":
            st: Literal["valid", "stale", "unavailable"] = "unavailable"
        else:
            st = "valid" if quote_stands(doc.text, c.start, c.end, c.quote) else "stale"
        statuses.append(CitationStatus(n=c.n, status=st))
    verdict: Literal["all_supported", "some_removed", "abstained"] = (
        "abstained" if ans.abstained else "some_removed" if ans.removed else "all_supported")
    return AnswerView(answer=ans, user_id=row.user_id, citation_status=statuses, verdict=verdict)


@router.get("/answers/{answer_id}", response_model=AnswerView, summary="A stored answer with its citations")
def get_answer(answer_id: str, state: State, who: Who) -> AnswerView:
    return answer_view(state, who, answer_id)


def _verdict(row: Any) -> str:
    return "abstained" if row.abstained else ("some_removed" if row.body.get("removed") else "all_supported")


@router.get("/answers", response_model=AnswerPage, summary="Stored answers, newest first")
def list_answers(state: State, who: Who, user: str | None = None, abstained: bool | None = None,
                 since: datetime | None = None, verdict: Literal["all_supported", "some_removed", "abstained"] |
                 None = None, cursor: Cursor = None, limit: Limit = 50) -> AnswerPage:
    require(who, *SUPPORT)
    if verdict == "abstained":
        abstained = True
    elif verdict is not None:
        abstained = False
    after, out = str_cursor(cursor), []
    # The verdict of an answered row is in its body: read on in batches until the page is full (plus one,
    # to know a next page exists) or the rows run out.
    while True:
        rows = state.services.store.records.answers(user_id=user, abstained=abstained, since=since, limit=limit + 1,
                                                    after=after)
        out += [r for r in rows if verdict is None or _verdict(r) == verdict]
        if len(rows) <= limit or len(out) > limit:
            break
        after = rows[-1].id
    items = [AnswerSummary(id=r.id, at=r.at, user_id=r.user_id, question=r.question, abstained=r.abstained,
                           verdict=_verdict(r)) for r in out[:limit]]
    return AnswerPage(items=items, next_cursor=next_cursor([r.id for r in out], limit))


@router.post("/citations/verify", response_model=Answer, summary="Check a text and its citations against sources")
def verify_citations(body: VerifyIn, state: State, who: Who) -> Answer:
    cites = []
    for c in body.citations:
        doc = state.services.store.catalogue.get_document(c.document_id)
        title = doc.title if doc is not None and who.may_read(list(doc.acl)) else ""
        cites.append(Citation(n=c.n, chunk_id="", document_id=c.document_id, title=title, start=c.start,
                              end=c.end, quote=c.quote))
    draft = Answer(question="", answer=body.text, sentences=split_answer(body.text), citations=cites)
    return verify(draft, state.services.store.catalogue, who, state.agent.support, state.settings.support_threshold)


@router.get("/sources/{document_id:path}", response_model=SourceOut, summary="A source with highlighted spans")
def get_source(document_id: str, state: State, who: Who, answer_id: str | None = None,
           start: Annotated[int | None, Query(ge=0)] = None,
           end: Annotated[int | None, Query(ge=0)] = None) -> SourceOut:
    args = {"document_id": document_id, "answer_id": answer_id, "start": start, "end": end}
    out = state.agent.call("read_source", {k: v for k, v in args.items() if v is not None}, who, "api", SourceView)
    return SourceOut.of_tool(out)


@router.get("/audit", response_model=AuditPage, summary="Audit records, oldest first (admin; support: one answer's "
            "trace)")
def list_audit(state: State, who: Who, user: str | None = None, tool: str | None = None,
               decision: str | None = None, since: datetime | None = None, trace_id: str | None = None,
               cursor: Cursor = None, limit: Limit = 200) -> AuditPage:
    require(who, *SUPPORT)
    if who.role == "support" and trace_id is None:
        raise ProblemError(403, "Forbidden", "support agents read the audit of one answer: give its trace_id")
    rows = state.services.store.records.audit(trace_id=trace_id, user_id=user, tool=tool, decision=decision,
                                              since=since, limit=limit + 1, after=int_cursor(cursor))
    items = [AuditOut(at=r.at, trace_id=r.trace_id, user_id=r.user_id, role=r.role, tool=r.tool, origin=r.origin,
                      arguments=r.arguments, decision=r.decision, reason=r.reason, latency_ms=r.latency_ms,
                      outcome=r.outcome) for r in rows[:limit]]
    return AuditPage(items=items, next_cursor=next_cursor([r.id for r in rows], limit))


@router.get("/escalations", response_model=TicketPage, summary="Escalation tickets, newest first")
def list_escalations(state: State, who: Who, status: str | None = None, cursor: Cursor = None,
                     limit: Limit = 100) -> TicketPage:
    require(who, *SUPPORT)
    rows = state.services.store.records.tickets(status, after=str_cursor(cursor), limit=limit + 1)
    return TicketPage(items=[TicketOut.model_validate(t, from_attributes=True) for t in rows[:limit]],
                      next_cursor=next_cursor([t.id for t in rows], limit))


@router.post("/answers/{answer_id}/escalate", response_model=TicketOut, status_code=201,
             summary="Ask a person to look at an answer (its own user, or support staff)",
             responses={200: {"model": TicketOut, "description": "Escalated before with this key: the same ticket"}})
def escalate_answer(answer_id: str, body: EscalateIn, state: State, who: Who, response: Response,
                    idempotency_key: Annotated[str | None, Header(max_length=200)] = None) -> TicketOut:
    ans = load_answer(state, who, answer_id)
    made = state.agent.escalate(ans.question, ans, body.reason, who, "user", key=idempotency_key)
    response.status_code = 201 if made.created else 200
    return TicketOut.model_validate(state.services.store.records.get_ticket(made.ticket_id), from_attributes=True)


@router.post("/escalations/{ticket_id}", response_model=TicketOut, summary="Assign, comment, resolve")
def update_escalation(ticket_id: str, body: TicketChange, state: State, who: Who) -> TicketOut:
    require(who, *SUPPORT)
    return TicketOut.model_validate(apply_ticket_change(state, who, ticket_id, body), from_attributes=True)


def apply_ticket_change(state: State, who: Principal, ticket_id: str, body: TicketChange) -> Any:
    """A support action is a write tool call: it passes the governance loop and lands in the audit log."""
    ctx = state.agent.context(who)
    args = {"ticket_id": ticket_id, **body.model_dump(exclude_none=True)}
    out = state.agent.handle(ToolCall("update_escalation", args, origin="api", confirmed=True), ctx)
    if not out.ok:
        status = {Refusal.NOT_FOUND: 404, Refusal.FORBIDDEN: 403}.get(out.error_code, 422) if out.error_code else 422
        raise ProblemError(status, "Not found" if status == 404 else "Refused", out.reason)
    return state.services.store.records.get_ticket(ticket_id)
