"""Request and response bodies of the API (with examples for the OpenAPI schema)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from agent.answer import Answer
from agent.tool_results import SearchResult, SourceView
from ingest.manifest import AclSpec, Links

T = TypeVar("T")


class ApiIn(BaseModel):
    """Every request body: JSON may carry lone surrogates ("\\ud800"), valid to the parser and not storable
    as UTF-8 by any store, so they are refused here, once, as a 422."""

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        _check_storable(data)
        return data


def _check_storable(value: Any) -> None:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("text must be valid Unicode (no lone surrogates)") from None
    elif isinstance(value, dict):
        for k, v in value.items():
            _check_storable(k)
            _check_storable(v)
    elif isinstance(value, list):
        for v in value:
            _check_storable(v)


NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"


class CorpusIn(ApiIn):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "description": "Employee handbook", "owner": "content-team@example.com",
        "include": ["**/*.md", "**/*.pdf"], "exclude": ["drafts/**"],
        "acl": {"default": {"groups": ["employees"]}, "rules": [{"match": "hr/**", "groups": ["hr"]}]}}]})

    name: str | None = Field(default=None, pattern=NAME_PATTERN, description="optional; the path names the corpus")
    description: str = Field(default="", max_length=2000)
    owner: str = Field(min_length=1, max_length=320)
    include: list[str] = Field(default_factory=lambda: ["**/*"], max_length=50)
    exclude: list[str] = Field(default_factory=list, max_length=50)
    acl: AclSpec
    links: Links = Field(default_factory=Links)


class CorpusOut(BaseModel):
    name: str
    description: str
    owner: str
    approval_status: str
    approved_by: str | None = None
    approved_at: datetime | None = None
    documents: int = 0


class DocumentOut(BaseModel):
    id: str
    source_uri: str
    source_type: str
    status: str
    error: str | None = None
    chunk_count: int
    version: int
    updated_at: datetime | None = None


class UploadOut(BaseModel):
    corpus: str
    path: str
    bytes: int


class JobOut(BaseModel):
    id: str
    corpus: str
    status: str
    total: int
    done: int
    summary: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None


class SearchIn(ApiIn):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"query": "How many days of paid leave?", "k": 5}]})

    query: str = Field(min_length=1, max_length=2000)
    k: int = Field(default=10, ge=1, le=100)
    corpora: list[str] | None = Field(default=None, max_length=20)
    source_types: list[str] | None = Field(default=None, max_length=20)
    rerank: bool | None = None


class SearchHit(BaseModel):
    chunk_id: str
    document_id: str
    corpus: str
    source: str
    title: str
    text: str
    start: int
    end: int
    heading_path: list[str]
    page: int | None
    score: float
    scores: dict[str, float | int | None]


class SearchOut(BaseModel):
    results: list[SearchHit]
    rerank: str

    @classmethod
    def of_tool(cls, out: SearchResult) -> SearchOut:
        """From the `search_knowledge` tool's output (every door searches through it)."""
        return cls(rerank=out.rerank, results=[SearchHit.model_validate(r.model_dump()) for r in out.results])


class AskIn(ApiIn):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"question": "How many days of paid leave do employees get?", "conversation_id": "c-123"}]})

    question: str = Field(min_length=1, max_length=4000)
    conversation_id: str | None = Field(default=None, max_length=100)
    stream: bool = False
    escalate_unanswered: bool = Field(default=False, description="open a ticket for a person when the sources "
                                      "do not answer (or not fully)")


class CitationIn(ApiIn):
    n: int = Field(ge=1)
    document_id: str = Field(min_length=1)
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    quote: str = Field(max_length=20000)


class VerifyIn(ApiIn):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "text": "Employees get 25 days of paid leave per year. [1]",
        "citations": [{"n": 1, "document_id": "handbook/leave.md", "start": 14, "end": 59,
                       "quote": "Employees get 25 days of paid leave per year."}]}]})

    text: str = Field(min_length=1, max_length=20000)
    citations: list[CitationIn] = Field(max_length=50)


