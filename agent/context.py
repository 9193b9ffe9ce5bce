"""What one agent turn carries through every tool call: principal, budgets, trace, taint and services."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel

from agent.ports import AgentRecords, DocumentReader
from agent.tool_results import ToolResult
from index.reader import ReadableIndex
from kernel.errors import CairnError
from kernel.types import Principal
from retrieval.search import HybridSearcher

Origin = Literal["model", "planner", "api", "user", "mcp"]


@dataclass(frozen=True)
class Budget:
    max_steps: int = 8
    max_tool_calls: int = 12
    max_tokens: int = 20_000
    max_cost: float = 0.05
    deadline_s: float = 60.0
    max_repeats: int = 2


@dataclass
class Usage:
    steps: int = 0
    tool_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass
class ToolCall:
    tool: str
    args: dict[str, Any]
    origin: Origin = "planner"
    call_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    confirmed: bool = False
    validated: BaseModel | None = None

    def key(self) -> str:
        import json

        return f"{self.tool}:{json.dumps(self.args, sort_keys=True, default=str)}"


class Refusal(StrEnum):
    """Why a tool call did not return a result: the governance loop's reasons, and the tools' own."""

    UNKNOWN_TOOL = "unknown_tool"
    TOOL_DISABLED = "tool_disabled"
    FORBIDDEN = "forbidden"
    INVALID_ARGUMENTS = "invalid_arguments"
    BUDGET_EXCEEDED = "budget_exceeded"
    DEADLINE_EXCEEDED = "deadline_exceeded"
    CANCELLED = "cancelled"
    LOOP_DETECTED = "loop_detected"
    UNTRUSTED_CONTENT = "untrusted_content"
    CIRCUIT_OPEN = "circuit_open"
    OUTPUT_TOO_LARGE = "output_too_large"
    TIMEOUT = "timeout"
    TRANSIENT_ERROR = "transient_error"
    TOOL_ERROR = "tool_error"
    # Raised by a tool as a CairnError: a clean refusal, not a fault of the tool.
    NOT_FOUND = "not_found"
    SWITCHED_OFF = "switched_off"
    CORPUS_NOT_APPROVED = "corpus_not_approved"
    INDEX_ERROR = "index_error"
    INDEX_BUSY = "index_busy"
    TOOL_REFUSED = "tool_refused"

    @classmethod
    def of(cls, exc: CairnError) -> Refusal:
        try:
            return cls(exc.code)
        except ValueError:
            return cls.TOOL_REFUSED


@dataclass
class ToolOutcome:
    ok: bool
    output: ToolResult | None = None
    decision: str = "allowed"
    reason: str = ""
    error_code: Refusal | None = None

    @classmethod
    def refused(cls, code: Refusal, reason: str) -> ToolOutcome:
        return cls(ok=False, decision="refused", reason=reason, error_code=code)

    @classmethod
    def failed(cls, code: Refusal, reason: str) -> ToolOutcome:
        return cls(ok=False, decision="error", reason=reason, error_code=code)

    def for_model(self) -> dict[str, Any]:
        if self.ok and self.output is not None:
            return {"ok": True, "result": self.output.model_dump(mode="json")}
        return {"ok": False, "error": {"code": self.error_code, "message": self.reason}}


@dataclass
class RunContext:
    """Per-turn state. Tools and wrappers read it; only wrappers change the counters."""

    principal: Principal
    docs: DocumentReader
    records: AgentRecords
    passages: ReadableIndex
    searcher: HybridSearcher
    budget: Budget = field(default_factory=Budget)
    trace_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    started: float = field(default_factory=time.monotonic)
    usage: Usage = field(default_factory=Usage)
    call_counts: dict[str, int] = field(default_factory=dict)
    retrieved: list[str] = field(default_factory=list)
    planned_writes: set[str] = field(default_factory=set)
    trace: list[dict[str, Any]] = field(default_factory=list)
    flagged_chunks: set[str] = field(default_factory=set)
    # Set by the caller when nobody waits for the answer any more (client gone, request deadline).
    cancel: threading.Event = field(default_factory=threading.Event)

    @property
    def tainted(self) -> bool:
        """True once retrieved (untrusted) text is in the context."""
        return bool(self.retrieved)

    def seconds_left(self) -> float:
        return self.budget.deadline_s - (time.monotonic() - self.started)
