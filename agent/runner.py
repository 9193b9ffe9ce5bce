"""One agent turn: memory -> router over models (extractive last) -> verifier -> stored answer."""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import numpy as np

from agent.answer import Answer
from agent.context import Budget, Origin, Refusal, RunContext, ToolCall, ToolOutcome
from agent.extractive import EmbeddingScorer, ExtractiveResponder, abstain
from agent.governance import CircuitBreaker, Handler
from agent.links import apply_link_policy
from agent.llm import BudgetExhaustedError, ProviderError
from agent.ports import AgentRecords, DocumentReader
from agent.tool_results import TicketCreated, ToolResult
from agent.verify import SupportFn, verify
from index.reader import ReadableIndex
from kernel.errors import CairnError, ConfigError, NotFoundError, ToolRefusedError
from kernel.flags import Flags
from kernel.settings import Settings
from kernel.telemetry import Metrics, current_trace_id, tracer
from kernel.types import Principal
from retrieval.search import HybridSearcher

_FOLLOW_UP = re.compile(r"^(and|but|also|what about|how about|then|so)\b|\b(it|its|they|them|their|this|that|"
                        r"these|those|he|she|there)\b", re.IGNORECASE)

R = TypeVar("R", bound=ToolResult)
# A run that met one of these refusals was stopped by the loop guard or a budget, not by its own choice.
STOPS = {Refusal.LOOP_DETECTED: "loop", Refusal.BUDGET_EXCEEDED: "budget", Refusal.DEADLINE_EXCEEDED: "deadline"}


class Responder(Protocol):
    name: str

    def respond(self, question: str, query: str, ctx: RunContext, handle: Handler) -> Answer: ...


def embedding_support(scorer: EmbeddingScorer) -> SupportFn:
    """Cosine of a sentence and a quote. The verifier compares one sentence with many spans: the shared
    vector cache embeds each text once."""
    def support(sentence: str, quote: str) -> float:
        vecs = scorer.vectors([sentence, quote])
        return float(np.dot(vecs[0], vecs[1]))
    return support


@dataclass
class Router:
    """Models in order of preference; the extractive responder is always the last resort. A process that
    only calls tools (ingest, a plain search) has none and cannot answer."""

    models: Sequence[Responder]
    fallback: ExtractiveResponder | None
    breakers: dict[str, CircuitBreaker] = field(default_factory=dict)
    flags: Flags | None = None  # `llm` off: extractive only; `provider:<name>` off: that model is skipped

    def last_resort(self) -> ExtractiveResponder:
        if self.fallback is None:
            raise ConfigError("this process was started without the answer models")
        return self.fallback

    def respond(self, question: str, query: str, ctx: RunContext, handle: Handler) -> Answer:
        notices: list[str] = []
        for model in self.models:
            if self.flags is not None and (self.flags.is_off("llm") or self.flags.is_off(f"provider:{model.name}")):
                notices.append(f"{model.name}: switched off")
                continue
            breaker = self.breakers.setdefault(model.name, CircuitBreaker(threshold=3, cooldown_s=60))
            if not breaker.allow():
                notices.append(f"{model.name}: circuit open, skipped")
                continue
            try:
                ans = model.respond(question, query, ctx, handle)
            except (ProviderError, BudgetExhaustedError) as exc:
                breaker.record(isinstance(exc, BudgetExhaustedError))
                notices.append(f"{model.name}: {exc}")
                continue
            breaker.record(True)
            ans.notices = [*notices, *ans.notices]
            return ans
        ans = self.last_resort().respond(question, query, ctx, handle)
        ans.notices = [*notices, *ans.notices]
        return ans