class Highlight(BaseModel):
    start: int
    end: int
    n: int | None = None
    stale: bool = False


class SourceOut(BaseModel):
    document_id: str
    title: str
    source: str
    corpus: str
    version: int
    full: bool
    text: str | None
    spans: list[dict[str, Any]] = Field(default_factory=list)
    highlights: list[Highlight] = Field(default_factory=list)

    @classmethod
    def of_tool(cls, out: SourceView) -> SourceOut:
        """From the `read_source` tool's output: the cited spans, and the asked span, as highlights."""
        highlights = [Highlight(start=c.start, end=c.end, n=c.n, stale=c.stale) for c in out.spans]
        if out.asked is not None:
            highlights.append(Highlight(start=out.asked.start, end=out.asked.end))
        return cls(document_id=out.document_id, title=out.title, source=out.source, corpus=out.corpus,
                   version=out.version, full=out.full, text=out.text, spans=[c.model_dump() for c in out.spans],
                   highlights=highlights)


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready", "not ready"]
    checks: dict[str, Literal["ok", "down"]]


class AskEvent(BaseModel):
    """One server-sent event of `/v1/ask`: `progress` events (stage, query, trace_id, sentences), then one
    `answer` (its data an Answer) or one `error` (a problem). `data` is JSON text, as SSE carries it."""

    event: Literal["progress", "answer", "error"]
    data: str = Field(json_schema_extra={"contentMediaType": "application/json"})


class ChatCompletionEvent(BaseModel):
    """One server-sent event of a streamed chat completion: `data` is a ChatCompletionChunk (see the
    components) as JSON text, and the last event's data is `[DONE]`, as OpenAI streams."""

    data: str


class Page(BaseModel, Generic[T]):
    """One page of a list; pass `next_cursor` back as `cursor` for the next (none: this was the last)."""

    items: list[T]
    next_cursor: str | None = None


class DocumentPage(Page[DocumentOut]):
    pass


class CorpusPage(Page[CorpusOut]):
    pass


class CitationStatus(BaseModel):
    n: int
    status: Literal["valid", "stale", "unavailable"]


class AnswerView(BaseModel):
    answer: Answer
    user_id: str
    citation_status: list[CitationStatus]
    verdict: Literal["all_supported", "some_removed", "abstained"]


class AnswerSummary(BaseModel):
    id: str
    at: datetime
    user_id: str
    question: str
    abstained: bool
    verdict: str


class AnswerPage(Page[AnswerSummary]):
    pass


class AuditOut(BaseModel):
    at: datetime
    trace_id: str
    user_id: str
    role: str
    tool: str
    origin: str
    arguments: dict[str, Any]
    decision: str
    reason: str
    latency_ms: float
    outcome: str


class AuditPage(Page[AuditOut]):
    pass


class EscalateIn(ApiIn):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"reason": "The answer quotes last year's policy."}]})

    reason: str = Field(min_length=1, max_length=2000, description="what a person should look at, in your words")


class TicketOut(BaseModel):
    id: str
    at: datetime
    user_id: str
    question: str
    answer: str
    reason: str
    trace_id: str
    status: str
    assignee: str | None
    comments: list[Any]


class TicketChange(ApiIn):
    action: Literal["assign", "comment", "resolve", "reopen"]
    assignee: str | None = Field(default=None, max_length=320)
    comment: str | None = Field(default=None, max_length=4000)


class TicketPage(Page[TicketOut]):
    pass


class FlagChange(BaseModel):
    off: bool = Field(description="true switches it off; false back on")
    reason: str = Field(default="", max_length=500, description="why, for the audit log")


class FlagOut(BaseModel):
    name: str
    off: bool
    reason: str
    changed_by: str
    changed_at: datetime


class FlagPage(Page[FlagOut]):
    pass
