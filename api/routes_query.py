"""Users: search and ask (JSON, or server-sent events when the client asks for a stream)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse

from api.deps import State, Who
from api.problems import PROBLEM_RESPONSES
from api.schemas import AskIn, SearchHit, SearchIn, SearchOut
from retrieval.search import SearchRequest

router = APIRouter(prefix="/v1", tags=["ask"], responses=PROBLEM_RESPONSES)


@router.post("/search", response_model=SearchOut, summary="Hybrid search as the caller")
def search(body: SearchIn, state: State, who: Who) -> SearchOut:
    searcher = state.services.searcher
    cfg = searcher.config.with_(rerank=body.rerank) if body.rerank is not None else None
    if cfg is not None and cfg.rerank and searcher.reranker is None:
        cfg = cfg.with_(rerank=False)
    res = searcher.search(SearchRequest(body.query, who, k=body.k, corpora=body.corpora,
                                        source_types=body.source_types), cfg)
    return SearchOut(rerank=res.rerank, results=[SearchHit(
        chunk_id=r.chunk.chunk_id, document_id=r.chunk.document_id, corpus=r.chunk.corpus, source=r.chunk.source,
        title=r.chunk.title, text=r.chunk.text, start=r.chunk.start, end=r.chunk.end,
        heading_path=list(r.chunk.heading_path), page=r.chunk.page, score=r.score, scores=r.scores)
        for r in res.results])


@router.post("/ask", summary="Answer with citations (JSON; SSE with Accept: text/event-stream or stream=true)",
             responses={200: {"content": {"application/json": {}, "text/event-stream": {}}}})
async def ask(body: AskIn, state: State, who: Who,
              accept: Annotated[str | None, Header(include_in_schema=False)] = None) -> Any:
    if body.stream or (accept or "").startswith("text/event-stream"):
        return StreamingResponse(_events(body, state, who), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
    ans = await run_in_threadpool(state.agent.ask, body.question, who, body.conversation_id)
    return JSONResponse(ans.model_dump(mode="json"))


async def _events(body: AskIn, state: State, who: Who) -> AsyncIterator[bytes]:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()

    def emit(event: str, data: dict[str, Any]) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, (event, data))

    def work() -> None:
        try:
            ans = state.agent.ask(body.question, who, body.conversation_id, on_event=emit)
            emit("answer", ans.model_dump(mode="json"))
        except Exception:
            emit("error", {"title": "Internal error", "status": 500})

    yield _sse("progress", {"stage": "received"})
    task = loop.run_in_executor(None, work)
    while True:
        event, data = await queue.get()
        yield _sse(event, data)
        if event in ("answer", "error"):
            break
    await task


def _sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, default=str)}\n\n".encode()
