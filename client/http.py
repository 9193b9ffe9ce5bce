"""The whole API as typed methods over httpx; the wire models are the server's own (`api.schemas`).

Errors come back as `CairnApiError` carrying the RFC 9457 problem. Lists return one `Page`; the `iter_*`
methods follow the cursors. An `httpx` transport can be passed in (a mounted app, a proxy, a mock).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

from agent.answer import Answer
from api.schemas import (
    AnswerPage,
    AnswerView,
    AskEvent,
    AskIn,
    AuditPage,
    CitationIn,
    CorpusIn,
    CorpusOut,
    CorpusPage,
    DocumentOut,
    DocumentPage,
    EscalateIn,
    Health,
    JobOut,
    Page,
    Readiness,
    SearchIn,
    SearchOut,
    SourceOut,
    TicketChange,
    TicketOut,
    TicketPage,
    UploadOut,
    VerifyIn,
)

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


class CairnApiError(Exception):
    """A refused or failed request: the problem's status, title, detail and field errors."""

    def __init__(self, status: int, title: str, detail: str = "", errors: list[dict[str, Any]] | None = None,
                 retry_after: float | None = None) -> None:
        self.status, self.title, self.detail = status, title, detail
        self.errors, self.retry_after = errors or [], retry_after
        super().__init__(f"{status} {title}: {detail}" if detail else f"{status} {title}")


