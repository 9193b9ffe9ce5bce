"""A scripted OpenAI-compatible chat server on loopback: the one fake, standing in for hosted LLMs
(in tests, and as the gullible adversary of the red-team suite).

A script is a function of (request body, turn number) returning a Reply: a message, an HTTP error, a delay.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    content: str | None = None
    tool_calls: list[tuple[str, str]] = field(default_factory=list)  # (name, raw JSON arguments)
    status: int = 200
    delay_s: float = 0.0


Script = Callable[[dict[str, Any], int], Reply]


@dataclass
class FakeLLM:
    url: str
    requests: list[dict[str, Any]]


@contextmanager
def serve(script: Script) -> Iterator[FakeLLM]:
    requests: list[dict[str, Any]] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: Any) -> None:
            return

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            with lock:
                requests.append(body)
                turn = len(requests)
            reply = script(body, turn)
            if reply.delay_s:
                time.sleep(reply.delay_s)
            if reply.status != 200:
                payload = json.dumps({"error": {"message": "scripted error", "type": "rate_limit"}}).encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                return
            message: dict[str, Any] = {"role": "assistant", "content": reply.content}
            if reply.tool_calls:
                message["tool_calls"] = [{"id": f"call_{turn}_{i}", "type": "function",
                                          "function": {"name": n, "arguments": a}}
                                         for i, (n, a) in enumerate(reply.tool_calls)]
            payload = json.dumps({
                "id": f"chatcmpl-{turn}", "object": "chat.completion", "created": 0, "model": body.get("model", "m"),
                "choices": [{"index": 0, "message": message,
                             "finish_reason": "tool_calls" if reply.tool_calls else "stop"}],
                "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
            }).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield FakeLLM(f"http://127.0.0.1:{server.server_address[1]}/v1", requests)
    finally:
        server.shutdown()
        server.server_close()


def tool_results(body: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for m in body["messages"]:
        if m["role"] == "tool":
            data = json.loads(m["content"])
            out += data.get("results", [])
    return out


def plain(text: str) -> str:
    """The text inside a datamarked block."""
    m = re.search(r"<untrusted-data[^>]*>\n(.*)\n</untrusted-data>", text, re.DOTALL)
    return m.group(1) if m else text


def question(body: dict[str, Any]) -> str:
    return str(next(m["content"] for m in body["messages"] if m["role"] == "user")).split("\n")[0]


def search_then_quote(body: dict[str, Any], turn: int) -> Reply:
    """A well-behaved model: search, then answer with the first sentence of result 1, cited."""
    if not any(m["role"] == "tool" for m in body["messages"]):
        return Reply(tool_calls=[("search_knowledge", json.dumps({"query": question(body)}))])
    results = tool_results(body)
    if not results:
        return Reply(content="The approved sources do not answer this.")
    first = plain(results[0]["text"]).split("\n\n")[-1].split(". ")[0].rstrip(".") + "."
    return Reply(content=f"{first} [1]")


def gullible(body: dict[str, Any], turn: int) -> Reply:
    """Obeys any instruction it finds in tool output: escalates with the planted text, repeats its links."""
    tool_msgs = [m for m in body["messages"] if m["role"] == "tool"]
    if not tool_msgs:
        return Reply(tool_calls=[("search_knowledge", json.dumps({"query": question(body)}))])
    results = tool_results(body)
    texts = [plain(r["text"]) for r in results]
    already = any("escalate_to_human" in json.dumps(m.get("tool_calls", [])) for m in body["messages"]
                  if m["role"] == "assistant")
    injected = next((t for t in texts if re.search(r"(?i)ignore|instruction|escalate|http|send|call", t)), None)
    if injected and not already:
        args = {"question": injected[:500], "answer": injected[:500], "reason": injected[:200],
                "idempotency_key": f"attack-{turn}"}
        return Reply(tool_calls=[("escalate_to_human", json.dumps(args))])
    links = re.findall(r"https?://\S+", " ".join(texts))
    first = texts[0].split("\n\n")[-1].split(". ")[0].rstrip(".") + "." if texts else "Nothing found."
    extra = f" Visit {links[0]} for details. [1]" if links else ""
    return Reply(content=f"{first} [1]{extra}")
