"""A fake OpenAI-compatible chat endpoint on 127.0.0.1: scripted answers, fixed latency, request log.

Used where the test is about our handling of the model (invalid JSON, repair, latency), not its content.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Responder = Callable[[dict[str, Any]], str]


def outside_fences(prompt: str, fence: str) -> str:
    """The lines of a rendered prompt outside its fences: what the model reads as instructions."""
    outside, inside = [], False
    for line in prompt.split("\n"):
        if line.startswith(fence):
            inside = not inside
        elif not inside:
            outside.append(line)
    assert not inside, "a fence is left open"
    return "\n".join(outside)


class FakeLLM:
    """Answers /v1/chat/completions with queued contents, or with `default(request)` when the queue is empty."""

    def __init__(self, default: Responder | None = None, latency_s: float = 0.0) -> None:
        self.queue: deque[str] = deque()
        self.default = default or (lambda request: "{}")
        self.latency_s = latency_s
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def start(self) -> FakeLLM:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def go_down(self) -> None:
        """Stop listening, as a crashed endpoint: connections to its port are refused until come_back()."""
        self.stop()
        self.thread.join(timeout=10)

    def come_back(self) -> None:
        """Listen again on the same port (after go_down)."""
        port = self.server.server_address[1]
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, *contents: str) -> None:
        with self.lock:
            self.queue.extend(contents)

    def _next(self, request: dict[str, Any]) -> str:
        with self.lock:
            self.requests.append(request)
            if self.queue:
                return self.queue.popleft()
        return self.default(request)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/models"):
                    self._send(200, {"object": "list", "data": [{"id": "fake", "object": "model"}]})
                else:
                    self._send(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                request = json.loads(self.rfile.read(length) or b"{}")
                content = fake._next(request)
                # a server stops at max_tokens; here at the worst case, one character a token
                limit = request.get("max_tokens")
                finish = "length" if limit is not None and len(content) > limit else "stop"
                content = content[:limit] if finish == "length" else content
                if fake.latency_s:
                    time.sleep(fake.latency_s)
                prompt_tokens = sum(len(str(m.get("content", ""))) for m in request.get("messages", [])) // 4
                self._send(200, {
                    "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()),
                    "model": request.get("model", "fake"),
                    "choices": [{"index": 0, "finish_reason": finish,
                                 "message": {"role": "assistant", "content": content}}],
                    "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": len(content) // 4,
                              "total_tokens": prompt_tokens + len(content) // 4},
                })

        return Handler


def schema_answer(request: dict[str, Any]) -> str:
    """A minimal answer that satisfies the request's JSON schema: plumbing without a model."""
    fmt = request.get("response_format") or {}
    schema = fmt.get("schema") or (fmt.get("json_schema") or {}).get("schema") or {}
    return json.dumps(_instance(schema, schema))


def _instance(node: dict[str, Any], root: dict[str, Any]) -> Any:
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return _instance(root.get("$defs", {})[name], root)
    if "enum" in node:
        return node["enum"][0]
    if "const" in node:
        return node["const"]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in node:
            return _instance(node[key][0], root)
    kind = node.get("type")
    if kind == "object":
        return {k: _instance(v, root) for k, v in node.get("properties", {}).items()}
    if kind == "array":
        return [_instance(node.get("items", {}), root) for _ in range(node.get("minItems", 0))]
    if kind == "string":
        text = "A plain sentence from the fake model."
        return text[: node.get("maxLength", len(text))].ljust(node.get("minLength", 0), ".")
    if kind in ("integer", "number"):
        return node.get("minimum", 0)
    if kind == "boolean":
        return False
    return None
