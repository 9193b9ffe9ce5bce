"""What the agent may touch, by type: read ports onto the catalogue and the index, and the sinks it writes.

The agent is handed these, never the store or a writable index, so "the agent cannot change what is
indexed" holds by type (mypy) rather than by convention.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from kernel.store.catalogue import ChunkRow, CorpusRow, DocumentRow
from kernel.store.records import AnswerRow, TicketRow


class DocumentReader(Protocol):
    """Read-only view of the ingest catalogue."""

    def get_document(self, document_id: str) -> DocumentRow | None: ...

    def document_pages(self, document_id: str) -> list[list[int]]: ...

    def get_chunk_row(self, chunk_id: str) -> ChunkRow | None: ...

    def chunk_rows(self, document_id: str) -> list[ChunkRow]: ...

    def list_corpora(self, after: str | None = None, limit: int | None = None) -> list[CorpusRow]: ...

    def find_corpus(self, name: str) -> CorpusRow | None: ...


class AgentRecords(Protocol):
    """The agent's sinks (audit, safety events, tickets, answers, conversations) and what it reads back."""

    def add_audit(self, *, trace_id: str, user_id: str, role: str, tool: str, origin: str,
                  arguments: dict[str, Any], decision: str, reason: str = "", latency_ms: float = 0.0,
                  outcome: str = "") -> None: ...

    def add_safety_event(self, *, trace_id: str, user_id: str, kind: str, detail: str = "",
                         chunk_id: str | None = None, document_id: str | None = None) -> None: ...

    def create_ticket(self, key: str, user_id: str, *, question: str, trace_id: str, answer: str = "",
                      reason: str = "", trace: Sequence[dict[str, Any]] = ()) -> tuple[TicketRow, bool]: ...

    def get_ticket(self, ticket_id: str) -> TicketRow | None: ...

    def update_ticket(self, ticket_id: str, *, status: str | None = None, assignee: str | None = None,
                      comments: Sequence[dict[str, Any]] | None = None) -> TicketRow: ...

    def save_answer(self, answer_id: str, *, user_id: str, groups: Sequence[str], question: str, abstained: bool,
                    body: dict[str, Any], trace_id: str, profile: int = 0) -> None: ...

    def get_answer(self, answer_id: str) -> AnswerRow | None: ...

    def conversation(self, conversation_id: str, user_id: str) -> list[Any]: ...

    def append_turn(self, conversation_id: str, user_id: str, turn: dict[str, Any], keep: int) -> None: ...