class CairnClient:
    def __init__(self, base_url: str, api_key: str, *, timeout: float = 120.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        self._http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout, transport=transport,
                                  headers={"Authorization": f"Bearer {api_key}"})

    def __enter__(self) -> CairnClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- plumbing ------------------------------------------------------------------------------------

    def _send(self, method: str, path: str, **kw: Any) -> httpx.Response:
        return _checked(self._http.request(method, path, **kw))

    def _get(self, model: type[M], path: str, **params: Any) -> M:
        clean = {k: v for k, v in params.items() if v is not None}
        return model.model_validate(self._send("GET", path, params=clean).json())

    def _post(self, model: type[M], path: str, body: BaseModel | None = None, **kw: Any) -> M:
        content = body.model_dump(mode="json", exclude_none=True) if body is not None else None
        return model.model_validate(self._send("POST", path, json=content, **kw).json())

    @staticmethod
    def _walk(fetch: Callable[[str | None], Page[T]]) -> Iterator[T]:
        cursor: str | None = None
        while True:
            page = fetch(cursor)
            yield from page.items
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    # -- ops -----------------------------------------------------------------------------------------

    def health(self) -> Health:
        return self._get(Health, "/healthz")

    def ready(self) -> Readiness:
        r = self._http.get("/readyz")  # 503 still carries the checks
        return Readiness.model_validate(r.json())

    # -- corpora (curators) --------------------------------------------------------------------------

    def put_corpus(self, name: str, corpus: CorpusIn, idempotency_key: str | None = None) -> CorpusOut:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        r = self._send("PUT", f"/v1/corpora/{name}", json=corpus.model_dump(mode="json", exclude_none=True),
                       headers=headers)
        return CorpusOut.model_validate(r.json())

    def list_corpora(self, cursor: str | None = None, limit: int = 100) -> CorpusPage:
        return self._get(CorpusPage, "/v1/corpora", cursor=cursor, limit=limit)

    def iter_corpora(self) -> Iterator[CorpusOut]:
        return self._walk(lambda c: self.list_corpora(c))

    def get_corpus(self, name: str) -> CorpusOut:
        return self._get(CorpusOut, f"/v1/corpora/{name}")

    def approve_corpus(self, name: str) -> CorpusOut:
        return self._post(CorpusOut, f"/v1/corpora/{name}/approve")

    def revoke_corpus(self, name: str) -> CorpusOut:
        return self._post(CorpusOut, f"/v1/corpora/{name}/revoke")

    def upload_document(self, corpus: str, path: str, content: bytes | Path) -> UploadOut:
        data = content.read_bytes() if isinstance(content, Path) else content
        r = self._send("POST", f"/v1/corpora/{corpus}/documents", params={"path": path},
                       files={"file": (Path(path).name, data)})
        return UploadOut.model_validate(r.json())

    def list_documents(self, corpus: str, cursor: str | None = None, limit: int = 100) -> DocumentPage:
        return self._get(DocumentPage, f"/v1/corpora/{corpus}/documents", cursor=cursor, limit=limit)

    def iter_documents(self, corpus: str) -> Iterator[DocumentOut]:
        return self._walk(lambda c: self.list_documents(corpus, c))

    def get_document(self, corpus: str, path: str) -> DocumentOut:
        return self._get(DocumentOut, f"/v1/corpora/{corpus}/documents/{path}")

    def delete_document(self, corpus: str, path: str) -> None:
        self._send("DELETE", f"/v1/corpora/{corpus}/documents/{path}")

    def start_ingest(self, corpus: str, idempotency_key: str | None = None) -> JobOut:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        return self._post(JobOut, f"/v1/corpora/{corpus}/ingest", headers=headers)

    def get_job(self, job_id: str) -> JobOut:
        return self._get(JobOut, f"/v1/jobs/{job_id}")

    def wait_job(self, job_id: str, *, timeout_s: float = 3600, poll_s: float = 0.5,
                 on_progress: Callable[[JobOut], None] | None = None) -> JobOut:
        """Follow a job until it is done or failed (the job resource has no push channel)."""
        deadline = time.monotonic() + timeout_s
        while True:
            job = self.get_job(job_id)
            if on_progress is not None:
                on_progress(job)
            if job.status in ("done", "failed"):
                return job
            if time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} still {job.status} after {timeout_s:g} s")
            time.sleep(poll_s)

    # -- users ---------------------------------------------------------------------------------------

    def search(self, query: str, k: int = 10, corpora: list[str] | None = None,
               rerank: bool | None = None) -> SearchOut:
        return self._post(SearchOut, "/v1/search", SearchIn(query=query, k=k, corpora=corpora, rerank=rerank))

    def ask(self, question: str, conversation_id: str | None = None) -> Answer:
        return self._post(Answer, "/v1/ask", AskIn(question=question, conversation_id=conversation_id))

    def ask_stream(self, question: str, conversation_id: str | None = None) -> Iterator[AskEvent]:
        """Progress events as they happen, then the `answer` (its Answer: `answer_of(event)`)."""
        body = AskIn(question=question, conversation_id=conversation_id).model_dump(exclude_none=True)
        with self._http.stream("POST", "/v1/ask", json=body, headers={"Accept": "text/event-stream"}) as r:
            if not r.is_success:
                r.read()
                _checked(r)
            event = ""
            for line in r.iter_lines():
                if line.startswith("event: "):
                    event = line.removeprefix("event: ")
                elif line.startswith("data: ") and event:
                    yield AskEvent.model_validate({"event": event, "data": line.removeprefix("data: ")})

    # -- support -------------------------------------------------------------------------------------

    def get_answer(self, answer_id: str) -> AnswerView:
        return self._get(AnswerView, f"/v1/answers/{answer_id}")

    def list_answers(self, *, user: str | None = None, verdict: str | None = None, cursor: str | None = None,
                     limit: int = 50) -> AnswerPage:
        return self._get(AnswerPage, "/v1/answers", user=user, verdict=verdict, cursor=cursor, limit=limit)

    def verify_citations(self, text: str, citations: list[CitationIn]) -> Answer:
        return self._post(Answer, "/v1/citations/verify", VerifyIn(text=text, citations=citations))

    def get_source(self, document_id: str, answer_id: str | None = None, start: int | None = None,
                   end: int | None = None) -> SourceOut:
        return self._get(SourceOut, f"/v1/sources/{document_id}", answer_id=answer_id, start=start, end=end)

    def list_audit(self, *, trace_id: str | None = None, user: str | None = None, tool: str | None = None,
                   cursor: str | None = None, limit: int = 200) -> AuditPage:
        return self._get(AuditPage, "/v1/audit", trace_id=trace_id, user=user, tool=tool, cursor=cursor,
                         limit=limit)

    def list_escalations(self, status: str | None = None, cursor: str | None = None,
                         limit: int = 100) -> TicketPage:
        return self._get(TicketPage, "/v1/escalations", status=status, cursor=cursor, limit=limit)

    def escalate(self, answer_id: str, reason: str, idempotency_key: str | None = None) -> TicketOut:
        """Ask a person to look at one of your answers; the same key returns the same ticket."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        return self._post(TicketOut, f"/v1/answers/{answer_id}/escalate", EscalateIn(reason=reason), headers=headers)

    def update_escalation(self, ticket_id: str, change: TicketChange) -> TicketOut:
        return self._post(TicketOut, f"/v1/escalations/{ticket_id}", change)


def _checked(r: httpx.Response) -> httpx.Response:
    """The response when it succeeded; else its problem details as a CairnApiError."""
    if r.is_success:
        return r
    try:
        body = r.json()
    except ValueError:
        body = {}
    wait = r.headers.get("Retry-After")
    raise CairnApiError(r.status_code, str(body.get("title", r.reason_phrase)), str(body.get("detail", "")),
                        body.get("errors"), float(wait) if wait and wait.isdigit() else None)


def answer_of(event: AskEvent) -> Answer:
    """The Answer an `answer` event carries."""
    return Answer.model_validate(json.loads(event.data))
