"""What Cairn's tools return, typed: every door (agent, API, CLI, MCP) reads the same models."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field


class UntrustedText(BaseModel):
    """Retrieved text: data for the reader, never instructions. Governance marks what looks like an attack."""

    document_id: str
    flagged: list[str] = Field(default_factory=list, description="injection patterns found in the text")

    def untrusted_text(self) -> str:
        return ""

    def chunk_ref(self) -> str | None:
        return None


class Passage(UntrustedText):
    """A chunk of a source, with where it lies in the source's text."""

    chunk_id: str
    corpus: str = ""
    title: str = ""
    source: str = ""
    page: int | None = None
    heading_path: list[str] = Field(default_factory=list)
    start: int
    end: int
    text: str
    score: float = 0.0
    scores: dict[str, float | int | None] = Field(default_factory=dict)

    def untrusted_text(self) -> str:
        return self.text

    def chunk_ref(self) -> str | None:
        return self.chunk_id


class CitedSpan(BaseModel):
    n: int
    start: int
    end: int
    quote: str
    stale: bool = Field(description="the source's text at these offsets is no longer the quote")


class Span(BaseModel):
    start: int
    end: int


class ToolResult(BaseModel):
    """Every tool's result. `untrusted()` lists the retrieved text in it, for the output guard to scan."""

    def untrusted(self) -> Sequence[UntrustedText]:
        return ()


class SearchResult(ToolResult):
    results: list[Passage]
    query: str
    rerank: Literal["off", "applied", "budget_exceeded", "unavailable"]
    timings_ms: dict[str, float]

    def untrusted(self) -> Sequence[UntrustedText]:
        return self.results


class Passages(ToolResult):
    results: list[Passage]

    def untrusted(self) -> Sequence[UntrustedText]:
        return self.results


class SourceView(UntrustedText, ToolResult):
    """A source as its reader may see it: whole within their ACL, otherwise only the spans cited to them."""

    title: str
    source: str
    corpus: str
    version: int
    full: bool
    text: str | None
    spans: list[CitedSpan]
    asked: Span | None

    def untrusted_text(self) -> str:
        return self.text or ""

    def untrusted(self) -> Sequence[UntrustedText]:
        return [self] if self.text is not None else []


class CorpusInfo(BaseModel):
    name: str
    description: str


class Corpora(ToolResult):
    corpora: list[CorpusInfo]


class CitationCheck(ToolResult):
    valid: bool
    status: str = Field(description="valid, stale (the quote moved) or mismatch")
    current: str | None = None
    found_at: int | None = None


class TicketCreated(ToolResult):
    ticket_id: str
    created: bool


class TicketState(ToolResult):
    ticket_id: str
    status: str
    assignee: str | None
