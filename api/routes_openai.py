"""The OpenAI-compatible door: `/v1/chat/completions` and `/v1/models`, for chat front-ends and SDKs.

The same agent turn as `/v1/ask` (ACLs, governance, budgets, audit, stored answer); only the shapes differ.
The caller's Cairn key is the bearer token. Earlier user messages are the conversation; system and
assistant messages cannot change how Cairn answers (its instructions are not the caller's to replace).
Citations travel in the `cairn` extension field of the completion (and of the stream's last chunk).
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from agent.answer import Answer, Citation
from api.deps import State, Who
from api.problems import PROBLEM_RESPONSES, ProblemError
from api.schemas import ApiIn

router = APIRouter(prefix="/v1", tags=["openai"], responses=PROBLEM_RESPONSES)
MODEL_ID = "cairn"
_CREATED = 1_764_000_000  # fixed: the model list must not change between calls
# Streamed pieces end at a citation marker; joined, they are exactly the answer text.
_PIECE = re.compile(r"[\s\S]*?(?:\[\d+\]|$)\s*")


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str
    text: str | None = None


class ChatMessage(ApiIn):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        return " ".join(p.text or "" for p in self.content or [] if p.type == "text").strip()


class ChatRequest(ApiIn):
    # Sampling options (temperature, max_tokens, ...) are accepted and ignored: answers are extracted and
    # verified, not sampled.
    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [{
        "model": "cairn", "messages": [{"role": "user", "content": "How many days of paid leave do I get?"}]}]})

    model: str = Field(default=MODEL_ID, max_length=100)
    messages: list[ChatMessage] = Field(min_length=1, max_length=100)
    stream: bool = False

    @field_validator("messages")
    @classmethod
    def _ends_with_a_question(cls, v: list[ChatMessage]) -> list[ChatMessage]:
        if v[-1].role != "user" or not v[-1].text():
            raise ValueError("the last message must be the user's question, with text")
        if len(v[-1].text()) > 4000:
            raise ValueError("the question is limited to 4000 characters")
        return v


class CairnExtension(BaseModel):
    answer_id: str
    abstained: bool
    citations: list[Citation]
    trace_id: str
    notices: list[str]


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: Literal["stop"] = "stop"


class CompletionUsage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: CompletionUsage
    cairn: CairnExtension


class Delta(BaseModel):
    role: Literal["assistant"] | None = None
    content: str | None = None


class ChunkChoice(BaseModel):
    index: int = 0
    delta: Delta
    finish_reason: Literal["stop"] | None = None


class ChatCompletionChunk(BaseModel):
    """One `data:` event of a streamed completion; the stream ends with `data: [DONE]`."""

    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChunkChoice]
    cairn: CairnExtension | None = None


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


def _models() -> list[ModelCard]:
    return [ModelCard(id=MODEL_ID, created=_CREATED, owned_by="cairn")]


@router.get("/models", response_model=ModelList, operation_id="list_models",
            summary="Models (OpenAI-compatible): one per answer profile")
def models(_: Who) -> ModelList:
    return ModelList(data=_models())


def _history(body: ChatRequest) -> list[dict[str, str]]:
    # Only the user's own earlier questions shape the search; an assistant message in the request is
    # client-supplied text and is not trusted as Cairn's earlier answer.
    return [{"question": m.text()} for m in body.messages[:-1] if m.role == "user" and m.text()]


def _extension(ans: Answer) -> CairnExtension:
    return CairnExtension(answer_id=ans.id, abstained=ans.abstained, citations=ans.citations,
                          trace_id=ans.trace_id, notices=ans.notices)


def _usage(ans: Answer) -> CompletionUsage:
    p, c = ans.usage.prompt_tokens, ans.usage.completion_tokens
    return CompletionUsage(prompt_tokens=p, completion_tokens=c, total_tokens=p + c)


@router.post("/chat/completions", operation_id="create_chat_completion",
             summary="Chat completion (OpenAI-compatible; `stream: true` for SSE chunks)",
             response_model=ChatCompletion,
             responses={200: {"content": {"text/event-stream": {"schema": {
                 "$ref": "#/components/schemas/ChatCompletionEvent"}}}}})
async def chat_completions(body: ChatRequest, state: State, who: Who) -> Any:
    if body.model != MODEL_ID:
        raise ProblemError(404, "Not found", f"no model {body.model!r}; GET /v1/models lists them")
    question, history = body.messages[-1].text(), _history(body)
    created = int(time.time())
    if body.stream:
        return StreamingResponse(_stream(question, history, state, who, created), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
    cancel = threading.Event()
    try:
        ans = await run_in_threadpool(
            lambda: state.agents.for_user(who).ask(question, who, None, True, None, cancel, history))
    finally:
        cancel.set()
    return ChatCompletion(id=f"chatcmpl-{uuid.uuid4().hex}", created=created, model=MODEL_ID,
                          choices=[Choice(message=AssistantMessage(content=ans.answer))], usage=_usage(ans),
                          cairn=_extension(ans))


async def _stream(question: str, history: list[dict[str, str]], state: State, who: Who,
                  created: int) -> AsyncIterator[bytes]:
    cancel = threading.Event()
    loop = asyncio.get_running_loop()
    work = loop.run_in_executor(
        None, lambda: state.agents.for_user(who).ask(question, who, None, True, None, cancel, history))
    cid = f"chatcmpl-{uuid.uuid4().hex}"
    # The role chunk goes out at once, so a client sees the answer start while the turn runs.
    yield _data(ChatCompletionChunk(id=cid, created=created, model=MODEL_ID,
                                    choices=[ChunkChoice(delta=Delta(role="assistant", content=""))]))
    try:
        while not work.done():
            # SSE comments keep proxies from closing a quiet connection; clients skip them.
            done, _ = await asyncio.wait({work}, timeout=10)
            if not done:
                yield b": working\n\n"
        ans = work.result()
    except Exception:
        yield _data({"error": {"message": "internal error", "type": "server_error"}})
        return
    finally:
        cancel.set()
    for piece in (p for p in _PIECE.findall(ans.answer) if p):
        yield _data(ChatCompletionChunk(id=cid, created=created, model=MODEL_ID,
                                        choices=[ChunkChoice(delta=Delta(content=piece))]))
    yield _data(ChatCompletionChunk(id=cid, created=created, model=MODEL_ID,
                                    choices=[ChunkChoice(delta=Delta(), finish_reason="stop")],
                                    cairn=_extension(ans)))
    yield b"data: [DONE]\n\n"


def _data(chunk: ChatCompletionChunk | dict[str, Any]) -> bytes:
    payload = chunk.model_dump(mode="json") if isinstance(chunk, ChatCompletionChunk) else chunk
    if isinstance(chunk, ChatCompletionChunk):
        # OpenAI omits what a delta does not change, and the extension until the last chunk.
        for choice in payload["choices"]:
            choice["delta"] = {k: v for k, v in choice["delta"].items() if v is not None}
        if payload["cairn"] is None:
            del payload["cairn"]
    return f"data: {json.dumps(payload)}\n\n".encode()
