"""The governance loop every tool call passes, whoever makes it, as small stacked wrappers.

Data flows inward through: registry and kill switch -> permission -> argument validation -> budgets
-> loop detection -> untrusted-content rule -> output guard -> execution (timeout, retries, circuit
breaker). Audit and metrics/tracing wrap the outside so that every outcome, refusals included, is
recorded exactly once.
"""

from __future__ import annotations

import concurrent.futures
import contextvars
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from agent.context import Refusal, RunContext, ToolCall, ToolOutcome
from agent.injection_model import InjectionModel
from agent.redact import redact_value
from agent.tools import Registry
from agent.untrusted import Finding, is_attempt, scan, urls
from kernel.errors import CairnError
from kernel.telemetry import Metrics, tracer

Handler = Callable[[ToolCall, RunContext], ToolOutcome]
Wrapper = Callable[[Handler], Handler]


class TransientToolError(Exception):
    """Raised by a tool for a failure worth retrying (idempotent tools only)."""


@dataclass
class CircuitBreaker:
    threshold: int = 3
    cooldown_s: float = 30.0
    failures: int = 0
    opened_at: float | None = None

    def allow(self) -> bool:
        if self.opened_at is None:
            return True
        if time.monotonic() - self.opened_at >= self.cooldown_s:
            self.opened_at = None  # half-open: one call may try again
            self.failures = self.threshold - 1
            return True
        return False

    def record(self, ok: bool) -> None:
        if ok:
            self.failures, self.opened_at = 0, None
            return
        self.failures += 1
        if self.failures >= self.threshold:
            self.opened_at = time.monotonic()


def metered(metrics: Metrics) -> Wrapper:
    def wrap(inner: Handler) -> Handler:
        def handle(call: ToolCall, ctx: RunContext) -> ToolOutcome:
            with tracer().start_as_current_span(f"tool.{call.tool}") as span:
                t0 = time.perf_counter()
                out = inner(call, ctx)
                metrics.tool_latency.labels(call.tool).observe(time.perf_counter() - t0)
                metrics.tool_calls.labels(call.tool, out.decision).inc()
                span.set_attribute("cairn.decision", out.decision)
                if out.error_code is Refusal.LOOP_DETECTED:
                    metrics.loop_detections.inc()
                if out.error_code is Refusal.UNTRUSTED_CONTENT:
                    metrics.safety_events.labels("blocked_write").inc()
                return out
        return handle
    return wrap


def audited(inner: Handler) -> Handler:
    def handle(call: ToolCall, ctx: RunContext) -> ToolOutcome:
        t0 = time.perf_counter()
        out = inner(call, ctx)
        ms = (time.perf_counter() - t0) * 1000
        ctx.records.add_audit(
            trace_id=ctx.trace_id, user_id=ctx.principal.user_id, role=ctx.principal.role, tool=call.tool,
            origin=call.origin, arguments=redact_value(call.args), decision=out.decision,
            reason=str(redact_value(out.reason)), latency_ms=ms, outcome="ok" if out.ok else str(out.error_code),
        )
        ctx.trace.append({"tool": call.tool, "origin": call.origin, "decision": out.decision,
                          "code": str(out.error_code or ""), "reason": out.reason, "ms": round(ms, 1)})
        return out
    return handle


def registered(registry: Registry) -> Wrapper:
    def wrap(inner: Handler) -> Handler:
        def handle(call: ToolCall, ctx: RunContext) -> ToolOutcome:
            if registry.get(call.tool) is None:
                return ToolOutcome.refused(Refusal.UNKNOWN_TOOL, f"there is no tool named {call.tool!r}")
            if registry.is_disabled(call.tool):
                return ToolOutcome.refused(Refusal.TOOL_DISABLED, f"tool {call.tool!r} is switched off")
            return inner(call, ctx)
        return handle
    return wrap


def permitted(registry: Registry) -> Wrapper:
    def wrap(inner: Handler) -> Handler:
        def handle(call: ToolCall, ctx: RunContext) -> ToolOutcome:
            spec = registry.tools[call.tool]
            if ctx.principal.role not in spec.roles:
                return ToolOutcome.refused(Refusal.FORBIDDEN, f"role {ctx.principal.role!r} may not use {call.tool!r}")
            return inner(call, ctx)
        return handle
    return wrap


def validated(registry: Registry) -> Wrapper:
    def wrap(inner: Handler) -> Handler:
        def handle(call: ToolCall, ctx: RunContext) -> ToolOutcome:
            spec = registry.tools[call.tool]
            try:
                call.validated = spec.args.model_validate(call.args)
            except ValidationError as exc:
                problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}"
                                     for e in exc.errors())
                return ToolOutcome.refused(Refusal.INVALID_ARGUMENTS, problems)
            return inner(call, ctx)
        return handle
    return wrap


