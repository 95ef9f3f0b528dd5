"""The one seam for every model call: an OpenAI-compatible endpoint, or our own llama.cpp server."""

from __future__ import annotations

import ctypes
import json
import signal
import logging
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx
import openai
from pydantic import BaseModel, ValidationError

from summarizer import models
from summarizer.card import ModelCall
from summarizer.errors import ModelOutputInvalid, ModelUnavailable, UpstreamUnavailable
from summarizer.prompts import RenderedPrompt
from summarizer.settings import LLMSettings

logger = logging.getLogger(__name__)
Answer = TypeVar("Answer", bound=BaseModel)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _die_with_parent() -> None:
    """Linux: the model server gets SIGTERM when the process that started it dies, even by SIGKILL,
    so a killed worker or CLI never leaves a 2 GB server running (prctl PR_SET_PDEATHSIG)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGTERM)


def model_name(settings: LLMSettings) -> str:
    """The name calls are made (and cards recorded) under: part of every job's pipeline version."""
    if settings.model:
        return settings.model
    if settings.base_url:
        return "default"
    gguf = settings.gguf  # the alias LocalServer gives: a .gguf file's stem, else the packaged name
    return Path(gguf).stem if gguf.endswith(".gguf") else gguf


class LocalServer:
    """llama-cpp-python's OpenAI-compatible server on loopback, for as long as the context lasts."""

    def __init__(self, settings: LLMSettings, cache_dir: Path, *, host: str = "127.0.0.1",
                 port: int | None = None) -> None:
        self.settings = settings
        self.gguf = models.resolve(settings.gguf, cache_dir)
        self.alias = model_name(settings)
        self.host = host
        self.port = port or _free_port()
        self.log_path = cache_dir / "logs" / f"llama-server-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def command(self) -> list[str]:
        """The llama.cpp server command line for this model and these settings."""
        s = self.settings
        return [
            sys.executable, "-m", "llama_cpp.server", "--model", str(self.gguf),
            "--model_alias", self.alias, "--host", self.host, "--port", str(self.port),
            "--n_ctx", str(s.n_ctx), "--n_threads", str(s.n_threads), "--seed", str(s.seed),
            "--verbose", "False",
        ]

    def start(self) -> None:
        s = self.settings
        cmd = self.command()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        logger.info("starting llama.cpp server on port %s with %s", self.port, self.gguf.name)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                            preexec_fn=_die_with_parent if sys.platform == "linux" else None)
        deadline = time.monotonic() + s.server_start_timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = self.log_path.read_text("utf-8", "replace")[-800:]
                raise ModelUnavailable(f"the llama.cpp server exited at start ({self.log_path}):\n{tail}")
            try:
                if httpx.get(f"{self.base_url}/models", timeout=2.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        self.stop()
        raise ModelUnavailable(f"the llama.cpp server did not start within {s.server_start_timeout_s} s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def __enter__(self) -> LocalServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class LLM:
    """Structured calls to an OpenAI-compatible endpoint, validated by pydantic, with one repair."""

    def __init__(self, settings: LLMSettings, base_url: str, model: str, *, local: bool) -> None:
        self.settings = settings
        self.base_url = base_url
        self.model = model
        self.json_mode = settings.json_mode
        if self.json_mode == "auto":
            self.json_mode = "json_object" if local else "json_schema"
        # transport retries belong to the client (RELIABILITY.md §3: one owner per failure class)
        self.client = openai.OpenAI(
            base_url=base_url, api_key=settings.api_key or "not-needed",
            timeout=settings.timeout_s, max_retries=2,
        )

    def _response_format(self, schema: type[BaseModel]) -> dict[str, Any] | None:
        body = schema.model_json_schema()
        if self.json_mode == "json_object":  # llama.cpp: a grammar built from the schema
            return {"type": "json_object", "schema": body}
        if self.json_mode == "json_schema":
            return {"type": "json_schema", "json_schema": {"name": schema.__name__, "schema": body}}
        return None

    def ask(self, prompt: RenderedPrompt, schema: type[Answer], *, system: str) -> tuple[Answer, ModelCall]:
        """Ask once, re-ask once with the validation error, else raise ModelOutputInvalid."""
        messages: list[dict[str, str]] = [
            {"role": "system", "content": system},
            {"role": "user", "content": prompt.text},
        ]
        call = ModelCall(prompt=prompt.name, prompt_version=prompt.version, model=self.model, attempts=0)
        # never below what the schema allows: a cut-off answer is invalid JSON, whatever the prompt asked
        max_tokens = max(int(prompt.max_tokens * self.settings.max_tokens_scale), _token_budget(schema))
        error = ""
        for attempt in (1, 2):
            call.attempts = attempt
            content = self._complete(messages, schema, max_tokens, call)
            try:
                # strict=False: a raw newline inside a string is what grammar-constrained models emit
                return schema.model_validate(json.loads(_strip_fences(content), strict=False)), call
            except (json.JSONDecodeError, ValidationError) as exc:
                error = _short_error(exc) if isinstance(exc, ValidationError) else f"invalid JSON: {exc}"
            logger.warning("%s: invalid model output (attempt %d): %s", prompt.name, attempt, error)
            messages += [
                {"role": "assistant", "content": content[:2000]},
                {"role": "user", "content": (
                    f"That answer is not valid: {error}. Reply again with only a JSON object that "
                    f"matches this schema: {json.dumps(schema.model_json_schema())}"
                )},
            ]
        call.ok = False
        raise ModelOutputInvalid(prompt.name, error)

    def _complete(
        self, messages: list[dict[str, str]], schema: type[BaseModel], max_tokens: int, call: ModelCall
    ) -> str:
        kwargs: dict[str, Any] = {}
        response_format = self._response_format(schema)
        if response_format:
            kwargs["response_format"] = response_format
        started = time.perf_counter()
        try:
            response = self.client.chat.completions.create(
                model=self.model, messages=messages,  # type: ignore[arg-type]
                temperature=self.settings.temperature, seed=self.settings.seed,
                max_tokens=max_tokens, **kwargs,
            )
        except (openai.APIConnectionError, openai.APITimeoutError, openai.RateLimitError,
                openai.InternalServerError) as exc:
            raise UpstreamUnavailable(f"model endpoint {self.base_url} failed: {exc}") from exc
        except openai.APIStatusError as exc:
            raise ModelUnavailable(f"model endpoint {self.base_url} refused the call: {exc}") from exc
        call.seconds = round(call.seconds + time.perf_counter() - started, 3)
        if response.usage:
            call.prompt_tokens += response.usage.prompt_tokens
            call.completion_tokens += response.usage.completion_tokens
        if not response.choices:
            return ""
        return response.choices[0].message.content or ""


def _token_budget(schema: type[BaseModel]) -> int:
    """Tokens a maximal answer can take: bounded strings at 2 characters a token, plus JSON syntax.

    Prose runs ~4 characters a token, but a small model that fills a field to its maxLength with
    fragments or symbols spends a token on 1-2 characters; a cut-off answer is invalid JSON.
    """
    body = schema.model_json_schema()
    defs = body.get("$defs", {})

    def size(node: dict[str, Any]) -> int:
        if "$ref" in node:
            return size(defs[node["$ref"].rsplit("/", 1)[-1]])
        if "enum" in node:
            return max(len(str(v)) for v in node["enum"]) + 2
        for key in ("anyOf", "oneOf"):
            if key in node:
                return max(size(n) for n in node[key])
        kind = node.get("type")
        if kind == "object":
            return sum(len(k) + 4 + size(v) for k, v in node.get("properties", {}).items())
        if kind == "array":
            return node.get("maxItems", 8) * (size(node.get("items", {})) + 2)
        if kind == "string":
            return int(node.get("maxLength", 400)) + 2
        return 12

    return size(body) // 2 + 16


def _strip_fences(text: str) -> str:
    """Accept a JSON object wrapped in ``` fences, as chat models without constrained decoding do."""
    text = text.strip()
    if text.startswith("```"):
        text = text.split("\n", 1)[-1].rsplit("```", 1)[0]
    return text


def _short_error(exc: ValidationError) -> str:
    parts = [f"{'.'.join(map(str, e['loc'])) or 'answer'}: {e['msg']}" for e in exc.errors()[:5]]
    return "; ".join(parts)


@contextmanager
def connect(settings: LLMSettings, cache_dir: Path) -> Iterator[LLM]:
    """Yield an LLM: the configured endpoint, or a local llama.cpp server started (and stopped) here."""
    if settings.base_url:
        yield LLM(settings, settings.base_url, model_name(settings), local=False)
        return
    with LocalServer(settings, cache_dir) as server:
        yield LLM(settings, server.base_url, server.alias, local=True)
