"""Users: search and ask (JSON, or server-sent events when the client asks for a stream)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse

from agent.answer import Answer
from agent.tool_results import SearchResult
from api.deps import State, Who
from api.problems import PROBLEM_RESPONSES
from api.schemas import AskIn, SearchIn, SearchOut

router = APIRouter(prefix="/v1", tags=["ask"], responses=PROBLEM_RESPONSES)


@router.post("/search", response_model=SearchOut, summary="Hybrid search as the caller")
def search(body: SearchIn, state: State, who: Who) -> SearchOut:
    # A direct search is a tool call like the agent's: same loop, same audit, same metrics.
    out = state.agent.call("search_knowledge", body.model_dump(exclude_none=True), who, "api", SearchResult)
    return SearchOut.of_tool(out)


@router.post("/ask", summary="Answer with citations (JSON; SSE with Accept: text/event-stream or stream=true)",
             response_model=Answer, responses={200: {"content": {"text/event-stream": {
                 "schema": {"$ref": "#/components/schemas/AskEvent"}}}}})
async def ask(body: AskIn, state: State, who: Who,
              accept: Annotated[str | None, Header(include_in_schema=False)] = None) -> Any:
    if body.stream or (accept or "").startswith("text/event-stream"):
        return StreamingResponse(_events(body, state, who), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
    cancel = threading.Event()
    try:
        # The profile is picked in the worker thread: a canary's first ask per user writes its assignment.
        ans = await run_in_threadpool(lambda: state.agents.for_user(who).ask(
            body.question, who, body.conversation_id, True, None, cancel, None, body.escalate_unanswered))
    finally:
        cancel.set()  # the deadline passed or the client left: the turn stops at its next tool call
    return JSONResponse(ans.model_dump(mode="json"))


async def _events(body: AskIn, state: State, who: Who) -> AsyncIterator[bytes]:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()

    def emit(event: str, data: dict[str, Any]) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, (event, data))

    cancel = threading.Event()

    def work() -> None:
        try:
            ans = state.agents.for_user(who).ask(body.question, who, body.conversation_id, on_event=emit, cancel=cancel,
                                  escalate_unanswered=body.escalate_unanswered)
            emit("answer", ans.model_dump(mode="json"))
        except Exception:
            emit("error", {"title": "Internal error", "status": 500})

    yield _sse("progress", {"stage": "received"})
    task = loop.run_in_executor(None, work)
    try:
        while True:
            event, data = await queue.get()
            yield _sse(event, data)
            if event in ("answer", "error"):
                break
        await task
    finally:
        # Reached on disconnect and on the request deadline too (the generator is cancelled or closed).
        cancel.set()


def _sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, default=str)}\n\n".encode()
