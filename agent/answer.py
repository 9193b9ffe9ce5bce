"""Answers and citations: the shapes every responder returns and every surface shows."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class Citation(BaseModel):
    n: int
    chunk_id: str
    document_id: str
    title: str = ""
    source: str = ""
    page: int | None = None
    heading_path: list[str] = Field(default_factory=list)
    start: int
    end: int
    quote: str


class SentenceVerdict(BaseModel):
    text: str
    citations: list[int] = Field(default_factory=list)
    verdict: Literal["supported", "unsupported"] = "supported"
    support: float = 1.0
    reason: str = ""


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0


class Answer(BaseModel):
    id: str = ""
    question: str
    answer: str
    abstained: bool = False
    citations: list[Citation] = Field(default_factory=list)
    sentences: list[SentenceVerdict] = Field(default_factory=list)
    removed: list[SentenceVerdict] = Field(default_factory=list)
    searched: list[str] = Field(default_factory=list)
    trace_id: str = ""
    model: str = "extractive"
    profile: int = Field(default=0, description="the answer profile's version (0: the deployment's settings)")
    notices: list[str] = Field(default_factory=list)
    latency_ms: float = 0.0
    usage: Usage = Field(default_factory=Usage)

    def cli_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "answer": self.answer, "abstained": self.abstained,
            "citations": [c.model_dump(include={"n", "chunk_id", "document_id", "source", "start", "end", "quote",
                                                "title", "page", "heading_path"}) for c in self.citations],
            "trace_id": self.trace_id, "model": self.model, "profile": self.profile, "notices": self.notices,
            "latency_ms": round(self.latency_ms, 1), "usage": self.usage.model_dump(),
        }


ABSTAIN_TEXT = "The approved sources available to you do not answer this question."