def budgeted(inner: Handler) -> Handler:
    def handle(call: ToolCall, ctx: RunContext) -> ToolOutcome:
        b, u = ctx.budget, ctx.usage
        if u.tool_calls >= b.max_tool_calls:
            return ToolOutcome.refused(Refusal.BUDGET_EXCEEDED, f"tool-call budget of {b.max_tool_calls} used up")
        # Token and cost budgets bound what a model spends; the planner's own calls cost neither, and the
        # extractive fallback must still be able to answer after a model has spent its budget.
        if call.origin == "model" and u.tokens >= b.max_tokens:
            return ToolOutcome.refused(Refusal.BUDGET_EXCEEDED, f"token budget of {b.max_tokens} used up")
        if call.origin == "model" and u.cost >= b.max_cost:
            return ToolOutcome.refused(Refusal.BUDGET_EXCEEDED, f"cost budget of {b.max_cost} used up")
        if ctx.seconds_left() <= 0:
            return ToolOutcome.refused(Refusal.DEADLINE_EXCEEDED, "the turn's deadline has passed")
        if ctx.cancel.is_set():
            return ToolOutcome.refused(Refusal.CANCELLED, "the caller stopped waiting for this turn")
        u.tool_calls += 1
        return inner(call, ctx)
    return handle


def loop_guarded(inner: Handler) -> Handler:
    def handle(call: ToolCall, ctx: RunContext) -> ToolOutcome:
        key = call.key()
        seen = ctx.call_counts.get(key, 0)
        if seen >= ctx.budget.max_repeats:
            return ToolOutcome.refused(Refusal.LOOP_DETECTED,
                                       f"the same {call.tool} call was already made {seen} times")
        ctx.call_counts[key] = seen + 1
        return inner(call, ctx)
    return handle


def untrusted_content_rule(registry: Registry) -> Wrapper:
    """Once retrieved text is in the context, a write tool runs only if it was planned before retrieval
    or confirmed by the user, and never with arguments that come from retrieved text."""

    def wrap(inner: Handler) -> Handler:
        def handle(call: ToolCall, ctx: RunContext) -> ToolOutcome:
            spec = registry.tools[call.tool]
            if spec.tier != "write" or not ctx.tainted:
                return inner(call, ctx)
            if not (call.confirmed or call.key() in ctx.planned_writes):
                return _blocked(ctx, call, "a write action after retrieval needs the user's confirmation "
                                           "or a plan made before retrieval")
            derived = _from_retrieved(call.args, ctx.retrieved)
            if derived:
                return _blocked(ctx, call, f"argument text comes from retrieved content: {derived[:80]!r}")
            return inner(call, ctx)
        return handle
    return wrap


def _blocked(ctx: RunContext, call: ToolCall, reason: str) -> ToolOutcome:
    ctx.records.add_safety_event(trace_id=ctx.trace_id, user_id=ctx.principal.user_id, kind="blocked_write",
                                       detail=f"{call.tool}: {reason}")
    return ToolOutcome.refused(Refusal.UNTRUSTED_CONTENT, reason)


def _from_retrieved(args: dict[str, Any], retrieved: list[str]) -> str:
    """A string argument whose URLs or any 6-word run also occur in retrieved text."""
    corpus = "\n".join(retrieved).lower()
    corpus_urls = urls(corpus)
    for value in _strings(args):
        low = value.lower()
        if urls(low) & corpus_urls:
            return value
        words = low.split()
        for i in range(max(len(words) - 5, 0)):
            if " ".join(words[i : i + 6]) in corpus:
                return value
    return ""


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def findings_in(text: str, model: InjectionModel | None) -> list[Finding]:
    """The pattern scanner's findings, and the learned model's when it scores the text over its threshold; none
    when all there is are weak patterns (a link in a procedure step)."""
    found = scan(text)
    if model is not None and model.flags(text):
        found.append(Finding("learned_model", text[:80]))
    return found if is_attempt(found) else []


# A code block is weighed only once its chunk was flagged, so it faces a stricter bar than a chunk: on BIPIA's
# training attacks planted in emails, every unit carrying the attacker's link and no pattern scores 0.41 or
# more (in-sample: the model was fitted on them), the docs dev set's linked units 0.23 at the 95th percentile.
UNIT_BAR = 0.5


def unit_lures(model: InjectionModel | None) -> Callable[[str], bool]:
    """Does a code block that carries a link read as a lure by itself: any pattern (a weak one too), or the
    learned model scoring the whole block over UNIT_BAR of its threshold? Asked of the code blocks of a
    flagged chunk: the learned model flags one documentation chunk in ten on a single line — a code example's
    `client.get('http://example.com/')` reads like a planted request — and dropping every linked unit of such
    a chunk cost code answers. Prose and unfenced code with a link in a flagged chunk are dropped regardless:
    held out by family, 6 of 43 planted attacker links passed this check as sentences, none as a code block
    (bench/train_injection_scanner.py)."""
    def lures(text: str) -> bool:
        return bool(scan(text)) or (model is not None and model.probability(text) >= UNIT_BAR * model.threshold)
    return lures


