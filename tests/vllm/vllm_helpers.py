"""Helpers for the vLLM tests: a fake HTTP server and vLLM-shaped answers."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable


class FakeServer:
    """A tiny HTTP server on 127.0.0.1 in a thread; ``handler(method, path, body)`` returns
    ``(status, json_body)``. Counts requests and the most served at once."""

    def __init__(self, handler: Callable[[str, str, Any], tuple[int, Any]]):
        self.handler = handler
        self.hits = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                with fake._lock:
                    fake.hits += 1
                    fake.in_flight += 1
                    fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
                try:
                    status, payload = fake.handler(method, self.path, body)
                finally:
                    with fake._lock:
                        fake.in_flight -= 1
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def completion_answer(token_ids: list[int], prompt: list[int] | None = None, finish_reason: str = "stop") -> dict[str, Any]:
    """A /v1/completions answer shaped like vLLM's (return_token_ids, logprobs as token ids)."""
    return {
        "id": "cmpl-test",
        "object": "text_completion",
        "created": int(time.time()),
        "model": "m",
        "choices": [
            {
                "index": 0,
                "text": "hi",
                "logprobs": {
                    "text_offset": list(range(len(token_ids))),
                    "token_logprobs": [-0.5] * len(token_ids),
                    "tokens": [f"token_id:{t}" for t in token_ids],
                    "top_logprobs": [{f"token_id:{t}": -0.5, "token_id:99999": -1.0} for t in token_ids],
                },
                "finish_reason": finish_reason,
                "stop_reason": None,
                "token_ids": token_ids,
                "prompt_token_ids": prompt,
            }
        ],
        "usage": {"prompt_tokens": len(prompt or []), "completion_tokens": len(token_ids), "total_tokens": 0},
    }
