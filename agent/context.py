"""What one agent turn carries through every tool call: principal, budgets, trace, taint and services."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from index.protocol import VectorIndex
from kernel.store import Store
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


@dataclass
class ToolOutcome:
    ok: bool
    output: Any = None
    decision: str = "allowed"
    reason: str = ""
    error_code: str = ""

    @classmethod
    def refused(cls, code: str, reason: str) -> ToolOutcome:
        return cls(ok=False, decision="refused", reason=reason, error_code=code)

    @classmethod
    def failed(cls, code: str, reason: str) -> ToolOutcome:
        return cls(ok=False, decision="error", reason=reason, error_code=code)

    def for_model(self) -> dict[str, Any]:
        if self.ok:
            return {"ok": True, "result": self.output}
        return {"ok": False, "error": {"code": self.error_code, "message": self.reason}}


@dataclass
class RunContext:
    """Per-turn state. Tools and wrappers read it; only wrappers change the counters."""

    principal: Principal
    store: Store
    index: VectorIndex
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
