"""An async client for vLLM's OpenAI-compatible server, on httpx, with a sync facade.

:class:`AsyncVLLMClient` sends JSON requests with a per-call timeout, retries connection
errors and 5xx answers with exponential backoff, bounds the requests in flight with a
semaphore, and raises :class:`VLLMRequestError` at once on a 4xx answer (with the server's
message). :class:`VLLMClient` runs it on a private event loop in a daemon thread, so the
(synchronous) rollout engine can call it from any thread, including one that already runs an
event loop.
"""

from __future__ import annotations

import asyncio
import random
import threading
from concurrent.futures import Future
from typing import Any, Awaitable, Callable, Coroutine, Sequence, TypeVar

import httpx

__all__ = ["VLLMError", "VLLMRequestError", "VLLMUnavailableError", "AsyncVLLMClient", "VLLMClient"]

T = TypeVar("T")


class VLLMError(RuntimeError):
    """Base class of the errors the vLLM client raises."""


class VLLMRequestError(VLLMError):
    """The server rejected a request (4xx), or answered 5xx after every retry.

    Attributes:
        status: the HTTP status code.
        message: the server's error message (its ``error.message`` / ``detail`` / body).
        path: the endpoint called.
    """

    def __init__(self, status: int, message: str, path: str, attempts: int = 1, method: str = "POST"):
        self.status = status
        self.message = message
        self.path = path
        self.attempts = attempts
        what = "rejected" if 400 <= status < 500 else f"failed after {attempts} attempt(s)"
        super().__init__(f"vLLM server {what} {method} {path}: HTTP {status}: {message}")


class VLLMUnavailableError(VLLMError):
    """The server could not be reached (connection refused, reset, timed out) after every retry."""


def _server_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:2000] or response.reason_phrase
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"])
        if isinstance(err, str):
            return err
        if "detail" in body:
            return str(body["detail"])
        if "message" in body:
            return str(body["message"])
    return str(body)[:2000]


class AsyncVLLMClient:
    """Async JSON client for one vLLM server.

    Args:
        base_url: ``http://host:port`` of the server (no ``/v1``).
        timeout: seconds allowed for one attempt of one call (connect + read).
        max_retries: further attempts after a connection error or a 5xx answer.
        backoff: the first retry's delay in seconds; it doubles on each retry (with jitter),
            capped at ``max_backoff``.
        max_concurrency: the most requests in flight at once.
        api_key: sent as a bearer token when set.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 120.0,
        max_retries: int = 3,
        backoff: float = 0.25,
        max_backoff: float = 4.0,
        max_concurrency: int = 64,
        api_key: str | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_concurrency = max_concurrency
        self.api_key = api_key
        self._http: httpx.AsyncClient | None = None
        self._semaphore: asyncio.Semaphore | None = None

    # ------------------------------------------------------------------ plumbing
    def _client(self) -> httpx.AsyncClient:
        # Created lazily so the client and semaphore bind to the loop that uses them.
        if self._http is None:
            headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
            limits = httpx.Limits(max_connections=self.max_concurrency, max_keepalive_connections=self.max_concurrency)
            self._http = httpx.AsyncClient(base_url=self.base_url, headers=headers, limits=limits, timeout=self.timeout)
            self._semaphore = asyncio.Semaphore(self.max_concurrency)
        return self._http

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        timeout: float | None = None,
        retries: int | None = None,
    ) -> Any:
        """One call with retries; returns the decoded JSON body (or None for an empty body)."""
        http = self._client()
        assert self._semaphore is not None
        retries = self.max_retries if retries is None else retries
        timeout = self.timeout if timeout is None else timeout
        last_error: Exception | None = None
        for attempt in range(retries + 1):
            if attempt:
                delay = min(self.max_backoff, self.backoff * 2 ** (attempt - 1))
                await asyncio.sleep(delay * (0.5 + random.random() / 2))
            try:
                async with self._semaphore:
                    response = await http.request(method, path, json=json, params=params, timeout=timeout)
            except (httpx.TransportError,) as exc:  # connect/read errors and timeouts
                last_error = exc
                continue
            if response.status_code >= 500:
                last_error = VLLMRequestError(response.status_code, _server_message(response), path, attempt + 1, method)
                continue
            if response.status_code >= 400:
                raise VLLMRequestError(response.status_code, _server_message(response), path, 1, method)
            if not response.content:
                return None
            try:
                return response.json()
            except ValueError:
                return response.text
        if isinstance(last_error, VLLMRequestError):
            raise last_error
        raise VLLMUnavailableError(
            f"vLLM server at {self.base_url} unreachable: {method} {path} failed {retries + 1} time(s); "
            f"last error: {type(last_error).__name__}: {last_error}"
        ) from last_error

    async def post(self, path: str, json: Any = None, **kw: Any) -> Any:
        return await self.request("POST", path, json=json, **kw)

    async def get(self, path: str, **kw: Any) -> Any:
        return await self.request("GET", path, **kw)

    # ------------------------------------------------------------------ OpenAI-compatible calls
    async def completion(
        self,
        model: str,
        prompt: Sequence[int] | str,
        *,
        max_tokens: int = 16,
        temperature: float = 1.0,
        top_p: float = 1.0,
        logprobs: int | None = None,
        prompt_logprobs: int | None = None,
        return_token_ids: bool = True,
        stop: Sequence[str] | None = None,
        stop_token_ids: Sequence[int] | None = None,
        seed: int | None = None,
        extra: dict[str, Any] | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """``POST /v1/completions`` for one prompt (a list of token ids is sent as is: token-in).

        With ``logprobs`` set, tokens in the answer's logprobs are spelled ``token_id:N``
        (``return_tokens_as_token_ids``), so they are unambiguous. Returns the first choice,
        with the response's ``usage`` under ``"usage"``.
        """
        body: dict[str, Any] = {
            "model": model,
            "prompt": list(prompt) if not isinstance(prompt, str) else prompt,
            "max_tokens": max_tokens,
            "temperature": temperature,
            "top_p": top_p,
            "return_token_ids": return_token_ids,
            "skip_special_tokens": False,
        }
        if logprobs is not None:
            body["logprobs"] = logprobs
            body["return_tokens_as_token_ids"] = True
        if prompt_logprobs is not None:
            body["prompt_logprobs"] = prompt_logprobs
        if stop:
            body["stop"] = list(stop)
        if stop_token_ids:
            body["stop_token_ids"] = list(stop_token_ids)
        if seed is not None:
            body["seed"] = seed
        if extra:
            body.update(extra)
        answer = await self.post("/v1/completions", body, timeout=timeout)
        choices = answer.get("choices") or []
        if not choices:
            raise VLLMError(f"vLLM answered /v1/completions with no choices: {str(answer)[:500]}")
        choice = dict(choices[0])
        choice["usage"] = answer.get("usage")
        return choice

    async def completions(self, model: str, prompts: Sequence[Sequence[int] | str], **kw: Any) -> list[dict[str, Any]]:
        """Many prompts as concurrent requests (bounded by ``max_concurrency``), in order."""
        return list(await asyncio.gather(*(self.completion(model, p, **kw) for p in prompts)))

    async def chat(self, model: str, messages: Sequence[dict[str, str]], **body: Any) -> dict[str, Any]:
        """``POST /v1/chat/completions``; returns the whole answer."""
        return await self.post("/v1/chat/completions", {"model": model, "messages": list(messages), **body})

    async def models(self) -> list[str]:
        """The served model names (the base model and loaded LoRA adapters)."""
        answer = await self.get("/v1/models")
        return [m["id"] for m in answer.get("data", [])]

    async def health(self, timeout: float = 5.0) -> bool:
        """True if ``/health`` answers 200 (one attempt, no retries)."""
        try:
            await self.request("GET", "/health", timeout=timeout, retries=0)
            return True
        except VLLMError:
            return False


class _LoopThread:
    """An event loop running forever in a daemon thread; coroutines are submitted to it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="agentgym-vllm-client", daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        if threading.current_thread() is self.thread:
            raise RuntimeError("VLLMClient's sync methods cannot be called from its own event loop thread")
        future: Future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise

    def close(self) -> None:
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=5)
        if not self.loop.is_running():
            self.loop.close()


