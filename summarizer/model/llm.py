"""The one seam for every model call: structured, validated calls to an OpenAI-compatible endpoint."""

from __future__ import annotations

import json
import logging
import time
from typing import Any, TypeVar

import openai
from pydantic import BaseModel, ValidationError

from summarizer.card import ModelCall
from summarizer.errors import EndpointUnavailable, ModelOutputInvalid, ModelUnavailable
from summarizer.model import tokens
from summarizer.model.prompts import RenderedPrompt
from summarizer.settings import LLMSettings, masked_url

logger = logging.getLogger(__name__)
Answer = TypeVar("Answer", bound=BaseModel)


class LLM:
    """Structured calls to an OpenAI-compatible endpoint, validated by pydantic, with one repair."""

    def __init__(self, settings: LLMSettings, base_url: str, model: str, *, local: bool) -> None:
        self.settings = settings
        self.base_url = base_url
        self.model = model
        self.json_mode = settings.json_mode
        if self.json_mode == "auto":
            self.json_mode = "json_object" if local else "json_schema"
        # transport retries belong to one owner (RELIABILITY.md §3): this client for a command, the queue's
        # backoff in a worker (which sets max_retries to 0, so a hung endpoint costs one timeout)
        self.client = openai.OpenAI(
            base_url=base_url, api_key=settings.api_key.get_secret_value() if settings.api_key else "not-needed",
            timeout=settings.timeout_s, max_retries=settings.max_retries,
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
            content, cut_off = self._complete(messages, schema, max_tokens, call)
            try:
                # strict=False: a raw newline inside a string is what grammar-constrained models emit
                return schema.model_validate(json.loads(_strip_fences(content), strict=False)), call
            except (json.JSONDecodeError, ValidationError) as exc:
                error = _short_error(exc) if isinstance(exc, ValidationError) else f"invalid JSON: {exc}"
                if cut_off:
                    error = f"{error} (the answer was cut off at the limit of {max_tokens} tokens)"
            logger.warning("%s: invalid model output (attempt %d): %s", prompt.name, attempt, error)
            messages += [
                {"role": "assistant", "content": content[:2000]},
                {"role": "user", "content": (
                    f"That answer is not valid: {error}. Reply again with only a JSON object that "
                    f"matches this schema (a field with a fixed set of values takes one of those offered "
                    f"above): {json.dumps(_without_choices(schema.model_json_schema()))}"
                )},
            ]
        call.ok = False
        raise ModelOutputInvalid(prompt.name, error)

    def _complete(
        self, messages: list[dict[str, str]], schema: type[BaseModel], max_tokens: int, call: ModelCall
    ) -> tuple[str, bool]:
        """The answer's text, and whether the endpoint stopped it at max_tokens."""
        kwargs: dict[str, Any] = {}
        response_format = self._response_format(schema)
        if response_format:
            kwargs["response_format"] = response_format
        started = time.perf_counter()
        try:
            response = self.client.chat.completions.create(
                # plain role/content dicts are what the API takes; openai types them as a union of TypedDicts
                model=self.model, messages=messages,  # type: ignore[arg-type]  # see the line above
                temperature=self.settings.temperature, seed=self.settings.seed,
                max_tokens=max_tokens, **kwargs,
            )
        except (openai.APIConnectionError, openai.APITimeoutError, openai.RateLimitError,
                openai.InternalServerError) as exc:
            raise EndpointUnavailable(f"model endpoint {masked_url(self.base_url)} failed: {exc}") from exc
        except openai.APIStatusError as exc:
            raise ModelUnavailable(f"model endpoint {masked_url(self.base_url)} refused the call: {exc}") from exc
        call.seconds = round(call.seconds + time.perf_counter() - started, 3)
        if response.usage:
            call.prompt_tokens += response.usage.prompt_tokens
            call.completion_tokens += response.usage.completion_tokens
        if not response.choices:
            return "", False
        choice = response.choices[0]
        return choice.message.content or "", choice.finish_reason == "length"


def _token_budget(schema: type[BaseModel]) -> int:
    """Tokens a maximal answer can take: its bounded strings and JSON syntax at the worst case."""
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
            return int(node.get("maxItems", 8)) * (size(node.get("items", {})) + 2)
        if kind == "string":
            return int(node.get("maxLength", 400)) + 2
        return 12

    return tokens.worst_case(size(body)) + 16


def _strip_fences(text: str) -> str:
    """Accept a JSON object wrapped in ``` fences, as chat models without constrained decoding do."""
    text = text.strip()
    if text.startswith("```"):
        text = text.split("\n", 1)[-1].rsplit("```", 1)[0]
    return text


# A schema's fixed values can be text from the paper (the row names of extract_results), which reaches the
# model only inside the prompt's fences: the repair message, outside them, never repeats them.
_CHOICES = ("enum", "const")
_CHOICE_ERRORS = ("literal_error", "enum")


def _without_choices(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _without_choices(v) for k, v in node.items() if k not in _CHOICES}
    if isinstance(node, list):
        return [_without_choices(v) for v in node]
    return node


def _short_error(exc: ValidationError) -> str:
    parts = [
        f"{'.'.join(map(str, e['loc'])) or 'answer'}: "
        + ("not one of the values offered" if e["type"] in _CHOICE_ERRORS else e["msg"])
        for e in exc.errors()[:5]
    ]
    return "; ".join(parts)