def output_guarded(registry: Registry, metrics: Metrics, model: InjectionModel | None = None,
                   max_chars: int = 60_000) -> Wrapper:
    """Scan untrusted output for injection (flag + safety event), mark the context as tainted, cap size.

    A verdict depends only on the passage's text, and the same popular passages come back search after
    search, so verdicts are remembered (bounded) instead of rescanned: scanning was most of the cost of a
    direct search once every search passed this loop."""
    verdicts = functools.lru_cache(maxsize=8192)(lambda text: tuple(findings_in(text, model)))

    def wrap(inner: Handler) -> Handler:
        def handle(call: ToolCall, ctx: RunContext) -> ToolOutcome:
            out = inner(call, ctx)
            spec = registry.tools[call.tool]
            if not out.ok:
                return out
            if spec.returns_untrusted and out.output is not None:
                # A whole source read is as untrusted as a search hit.
                for item in out.output.untrusted():
                    text = item.untrusted_text()
                    ctx.retrieved.append(text)
                    findings = verdicts(text)
                    if findings:
                        item.flagged = sorted({f.kind for f in findings})
                        ctx.flagged_chunks.add(str(item.chunk_ref()))
                        ctx.records.add_safety_event(
                            trace_id=ctx.trace_id, user_id=ctx.principal.user_id, kind="injection_pattern",
                            chunk_id=item.chunk_ref(), document_id=item.document_id,
                            detail=", ".join(f.kind for f in findings))
                        for f in findings:
                            metrics.safety_events.labels(f.kind).inc()
            size = len(out.output.model_dump_json()) if out.output is not None else 0
            if size > max_chars:
                return ToolOutcome.failed(Refusal.OUTPUT_TOO_LARGE, f"tool output of {size} characters is over the cap")
            return out
        return handle
    return wrap


@dataclass
class Executor:
    """Runs the tool: timeout, retries with backoff for idempotent tools, a circuit breaker per tool."""

    registry: Registry
    retries: int = 2
    breakers: dict[str, CircuitBreaker] = field(default_factory=dict)
    pool: concurrent.futures.ThreadPoolExecutor = field(
        default_factory=lambda: concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="tool"))

    def __call__(self, call: ToolCall, ctx: RunContext) -> ToolOutcome:
        spec = self.registry.tools[call.tool]
        breaker = self.breakers.setdefault(call.tool, CircuitBreaker())
        if not breaker.allow():
            return ToolOutcome.refused(Refusal.CIRCUIT_OPEN, f"{call.tool} failed repeatedly; paused for a while")
        attempts = 1 + (self.retries if spec.idempotent else 0)
        last = ToolOutcome.failed(Refusal.TOOL_ERROR, "not run")
        for attempt in range(attempts):
            timeout = min(spec.timeout_s, max(ctx.seconds_left(), 0.001))
            # The tool runs in the pool's thread inside this call's context: its spans join the turn's trace.
            future = self.pool.submit(contextvars.copy_context().run, spec.fn, ctx, call.validated)
            try:
                result = future.result(timeout=timeout)
            except concurrent.futures.TimeoutError:
                future.cancel()
                last = ToolOutcome.failed(Refusal.TIMEOUT, f"{call.tool} took longer than {timeout:.1f} s")
            except TransientToolError as exc:
                last = ToolOutcome.failed(Refusal.TRANSIENT_ERROR, str(exc))
            except CairnError as exc:
                breaker.record(True)  # a clean refusal from the tool is not a fault of the tool
                return ToolOutcome.refused(Refusal.of(exc), str(exc))
            except Exception as exc:
                last = ToolOutcome.failed(Refusal.TOOL_ERROR, f"{type(exc).__name__}: {exc}")
                breaker.record(False)
                return last
            else:
                breaker.record(True)
                return ToolOutcome(ok=True, output=result)
            if attempt + 1 < attempts:
                time.sleep(min(0.05 * 2**attempt, 0.5))
        breaker.record(False)
        return last


def governed(registry: Registry, metrics: Metrics, executor: Executor | None = None,
             injection_model: InjectionModel | None = None) -> Handler:
    """Compose the loop. The first wrapper listed is the outermost."""
    wrappers: list[Wrapper] = [
        metered(metrics), audited, registered(registry), permitted(registry), validated(registry), budgeted,
        loop_guarded, untrusted_content_rule(registry), output_guarded(registry, metrics, injection_model),
    ]
    handler: Handler = executor or Executor(registry)
    for w in reversed(wrappers):
        handler = w(handler)
    return handler
