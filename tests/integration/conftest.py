"""Fixtures for integration tests: the real llama.cpp server on the packaged test model, a fake endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from summarizer.model import llm, server
from summarizer.settings import LLMSettings, Settings, load
from tests.fakes.fake_llm import FakeLLM, schema_answer

TINY = LLMSettings(gguf="smollm2-135m", n_ctx=4096, max_tokens_scale=0.5)


@pytest.fixture(scope="session")
def local_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[server.LocalServer]:
    """One llama.cpp server on SmolLM2-135M for the whole session (loading it costs ~1 s, but cache matters)."""
    with server.LocalServer(TINY, tmp_path_factory.mktemp("models")) as running:
        yield running


@pytest.fixture()
def tiny_llm(local_server: server.LocalServer) -> llm.LLM:
    return llm.LLM(TINY, local_server.base_url, local_server.alias, local=True)


@pytest.fixture()
def fake_llm() -> Iterator[FakeLLM]:
    server = FakeLLM(default=schema_answer).start()
    yield server
    server.stop()


@pytest.fixture()
def tiny_settings(tmp_path: Path) -> Settings:
    """Settings for a test: own data dir (cache, Chroma), the tiny preset."""
    return load("local-tiny", env={}, data_dir=tmp_path / "data")