@dataclass
class Agent:
    router: Router
    handle: Handler
    docs: DocumentReader
    records: AgentRecords
    passages: ReadableIndex
    searcher: HybridSearcher
    support: SupportFn
    settings: Settings
    metrics: Metrics
    profile: int = 0  # the answer profile this agent was built from (kernel.profiles)

    def budget(self) -> Budget:
        s = self.settings
        return Budget(max_steps=s.step_budget, max_tool_calls=s.tool_budget, max_tokens=s.token_budget,
                      max_cost=s.cost_budget, deadline_s=s.deadline_s)

    def context(self, principal: Principal, cancel: threading.Event | None = None) -> RunContext:
        """A run's context, inside the span that traces it: its trace id is that span's."""
        ctx = RunContext(principal=principal, docs=self.docs, records=self.records, passages=self.passages,
                         searcher=self.searcher,
                         budget=self.budget(), trace_id=current_trace_id())
        if cancel is not None:
            ctx.cancel = cancel
        return ctx

    def call(self, tool: str, args: dict[str, Any], principal: Principal, origin: Origin, expect: type[R]) -> R:
        """One tool call on a person's behalf (API search, CLI search, a source read): the same governance
        loop and audit as the agent's own calls. Raises NotFoundError or ToolRefusedError when refused."""
        with tracer().start_as_current_span(f"call.{tool}"):
            out = self.handle(ToolCall(tool, args, origin=origin), self.context(principal))
        result = _result(tool, out, expect)
        self.metrics.reads.labels(f"{origin}:{tool}").inc()
        return result

    def escalate(self, question: str, ans: Answer, reason: str, principal: Principal, origin: Origin,
                 key: str | None = None, trace_id: str | None = None) -> TicketCreated:
        """A ticket for a person about one answer, as its own governed call in a fresh context: it holds the
        user's words and the answer's ids, nothing of the retrieved text, so the taint rule that refuses the
        model's writes after retrieval has nothing to guard here. One ticket per answer unless a new key."""
        args = {"question": question, "answer": f"answer {ans.id} (trace {ans.trace_id})", "reason": reason,
                "idempotency_key": key or f"answer:{ans.id}"}
        ctx = self.context(principal)
        ctx.trace_id = trace_id or ctx.trace_id
        return _result("escalate_to_human", self.handle(ToolCall("escalate_to_human", args, origin=origin), ctx),
                       TicketCreated)

    def ask(self, question: str, principal: Principal, conversation_id: str | None = None,
            save: bool = True, on_event: Callable[[str, dict[str, Any]], None] | None = None,
            cancel: threading.Event | None = None, history: Sequence[dict[str, str]] | None = None,
            escalate_unanswered: bool = False) -> Answer:
        """One turn. Earlier turns come from the stored conversation, or from `history` when the caller
        keeps the conversation itself (the OpenAI-compatible door sends it with every request). With
        `escalate_unanswered`, a turn the sources did not (fully) answer opens a ticket for a person."""
        t0 = time.perf_counter()
        emit = on_event or (lambda event, data: None)
        with tracer().start_as_current_span("agent.turn") as span:
            ctx = self.context(principal, cancel)
            span.set_attribute("cairn.user", principal.user_id)
            turns = list(history) if history is not None else (
                self.records.conversation(conversation_id, principal.user_id) if conversation_id else [])
            query = contextual_query(question, turns)
            emit("progress", {"stage": "searching", "query": query, "trace_id": ctx.trace_id})
            try:
                ans = self.router.respond(question, query, ctx, self.handle)
                if not ans.abstained:
                    emit("progress", {"stage": "verifying", "sentences": len(ans.sentences)})
                    ans = self._verified(ans, question, query, ctx)
            except CairnError as exc:
                ans = abstain(question, [query], ctx, f"{exc.code}: {exc}")
            ans = apply_link_policy(ans, self._allowed_links)
            ans.id = uuid.uuid4().hex
            ans.trace_id = ctx.trace_id
            ans.profile = self.profile
            if escalate_unanswered and (ans.abstained or ans.removed):
                self._escalate(question, ans, ctx)
        ans.latency_ms = (time.perf_counter() - t0) * 1000
        self.metrics.answers.labels("abstained" if ans.abstained else "answered", str(self.profile)).inc()
        self.metrics.answer_latency.observe(ans.latency_ms / 1000)
        for reason in {STOPS[e["code"]] for e in ctx.trace if e.get("code") in STOPS}:
            self.metrics.runs_stopped.labels(reason).inc()
        if save:
            self.records.save_answer(ans.id, user_id=principal.user_id, groups=principal.groups,
                                     question=question, abstained=ans.abstained,
                                     body=ans.model_dump(mode="json"), trace_id=ctx.trace_id,
                                     profile=self.profile)
        if conversation_id and self.settings.memory_turns:
            self.records.append_turn(conversation_id, principal.user_id,
                                     {"question": question, "query": query, "answer": ans.answer,
                                      "answer_id": ans.id}, self.settings.memory_turns)
        return ans

    def _escalate(self, question: str, ans: Answer, turn: RunContext) -> None:
        """After the search, on the user's behalf, in the turn's trace."""
        why = ("the approved sources did not answer this question" if ans.abstained
               else "some sentences of the answer could not be verified against the sources")
        try:
            made = self.escalate(question, ans, why, turn.principal, "planner", trace_id=turn.trace_id)
        except ToolRefusedError as exc:
            ans.notices.append(f"Could not ask a person to look at this ({exc.reason_code}).")
            return
        ans.notices.append(f"A person will look at this question: ticket {made.ticket_id}.")

    def _allowed_links(self, document_id: str) -> list[str]:
        doc = self.docs.get_document(document_id)
        corpus = self.docs.find_corpus(doc.corpus) if doc is not None else None
        links = (corpus.manifest or {}).get("links", {}) if corpus is not None else {}
        return [str(d) for d in links.get("allow", [])]

    def _verified(self, ans: Answer, question: str, query: str, ctx: RunContext) -> Answer:
        checked = verify(ans, self.docs, ctx.principal, self.support, self.settings.support_threshold)
        total = len(checked.sentences) + len(checked.removed)
        if checked.sentences and len(checked.sentences) * 2 >= total:
            return checked
        # Too little survived: degrade to the extractive answer rather than show an unsupported one.
        fallback = self.router.last_resort().respond(question, query, ctx, self.handle)
        fallback.notices = [*checked.notices, f"{ans.model} answer failed verification; extractive fallback"]
        fallback.removed = checked.removed
        return fallback if fallback.abstained else verify(fallback, self.docs, ctx.principal, self.support, 1.0)


def _result(tool: str, out: ToolOutcome, expect: type[R]) -> R:
    """A tool's typed result, or its refusal as an error of the hierarchy."""
    if not out.ok:
        if out.error_code is Refusal.NOT_FOUND:
            raise NotFoundError(out.reason)
        raise ToolRefusedError(str(out.error_code), out.reason)
    if not isinstance(out.output, expect):
        raise TypeError(f"{tool} returned {type(out.output).__name__}, not {expect.__name__}")
    return out.output


def contextual_query(question: str, turns: list[dict[str, str]]) -> str:
    """A follow-up is searched together with the previous question."""
    if not turns or not _FOLLOW_UP.search(question) or len(question.split()) > 14:
        return question
    return f"{turns[-1].get('query') or turns[-1]['question']} {question}"
