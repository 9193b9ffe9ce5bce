"""Tool specifications and the registry: typed arguments, permission tier, idempotency, timeout."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from agent.context import RunContext
from agent.tool_results import ToolResult
from kernel.flags import Flags
from kernel.types import Role

Tier = Literal["read", "write"]
ALL_ROLES: frozenset[Role] = frozenset({"admin", "curator", "support", "user"})


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str
    args: type[BaseModel]
    fn: Callable[[RunContext, Any], ToolResult]
    tier: Tier = "read"
    idempotent: bool = True
    timeout_s: float = 10.0
    roles: frozenset[Role] = ALL_ROLES
    returns_untrusted: bool = False

    def schema(self) -> dict[str, Any]:
        """The OpenAI-style function schema offered to models."""
        return {"type": "function", "function": {
            "name": self.name, "description": self.description, "parameters": self.args.model_json_schema()}}


@dataclass
class Registry:
    tools: dict[str, ToolSpec] = field(default_factory=dict)
    disabled: set[str] = field(default_factory=set)
    flags: Flags | None = None  # the operators' run-time switches (`tool:<name>`), shared by every process

    def register(self, spec: ToolSpec) -> None:
        if spec.name in self.tools:
            raise ValueError(f"tool {spec.name!r} registered twice")
        self.tools[spec.name] = spec

    def get(self, name: str) -> ToolSpec | None:
        return self.tools.get(name)

    def kill(self, name: str) -> None:
        """The per-tool kill switch of this process: a disabled tool is refused before anything else runs."""
        self.disabled.add(name)

    def is_disabled(self, name: str) -> bool:
        """Killed here, or switched off by an operator (`cairn flags off tool:<name>`)."""
        return name in self.disabled or (self.flags is not None and self.flags.is_off(f"tool:{name}"))

    def offered_to(self, role: Role) -> list[ToolSpec]:
        return [t for n, t in sorted(self.tools.items()) if not self.is_disabled(n) and role in t.roles]