class VLLMClient:
    """Synchronous facade over :class:`AsyncVLLMClient` (same arguments).

    Calls run on a private event loop in a daemon thread, so they work from plain code, from
    worker threads, and from inside a running event loop alike. ``aclient`` is the async client
    for callers that want to ``await`` directly (on that loop, via :meth:`run`).
    """

    def __init__(self, base_url: str, **kw: Any):
        self.aclient = AsyncVLLMClient(base_url, **kw)
        self._loop: _LoopThread | None = None
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return self.aclient.base_url

    def run(self, coro_fn: Callable[..., Awaitable[T]] | Coroutine[Any, Any, T], *args: Any, **kw: Any) -> T:
        """Run a coroutine (or a coroutine function with arguments) on the private loop."""
        with self._lock:
            if self._loop is None:
                self._loop = _LoopThread()
            loop = self._loop
        coro = coro_fn(*args, **kw) if callable(coro_fn) else coro_fn
        return loop.run(coro)  # type: ignore[arg-type]

    def post(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.run(self.aclient.post, path, json, **kw)

    def get(self, path: str, **kw: Any) -> Any:
        return self.run(self.aclient.get, path, **kw)

    def completion(self, model: str, prompt: Sequence[int] | str, **kw: Any) -> dict[str, Any]:
        return self.run(self.aclient.completion, model, prompt, **kw)

    def completions(self, model: str, prompts: Sequence[Sequence[int] | str], **kw: Any) -> list[dict[str, Any]]:
        return self.run(self.aclient.completions, model, prompts, **kw)

    def chat(self, model: str, messages: Sequence[dict[str, str]], **body: Any) -> dict[str, Any]:
        return self.run(self.aclient.chat, model, messages, **body)

    def models(self) -> list[str]:
        return self.run(self.aclient.models)

    def health(self, timeout: float = 5.0) -> bool:
        return self.run(self.aclient.health, timeout)

    def close(self) -> None:
        with self._lock:
            loop, self._loop = self._loop, None
        if loop is not None:
            try:
                loop.run(self.aclient.aclose(), timeout=5)
            except Exception:
                pass
            loop.close()

    def __enter__(self) -> "VLLMClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:  # best effort: stop the loop thread
        try:
            if self._loop is not None:
                self._loop.close()
        except Exception:
            pass
